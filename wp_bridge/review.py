"""The merchant's verdict on a held model: approving makes it the live model, discarding deletes it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import structlog

from wp_bridge.clients import StoreClients
from wp_bridge.held_files import release_held
from wp_bridge.ledger import AttachmentLedger
from wp_bridge.metadata import META_KEY, ModelMeta
from wp_bridge.writeback import VIEW_ROLES, delete_superseded

log = structlog.get_logger(__name__)


class NothingToReview(ValueError):
    """The product holds no model for review (or not the one named): nothing was changed."""


@dataclass(frozen=True)
class ReviewResult:
    """What `approve` or `discard` did; `meta` is the product's `_woo3d_model` afterwards."""

    product_id: int
    action: Literal["approved", "discarded"]
    fingerprint: str
    meta: ModelMeta
    deleted: tuple[int, ...]
    not_deleted: tuple[int, ...]


def held_model(meta_value: object) -> ModelMeta | None:
    """The model a `_woo3d_model` value holds for review, or None."""
    value = ModelMeta.from_meta(meta_value)
    return value.pending if value is not None else None


def approve(clients: StoreClients, ledger: AttachmentLedger, product_id: int, fingerprint: str | None = None) -> ReviewResult:
    """Make the held model the product's live model in one meta PUT (its files, private while held,
    made ordinary attachments first), then delete the replaced live model's files and the review
    views (the storefront never needed them).

    With `fingerprint`, only that held model is approved (a page opened before a newer model was
    held cannot approve one the merchant has not seen). The caller holds the product's lock.
    Raises NothingToReview (nothing changed), ProductNotFound or another StoreError.
    """
    value, held, parent_id = _held(clients, product_id, fingerprint)
    live = replace(
        held, state="live", views={}, held_because="", pending=None, declined="",
        attachment_ids={role: i for role, i in held.attachment_ids.items() if role not in VIEW_ROLES},
    )
    # Its files become the product's ordinary media before the PUT makes them its model.
    release_held(clients.media, live)
    return _settle(clients, ledger, product_id, parent_id, "approved", held, [value, held], live)


def discard(clients: StoreClients, ledger: AttachmentLedger, product_id: int, fingerprint: str | None = None) -> ReviewResult:
    """Drop the held model and delete its files; the live model (if any) stays. Its fingerprint is
    kept as `declined`, so the sweep, backfill and webhook echoes do not pay to make it again:
    only a change of photos or text, or an explicit regeneration, does.

    Raises NothingToReview (nothing changed), ProductNotFound or another StoreError.
    """
    value, held, parent_id = _held(clients, product_id, fingerprint)
    return _settle(clients, ledger, product_id, parent_id, "discarded", held, [held],
                   replace(value, pending=None, declined=held.fingerprint))


def _held(clients: StoreClients, product_id: int, fingerprint: str | None) -> tuple[ModelMeta, ModelMeta, int]:
    """The product's meta value, its held model, and its parent's id when it is a variation (else 0)."""
    product = clients.woocommerce.resolve(product_id)
    value = ModelMeta.of_product(product.meta.get(META_KEY), product.id)
    held = value.pending if value is not None else None
    if value is None or held is None:
        raise NothingToReview(f"product {product_id} has no model waiting for review")
    if fingerprint and held.fingerprint != fingerprint:
        raise NothingToReview(
            f"product {product_id}'s held model is {held.fingerprint}, not {fingerprint}: a newer model replaced it"
        )
    return value, held, product.parent_id if product.is_variation else 0


def _settle(
    clients: StoreClients,
    ledger: AttachmentLedger,
    product_id: int,
    parent_id: int,
    action: Literal["approved", "discarded"],
    held: ModelMeta,
    replaced: list[ModelMeta],
    value: ModelMeta,
) -> ReviewResult:
    keep = value.attachment_id_set
    clients.woocommerce.update_product_meta(product_id, {META_KEY: value.to_json()}, parent_id=parent_id)
    log.info(f"held_model_{action}", product_id=product_id, fingerprint=held.fingerprint)
    deleted, not_deleted = delete_superseded(clients, ledger, product_id, keep)
    return ReviewResult(product_id, action, held.fingerprint, value, tuple(deleted), tuple(not_deleted))
