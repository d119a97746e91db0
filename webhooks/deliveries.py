"""Every delivery we answered, kept in Redis for inspection and replay, with bounded retention."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any

from redis import Redis

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Delivery:
    """One request to the receiver, as received, and what we did with it."""

    id: str
    received_at: float
    headers: Headers
    body: bytes | None  # None for rejected attempts: an unverified body is not kept
    body_len: int
    source: str = "live"  # live | replay
    wc_delivery_id: str | None = None
    topic: str | None = None
    product_id: int | None = None
    signature_valid: bool | None = None
    outcome: str = "received"  # received | queued | skipped | ping | rejected | invalid | deleted
    http_status: int | None = None
    reason: str | None = None
    job_id: str | None = None
    replay_of: str | None = None

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def to_json(self) -> str:
        data = asdict(self)
        data["body"] = base64.b64encode(self.body).decode() if self.body is not None else None
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str | bytes) -> Delivery:
        data = json.loads(raw)
        data["headers"] = tuple(tuple(pair) for pair in data["headers"])
        data["body"] = base64.b64decode(data["body"]) if data["body"] is not None else None
        return cls(**data)

    def summary(self) -> dict[str, Any]:
        """The JSON the admin API and `deliveries list` show (no body)."""
        data = asdict(self)
        data.pop("body")
        data.pop("headers")
        return data

    def detail(self) -> dict[str, Any]:
        data = self.summary()
        data["headers"] = [list(pair) for pair in self.headers]
        data["body_text"] = self.body.decode("utf-8", "replace") if self.body is not None else None
        return data


def new_record_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class DeliveryStore:
    """Deliveries by id plus a time index; WooCommerce delivery ids seen, for de-duplication."""

    def __init__(self, connection: Redis, *, retention_count: int, retention_days: int, prefix: str = "woo3d"):
        self.connection = connection
        self.retention_count = retention_count
        self.retention_s = retention_days * 24 * 3600
        self.prefix = prefix
        self.index_key = f"{prefix}:deliveries"

    def _record_key(self, record_id: str) -> str:
        return f"{self.prefix}:delivery:{record_id}"

    def _seen_key(self, wc_delivery_id: str) -> str:
        return f"{self.prefix}:delivery-seen:{wc_delivery_id}"

    def claim(self, wc_delivery_id: str, record_id: str) -> str | None:
        """Mark a WooCommerce delivery id as seen; return the record id that saw it first, if any."""
        key = self._seen_key(wc_delivery_id)
        if self.connection.set(key, record_id, nx=True, ex=self.retention_s):
            return None
        first = self.connection.get(key)
        return first.decode() if first else record_id

    def save(self, delivery: Delivery) -> None:
        """Write (or overwrite) a record and trim the index to the retention limits."""
        now = time.time()
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.set(self._record_key(delivery.id), delivery.to_json(), ex=self.retention_s)
            pipe.zadd(self.index_key, {delivery.id: delivery.received_at})
            pipe.zremrangebyscore(self.index_key, "-inf", now - self.retention_s)
            pipe.execute()
        overflow = self.connection.zcard(self.index_key) - self.retention_count
        if overflow > 0:
            dropped = [member for member, _score in self.connection.zpopmin(self.index_key, overflow)]
            self.connection.delete(*[self._record_key(m.decode()) for m in dropped])

    def update(self, delivery: Delivery, **changes: Any) -> Delivery:
        updated = replace(delivery, **changes)
        self.connection.set(self._record_key(updated.id), updated.to_json(), ex=self.retention_s)
        return updated

    def get(self, record_id: str) -> Delivery | None:
        raw = self.connection.get(self._record_key(record_id))
        return Delivery.from_json(raw) if raw else None

    def recent(self, limit: int = 50, offset: int = 0) -> list[Delivery]:
        ids = self.connection.zrevrange(self.index_key, offset, offset + limit - 1)
        records = self.connection.mget([self._record_key(i.decode()) for i in ids]) if ids else []
        return [Delivery.from_json(raw) for raw in records if raw]

    def count(self) -> int:
        return int(self.connection.zcard(self.index_key))
