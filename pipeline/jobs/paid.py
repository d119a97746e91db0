"""Asking before a paid call: which regenerations need the merchant's yes, and what they cost."""

from __future__ import annotations

from collections.abc import Callable

from redis import Redis

from pipeline.config import PipelineConfig
from pipeline.jobs.backfill import paid_providers
from pipeline.jobs.snapshots import ProductSnapshots
from wp_bridge import META_KEY, ModelMeta, Product, StoreClients, StoreConfig

PAID_COSTS = {"tripo": "costs a Tripo3D credit", "huggingface-endpoint": "bills the HuggingFace Inference Endpoint's uptime"}


class PaidCallNotConfirmed(ValueError):
    """A regeneration would call a paid generator and the caller did not confirm it: nothing queued."""


def confirm_regeneration(config: PipelineConfig, *, confirmed: bool, made_before: Callable[[], bool] = lambda: True) -> None:
    """Let a regeneration through when it is free, confirmed, or the product has no model to pay
    for again (`made_before`, asked only when the answer matters: it may read the store).

    Raises PaidCallNotConfirmed naming the cost otherwise, and whatever `made_before` raises.
    """
    paid = paid_providers(config)
    if paid and not confirmed and made_before():
        raise PaidCallNotConfirmed(f"regenerating calls a paid generator: it {PAID_COSTS[paid[0]]}")


def has_woo3d_model(connection: Redis, store: StoreConfig, product_id: int) -> bool:
    """Whether woo3d already made a model for the product (live, held for review or discarded), read
    as its job would read it: from the store, or without one from the product's last delivery. A
    product neither knows has nothing to generate from, so nothing to pay for.

    Raises ProductNotFound or another StoreError.
    """
    if store.configured:
        clients = StoreClients.from_config(store)
        try:
            meta = clients.woocommerce.resolve(product_id).meta
        finally:
            clients.close()
    else:
        payload = ProductSnapshots(connection).load(product_id)
        meta = Product.from_api(payload).meta if payload is not None else {}
    return ModelMeta.of_product(meta.get(META_KEY), product_id) is not None
