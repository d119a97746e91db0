"""Where AR puts a model: on the floor, or against a wall for what hangs on one (a poster, a clock)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.product import ProductInput

# What hangs on a wall, as the last word of a title's main phrase or of a category or tag
# ("Mountain art print", "Round wall mirror", "Wall Art", "Posters").
_WALL_NOUNS = ("poster", "print", "canvas", "painting", "artwork", "wall art", "wall decor", "tapestry", "plaque",
               "sign", "frame", "mirror", "clock", "map", "calendar", "pennant", "wall decal", "photograph")
# The word just before that noun that puts it somewhere else ("Desk clock", "Floor mirror").
_ELSEWHERE = ("desk", "table", "floor", "floor-standing", "standing", "alarm", "pocket", "hand", "compact", "travel",
              "bed", "car")
# One of the numbers and units a title may end on after its noun ("Canvas print 40 x 60 cm"),
# matched a word at a time: one pattern over the whole tail backtracked quadratically on a long
# title that ends on something else (20 KB of " 1.1" took seconds).
_SIZE_WORD = re.compile(r"[\d.,]+(?:[x×][\d.,]+)*(?:cm|mm|in|m)?|[x×]|cm|mm|m|in|inch|inches|a\d")
# A wall piece is thin: at most this share of its front's longer side deep (a wall clock is about 15 %).
MAX_WALL_DEPTH = 0.2

Placement = Literal["floor", "wall"]


@dataclass(frozen=True)
class ArPlacement:
    """model-viewer's `ar-placement` (WebXR and Scene Viewer; Quick Look lets the shopper choose), with the
    reason in words."""

    placement: Placement
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"placement": self.placement, "reason": self.reason}


def ar_placement(product: ProductInput, size_m: tuple[float, float, float], built_as: str | None) -> ArPlacement:
    """Wall for a thin model whose name (or a category or tag) ends on a thing that hangs on a
    wall; the floor for everything else. Every model faces the viewer, its back at -Z, which is
    the side AR puts against the wall. `built_as`: the local generator's shape class (a wall
    piece is one of its slabs), None for a hosted model."""
    main, _ = product.title_phrases
    found = _wall_noun(main) or next(
        (named for text in (*product.categories, product.category, *product.tags) if (named := _wall_noun(text.lower()))),
        None)
    if found is None:
        return ArPlacement("floor", "neither its name nor a category or tag is a thing that hangs on a wall")
    noun, elsewhere = found
    if elsewhere is not None:
        return ArPlacement("floor", f"a {noun} may hang on a wall, but {elsewhere!r} puts it elsewhere")
    if built_as is not None and built_as != "flat":
        return ArPlacement("floor", f"a {noun} hangs on a wall, but it was built as a {built_as} product, not a slab")
    width, height, depth = size_m
    share = depth / max(width, height, 1e-12)
    if share > MAX_WALL_DEPTH:
        return ArPlacement("floor", f"a {noun} hangs on a wall, but the model is {share:.0%} as deep as it is wide or "
                                    "tall: too deep to hang flat")
    return ArPlacement("wall", f"a {noun}, {share:.0%} as deep as it is wide or tall: AR hangs it on a wall")


def _wall_noun(text: str) -> tuple[str, str | None] | None:
    """The wall noun `text` ends on (sizes after it ignored) and the word just before it when that
    puts it somewhere else; None when it ends on no wall noun."""
    words = " ".join(_without_size_tail(re.findall(r"[a-z0-9×.,-]+", text)))
    for noun in _WALL_NOUNS:
        match = re.search(rf"\b{re.escape(noun)}(?:e?s)?$", words)
        if match is not None:
            before = words[: match.start()].split()[-1:]
            return noun, before[0] if before and before[0] in _ELSEWHERE else None
    return None


def _without_size_tail(words: list[str]) -> list[str]:
    """`words` less the sizes they end on (the first word always stays), each word looked at once."""
    end = len(words)
    while end > 1 and _SIZE_WORD.fullmatch(words[end - 1]):
        end -= 1
    return words[:end]
