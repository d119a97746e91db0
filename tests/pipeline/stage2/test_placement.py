"""Where AR puts a model: a thin thing that hangs on a wall goes on a wall, the rest on the floor."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# Titles as shops write them: a word, a thing that hangs on a wall (or not), then its size in any spelling.
LEADS = st.sampled_from(["mountain", "Sunset", "vintage", "BLUE", "framed", "abstract", "lisbon"])
WALL_NOUNS = st.sampled_from(["poster", "posters", "print", "prints", "canvas", "canvases", "painting", "tapestry",
                              "mirror", "clock", "map", "Wall Art"])
SIZES = st.lists(st.one_of(
    st.from_regex(r"[0-9]{1,4}([.,][0-9]{1,2})?([x×][0-9]{1,4}([.,][0-9])?)*(cm|mm|in|m)?", fullmatch=True),
    st.sampled_from(["x", "×", "cm", "mm", "m", "in", "inch", "inches", "a3", "A4"]),
), max_size=12)
# Runs that cost the old size pattern seconds when repeated (none splits a title into phrases).
ODD_RUNS = st.sampled_from([" 1.1", " 1x1", " 2×3mm", " x", " cm", "×", " a4", "..", "1", " inch", "z", " 0.", " -1"])


@given(lead=LEADS, noun=WALL_NOUNS, sizes=SIZES)
@settings(max_examples=200, deadline=None)
def test_any_size_after_the_noun_is_ignored(lead: str, noun: str, sizes: list[str]) -> None:
    placed = ar_placement(ProductInput(title=" ".join([lead, noun, *sizes])), POSTER, "flat")
    assert placed.placement == "wall", placed.reason


@given(elsewhere=st.sampled_from(["desk", "Floor", "travel", "pocket"]), noun=WALL_NOUNS, sizes=SIZES)
@settings(max_examples=100, deadline=None)
def test_the_word_before_the_noun_still_decides_whatever_size_follows(elsewhere: str, noun: str,
                                                                      sizes: list[str]) -> None:
    placed = ar_placement(ProductInput(title=" ".join([elsewhere, noun, *sizes])), POSTER, "flat")
    assert placed.placement == "floor" and f"{elsewhere.lower()!r} puts it elsewhere" in placed.reason


@pytest.mark.timeout(60)
@given(run=ODD_RUNS, repeat=st.integers(2_000, 12_500), ending=st.one_of(
    st.tuples(LEADS, WALL_NOUNS, SIZES).map(lambda parts: " ".join([parts[0], parts[1], *parts[2]])),
    st.tuples(LEADS, st.sampled_from(["mug", "cap", "tote bag", "lamp"])).map(" ".join),
))
@settings(max_examples=60, deadline=None)
def test_a_long_odd_title_is_placed_as_its_ending_says(run: str, repeat: int, ending: str) -> None:
    """Issue 25 (finding 5): up to 50 KB of numbers and units before the title's real ending; the
    size tail is stripped a word at a time, so the work grows with the title's length, not its square."""
    long_title = run * repeat + " " + ending
    assert ar_placement(ProductInput(title=long_title), POSTER, "flat") == ar_placement(
        ProductInput(title=ending), POSTER, "flat")


@pytest.mark.timeout(5)
@pytest.mark.parametrize("title", [" 1.1" * 12_500 + " z", "a" + " 1x1" * 12_500 + "z", "1x" * 25_000 + "z",
                                   "Poster" + " 40 x 60 cm" * 5_000])
def test_a_50_kb_title_built_to_backtrack_is_placed_at_once(title: str) -> None:
    """The old single pattern took 5 s on 20 KB of " 1.1" ending on a word, over 30 s on 50 KB."""
    assert ar_placement(ProductInput(title=title), POSTER, "flat").placement == (
        "wall" if title.startswith("Poster") else "floor")
