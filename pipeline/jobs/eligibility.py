"""Which products get a model, and whether theirs is current: one rule for deliveries, backfill and the sweep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
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


def shares_parent_photos(variation: Product, parent: Product) -> bool:
    """True when a variation has no photo of its own (WooCommerce then shows the parent's featured
    image as the variation's) or shows exactly that one: sizes of one colour. Such a variation uses
    its parent's model: nothing is generated or paid for it."""
    if not variation.images:
        return True
    own = tuple(image.id for image in variation.images)
    return bool(parent.images) and own == (parent.images[0].id,)


Action = Literal["enqueue", "current", "parent", "skip"]


@dataclass(frozen=True)
class Verdict:
    """What to do with one listed product: generate (`enqueue`), nothing (`current`; `parent` for a
    variation that shows its parent's model), or `skip` (with why)."""

    product_id: int
    action: Action
    fingerprint: str | None = None
    reason: str | None = None


def judge(product: Product, enabled_types: Iterable[str], parent: Product | None = None) -> Verdict:
    """The verdict for a product from the store's listing (a variation with its `parent`): the delivery
    rule, then whether a variation shares its parent's photos, then the stored fingerprint."""
    from wp_bridge import META_KEY, ModelMeta

    reason = skip_reason(ProductFacts.from_product(product), enabled_types)
    if reason:
        return Verdict(product.id, "skip", reason=reason)
    if parent is not None:
        # A variation of an unpublished or opted-out product is neither shown nor wanted.
        parent_reason = skip_reason(replace(ProductFacts.from_product(parent), has_images=True), (parent.type,))
        if parent_reason:
            return Verdict(product.id, "skip", reason=f"its product {parent.id} is {parent_reason}")
    current = fingerprint(LookFields.from_product(product))
    stored = ModelMeta.of_product(product.meta.get(META_KEY), product.id)
    if parent is not None and shares_parent_photos(product, parent):
        if stored is not None:  # its own photo is gone: the job takes its old model off
            return Verdict(product.id, "enqueue", current, "shows its parent's model now; its own old model goes")
        return Verdict(product.id, "parent", current, "shows its parent's model (no photo of its own)")
    standing = stored.standing(current) if stored is not None else None
    if standing == "live":
        return Verdict(product.id, "current", current, "the product's model matches its photos and text")
    if standing == "review":
        return Verdict(product.id, "current", current, "a model of its photos and text waits for review")
    if standing == "declined":
        return Verdict(product.id, "current", current, "the merchant discarded the model of its photos and text")
    return Verdict(product.id, "enqueue", current)
