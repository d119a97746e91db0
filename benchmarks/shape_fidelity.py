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
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
AIMS = {"median_mean": 0.92, "min_mean": 0.85, "front": 0.95}
PHOTOS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "photos"
# The fixture photos with the title a store would give them (and the back photo of the pair).
REAL = {"solidus_tshirt.png": "T-shirt", "solidus_tote.png": "Tote bag", "solidus_hoodie_black_1.png": "Black hoodie",
        "solidus_cap_black_1.png": "Baseball cap", "solidus_mug_set.png": "Mug set", "solidus_bottles_1.png": "Bottles",
        "ruby_mug.jpg": "Ruby mug", "solidus_tshirt.jpg": "T-shirt (front and back)"}


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
    return {"shape": shape, "front": round(iou, 4), "through_camera": through}


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
    args = parser.parse_args(argv)
    wanted = {n for n in args.only.split(",") if n}
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
    lines = ["| fixture photo | title | decided | front IoU | pillow front IoU | round: through its camera |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {p['photo']} | {p['title']} | {p['shaped']['shape']} | {p['shaped']['front']:.3f} | "
              f"{p['pillow']['front']:.3f} | "
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


if __name__ == "__main__":
    main()
