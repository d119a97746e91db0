"""Where AR puts a model: a thin thing that hangs on a wall goes on a wall, the rest on the floor."""

from __future__ import annotations

import pytest

from pipeline.product import ProductInput
from pipeline.stage2.placement import ar_placement

POSTER = (0.5, 0.7, 0.004)
CLOCK = (0.3, 0.3, 0.045)
MUG = (0.12, 0.10, 0.09)


@pytest.mark.parametrize(
    ("title", "size", "built_as"),
    [
        ("Mountain art print poster", POSTER, "flat"),
        ("Sunset canvas print 40 x 60 cm", POSTER, "flat"),  # sizes after the noun
        ("Round wall mirror", CLOCK, "flat"),
        ("Wall clock", CLOCK, None),  # a hosted model: no class, its thinness decides
        ("Framed poster - black oak", POSTER, "flat"),  # what follows a dash only describes it
        ("Hand painted canvas", POSTER, "flat"),  # only the word just before the noun can put it elsewhere
    ],
)
def test_what_hangs_on_a_wall_is_placed_on_one(title: str, size: tuple[float, float, float], built_as: str | None) -> None:
    placed = ar_placement(ProductInput(title=title), size, built_as)
    assert placed.placement == "wall", placed.reason
    assert "hangs it on a wall" in placed.reason


@pytest.mark.parametrize(
    ("title", "size", "built_as", "why"),
    [
        ("Red ceramic mug", MUG, "round", "neither its name"),
        ("Graphic print t-shirt", POSTER, "garment", "neither its name"),  # the name ends on the shirt
        ("Poster tube", (0.08, 0.9, 0.08), "round", "neither its name"),
        ("Vintage desk clock", CLOCK, "flat", "'desk' puts it elsewhere"),
        ("Floor mirror", (0.5, 1.6, 0.04), "flat", "'floor' puts it elsewhere"),
        ("Wall clock", CLOCK, "round", "built as a round product"),  # revolved: no slab to hang
        ("Wall clock", (0.3, 0.3, 0.12), None, "too deep to hang flat"),
    ],
)
def test_everything_else_stands_on_the_floor(title: str, size: tuple[float, float, float], built_as: str | None,
                                             why: str) -> None:
    placed = ar_placement(ProductInput(title=title), size, built_as)
    assert placed.placement == "floor" and why in placed.reason


def test_a_category_or_tag_can_say_it_hangs_on_a_wall() -> None:
    """Art shops name a print after the artwork and file it under "Posters"."""
    sunset = ProductInput(title="Sunset over Lisbon", categories=("Posters",))
    assert ar_placement(sunset, POSTER, "flat").placement == "wall"
    tagged = ProductInput(title="Blue hour", tags=("Wall Art",))
    assert ar_placement(tagged, POSTER, "flat").placement == "wall"
    assert ar_placement(ProductInput(title="Blue hour"), POSTER, "flat").placement == "floor"
