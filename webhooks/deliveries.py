"""Every delivery we answered, kept in Redis for inspection and replay, with bounded retention."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, fields, replace
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

    def meta_json(self) -> str:
        """Everything but the body, which is stored beside it as raw bytes."""
        return json.dumps({**self.summary(), "headers": self.headers})

    @classmethod
    def from_stored(cls, meta: bytes, body: bytes | None) -> Delivery:
        data = json.loads(meta)
        data["headers"] = tuple(tuple(pair) for pair in data["headers"])
        return cls(**data, body=body)

    def summary(self) -> dict[str, Any]:
        """The JSON the admin API and `deliveries list` show (no body, no headers)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("body", "headers")}

    def detail(self) -> dict[str, Any]:
        data = self.summary()
        data["headers"] = [list(pair) for pair in self.headers]
        data["body_text"] = self.body.decode("utf-8", "replace") if self.body is not None else None
        return data


def new_record_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class DeliveryStore:
    """Deliveries by id (a hash: meta JSON + raw body) plus a time index; WooCommerce delivery ids
    seen, for de-duplication."""

    def __init__(self, connection: Redis, *, retention_count: int, retention_days: int, prefix: str = "woo3d"):
        self.connection = connection
        self.retention_count = retention_count
        self.retention_s = retention_days * 24 * 3600
        self.prefix = prefix
        self.index_key = f"{prefix}:deliveries"

    def _record_key(self, record_id: str) -> str:
        return f"{self.prefix}:delivery:{record_id}"

    def claim(self, wc_delivery_id: str, record_id: str) -> str | None:
        """Mark a WooCommerce delivery id as seen; return the record id that saw it first, if any."""
        key = f"{self.prefix}:delivery-seen:{wc_delivery_id}"
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.set(key, record_id, nx=True, ex=self.retention_s)
            pipe.get(key)
            created, first = pipe.execute()
        return None if created else (first.decode() if first else record_id)

    def save(self, delivery: Delivery) -> None:
        """Write a record and trim the index to the retention limits, in one round trip."""
        key = self._record_key(delivery.id)
        mapping: dict[str, str | bytes] = {"meta": delivery.meta_json()}
        if delivery.body is not None:
            mapping["body"] = delivery.body
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, self.retention_s)
            pipe.zadd(self.index_key, {delivery.id: delivery.received_at})
            pipe.zremrangebyscore(self.index_key, "-inf", time.time() - self.retention_s)
            pipe.zcard(self.index_key)
            size = pipe.execute()[-1]
        if size > self.retention_count:
            dropped = [member for member, _score in self.connection.zpopmin(self.index_key, size - self.retention_count)]
            self.connection.delete(*[self._record_key(m.decode()) for m in dropped])

    def update(self, delivery: Delivery, **changes: Any) -> Delivery:
        """Record what was done with a stored delivery (the body is not rewritten)."""
        updated = replace(delivery, **changes)
        self.connection.hset(self._record_key(updated.id), "meta", updated.meta_json())
        return updated

    def get(self, record_id: str) -> Delivery | None:
        meta, body = self.connection.hmget(self._record_key(record_id), ["meta", "body"])
        return Delivery.from_stored(meta, body) if meta else None

    def recent(self, limit: int = 50, offset: int = 0) -> list[Delivery]:
        ids = [i.decode() for i in self.connection.zrevrange(self.index_key, offset, offset + limit - 1)]
        with self.connection.pipeline(transaction=False) as pipe:
            for record_id in ids:
                pipe.hmget(self._record_key(record_id), ["meta", "body"])
            rows = pipe.execute()
        return [Delivery.from_stored(meta, body) for meta, body in rows if meta]

    def count(self) -> int:
        return int(self.connection.zcard(self.index_key))
