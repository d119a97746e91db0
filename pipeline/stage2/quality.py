"""Quality metrics and the 0–100 score, as pure functions of meshes, masks and sizes.

The score is a weighted mean of four terms, each 0..1:

    fidelity  (weight 40)  front silhouette IoU of the model against the source photo's mask
    colour    (weight 15)  colour-histogram intersection of the model's front view and the photo
    integrity (weight 25)  0.5 × [watertight] + 0.5 × max(0, 1 − 100 × bad_edges / edges),
                           bad edges being non-manifold (3+ faces) or open (1 face) ones
    web       (weight 20)  mean of [faces ≤ face budget], [texture side ≤ max texture size],
                           min(1, 8 MB / GLB size)

    score = round(100 × Σ weight × term / Σ weight)

A term that cannot be measured (no source photo for fidelity and colour) is left out and the
remaining weights are renormalised, so a score never drops for a missing measurement.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import trimesh

WEIGHTS = {"fidelity": 40.0, "colour": 15.0, "integrity": 25.0, "web": 20.0}
GLB_SIZE_TARGET_BYTES = 8 * 1024 * 1024
_COMPARE_SIDE = 256
_HISTOGRAM_BINS = 8


@dataclass(frozen=True)
class MeshMetrics:
    """Topology and size of a mesh (UV seams merged, so only the surface counts)."""

    faces: int
    vertices: int
    edges: int
    watertight: bool
    winding_consistent: bool
    non_manifold_edges: int
    boundary_edges: int
    size_m: tuple[float, float, float]


def mesh_metrics(mesh: trimesh.Trimesh) -> MeshMetrics:
    """Count faces, vertices and bad edges of the surface (vertices merged across UV seams)."""
    from pipeline.stage2.mesh_repair import geometry_only

    surface = geometry_only(mesh)
    edges = np.sort(surface.edges, axis=1).astype(np.int64)
    _, counts = np.unique(edges[:, 0] * len(surface.vertices) + edges[:, 1], return_counts=True)
    return MeshMetrics(
        faces=len(mesh.faces),
        vertices=len(mesh.vertices),
        edges=len(counts),
        watertight=bool(surface.is_watertight),
        winding_consistent=bool(surface.is_winding_consistent),
        non_manifold_edges=int((counts > 2).sum()),
        boundary_edges=int((counts == 1).sum()),
        size_m=tuple(float(s) for s in surface.extents),  # type: ignore[arg-type]
    )


def silhouette_iou(source_mask: np.ndarray, model_mask: np.ndarray) -> float:
    """Intersection over union of two silhouettes, each cropped to its bounding box and resampled
    to the source's aspect, so that position and scale (and a scale to real dimensions) do not count.
    Returns 0.0 if either mask is empty."""
    size = _compare_size(source_mask)
    if size is None or _compare_size(model_mask) is None:
        return 0.0
    a = _fit_to_box(source_mask.astype(np.float32), source_mask, size) >= 0.5
    b = _fit_to_box(model_mask.astype(np.float32), model_mask, size) >= 0.5
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def colour_similarity(
    source_rgb: np.ndarray, source_mask: np.ndarray, model_rgb: np.ndarray, model_mask: np.ndarray
) -> float:
    """Histogram intersection (0..1) of the colours inside each mask, 8 bins per RGB channel."""
    a = _histogram(source_rgb, source_mask)
    b = _histogram(model_rgb, model_mask)
    if a is None or b is None:
        return 0.0
    return float(np.minimum(a, b).sum())


def score_terms(
    metrics: MeshMetrics,
    *,
    face_budget: int,
    max_texture_size: int,
    texture_size: tuple[int, int] | None,
    glb_bytes: int,
    silhouette: float | None,
    colour: float | None,
) -> dict[str, float]:
    """The score's terms (see the module docstring); unmeasured ones are absent."""
    bad_edges = metrics.non_manifold_edges + metrics.boundary_edges
    integrity = 0.5 * metrics.watertight + 0.5 * max(0.0, 1.0 - 100.0 * bad_edges / max(metrics.edges, 1))
    web = np.mean(
        [
            metrics.faces <= face_budget,
            texture_size is None or max(texture_size) <= max_texture_size,
            min(1.0, GLB_SIZE_TARGET_BYTES / max(glb_bytes, 1)),
        ]
    )
    terms = {"integrity": float(integrity), "web": float(web)}
    if silhouette is not None:
        terms["fidelity"] = float(silhouette)
    if colour is not None:
        terms["colour"] = float(colour)
    return terms


def score(terms: Mapping[str, float]) -> int:
    """Weighted mean of the present terms, 0–100 (see the module docstring)."""
    total = sum(WEIGHTS[name] for name in terms)
    if total == 0:
        return 0
    return round(100 * sum(WEIGHTS[name] * value for name, value in terms.items()) / total)


def _compare_size(mask: np.ndarray) -> tuple[int, int] | None:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    width, height = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    scale = _COMPARE_SIDE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fit_to_box(values: np.ndarray, mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    ys, xs = np.nonzero(mask)
    crop = values[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BILINEAR))


def _histogram(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray | None:
    pixels = rgb[mask][:, :3].astype(np.int64) * _HISTOGRAM_BINS // 256
    if len(pixels) == 0:
        return None
    index = (pixels[:, 0] * _HISTOGRAM_BINS + pixels[:, 1]) * _HISTOGRAM_BINS + pixels[:, 2]
    counts = np.bincount(index, minlength=_HISTOGRAM_BINS**3).astype(np.float64)
    return counts / counts.sum()
