"""Which products get a model, and whether theirs is current: one rule for deliveries, backfill and the sweep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pipeline.jobs.fingerprint import (
    OPT_OUT_META_KEY,
    LookFields,
    fingerprint,
    meta_value,
    plain_text,
)

if TYPE_CHECKING:
    from wp_bridge import Product

_NOT_OPTED_OUT = (None, "", "0", 0, False, "no", "false")


@dataclass(frozen=True)
class ProductFacts:
    """The fields the rule reads, from a REST payload (a delivery) or a typed Product (a listing)."""

    status: str | None
    type: str | None
    opt_out: Any
    has_images: bool
    text: str

    @classmethod
    def from_payload(cls, product: Mapping[str, Any]) -> ProductFacts:
        images = product.get("images") if isinstance(product.get("images"), list) else []
        return cls(
            status=product.get("status"),
            type=product.get("type"),
            opt_out=meta_value(product, OPT_OUT_META_KEY),
            has_images=any(isinstance(image, Mapping) and image.get("src") for image in images),
            text=str(product.get("description") or product.get("short_description") or ""),
        )

    @classmethod
    def from_product(cls, product: Product) -> ProductFacts:
        return cls(
            status=product.status,
            type=product.type,
            opt_out=product.meta.get(OPT_OUT_META_KEY),
            has_images=any(image.src for image in product.images),
            text=product.description or product.short_description,
        )


def skip_reason(facts: ProductFacts, enabled_types: Iterable[str]) -> str | None:
    """Why this product gets no model, or None when it should get one."""
    if facts.status != "publish":
        return f"not published (status: {facts.status})"
    if facts.type not in tuple(enabled_types):
        return f"product type {facts.type!r} is not enabled (WOO3D_PRODUCT_TYPES)"
    if facts.opt_out not in _NOT_OPTED_OUT:
        return f"opted out ({OPT_OUT_META_KEY} is set)"
    if not facts.has_images and not plain_text(facts.text):
        return "no images and no description"
    return None


Action = Literal["enqueue", "current", "skip"]


@dataclass(frozen=True)
class Verdict:
    """What to do with one listed product: generate (`enqueue`), nothing (`current`), or `skip` (with why)."""

    product_id: int
    action: Action
    fingerprint: str | None = None
    reason: str | None = None


def judge(product: Product, enabled_types: Iterable[str]) -> Verdict:
    """The verdict for a product from the store's listing: the delivery rule, then the stored fingerprint."""
    from wp_bridge import META_KEY, ModelMeta

    reason = skip_reason(ProductFacts.from_product(product), enabled_types)
    if reason:
        return Verdict(product.id, "skip", reason=reason)
    current = fingerprint(LookFields.from_product(product))
    stored = ModelMeta.from_meta(product.meta.get(META_KEY))
    standing = stored.standing(current) if stored is not None else None
    if standing == "live":
        return Verdict(product.id, "current", current, "the product's model matches its photos and text")
    if standing == "review":
        return Verdict(product.id, "current", current, "a model of its photos and text waits for review")
    if standing == "declined":
        return Verdict(product.id, "current", current, "the merchant discarded the model of its photos and text")
    return Verdict(product.id, "enqueue", current)
