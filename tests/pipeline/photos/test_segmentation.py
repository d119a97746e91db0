"""pipeline.photos.segmentation: the product's mask from alpha, the learned cut-out, or a plain studio background."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ImageError
from pipeline.photos.images import decode_image
from pipeline.stage2.quality import silhouette_iou
from pipeline.photos.segmentation import classical_mask, product_mask
from tests.pipeline import synthetic


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize(
    ("photo", "method"),
    [
        (synthetic.hoodie_on_white, "learned"),
        (synthetic.mug_on_white, "learned"),
        (synthetic.tshirt_transparent, "alpha"),
        (synthetic.shadowed_box_on_white, "learned"),
    ],
)
def test_mask_matches_the_drawn_product(photo, method) -> None:  # type: ignore[no-untyped-def]
    drawn = photo()
    found = product_mask(decode_image(drawn.data))
    assert found.method == method and found.warnings == ()
    assert _iou(found.mask, drawn.truth) >= 0.97


@pytest.mark.parametrize("photo", [synthetic.hoodie_on_white, synthetic.mug_on_white, synthetic.shadowed_box_on_white])
def test_classical_method_still_cuts_a_plain_studio_shot(photo) -> None:  # type: ignore[no-untyped-def]
    drawn = photo()
    found = classical_mask(decode_image(drawn.data))
    assert found.method == "classical"
    assert _iou(found.mask, drawn.truth) >= 0.97


def test_mug_handle_hole_stays_open() -> None:
    mask = product_mask(decode_image(synthetic.mug_on_white().data)).mask
    assert not mask[200, 127]  # the middle of the handle's hole
    assert mask[200, 75]  # the handle itself


def test_small_background_coloured_logo_is_not_a_hole() -> None:
    mask = product_mask(decode_image(synthetic.hoodie_on_white().data)).mask
    assert mask[165, 230]


def test_soft_shadow_is_not_product() -> None:
    mask = product_mask(decode_image(synthetic.shadowed_box_on_white().data)).mask
    assert not mask[330, 110:310].any()


@pytest.mark.parametrize("colour", [(255, 255, 255), (20, 20, 20), (90, 160, 220)])
def test_all_background_is_refused(colour: tuple[int, int, int]) -> None:
    with pytest.raises(ImageError, match="no product found: the image is all background"):
        product_mask(decode_image(synthetic.blank(colour)), "blank.png")


def test_fully_transparent_image_is_refused() -> None:
    from PIL import Image

    with pytest.raises(ImageError, match="all background"):
        product_mask(Image.new("RGBA", (100, 100), (0, 0, 0, 0)))


def test_busy_photo_with_nothing_salient_uses_the_whole_photo_with_warnings() -> None:
    found = product_mask(decode_image(synthetic.noise()))
    assert found.method == "classical" and found.mask.all()
    assert "learned cut-out found nothing" in found.warnings[0]
    assert "not plain" in found.warnings[1]


def test_iou_of_mask_is_invariant_to_crop() -> None:
    truth = synthetic.mug_on_white().truth
    assert silhouette_iou(truth, np.pad(truth, 30)) == pytest.approx(1.0)
