"""pipeline.stage2.sizing: the store's three numbers go to the axes the photo shows, never squashing it."""

from __future__ import annotations

import itertools
import math

import pytest

from pipeline.product import ListedSize
from pipeline.stage2.sizing import MATCH_TOLERANCE, match_size

TRUE = {"width": 0.30, "height": 0.20, "depth": 0.10}


@pytest.mark.parametrize("order", list(itertools.permutations(("width", "height", "depth"))))
def test_every_order_of_the_three_numbers_finds_the_true_axes(order: tuple[str, str, str]) -> None:
    """Straight-on front 30 × 20: whichever field holds which number, width 30, height 20, depth 10."""
    listed = ListedSize(*(TRUE[axis] for axis in order))
    match = match_size(listed, 300, 200)
    assert not match.uniform and match.warning is None
    size = match.dimensions
    assert (size.width_m, size.height_m, size.depth_m) == pytest.approx((0.30, 0.20, 0.10))
    fields = dict(zip(order, ("length", "width", "height")))
    assert match.assignment == {axis: fields[axis] for axis in ("width", "height", "depth")}


def test_a_photo_from_above_shows_the_top_as_extra_height() -> None:
    """A 30 × 20 × 10 box seen from 15° above looks 30 × 21.9; it is still 20 tall and 10 deep."""
    seen = 0.20 * math.cos(math.radians(15)) + 0.10 * math.sin(math.radians(15))
    match = match_size(ListedSize(0.30, 0.10, 0.20), 0.30, seen, max_elevation_deg=30)
    size = match.dimensions
    assert (size.width_m, size.height_m, size.depth_m) == pytest.approx((0.30, 0.20, 0.10))
    assert match.elevation_deg == pytest.approx(15, abs=1)


def test_a_known_depth_picks_between_assignments_the_front_cannot_tell_apart() -> None:
    """A mug 12 wide (with its handle), 10 tall, 9 across its body: the revolved body says depth 9."""
    seen = 0.10 * math.cos(math.radians(15)) + 0.09 * math.sin(math.radians(15))
    match = match_size(ListedSize(0.12, 0.09, 0.10), 0.12, seen, depth=0.09, max_elevation_deg=30)
    size = match.dimensions
    assert (size.width_m, size.height_m, size.depth_m) == pytest.approx((0.12, 0.10, 0.09))


def test_a_small_mismatch_is_stretched_to_the_store_size() -> None:
    match = match_size(ListedSize(0.30, 0.10, 0.20), 290, 200)
    assert not match.uniform and 1.0 < match.front_stretch <= MATCH_TOLERANCE
    assert match.dimensions.width_m == pytest.approx(0.30)


def test_parcel_sizes_that_match_nothing_scale_the_photo_uniformly_and_say_so() -> None:
    """A hoodie 50 wide, 70 tall in its photo, listed as its 60 × 50 × 8 cm flat parcel."""
    match = match_size(ListedSize(0.60, 0.50, 0.08), 500, 700, default_depth_ratio=0.2)
    assert match.uniform and match.warning and "parcel" in match.warning
    size = match.dimensions
    assert size.width_m / size.height_m == pytest.approx(500 / 700)  # the photo's proportions kept
    assert size.depth_m / size.width_m == pytest.approx(0.2 * 700 / 500)
    # Scaled to the closest assignment's front area (60 × 50 or 50 × 60 cm).
    assert size.width_m * size.height_m == pytest.approx(0.60 * 0.50)


def test_one_dimension_missing_takes_the_depth_from_the_shape() -> None:
    match = match_size(ListedSize(0.30, None, 0.20), 300, 200, default_depth_ratio=0.25)
    size = match.dimensions
    assert (size.width_m, size.height_m) == pytest.approx((0.30, 0.20))
    assert size.depth_m == pytest.approx(0.25 * 0.30)
    assert match.assignment["depth"] == "shape" and not match.uniform


def test_one_missing_dimension_whose_pair_misfits_is_scaled_uniformly() -> None:
    match = match_size(ListedSize(0.30, 0.30, None), 300, 100)
    assert match.uniform and match.warning
    assert match.dimensions.width_m / match.dimensions.height_m == pytest.approx(3.0)


def test_a_single_number_is_the_longest_side() -> None:
    match = match_size(ListedSize(None, None, 0.5), 200, 400)
    assert match.dimensions.height_m == pytest.approx(0.5) and match.dimensions.width_m == pytest.approx(0.25)
    assert match.warning and "only the height" in match.warning


@pytest.mark.parametrize(("args", "message"), [((ListedSize(), 1, 1), "no dimension"), ((ListedSize(1.0), 0, 1), "positive")])
def test_impossible_input_is_refused(args: tuple[ListedSize, float, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        match_size(*args)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (("30", "10", "20", "cm"), ListedSize(0.3, 0.1, 0.2)),
        (("30", "", "20", "mm"), ListedSize(0.03, None, 0.02)),
        (("", "", "", "cm"), None),
        (("a", "-1", "0", "cm"), None),
        (("1", "2", "3", "furlong"), None),
    ],
)
def test_listed_size_reads_woocommerce_strings(raw: tuple[str, str, str, str], expected: ListedSize | None) -> None:
    listed = ListedSize.from_woocommerce(*raw)
    if expected is None:
        assert listed is None
    else:
        assert listed is not None
        assert listed.as_dict() == pytest.approx(expected.as_dict())  # type: ignore[arg-type]
