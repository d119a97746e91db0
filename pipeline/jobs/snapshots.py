"""The latest product payload each delivery brought, for running jobs with no store configured."""

from __future__ import annotations

import json
from typing import Any

from redis import Redis

SNAPSHOT_TTL_S = 30 * 24 * 3600


class ProductSnapshots:
    def __init__(self, connection: Redis, prefix: str = "woo3d"):
        self.connection = connection
        self.prefix = prefix

    def key(self, product_id: int) -> str:
        """The product's snapshot key (the receiver writes it in the same atomic step as the delivery)."""
        return f"{self.prefix}:product-snapshot:{product_id}"

    def save(self, product_id: int, payload_json: bytes) -> None:
        """Keep the product's REST JSON exactly as delivered (no re-serialising on the hot path)."""
        self.connection.set(self.key(product_id), payload_json, ex=SNAPSHOT_TTL_S)

    def load(self, product_id: int) -> dict[str, Any] | None:
        raw = self.connection.get(self.key(product_id))
        return json.loads(raw) if raw else None

    def forget(self, product_id: int) -> None:
        self.connection.delete(self.key(product_id))
