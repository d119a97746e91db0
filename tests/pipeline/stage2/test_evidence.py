"""pipeline.stage2.evidence: each term of the honest quality score, on masks whose answer is known."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline.stage2.evidence import (
    ModelFacts,
    ModelViews,
    PhotoCutouts,
    judge,
    largest_part_share,
    outline_term,
    score,
    shape_plausibility,
    stretch_of,
)


def _disc(size: int = 120, radius: int = 50) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    return (yy - size // 2) ** 2 + (xx - size // 2) ** 2 <= radius**2


def _views(front: np.ndarray, side: np.ndarray | None = None, top: np.ndarray | None = None) -> ModelViews:
    rgb = np.zeros((*front.shape, 3), dtype=np.uint8)
    rgb[front] = (180, 30, 40)
    return ModelViews(rgb, front, side if side is not None else front, top if top is not None else front)


def test_one_piece_is_whole_and_pieces_share_the_outline() -> None:
    assert largest_part_share(_disc()) == 1.0
    split = _disc()
    split[:, 58:62] = False
    assert largest_part_share(split) == pytest.approx(0.5, abs=0.02)


def test_stretch_is_the_change_of_the_fronts_proportions() -> None:
    assert stretch_of((1.0, 2.0, 0.5), (0.5, 1.0, 0.1)) == pytest.approx(1.0)
    assert stretch_of((1.0, 1.0, 1.0), (1.0, 0.125, 1.0)) == pytest.approx(8.0)


def test_outline_iou_counts_from_half_to_nine_tenths() -> None:
    assert outline_term(0.5) == 0.0 and outline_term(0.9) == 1.0 and outline_term(0.7) == pytest.approx(0.5)


def test_the_weakest_term_decides_half_the_score() -> None:
    assert score({"silhouette": 1.0, "stretch": 1.0}) == 100
    assert score({"silhouette": 1.0, "stretch": 0.0}) == round(100 * 0.5 * 3 / 5)
    # cut-out agreement only lowers the mean: it is never the weakest term
    assert score({"silhouette": 1.0, "cutout_agreement": 0.0}) == round(100 * (0.5 + 0.5 * 3 / 4))


def test_round_means_round_from_above() -> None:
    lens = np.zeros((120, 120), dtype=bool)
    lens[50:70, 10:110] = True
    assert shape_plausibility("round", _views(_disc(), top=_disc()), (0.1, 0.1, 0.1)) > 0.9
    assert shape_plausibility("round", _views(_disc(), top=lens), (0.1, 0.1, 0.02)) < 0.3
    assert shape_plausibility("flat", _views(_disc()), (0.3, 0.3, 0.3)) == 0.0
    assert shape_plausibility("free-form", _views(_disc()), (0.3, 0.3, 0.3)) is None


def test_the_inflated_fallbacks_guessed_sides_keep_it_from_a_full_score() -> None:
    """One photo shows the front; nothing vouches for the pillow's sides and depth, so the score
    says so, while the same model from a hosted generator (whose depth is its own) is not capped."""
    photo = PhotoCutouts(_views(_disc()).front_rgb, _disc(), _disc())
    facts = ModelFacts(faces=5000, size_m=(0.2, 0.2, 0.05), shape="free-form")
    pillow = judge(_views(_disc()), photo, facts)
    assert 75 <= pillow.score <= 86 and pillow.terms["shape"] == 0.7
    assert any("its sides and depth are a guess" in reason for reason in pillow.reasons)
    hosted = judge(_views(_disc()), photo, replace(facts, remote=True))
    assert "shape" not in hosted.terms and hosted.score > pillow.score


def test_a_model_in_pieces_is_said_to_be_in_pieces() -> None:
    pieces = _disc()
    pieces[:, 40:44] = pieces[:, 80:84] = pieces[40:44, :] = pieces[80:84, :] = False
    photo = PhotoCutouts(_views(_disc()).front_rgb, _disc(), _disc())
    judged = judge(_views(pieces), photo, ModelFacts(faces=5000, size_m=(0.2, 0.2, 0.05), pieces=9))
    assert judged.terms["connectedness"] < 0.5
    assert any("the model is in 9 pieces" in reason for reason in judged.reasons)


def test_without_a_photo_the_photo_terms_are_left_out_not_zero() -> None:
    judged = judge(_views(_disc()), None, ModelFacts(faces=5000, size_m=(0.2, 0.2, 0.05)))
    assert {"silhouette", "texture", "cutout_agreement", "photo_match"}.isdisjoint(judged.terms)
    assert judged.score >= 99 and judged.reasons == ()


def test_a_generator_cut_out_that_took_in_more_than_the_product_is_named() -> None:
    product = _disc(radius=30)
    photo = PhotoCutouts(_views(product).front_rgb, product, product)
    everything = np.ones_like(product)
    judged = judge(_views(product), photo, ModelFacts(faces=5000, size_m=(0.2, 0.2, 0.05)), everything)
    assert judged.terms["cutout"] == 0.0
    assert any("cut the product out of the photo differently" in reason for reason in judged.reasons)


def test_a_front_squashed_against_the_photos_proportions_is_held_with_the_reason() -> None:
    """A squat model of a tall product (no size to blame) scores under the threshold; the same
    proportions score in full, and a little perspective is forgiven."""
    from pipeline.config import PUBLISH_MIN_SCORE
    from pipeline.stage2.evidence import proportions_term

    photo_mask = np.zeros((200, 200), dtype=bool)
    photo_mask[20:180, 50:150] = True  # 1.6 as tall as wide
    squat = np.zeros((200, 200), dtype=bool)
    squat[60:166, 50:150] = True  # 1.06: 0.66 of the photo's proportions
    photo = PhotoCutouts(np.full((200, 200, 3), 255, dtype=np.uint8), photo_mask, photo_mask)
    facts = ModelFacts(faces=5000, size_m=(0.2, 0.2, 0.2))
    squashed = judge(_views(squat), photo, facts)
    assert squashed.terms["proportions"] == 0.0 and squashed.score < PUBLISH_MIN_SCORE
    assert any("0.66× as tall for its width" in reason and "squashed" in reason for reason in squashed.reasons)
    assert judge(_views(photo_mask), photo, facts).terms["proportions"] == 1.0
    assert proportions_term(0.94) == 1.0 and proportions_term(1 / 0.94) == 1.0 and 0 < proportions_term(1.25) < 1


def test_a_back_showing_skin_or_other_colours_is_held_with_the_reason() -> None:
    """A hoodie's back carrying a close-up of someone's chin and neck; the same back plain scores in full."""
    from pipeline.config import PUBLISH_MIN_SCORE

    mask = _disc()
    dark = np.zeros((*mask.shape, 3), dtype=np.uint8)
    dark[mask] = (40, 40, 44)
    photo = PhotoCutouts(dark.copy(), mask, mask)
    facts = ModelFacts(faces=5000, size_m=(0.2, 0.2, 0.2))
    plain = ModelViews(dark, mask, mask, mask, back_rgb=dark.copy(), back=mask)
    assert judge(plain, photo, facts).terms["back"] == 1.0
    worn = dark.copy()
    worn[:60][mask[:60]] = (224, 172, 140)  # skin over the back's upper half
    judged = judge(replace(plain, back_rgb=worn), photo, facts)
    assert judged.terms["back"] == 0.0 and judged.score < PUBLISH_MIN_SCORE
    assert any("its back does not look like the product: skin" in reason for reason in judged.reasons)


def test_proportions_are_seen_from_where_the_photo_was_taken() -> None:
    """A plate 27 cm across and 2.5 cm thick, photographed from 15° above, shows its top: its photo is
    0.35 as tall as wide while its front is 0.09. Read from that elevation (the generator's camera, or
    any up to 30° for a hosted model) it is not squashed; read head on it would be."""
    from pipeline.stage2.evidence import proportions_term, seen_proportions

    plate = ModelFacts(faces=5000, size_m=(0.27, 0.025, 0.27), elevation_deg=15.0)
    front_aspect, photo_aspect = 0.025 / 0.27, 0.35
    assert proportions_term(seen_proportions(front_aspect, plate, photo_aspect)) == 1.0
    assert proportions_term(seen_proportions(front_aspect, replace(plate, elevation_deg=None), photo_aspect)) == 1.0
    assert proportions_term(seen_proportions(front_aspect, replace(plate, elevation_deg=0.0), photo_aspect)) == 0.0
