"""Recorded WooCommerce traffic (tests/fixtures/woocommerce) as test inputs, and a signing helper."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.conftest import WOOCOMMERCE_FIXTURES
from webhooks.signature import sign

RIG_SECRET = "woo3d-rig-webhook-secret"
Headers = tuple[tuple[str, str], ...]


def recorded_delivery(name: str) -> tuple[Headers, bytes]:
    """Headers in arrival order and the exact raw body of `webhooks/<name>.json`."""
    saved = json.loads((WOOCOMMERCE_FIXTURES / "webhooks" / f"{name}.json").read_text())
    request = saved["request"]
    return tuple((k, v) for k, v in request["headers"]), base64.b64decode(request["body_base64"])


def recorded_payload(name: str) -> dict[str, Any]:
    return json.loads(recorded_delivery(name)[1])


def recorded_rest(name: str) -> dict[str, Any]:
    return json.loads((WOOCOMMERCE_FIXTURES / "rest" / f"{name}.json").read_text())


def signed_delivery(
    payload: dict[str, Any] | bytes, *, topic: str = "product.updated", delivery_id: str = "0" * 32,
    secret: str = RIG_SECRET, like: str = "product_updated__name_and_price",
) -> tuple[Headers, bytes]:
    """A delivery with WooCommerce's real headers (taken from a recording), re-signed for `payload`."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers, _ = recorded_delivery(like)
    replaced = {
        "x-wc-webhook-signature": sign(secret, body),
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-delivery-id": delivery_id,
        "content-length": str(len(body)),
    }
    return tuple((k, replaced.get(k.lower(), v)) for k, v in headers), body


def webhook_files() -> list[Path]:
    return sorted(p for p in (WOOCOMMERCE_FIXTURES / "webhooks").glob("*.json") if p.name != "INDEX.json")
