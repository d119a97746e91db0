"""Stage 2, for every generator's mesh: repair, decimate, textures, real size, export, poster, quality."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
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

if TYPE_CHECKING:
    import trimesh

REPORT_SCHEMA = 1
# Without the product's dimensions the model is this long on its longest side.
DEFAULT_SIZE_M = 0.3
# Scaling to the given dimensions stretches one axis more than this ⇒ warn: the photo disagrees.
_STRETCH_WARNING = 1.35
# A generator may time its own steps under this metadata key (stage → seconds).
TIMINGS_KEY = "timings_s"


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
    from pipeline.stage2.compress import check_compression, compress_glb
    from pipeline.stage2.decimate import check_face_budget, decimate
    from pipeline.stage2.export import parse_formats
    from pipeline.stage2.mesh_repair import repair, seamless_vertex_normals
    from pipeline.stage2.textures import optimize_textures, texture_size_for_budget

    started = time.perf_counter()
    face_budget = check_face_budget(config.face_budget)
    wanted = parse_formats(formats if formats is not None else config.formats)
    compression = check_compression(config.glb_compression)
    metadata = dict(generated.metadata)
    own_timings = metadata.pop(TIMINGS_KEY, None)
    timings = {str(k): float(v) for k, v in own_timings.items()} if isinstance(own_timings, dict) else {}
    generator_seconds = sum(timings.values())
    warnings = list(generated.warnings)
    out_dir.mkdir(parents=True, exist_ok=True)

    progress("repairing", 0.02)
    with _timed(timings, "repair"):
        mesh, repair_report = repair(generated.mesh)
    progress("decimating", 0.1)
    with _timed(timings, "decimate"):
        faces_before = len(mesh.faces)
        mesh = decimate(mesh, face_budget)
    with _timed(timings, "scale"):
        mesh, dimensions, scale_warning = place(mesh, product.dimensions)
    progress("textures", 0.3)
    # Last, because copying a mesh copies its image without the `format` that keeps it JPEG.
    with _timed(timings, "textures"):
        mesh, texture = optimize_textures(mesh, texture_size_for_budget(face_budget, config.max_texture_size))
        mesh.vertex_normals = seamless_vertex_normals(mesh)  # type: ignore[method-assign]  # a property with a setter
    if scale_warning:
        warnings.append(scale_warning)
    progress("exporting", 0.4)
    files = _export(mesh, out_dir, wanted, timings)
    with _timed(timings, "compress_glb"):
        compressed = compress_glb(files["glb"], compression)
    progress("rendering poster", 0.7)
    with _timed(timings, "poster"):
        from pipeline.stage2.poster import render_poster

        poster = out_dir / "poster.png"
        render_poster(mesh).save(poster, compress_level=3)
    progress("measuring quality", 0.8)
    with _timed(timings, "quality"):
        quality = _quality(mesh, generated, product, config, files, texture.size if texture else None)
    progress("writing preview", 0.9)
    with _timed(timings, "preview"):
        from pipeline.stage2.preview import write_preview

        page = write_preview(
            out_dir,
            title=product.title,
            glb=compressed.uncompressed if compressed else files["glb"],
            usdz=files.get("usdz"),
            poster=poster,
            real_size=product.dimensions is not None,
            summary=_summary(generated.generator, quality, dimensions, product.dimensions is not None),
            model_viewer_js=config.model_viewer_js,
        )
    warnings.extend(page.warnings)
    timings["total"] = generator_seconds + time.perf_counter() - started
    report = {
        "schema": REPORT_SCHEMA,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "generator": generated.generator,
        "generator_details": metadata,
        "product": {"id": product.product_id, "title": product.title, "images": len(product.images)},
        "stages": [{"name": name, "seconds": round(seconds, 4)} for name, seconds in timings.items() if name != "total"],
        "total_s": round(timings["total"], 4),
        "input_mesh": {"faces": repair_report.faces_before, "vertices": repair_report.vertices_before},
        "repair": repair_report.as_dict(),
        "decimation": {"face_budget": face_budget, "faces_before": faces_before, "faces_after": len(mesh.faces)},
        "texture": texture.as_dict() if texture else None,
        "dimensions_m": dimensions.as_dict(),
        "dimensions_source": "product" if product.dimensions is not None else "default",
        "files": {name: {"file": path.name, "bytes": path.stat().st_size} for name, path in files.items()},
        "glb_compression": compressed.as_dict() if compressed else {"method": "none"},
        "poster": poster.name,
        "preview": page.path.name,
        "quality": quality.as_dict(),
        "warnings": warnings,
    }
    report_path = out_dir / "report.json"
    report = json.loads(json.dumps(report, default=str))
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    progress("done", 1.0)
    return GenerationResult(
        files=files,
        poster=poster,
        report_path=report_path,
        preview=page.path,
        generator=generated.generator,
        quality=quality,
        dimensions_m=dimensions if product.dimensions is not None else None,
        warnings=tuple(warnings),
        timings_s={name: round(seconds, 4) for name, seconds in timings.items()},
        report=report,
        uncompressed_glb=compressed.uncompressed if compressed else None,
    )


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


def _quality(
    mesh: trimesh.Trimesh,
    generated: GeneratedMesh,
    product: ProductInput,
    config: PipelineConfig,
    files: dict[str, Path],
    texture_size: tuple[int, int] | None,
) -> QualityReport:
    from pipeline.stage2.poster import render_front_view
    from pipeline.stage2.quality import colour_similarity, mesh_metrics, score, score_terms, silhouette_iou

    metrics = mesh_metrics(mesh)
    front = render_front_view(mesh)
    source_mask, source_rgb = _source_view(generated, product)
    iou = silhouette_iou(source_mask, front.mask) if source_mask is not None else None
    colour = (
        colour_similarity(source_rgb, source_mask, front.rgb, front.mask)
        if source_mask is not None and source_rgb is not None
        else None
    )
    terms = score_terms(
        metrics,
        face_budget=config.face_budget,
        max_texture_size=config.max_texture_size,
        texture_size=texture_size,
        glb_bytes=files["glb"].stat().st_size,
        silhouette=iou,
        colour=colour,
    )
    return QualityReport(
        score=score(terms),
        faces=metrics.faces,
        vertices=metrics.vertices,
        watertight=metrics.watertight,
        non_manifold_edges=metrics.non_manifold_edges,
        boundary_edges=metrics.boundary_edges,
        texture_size=texture_size,
        file_sizes={name: path.stat().st_size for name, path in files.items()},
        silhouette_iou=None if iou is None else round(iou, 4),
        colour_similarity=None if colour is None else round(colour, 4),
        terms={name: round(value, 4) for name, value in terms.items()},
    )


def _source_view(generated: GeneratedMesh, product: ProductInput) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The main photo's product mask (the generator's, else found here) and its pixels at that size."""
    from PIL import Image

    from pipeline.errors import ImageError
    from pipeline.photos.images import decode_image, fit_within
    from pipeline.photos.segmentation import product_mask

    mask = generated.source_mask
    if not product.images:
        return mask, None
    try:
        photo = decode_image(product.images[0].data, product.images[0].name)
        if mask is None:
            mask = product_mask(fit_within(photo, 512)).mask
    except ImageError:
        return mask, None
    rgb = np.asarray(photo.convert("RGB").resize((mask.shape[1], mask.shape[0]), Image.Resampling.BILINEAR))
    return mask, rgb


def _summary(generator: str, quality: QualityReport, dimensions: Dimensions, real: bool) -> dict[str, str]:
    size = " × ".join(f"{v * 100:.1f}" for v in (dimensions.width_m, dimensions.height_m, dimensions.depth_m))
    return {
        "Generator": generator,
        "Quality score": f"{quality.score} / 100",
        "Faces": f"{quality.faces:,}",
        "Size (W × H × D)": f"{size} cm" + ("" if real else " (assumed; no dimensions given)"),
        "Silhouette IoU": "n/a" if quality.silhouette_iou is None else f"{quality.silhouette_iou:.3f}",
    }


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

