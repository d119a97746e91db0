"""Stage 2, for every generator's mesh: repair, decimate, textures, real size, export, poster, quality."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.config import PipelineConfig
from pipeline.product import Dimensions, ProductInput
from pipeline.result import QualityReport
from pipeline.result import GenerationResult
from pipeline.stage2.placement import ar_placement
from pipeline.stage2.sizing import SizeMatch, match_size

if TYPE_CHECKING:
    import trimesh

    from pipeline.stage2.bounded import BoundedCalls
    from pipeline.stage2.evidence import PhotoCutouts

REPORT_SCHEMA = 1
# Without the product's dimensions the model is this long on its longest side.
DEFAULT_SIZE_M = 0.3
# Scaling to the given dimensions stretches one axis more than this ⇒ warn: the photo disagrees.
_STRETCH_WARNING = 1.35
# A generator may time its own steps under this metadata key (stage → seconds).
TIMINGS_KEY = "timings_s"
# Where the poster and the score's three views are among the render child's results.
_POSTER, _VIEWS = 0, 1


def finish(
    generated: GeneratedMesh,
    product: ProductInput,
    out_dir: Path,
    config: PipelineConfig,
    *,
    formats: tuple[str, ...] | None = None,
    progress: Progress = no_progress,
) -> GenerationResult:
    """Make `generated` web- and AR-ready and write every output into `out_dir`.

    Writes model.<format> for each format (GLB always, USDZ by default), poster.png,
    preview.html and report.json. `formats` defaults to `config.formats`. The GLB the
    storefront serves is compressed as `config.glb_compression` says, the uncompressed one
    kept beside it (model-uncompressed.glb) for downloads; FBX is converted from that one, and
    the preview, which opens from disk where no decoder can be fetched, shows it.
    Raises PermanentPipelineError for a bad face budget, ExportError for an unknown or
    unavailable format or compression (all before any work), MeshError for an unusable mesh.
    """
    from pipeline.stage2.compress import check_compression, start_compression
    from pipeline.stage2.decimate import check_face_budget, decimate
    from pipeline.stage2.export import parse_formats
    from pipeline.stage2.mesh_repair import repair, seamless_vertex_normals
    from pipeline.stage2.textures import optimize_textures, texture_size_for_budget

    started = time.perf_counter()
    face_budget = check_face_budget(config.face_budget)
    wanted = parse_formats(formats if formats is not None else config.formats)
    compression_method = check_compression(config.glb_compression)
    metadata = dict(generated.metadata)
    own_timings = metadata.pop(TIMINGS_KEY, None)
    timings = {str(k): float(v) for k, v in own_timings.items()} if isinstance(own_timings, dict) else {}
    generator_seconds = sum(timings.values())
    warnings = list(generated.warnings)
    out_dir.mkdir(parents=True, exist_ok=True)

    if "usdz" in wanted:
        from pipeline.stage2.usdz import load_usd_core

        with _timed(timings, "export_usdz"):
            load_usd_core()  # before the thread below: loading it beside NumPy's arithmetic can deadlock
    # The photo's own cut-outs need nothing from the mesh: the network (which leaves the GIL) runs
    # on the other core while this thread repairs, exports and starts the renders.
    background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="woo3d-photo-cutouts")
    photo_cut = background.submit(_photo_cutouts, product, config.max_image_pixels)
    background.shutdown(wait=False)
    progress("repairing", 0.02)
    with _timed(timings, "repair"):
        mesh, repair_report = repair(generated.mesh)
    progress("decimating", 0.1)
    with _timed(timings, "decimate"):
        faces_before = len(mesh.faces)
        mesh = decimate(mesh, face_budget)
    extents_before = tuple(float(e) for e in mesh.extents)
    with _timed(timings, "scale"):
        real_size, source, size_match = real_size_for(mesh, generated, product)
        mesh, dimensions, scale_warning = place(mesh, real_size)
        if size_match is not None and size_match.warning and size_match.warning not in warnings:
            warnings.append(size_match.warning)
    progress("textures", 0.3)
    # Last, because copying a mesh copies its image without the `format` that keeps it JPEG.
    with _timed(timings, "textures"):
        mesh, texture = optimize_textures(mesh, texture_size_for_budget(face_budget, config.max_texture_size))
        mesh.vertex_normals = seamless_vertex_normals(mesh)  # type: ignore[method-assign]  # a property with a setter
    if scale_warning:
        warnings.append(scale_warning)
    placement = ar_placement(product, (dimensions.width_m, dimensions.height_m, dimensions.depth_m),
                             _shape_class(product, generated.metadata) if generated.generator == "local" else None)
    # Life-size in AR when the real size is known; a guessed size the shopper may scale.
    ar_scale = "fixed" if real_size is not None else "auto"
    # The renders (one child, one GL context) and the compression (node) run beside the work
    # below, on the other core; a stage's time is what this process spent on it or waited for it.
    with _timed(timings, "poster"):
        renders = _start_renders(mesh, config)
    compression = None
    try:
        progress("exporting", 0.4)
        files = _export(mesh, out_dir, wanted, timings)
        with _timed(timings, "compress_glb"):
            compression = start_compression(files["glb"], compression_method)
        progress("rendering poster", 0.7)
        with _timed(timings, "quality"):
            photo, cutout_warning = photo_cut.result()
            warnings.extend(cutout_warning)
        with _timed(timings, "poster"):
            poster = _poster(renders, out_dir, warnings)
        with _timed(timings, "compress_glb"):  # before the score, which reports the served file's size
            compressed = compression.result() if compression is not None else None
        progress("measuring quality", 0.8)
        with _timed(timings, "quality"):
            quality = _quality(renders, mesh, generated, product, photo, files, texture.size if texture else None,
                               warnings, extents_before)
    finally:
        renders.close()
        if compression is not None:
            compression.cancel()
    progress("writing preview", 0.9)
    with _timed(timings, "preview"):
        from pipeline.stage2.preview import write_preview

        page = write_preview(
            out_dir,
            title=product.title,
            glb=compressed.uncompressed if compressed else files["glb"],
            usdz=files.get("usdz"),
            poster=poster,
            ar_scale=ar_scale,
            placement=placement.placement,
            summary=_summary(generated, quality, dimensions, real_size is not None),
            model_viewer_js=config.model_viewer_js,
        )
    warnings.extend(page.warnings)
    timings["total"] = generator_seconds + time.perf_counter() - started
    report = {
        "schema": REPORT_SCHEMA,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generator": generated.generator,
        "generator_details": metadata,
        "product": {"id": product.product_id, "title": product.title, "images": len(product.images), "shape": product.shape},
        "stages": [{"name": name, "seconds": round(seconds, 4)} for name, seconds in timings.items() if name != "total"],
        "total_s": round(timings["total"], 4),
        "input_mesh": {"faces": repair_report.faces_before, "vertices": repair_report.vertices_before},
        "repair": repair_report.as_dict(),
        "decimation": {"face_budget": face_budget, "faces_before": faces_before, "faces_after": len(mesh.faces)},
        "texture": texture.as_dict() if texture else None,
        "dimensions_m": dimensions.as_dict(),
        "dimensions_source": source,
        "size_match": size_match.as_dict() if size_match is not None else metadata.get("size_match"),
        "ar_placement": placement.as_dict(),
        "files": {name: {"file": path.name, "bytes": path.stat().st_size} for name, path in files.items()},
        "glb_compression": compressed.as_dict() if compressed else {"method": "none"},
        "poster": poster.name if poster is not None else None,
        "preview": page.path.name,
        "quality": quality.as_dict(),
        "warnings": warnings,
    }
    report_path = out_dir / "report.json"
    report = json.loads(json.dumps(report, default=str))
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    progress("report written", 1.0)  # not "done": a job has its upload still to come
    return GenerationResult(
        files=files,
        poster=poster,
        report_path=report_path,
        preview=page.path,
        generator=generated.generator,
        quality=quality,
        dimensions_m=dimensions if real_size is not None else None,
        warnings=tuple(warnings),
        timings_s={name: round(seconds, 4) for name, seconds in timings.items()},
        report=report,
        uncompressed_glb=compressed.uncompressed if compressed else None,
        ar_scale=ar_scale,
        ar_placement=placement.placement,
    )


def real_size_for(
    mesh: trimesh.Trimesh, generated: GeneratedMesh, product: ProductInput
) -> tuple[Dimensions | None, str, SizeMatch | None]:
    """The size to give the mesh and where it came from ("product": exact, given by the caller;
    "store": the store's numbers matched to the shape; "default"), with the match made here.

    The local generator matched the store's numbers to its photo already (`real_size`); any
    other mesh's front and depth are matched here, so a parcel size never squashes it.
    """
    if product.dimensions is not None:
        return product.dimensions, "product", None
    if generated.real_size is not None:
        return generated.real_size, "store", None
    if product.listed_size is None:
        return None, "default", None
    width, height, depth = np.maximum(mesh.extents, 1e-12)
    match = match_size(product.listed_size, float(width), float(height), depth=float(depth))
    return match.dimensions, "store", match


def place(mesh: trimesh.Trimesh, dimensions: Dimensions | None) -> tuple[trimesh.Trimesh, Dimensions, str | None]:
    """A copy in metres, centred on X/Z and resting on the floor (Y = 0), Y up.

    With `dimensions`, each axis is scaled to them (width X, height Y, depth Z); without, the
    longest side becomes DEFAULT_SIZE_M. Returns the mesh, its final size and a warning if any.
    """
    placed = mesh.copy()
    extents = np.maximum(placed.extents, 1e-12)
    warning = None
    if dimensions is None:
        scale = np.full(3, DEFAULT_SIZE_M / extents.max())
        warning = (
            f"no dimensions given: the model is scaled to {DEFAULT_SIZE_M:g} m on its longest side, "
            "so AR cannot show its real size"
        )
    else:
        scale = np.array([dimensions.width_m, dimensions.height_m, dimensions.depth_m]) / extents
        # Depth is rarely visible in a photo; compare only the two axes the photo shows.
        stretch = max(scale[0], scale[1]) / min(scale[0], scale[1])
        if stretch > _STRETCH_WARNING:
            warning = (
                f"the photo's proportions differ from the given dimensions by {stretch:.2f}×: "
                "the model was stretched to match them"
            )
    matrix = np.diag([*scale, 1.0])
    placed.apply_transform(matrix)
    lower, upper = placed.bounds
    placed.apply_translation([-(lower[0] + upper[0]) / 2, -lower[1], -(lower[2] + upper[2]) / 2])
    size = placed.extents
    return placed, Dimensions(float(size[0]), float(size[1]), float(size[2])), warning


def _export(mesh: trimesh.Trimesh, out_dir: Path, wanted: tuple[str, ...], timings: dict[str, float]) -> dict[str, Path]:
    from pipeline.stage2.export import export_format

    files: dict[str, Path] = {}
    for name in wanted:
        with _timed(timings, f"export_{name}"):
            files[name] = export_format(mesh, out_dir, name, files)
    return files


def _start_renders(mesh: trimesh.Trimesh, config: PipelineConfig) -> BoundedCalls:
    """The poster and the score's views, rendered in one bounded child started now (one GL context)."""
    from pipeline.stage2.bounded import BoundedCalls
    from pipeline.stage2.observe import view_calls
    from pipeline.stage2.poster import poster_call

    return BoundedCalls([poster_call(mesh), *view_calls(mesh)], limit_s=config.render_time_limit_s)


def _poster(renders: BoundedCalls, out_dir: Path, warnings: list[str]) -> Path | None:
    """poster.png, or None (and a warning) when the render was stopped: the model is still good."""
    from pipeline.errors import StageTimeoutError

    try:
        image = renders.result(_POSTER)
    except StageTimeoutError as exc:
        warnings.append(f"no poster: {exc}; the model is published without one")
        return None
    poster = out_dir / "poster.png"
    image.save(poster, compress_level=3)
    return poster


def _quality(
    renders: BoundedCalls,
    mesh: trimesh.Trimesh,
    generated: GeneratedMesh,
    product: ProductInput,
    photo: PhotoCutouts | None,
    files: dict[str, Path],
    texture_size: tuple[int, int] | None,
    warnings: list[str],
    extents_before: tuple[float, ...],
) -> QualityReport:
    """Measure the final mesh and judge it on evidence its generator did not make (pipeline.stage2.evidence)."""
    from pipeline.errors import StageTimeoutError
    from pipeline.stage2.evidence import Judgement, ModelFacts, judge, stretch_of
    from pipeline.stage2.observe import mesh_pieces, views_from
    from pipeline.stage2.quality import colour_similarity, mesh_metrics

    metrics = mesh_metrics(mesh)
    facts = ModelFacts(
        faces=metrics.faces,
        size_m=metrics.size_m,
        stretch=max(stretch_of(extents_before, metrics.size_m), _reported_stretch(generated.metadata)),
        shape=_shape_class(product, generated.metadata),
        remote=generated.generator != "local",
        pieces=mesh_pieces(mesh),
        elevation_deg=_camera_elevation(generated),
    )
    try:
        views = views_from(renders, _VIEWS)
    except StageTimeoutError as exc:
        warnings.append(f"the model was not checked against the photo: {exc}")
        views = None
    if views is None:
        judgement = Judgement(0, {}, ("the model could not be rendered, so nothing vouches for it",))
    else:
        judgement = judge(views, photo, facts, generated.source_mask)
    reference = photo.reference if photo is not None else None
    colour = (
        colour_similarity(photo.rgb, reference, views.front_rgb, views.front)
        if photo is not None and reference is not None and views is not None
        else None
    )
    silhouette = judgement.measured.get("silhouette_iou")
    return QualityReport(
        score=judgement.score,
        faces=metrics.faces,
        vertices=metrics.vertices,
        watertight=metrics.watertight,
        non_manifold_edges=metrics.non_manifold_edges,
        boundary_edges=metrics.boundary_edges,
        texture_size=texture_size,
        file_sizes={name: path.stat().st_size for name, path in files.items()},
        silhouette_iou=silhouette if isinstance(silhouette, float) else None,
        colour_similarity=None if colour is None else round(colour, 4),
        terms=judgement.terms,
        reasons=judgement.reasons,
        measured={**judgement.measured, **({"photo_notes": "; ".join(photo.notes)} if photo and photo.notes else {})},
    )


def _photo_cutouts(product: ProductInput, max_pixels: int) -> tuple[PhotoCutouts | None, tuple[str, ...]]:
    """The main photo's independent cut-outs, or None and a warning when it has none to give."""
    from pipeline.errors import ImageError
    from pipeline.photos.images import decode_image
    from pipeline.stage2.observe import photo_cutouts

    if not product.images:
        return None, ()
    main = product.images[0]
    try:
        return photo_cutouts(decode_image(main.data, main.name, max_pixels=max_pixels), main.name), ()
    except ImageError as exc:
        return None, (f"the model was not compared with the photo: {exc}",)


def _camera_elevation(generated: GeneratedMesh) -> float | None:
    """How far above the product the local generator read the photo as taken (0 when it does not
    say); None for a hosted model, whose camera nobody read."""
    if generated.generator != "local":
        return None
    value = generated.metadata.get("camera_elevation_deg", 0.0)
    return float(value) if isinstance(value, (int, float)) else 0.0


def _reported_stretch(metadata: dict[str, object]) -> float:
    """The stretch a generator reports having applied to fit the store's numbers (1.0 when it says none)."""
    match = metadata.get("size_match")
    stretch = match.get("front_stretch") if isinstance(match, dict) else None
    return float(stretch) if isinstance(stretch, int | float) and stretch > 0 else 1.0


def _shape_class(product: ProductInput, metadata: dict[str, object]) -> str | None:
    """The merchant's shape class, else the one the generator reports having decided, else None;
    "headwear" for a round product the generator built as a cap or a hat."""
    if "headwear" in metadata and product.shape in ("auto", "round"):
        return "headwear"
    if product.shape != "auto":
        return product.shape
    decided = metadata.get("shape")
    if isinstance(decided, dict):
        decided = decided.get("shape")
    return decided if isinstance(decided, str) and decided != "auto" else None


def _summary(generated: GeneratedMesh, quality: QualityReport, dimensions: Dimensions, real: bool) -> dict[str, str]:
    size = " × ".join(f"{v * 100:.1f}" for v in (dimensions.width_m, dimensions.height_m, dimensions.depth_m))
    summary = {
        "Generator": generated.generator,
        "Quality score": f"{quality.score} / 100",
        "Faces": f"{quality.faces:,}",
        "Size (W × H × D)": f"{size} cm" + ("" if real else " (assumed; no dimensions given)"),
        "Silhouette IoU": "n/a" if quality.silhouette_iou is None else f"{quality.silhouette_iou:.3f}",
        "Score terms": ", ".join(f"{name} {value:.2f}" for name, value in quality.terms.items()) or "n/a",
        "Why the score is low": "; ".join(quality.reasons) or "nothing: every term is fine",
    }
    shape = generated.metadata.get("shape")
    if isinstance(shape, dict):  # the local generator's class, and why, in words
        summary["Shape"] = f"{shape['shape']} ({'; '.join(shape['reasons'])})"
    return summary


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

