"""The merchant's shape choice for a product: its `_woo3d_shape` meta, else a "3D shape" attribute.

The plugin's 3D meta box writes the meta; a store that manages products by import can use an
attribute instead. Both hold one of pipeline.product.SHAPE_CHOICES; anything else means "auto".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.product import SHAPE_CHOICES

__all__ = ["SHAPE_ATTRIBUTE", "SHAPE_META_KEY", "merchant_shape", "parse_shape"]

SHAPE_META_KEY = "_woo3d_shape"
SHAPE_ATTRIBUTE = "3D shape"


def parse_shape(value: Any) -> str | None:
    """One of SHAPE_CHOICES for a value a person typed ("Free form", " ROUND "), else None."""
    if not isinstance(value, str):
        return None
    word = "-".join(value.strip().lower().replace("_", " ").split())
    word = "free-form" if word == "freeform" else word
    return word if word in SHAPE_CHOICES else None


def merchant_shape(meta: Mapping[str, Any], attributes: Iterable[tuple[str, Iterable[str]]]) -> str:
    """The product's chosen shape: the meta when it names a choice, else the attribute's first option, else "auto".

    `meta` maps meta keys to values; `attributes` gives (name, options) pairs.
    """
    chosen = parse_shape(meta.get(SHAPE_META_KEY))
    if chosen is not None and chosen != "auto":
        return chosen
    for name, options in attributes:
        if name.strip().lower() == SHAPE_ATTRIBUTE.lower():
            for option in options:
                from_attribute = parse_shape(option)
                if from_attribute is not None:
                    return from_attribute
    return "auto"
