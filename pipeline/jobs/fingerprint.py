"""The fingerprint of a product's 3D-relevant fields: equal fingerprints mean the same model.

Price, stock, dates and our own meta never enter it, so a price edit or the echo of our own
write-back costs nothing.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.jobs.shape_choice import SHAPE_META_KEY, merchant_shape

if TYPE_CHECKING:
    from wp_bridge import Product

# Bump only when the meaning of the fields changes: every product would be regenerated (and paid for).
FINGERPRINT_VERSION = 1
MODEL_META_KEY = "_woo3d_model"
OPT_OUT_META_KEY = "_woo3d_disabled"

# Attribute names whose values change what the product looks like (a colour does; a licence does not).
_LOOK_WORDS = ("color", "colour", "material", "finish", "pattern", "fabric", "texture", "style", "shape", "print")
_TAG = re.compile(r"<[^>]+>")


def plain_text(markup: str | None) -> str:
    """Product text as a shopper reads it: tags stripped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", markup or "")).split())


@dataclass(frozen=True)
class LookFields:
    """The fields a 3D model is made from, normalised."""

    name: str
    description: str
    images: tuple[tuple[int, str], ...]  # (media id, URL) in gallery order
    dimensions: tuple[str, str, str]  # length, width, height as the store wrote them
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    shape: str = "auto"  # the merchant's shape choice (pipeline.jobs.shape_choice)

    @classmethod
    def from_payload(cls, product: Mapping[str, Any]) -> LookFields:
        """From a WooCommerce REST v3 product (a webhook body or a GET /products/<id>), or a variation
        from `/products/<parent>/variations/<id>`.

        A variation's look is its photo and its look attributes: the products route names it
        "Cap - Red" and the variations route "Red", so the name stays out (both routes must give
        one fingerprint), and so do the dimensions, so that sizes sharing a photo share one model.
        """
        variation = product.get("type") == "variation"
        # The variations route names a variation's one photo `image`.
        listed = product.get("images") if "images" in product else [product.get("image")]
        images = tuple(
            (int(image.get("id") or 0), str(image.get("src") or ""))
            for image in _as_list(listed)
            if isinstance(image, Mapping)
        )
        dims = product.get("dimensions") if isinstance(product.get("dimensions"), Mapping) and not variation else {}
        attributes = [a for a in _as_list(product.get("attributes")) if isinstance(a, Mapping)]
        shape = merchant_shape(
            {SHAPE_META_KEY: meta_value(product, SHAPE_META_KEY)},
            ((str(a.get("name") or ""), [str(o) for o in _as_list(a.get("options")) or [a.get("option")]]) for a in attributes),
        )
        return cls(
            name="" if variation else plain_text(str(product.get("name") or "")),
            description=plain_text(str(product.get("description") or ""))
            or plain_text(str(product.get("short_description") or "")),
            images=images,
            dimensions=tuple(str(dims.get(k) or "").strip() for k in ("length", "width", "height")),  # type: ignore[arg-type]
            attributes=look_attributes(_as_list(product.get("attributes"))),
            shape=shape,
        )

    @classmethod
    def from_product(cls, product: Product) -> LookFields:
        """From the store client's typed product; equal to `from_payload` of the same JSON."""
        return cls.from_payload({
            "type": product.type,
            "name": product.name,
            "description": product.description,
            "short_description": product.short_description,
            "images": [{"id": image.id, "src": image.src} for image in product.images],
            "dimensions": {"length": product.dimensions.length, "width": product.dimensions.width,
                           "height": product.dimensions.height},
            "attributes": [{"name": a.name, "options": list(a.options)} for a in product.attributes],
            "meta_data": [{"key": SHAPE_META_KEY, "value": product.meta.get(SHAPE_META_KEY)}],
        })


def look_attributes(attributes: Sequence[Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The attributes that change the look, sorted, with their option(s)."""
    found = []
    for attribute in attributes:
        if not isinstance(attribute, Mapping):
            continue
        name = str(attribute.get("name") or attribute.get("slug") or "").strip()
        if not any(word in name.lower() for word in _LOOK_WORDS):
            continue
        options = attribute.get("options")
        values = [str(v) for v in options] if isinstance(options, list) else [str(attribute.get("option") or "")]
        found.append((name.lower(), tuple(sorted(v.strip() for v in values if v.strip()))))
    return tuple(sorted(found))


def fingerprint(fields: LookFields) -> str:
    """`sha256:<hex>` of the canonical JSON of the fields."""
    values = dict(vars(fields))  # shallow: json.dumps writes tuples as lists, as asdict's copies were
    if values["shape"] == "auto":
        # Products without a choice keep the fingerprint they had before the choice existed.
        del values["shape"]
    canonical = json.dumps({"v": FINGERPRINT_VERSION, **values}, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def product_fingerprint(product: Mapping[str, Any]) -> str:
    return fingerprint(LookFields.from_payload(product))


def meta_value(product: Mapping[str, Any], key: str) -> Any:
    """The value of a product meta key in a REST payload, or None."""
    for entry in _as_list(product.get("meta_data")):
        if isinstance(entry, Mapping) and entry.get("key") == key:
            return entry.get("value")
    return None


def covered_fingerprint(product: Mapping[str, Any], current: str) -> str | None:
    """Which model of the product's `_woo3d_model` was made from `current` (live, review: held
    for the merchant, declined: discarded by the merchant), or None when generating is new work
    (also when the value was written for another product and copied here)."""
    from wp_bridge import ModelMeta

    product_id = product.get("id")
    model = ModelMeta.of_product(meta_value(product, MODEL_META_KEY), product_id if isinstance(product_id, int) else 0)
    return model.standing(current) if model is not None else None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
