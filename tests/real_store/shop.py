"""What the real-store tests do as a merchant would: make a product, let WooCommerce deliver and woo3d
work, and read the model back from the product and its page."""

from __future__ import annotations

import re
from typing import Any

import requests

from tests.real_store.backend import Woo3dBackend
from tests.real_store.store import WooCommerceStore
from wp_bridge import ModelMeta

MODEL_META = "_woo3d_model"


def settled(store: WooCommerceStore, woo3d: Woo3dBackend) -> list[dict[str, Any]]:
    """Deliver what WooCommerce queued, let woo3d finish, then deliver the write-backs' own echoes;
    returns the deliveries of the first round."""
    before = len(woo3d.deliveries())
    store.deliver_webhooks()
    delivered = woo3d.deliveries_since(before)
    woo3d.wait_until_idle()
    store.deliver_webhooks()
    woo3d.wait_until_idle()
    return delivered


def model_of(store: WooCommerceStore, product_id: int) -> ModelMeta:
    model = ModelMeta.from_meta(store.meta(product_id, MODEL_META))
    assert model is not None and model.glb, f"product {product_id} has no model"
    return model


def page_model(store: WooCommerceStore, product_id: int) -> str | None:
    """The GLB the product page's <model-viewer> shows to a shopper, or None."""
    page = requests.get(f"{store.url}/?p={product_id}", timeout=30)
    assert page.status_code == 200
    found = re.search(r'<model-viewer[^>]*\ssrc="([^"]+)"', page.text)
    return found.group(1) if found else None


def new_product(store: WooCommerceStore, name: str, **fields: Any) -> dict[str, Any]:
    """A simple product with the store's photo, made through WooCommerce's REST API."""
    return dict(store.wc("POST", "/products", json={
        "name": name, "description": f"{name}, glazed stoneware.", "regular_price": "24.00",
        "images": [{"id": store.photo_ids[0]}], **fields,
    }))


def product_with_model(store: WooCommerceStore, woo3d: Woo3dBackend, name: str, **fields: Any) -> tuple[int, ModelMeta]:
    product = new_product(store, name, **fields)
    settled(store, woo3d)
    return int(product["id"]), model_of(store, int(product["id"]))
