"""pipeline.stage2.quality: pure mesh metrics and photo comparisons."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from pipeline.stage2.quality import colour_similarity, mesh_metrics, silhouette_iou


def _disc(size: int = 100, radius: int = 30, centre: tuple[int, int] = (50, 50)) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2


def test_iou_of_a_silhouette_with_itself_is_one() -> None:
    assert silhouette_iou(_disc(), _disc()) == pytest.approx(1.0)


def test_iou_ignores_position_and_scale() -> None:
    assert silhouette_iou(_disc(), _disc(300, 90, (120, 200))) > 0.97


def test_iou_tells_different_shapes_apart() -> None:
    square = np.zeros((100, 100), dtype=bool)
    square[10:90, 10:90] = True
    ring = square.copy()
    ring[30:70, 30:70] = False
    assert silhouette_iou(square, ring) == pytest.approx(0.75, abs=0.02)


def test_iou_of_an_empty_mask_is_zero() -> None:
    assert silhouette_iou(_disc(), np.zeros((10, 10), dtype=bool)) == 0.0


def test_colour_similarity_compares_colours_inside_the_masks() -> None:
    red = np.zeros((50, 50, 3), dtype=np.uint8)
    red[..., 0] = 220
    blue = np.zeros_like(red)
    blue[..., 2] = 220
    mask = np.ones((50, 50), dtype=bool)
    assert colour_similarity(red, mask, red, mask) == pytest.approx(1.0)
    assert colour_similarity(red, mask, blue, mask) == 0.0
    assert colour_similarity(red, mask, blue, np.zeros_like(mask)) == 0.0


def test_metrics_of_a_closed_box() -> None:
    metrics = mesh_metrics(trimesh.creation.box())
    assert metrics.watertight and metrics.non_manifold_edges == 0 and metrics.boundary_edges == 0
    assert metrics.faces == 12 and metrics.edges == 18


def test_metrics_count_open_and_non_manifold_edges() -> None:
    box = trimesh.creation.box()
    open_box = trimesh.Trimesh(box.vertices, box.faces[:-1], process=False)
    assert mesh_metrics(open_box).boundary_edges == 3 and not mesh_metrics(open_box).watertight
    fin = trimesh.Trimesh(np.vstack([box.vertices, [[2, 2, 2]]]), np.vstack([box.faces, [[0, 1, 8]]]), process=False)
    assert mesh_metrics(fin).non_manifold_edges == 1
