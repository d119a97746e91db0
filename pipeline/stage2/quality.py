"""Mesh metrics and the photo comparisons the quality score is built from, as pure functions.

The score itself is pipeline.stage2.evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import trimesh

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
