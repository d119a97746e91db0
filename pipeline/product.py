"""What the pipeline is asked to model: a product's text, photos and real size, as plain values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

_UNIT_TO_M = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254, "yd": 0.9144, "ft": 0.3048}
_DIMENSIONS = re.compile(
    r"^\s*(?P<w>\d+(?:\.\d+)?)\s*[x×]\s*(?P<h>\d+(?:\.\d+)?)\s*[x×]\s*(?P<d>\d+(?:\.\d+)?)\s*(?P<unit>[a-z]*)\s*$",
    re.IGNORECASE,
)


# How the keyless generator builds a product; "auto" lets it decide from the text, photo and size.
ShapeClass = Literal["round", "box", "flat", "garment", "free-form"]
SHAPE_CHOICES: tuple[str, ...] = ("auto", *get_args(ShapeClass))


class DimensionsError(ValueError):
    """Raised for dimensions that cannot be read or are not positive."""


@dataclass(frozen=True)
class Dimensions:
    """Real size in metres, in the viewer's axes: width (X, left-right in the front photo),
    height (Y, up), depth (Z, towards the viewer)."""

    width_m: float
    height_m: float
    depth_m: float

    def __post_init__(self) -> None:
        if min(self.width_m, self.height_m, self.depth_m) <= 0:
            raise DimensionsError(f"dimensions must be positive, got {self}")

    @classmethod
    def parse(cls, text: str, default_unit: str = "cm") -> Dimensions:
        """Parse `WxHxD[unit]`, e.g. `30x40x5cm`, `0.3x0.4x0.05m`, `12x16x2in`.

        Raises DimensionsError naming the problem.
        """
        match = _DIMENSIONS.match(text)
        if not match:
            raise DimensionsError(f"cannot read dimensions {text!r}: expected WxHxD[cm|m|mm|in], e.g. 30x40x5cm")
        unit = (match["unit"] or default_unit).lower()
        if unit not in _UNIT_TO_M:
            raise DimensionsError(f"unknown unit {unit!r} in {text!r}: use one of {', '.join(_UNIT_TO_M)}")
        scale = _UNIT_TO_M[unit]
        return cls(float(match["w"]) * scale, float(match["h"]) * scale, float(match["d"]) * scale)

    def as_dict(self) -> dict[str, float]:
        return {"width": self.width_m, "height": self.height_m, "depth": self.depth_m}


@dataclass(frozen=True)
class ListedSize:
    """The store's length, width and height in metres, in no known order (None where left blank).

    WooCommerce's three numbers are often the parcel's, and nothing says which of them is the
    product's height: `pipeline.stage2.sizing.match_size` assigns them to axes against the photo.
    """

    length_m: float | None = None
    width_m: float | None = None
    height_m: float | None = None

    @classmethod
    def from_woocommerce(cls, length: str, width: str, height: str, unit: str) -> ListedSize | None:
        """WooCommerce's strings in the store's unit; a blank or unreadable one is None.

        Returns None when no number is usable or the unit is unknown.
        """
        if unit.lower() not in _UNIT_TO_M:
            return None
        scale = _UNIT_TO_M[unit.lower()]
        values = [_positive(raw) for raw in (length, width, height)]
        if all(value is None for value in values):
            return None
        return cls(*(None if value is None else value * scale for value in values))

    @property
    def known(self) -> tuple[float, ...]:
        """The numbers given, in the store's order."""
        return tuple(v for v in (self.length_m, self.width_m, self.height_m) if v is not None)

    def as_dict(self) -> dict[str, float | None]:
        return {"length": self.length_m, "width": self.width_m, "height": self.height_m}


def _positive(raw: str) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 and value < float("inf") else None


@dataclass(frozen=True)
class SourceImage:
    """One product photo as downloaded bytes (validation happens in the pipeline), with its file
    name and the store's alt text, which may say which view it shows ("back", "side")."""

    data: bytes
    name: str = "image"
    alt: str = ""


# Where a title's main phrase ends and what describes it begins: a product's name puts its noun
# last ("Hat Box" is a box) and describes it after "with", "for", a dash or a bracket ("Pen with Cap").
_QUALIFIER = re.compile(r"\s(?:with|without|for|incl\.?|including)\s|\s[-\u2013\u2014|/+]\s|[(,:;]")


@dataclass(frozen=True)
class ProductInput:
    """Everything a generator may use. The first image is the main (front) photo; the others are
    the gallery, each used for the view it shows only (`pipeline.photos.views.read_gallery`).

    `dimensions` is an exact size the caller vouches for (`woo3d generate --dimensions`), used
    axis by axis; `listed_size` is the store's length/width/height, matched to the photo first.
    `attributes` holds one (name, option) pair per option of each WooCommerce attribute.
    """

    title: str = ""
    description: str = ""
    images: tuple[SourceImage, ...] = ()
    dimensions: Dimensions | None = None
    product_id: int | None = None
    category: str = ""
    collection: str = ""
    garment_type: str = ""
    shape: str = "auto"  # the merchant's choice, one of SHAPE_CHOICES
    listed_size: ListedSize | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def title_phrases(self) -> tuple[str, str]:
        """The title's main phrase, whose last noun is the product, and what describes it; lower case."""
        main, *rest = _QUALIFIER.split(self.title.lower(), maxsplit=1)
        return main, " ".join(rest)
