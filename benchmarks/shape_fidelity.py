"""Shape fidelity of the keyless generator: known products, photographed, generated, scored in metres.

    python -m benchmarks.shape_fidelity [--only mug,book]

Eighteen products whose true shape is known (tests/pipeline/known_products.py: revolved
profiles, a mug with its handle, a baseball cap, a plate, boxes, slabs, a lens cap facing the camera,
garment-like shells, a plush) are photographed
the way a catalogue shot is taken (perspective, 15° above, lit, textured, plain light
background), generated with their true size in WooCommerce's length/width/height form, placed
by Stage 2 and scored against the truth in metres without refitting: silhouette IoU from the
front, the side and above, and voxel IoU (also with each part's hollows filled: an open vessel's
walls are a few millimetres of material, so its plain voxel IoU mostly says how well the guessed
wall and floor thicknesses agree). Each is generated twice in the same run: with the
shape class the generator decides and its size matched to the photo, and as today's pillow
(free-form forced, the three numbers taken by position and every axis stretched to them).

Aims: median of mean(side, top, voxel) ≥ 0.92, minimum ≥ 0.85, front ≥ 0.95.
Then every real photo in tests/fixtures/photos (titled as a store would) is generated both ways
and its front silhouette compared with the photo's cut-out (Stage 2's fidelity measure); a round
model is also seen through the camera its builder read from the photo, perspective and all.
Prints both tables; writes benchmarks/out/shape_fidelity.json.

    python -m benchmarks.shape_fidelity --turned [--sheets benchmarks]

turns every known product round instead, with the held-out shapes (a cuffed knit hat, a
notebook held in a hand, a bottle with a carry loop), products printed on the front (and a
polo photographed front and back), and galleries whose second image is the back, a close-up,
someone wearing it or a side view: silhouette IoU from the front, the side and above, and the
back's colours against the truth's seen from behind (a mirrored print, a close-up or skin
pasted on the back lower it); per case and per class; with --sheets, a contact sheet per class
(the photos, then the model from the front, its left and right sides, behind and above).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

OUT = Path(__file__).resolve().parent / "out"
AIMS = {"median_mean": 0.92, "min_mean": 0.85, "front": 0.95}
PHOTOS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "photos"
# The fixture photos with the title a store would give them (and the back photo of the pair).
REAL = {"solidus_tshirt.png": "T-shirt", "solidus_tote.png": "Tote bag", "solidus_hoodie_black_1.png": "Black hoodie",
        "solidus_cap_black_1.png": "Baseball cap", "solidus_mug_set.png": "Mug set", "solidus_bottles_1.png": "Bottles",
        "ruby_mug.jpg": "Ruby mug", "solidus_tshirt.jpg": "T-shirt (front and back)", "knit_hat_flat.png": "Hat"}


def real_photo(file: str, title: str, forced: str) -> dict[str, Any]:
    """Front silhouette IoU of the model against the photo's cut-out, as Stage 2 measures it."""
    from pipeline.generators.local_generator import LocalGenerator
    from pipeline.product import ProductInput, SourceImage
    from pipeline.stage2.poster import render_front_view
    from pipeline.stage2.quality import silhouette_iou

    files = [file, "solidus_tshirt_back.jpg"] if file == "solidus_tshirt.jpg" else [file]
    images = tuple(SourceImage((PHOTOS / name).read_bytes(), name) for name in files)
    generated = LocalGenerator(max_faces=50_000).generate(ProductInput(title=title, images=images, shape=forced))
    assert generated.source_mask is not None
    iou = silhouette_iou(generated.source_mask, render_front_view(generated.mesh).mask)
    shape = generated.metadata["shape"]["shape"]  # type: ignore[index]
    stack = generated.metadata.get("stack")
    through = None
    # A cap's or a hat's crown and brim are not one revolved body: nothing to see through.
    if shape == "round" and "headwear" not in generated.metadata:
        # A stack's bodies were seen through their camera by the generator itself.
        through = stack["through_camera_iou"] if isinstance(stack, dict) else seen_through_camera(generated.source_mask)
    ys, xs = np.nonzero(generated.source_mask)
    front_mask = render_front_view(generated.mesh).mask
    fy, fx = np.nonzero(front_mask)
    proportions = ((np.ptp(fy) + 1) / (np.ptp(fx) + 1)) / ((np.ptp(ys) + 1) / (np.ptp(xs) + 1))
    return {"shape": shape, "front": round(iou, 4), "through_camera": through, "proportions": round(float(proportions), 3)}


def seen_through_camera(photo_mask: Any) -> float:
    """A round model's outline seen the way the photo was taken (through the camera the builder
    read from the rims, perspective and all) against the photo's cut-out, in the photo's frame:
    what the front IoU cannot show, since it compares an orthographic front with a perspective photo."""
    from pipeline.generators.local_generator import _crop_box
    from pipeline.generators.shapes.revolved import find_body, revolve, view_of
    from pipeline.generators.shapes.camera import seen_iou

    x0, y0, x1, y1 = _crop_box(photo_mask)
    mask = photo_mask[y0:y1, x0:x1]
    body = find_body(mask)
    camera, start, stop = view_of(mask, body, photo_mask.shape[0] / 2 - y0, 0.0)
    surface = revolve(mask, body, camera, start, stop, max_faces=50_000)
    return round(seen_iou(surface, camera, body.axis, mask), 4)


def score(product: Any, forced: str) -> dict[str, Any]:
    """Generate one known product ("auto", a forced shape, or "today": the pillow sized as before
    this benchmark existed) and score it against its truth."""
    from pipeline.generators.local_generator import LocalGenerator
    from pipeline.product import Dimensions
    from pipeline.stage2.finish import place, real_size_for
    from pipeline.stage2.mesh_repair import repair
    from tests.pipeline.known_products import view_ious, voxel_iou

    if forced == "today":
        # Today's pillow: WooCommerce's numbers by position (length → width, height → height,
        # width → depth), every axis stretched to them.
        listed = product.listed
        by_position = Dimensions(listed.length_m, listed.height_m, listed.width_m)
        inputs = product.product_input(shape="free-form", dimensions=by_position)
    else:
        inputs = product.product_input(shape=forced)
    started = time.perf_counter()
    generated = LocalGenerator(max_faces=50_000).generate(inputs)
    seconds = time.perf_counter() - started
    mesh, _ = repair(generated.mesh)
    size, _, _ = real_size_for(mesh, generated, inputs)
    mesh, _, _ = place(mesh, size)
    views = view_ious(mesh, product.truth)
    voxel = voxel_iou(mesh, product.truth)
    voxel_filled = voxel_iou(mesh, product.truth, filled=True)
    return {
        "shape": generated.metadata["shape"]["shape"],  # type: ignore[index]
        **{view: round(value, 4) for view, value in views.items()},
        "voxel": round(voxel, 4),
        "voxel_filled": round(voxel_filled, 4),
        "mean_side_top_voxel": round((views["side"] + views["top"] + voxel) / 3, 4),
        "size_m": [round(float(v), 4) for v in mesh.extents],
        "generate_s": round(seconds, 3),
        "warnings": list(generated.warnings),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from tests.pipeline.known_products import known_products

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated product names (default: all)")
    parser.add_argument("--photos", action="store_true", help="only the fixture photos' table")
    parser.add_argument("--turned", action="store_true",
                        help="only turn every case round: front, side, back and top against the truth")
    parser.add_argument("--sheets", type=Path, default=None, help="with --turned: write a contact sheet per class here")
    parser.add_argument("--out", type=Path, default=OUT / "shape_fidelity_turned.json", help="with --turned: JSON out")
    args = parser.parse_args(argv)
    if args.turned:
        result = turned_main(args.sheets)
        OUT.mkdir(exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
        return result
    wanted = {n for n in args.only.split(",") if n}
    if args.photos:
        photos = [{"photo": file, "title": title, "shaped": real_photo(file, title, "auto"),
                   "pillow": real_photo(file, title, "free-form")} for file, title in REAL.items()]
        print(photo_table(photos))
        return {"real_photos": photos}
    rows = []
    for product in known_products():
        if wanted and product.name not in wanted:
            continue
        rows.append({"product": product.name, "true_class": product.shape,
                     "true_size_m": [round(float(v), 4) for v in product.truth.extents],
                     "shaped": score(product, "auto"), "pillow": score(product, "today")})
    summary = {
        label: {
            "median_mean": round(statistics.median(r[label]["mean_side_top_voxel"] for r in rows), 4),
            "min_mean": round(min(r[label]["mean_side_top_voxel"] for r in rows), 4),
            "median_front": round(statistics.median(r[label]["front"] for r in rows), 4),
            "min_front": round(min(r[label]["front"] for r in rows), 4),
            "class_right": sum(r[label]["shape"] == r["true_class"] for r in rows) if label == "shaped" else None,
        }
        for label in ("shaped", "pillow")
    }
    photos = [{"photo": file, "title": title, "shaped": real_photo(file, title, "auto"),
               "pillow": real_photo(file, title, "free-form")} for file, title in REAL.items() if not wanted]
    result = {"machine": platform.processor() or platform.machine(), "python": platform.python_version(),
              "aims": AIMS, "summary": summary, "products": rows, "real_photos": photos}
    OUT.mkdir(exist_ok=True)
    (OUT / "shape_fidelity.json").write_text(json.dumps(result, indent=2) + "\n")
    print(table(rows, summary))
    if photos:
        print()
        print(photo_table(photos))
    return result


def photo_table(photos: list[dict[str, Any]]) -> str:
    lines = ["| fixture photo | title | decided | front IoU | front h/w vs the photo's | pillow front IoU | "
             "round: through its camera |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {p['photo']} | {p['title']} | {p['shaped']['shape']} | {p['shaped']['front']:.3f} | "
              f"{p['shaped']['proportions']:.2f} | {p['pillow']['front']:.3f} | "
              f"{'' if p['shaped']['through_camera'] is None else format(p['shaped']['through_camera'], '.3f')} |"
              for p in photos]
    return "\n".join(lines)


def table(rows: list[dict[str, Any]], summary: dict[str, Any]) -> str:
    """The Markdown table kept in benchmarks/README.md."""
    lines = ["| product | true class | decided | front | side | top | voxel | voxel, filled | mean(side, top, voxel) | "
             "pillow: front / mean |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        s, p = r["shaped"], r["pillow"]
        lines.append(f"| {r['product']} | {r['true_class']} | {s['shape']} | {s['front']:.3f} | {s['side']:.3f} | "
                     f"{s['top']:.3f} | {s['voxel']:.3f} | {s['voxel_filled']:.3f} | "
                     f"**{s['mean_side_top_voxel']:.3f}** | "
                     f"{p['front']:.3f} / {p['mean_side_top_voxel']:.3f} |")
    s, p = summary["shaped"], summary["pillow"]
    lines.append(f"| **median** | | {s['class_right']}/{len(rows)} right | {s['median_front']:.3f} | | | | | "
                 f"**{s['median_mean']:.3f}** | {p['median_front']:.3f} / {p['median_mean']:.3f} |")
    lines.append(f"| **minimum** | | | {s['min_front']:.3f} | | | | | **{s['min_mean']:.3f}** | "
                 f"{p['min_front']:.3f} / {p['min_mean']:.3f} |")
    return "\n".join(lines)


# --- Turned round: every side a shopper sees, against the known truth -------------------------------

# Cases beyond the known products' one photo: front/back pairs and the second images a store shows
# that are no back (a close-up, someone wearing it, a side view).
SECOND_IMAGES = ("back", "close-up", "worn", "side")
_TO_BACK = np.array([[-1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, -1.0, 0], [0, 0, 0, 1.0]])
_TO_RIGHT = np.array([[0, 0, 1.0, 0], [0, 1.0, 0, 0], [-1.0, 0, 0, 0], [0, 0, 0, 1.0]])


def turned_cases() -> list[tuple[str, Any, str]]:
    """(case, known product, second image or "") for every product, its held-out and printed kin,
    and the gallery cases."""
    from tests.pipeline.known_products import held_out_products, known_products, printed_products

    cases = [(p.name, p, "") for p in (*known_products(), *held_out_products(), *printed_products())]
    by = {p.name: p for p in printed_products()}
    cases += [("polo_pair + back photo", by["polo_pair"], "back"),
              ("polo_pair + close-up", by["polo_pair"], "close-up"),
              ("tshirt_printed + worn close-up", by["tshirt_printed"], "worn"),
              ("tote_printed + side view", by["tote_printed"], "side")]
    return cases


def second_image(product: Any, kind: str) -> Any:
    """The gallery's second image: the back photographed, a close-up of the front's print, a
    close-up of someone wearing it (chin and neck above the chest), or the product from its side."""
    import io as _io

    from PIL import Image, ImageDraw
    from pipeline.product import SourceImage
    from tests.pipeline.known_products import catalogue_photo

    if kind == "back":
        return SourceImage(catalogue_photo(product.name, behind=True), f"{product.name}-2.png")
    front = Image.open(_io.BytesIO(catalogue_photo(product.name))).convert("RGB")
    size = front.width
    if kind == "side":
        return SourceImage(catalogue_photo(product.name, from_side=True), f"{product.name}-2.png")
    image = front.crop((size // 4, size // 4, 3 * size // 4, 3 * size // 4)).resize((size, size))
    if kind == "worn":
        draw = ImageDraw.Draw(image)
        draw.ellipse((size * 0.3, -size * 0.45, size * 0.7, size * 0.08), fill=(224, 172, 140))
        draw.rectangle((size * 0.42, 0, size * 0.58, size * 0.2), fill=(214, 162, 130))
    buffer = _io.BytesIO()
    image.save(buffer, format="PNG")
    return SourceImage(buffer.getvalue(), f"{product.name}-2.png")


def textured(product: Any) -> Any:
    from tests.pipeline.known_products import textured_truth

    return textured_truth(product)


def turned_model(product: Any, second: str) -> tuple[Any, Any]:
    """The placed model (in metres, as Stage 2 places it) and the generator's output."""
    from dataclasses import replace

    from pipeline.generators.local_generator import LocalGenerator
    from pipeline.stage2.finish import place, real_size_for
    from pipeline.stage2.mesh_repair import repair

    inputs = product.product_input()
    if second:
        inputs = replace(inputs, images=(*inputs.images, second_image(product, second)))
    generated = LocalGenerator(max_faces=50_000).generate(inputs)
    mesh, _ = repair(generated.mesh)
    size, _, _ = real_size_for(mesh, generated, inputs)
    mesh, _, _ = place(mesh, size)
    return mesh, generated


def _unlit_from(mesh: Any, turn: np.ndarray, bounds: tuple[Any, Any], scale: float) -> Any:
    from pipeline.stage2.poster import render_view

    turned = mesh.copy()
    turned.apply_transform(turn)
    lower, upper = bounds
    corners = np.array([[x, y, z] for x in (lower[0], upper[0]) for y in (lower[1], upper[1]) for z in (lower[2], upper[2])])
    corners = corners @ turn[:3, :3].T
    return render_view(turned, "front", bounds=(corners.min(axis=0), corners.max(axis=0)), pixels_per_unit=scale)


def back_agreement(model: Any, truth: Any, pixels: int = 256) -> tuple[float, float]:
    """The back against the truth's, seen from behind (orthographic, unlit, no refit): the share of
    the pixels both cover whose colours are alike (CIE76 ΔE < 22 after a slight blur), and the same
    share over the print alone (the pixels where either back is not its own main colour; 1.0 when
    neither shows any): a mirrored print, a close-up or skin pasted on the back lower both."""
    from scipy import ndimage
    from skimage.color import rgb2lab

    lower = np.minimum(model.bounds[0], truth.bounds[0])
    upper = np.maximum(model.bounds[1], truth.bounds[1])
    scale = pixels / float((upper - lower).max())
    a, b = (_unlit_from(mesh, _TO_BACK, (lower, upper), scale) for mesh in (model, truth))
    both = ndimage.binary_erosion(a.mask & b.mask, iterations=2)
    if not both.any():
        return 0.0, 0.0
    lab_a, lab_b = (ndimage.gaussian_filter(rgb2lab(view.rgb), (1.5, 1.5, 0)) for view in (a, b))
    alike = np.linalg.norm(lab_a - lab_b, axis=-1) < 22.0
    printed = np.zeros_like(both)
    for lab in (lab_a, lab_b):
        printed |= np.linalg.norm(lab - np.median(lab[both], axis=0), axis=-1) > 25.0
    printed &= both
    return float(alike[both].mean()), float(alike[printed].mean()) if printed.sum() > 20 else 1.0


def turned_round(product: Any, second: str) -> dict[str, Any]:
    """Front, side, back and top agreement with the truth, the front's proportions and the back used."""
    from tests.pipeline.known_products import view_ious

    mesh, generated = turned_model(product, second)
    views = view_ious(mesh, product.truth)
    truth_w, truth_h = product.truth.extents[:2]
    model_w, model_h = mesh.extents[:2]
    gallery = generated.metadata.get("gallery")
    back, back_print = back_agreement(mesh, textured(product))
    return {"shape": generated.metadata["shape"]["shape"], "front": round(views["front"], 4),
            "side": round(views["side"], 4), "back": round(back, 4), "back_print": round(back_print, 4),
            "top": round(views["top"], 4), "proportions": round((model_h / model_w) / (truth_h / truth_w), 3),
            "size_m": [round(float(v), 3) for v in mesh.extents], "back_from": str(generated.metadata.get("back")),
            "second_view": gallery[1]["view"] if isinstance(gallery, list) and len(gallery) > 1 else None}


def class_table(rows: list[dict[str, Any]]) -> str:
    """Per true class: the median of each view's agreement (and the lowest back)."""
    lines = ["| class | cases | front | side | back colours (lowest) | back print (lowest) | top |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for shape in sorted({r["true_class"] for r in rows}):
        mine = [r["turned"] for r in rows if r["true_class"] == shape]
        med = {v: statistics.median(m[v] for m in mine) for v in ("front", "side", "back", "back_print", "top")}
        lines.append(f"| {shape} | {len(mine)} | {med['front']:.3f} | {med['side']:.3f} | {med['back']:.3f} "
                     f"({min(m['back'] for m in mine):.3f}) | {med['back_print']:.3f} "
                     f"({min(m['back_print'] for m in mine):.3f}) | {med['top']:.3f} |")
    return "\n".join(lines)


def case_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| case | true class | decided | front | side | back colours | back print | top | front h/w vs truth | "
             "size (m) | back from |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        t = r["turned"]
        lines.append(f"| {r['case']} | {r['true_class']} | {t['shape']} | {t['front']:.3f} | {t['side']:.3f} | "
                     f"{t['back']:.3f} | {t['back_print']:.3f} | {t['top']:.3f} | {t['proportions']:.2f} | "
                     f"{' × '.join(f'{v:.2f}' for v in t['size_m'])} | {t['back_from']} |")
    return "\n".join(lines)


def contact_sheets(rows: list[dict[str, Any]], out_dir: Path, tile: int = 200) -> list[Path]:
    """One sheet per true class, a row per case: its photo(s), then the model lit from the front,
    its left and right sides, behind and above."""
    import io as _io

    from PIL import Image, ImageDraw
    from pipeline.stage2.poster import render_view
    from tests.pipeline.known_products import by_name, catalogue_photo

    turns = {"front": np.identity(4), "left": _TO_RIGHT.T, "right": _TO_RIGHT, "back": _TO_BACK}
    written = []
    for shape in sorted({r["true_class"] for r in rows}):
        mine = [r for r in rows if r["true_class"] == shape]
        sheet = Image.new("RGB", (tile * 7, tile * len(mine)), (255, 255, 255))
        draw = ImageDraw.Draw(sheet)
        for row, r in enumerate(mine):
            product = by_name(r["product"])
            mesh, _ = turned_model(product, r["second"])
            photos = [Image.open(_io.BytesIO(catalogue_photo(product.name)))]
            if r["second"]:
                photos.append(Image.open(_io.BytesIO(second_image(product, r["second"]).data)))
            for column, photo in enumerate(photos):
                sheet.paste(photo.convert("RGB").resize((tile, tile)), (column * tile, row * tile))
            scale = (tile - 10) / float(mesh.extents.max())  # every view of a model at one scale
            for column, (name, turn) in enumerate(turns.items(), start=2):
                turned = mesh.copy()
                turned.apply_transform(turn)
                sheet.paste(_lit(render_view(turned, "front", pixels_per_unit=scale, lit=True), tile),
                            (column * tile, row * tile))
            sheet.paste(_lit(render_view(mesh, "top", pixels_per_unit=scale, lit=True), tile), (6 * tile, row * tile))
            draw.text((4, row * tile + 4), r["case"], fill=(200, 0, 0))
        path = out_dir / f"turned_{shape.replace('-', '_')}.png"
        sheet.save(path)
        written.append(path)
    return written


def _lit(view: Any, tile: int) -> Any:
    from PIL import Image

    image = Image.new("RGB", (tile, tile), (255, 255, 255))
    rgba = Image.fromarray(np.dstack([view.rgb, (view.mask * 255).astype(np.uint8)]))
    image.paste(rgba, ((tile - rgba.width) // 2, (tile - rgba.height) // 2), rgba)
    return image


def turned_main(sheets: Path | None) -> dict[str, Any]:
    rows = [{"case": case, "product": product.name, "true_class": product.shape, "second": second,
             "turned": turned_round(product, second)} for case, product, second in turned_cases()]
    print(case_table(rows))
    print()
    print(class_table(rows))
    if sheets is not None:
        for path in contact_sheets(rows, sheets):
            print("wrote", path)
    return {"cases": rows}


if __name__ == "__main__":
    main()
