"""Every delivery we answered, kept in Redis for inspection and replay, with bounded retention."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from redis import Redis

from pipeline.jobs.outbox import Handoff

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
        """Everything but the id (the record's key says it) and the body (stored beside it as raw bytes)."""
        data = self.summary()
        del data["id"]
        return json.dumps({**data, "headers": self.headers})

    @classmethod
    def from_stored(cls, record_id: str, meta: bytes, body: bytes | None) -> Delivery:
        data = json.loads(meta)
        data["headers"] = tuple(tuple(pair) for pair in data["headers"])
        data["id"] = record_id
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


@dataclass(frozen=True)
class Ingested:
    """A delivery as stored, and the record that already answered its WooCommerce delivery id, if any."""

    delivery: Delivery
    first: str | None


@dataclass(frozen=True)
class SnapshotChange:
    """What storing a delivery does to its product's snapshot: keep the body as the latest copy, or forget it."""

    key: str
    action: Literal["save", "forget"]
    ttl_s: int


# The whole write of a delivery in one atomic round trip: claim it (its WooCommerce delivery id and body), store the
# record (meta, exact body, and the outcome on its own so the claim check reads it cheaply), index
# it, save or forget the product's snapshot and, for a delivery that queues a job, hand the job to
# the outbox with its "queued" status (pipeline.jobs.outbox) — unless the delivery is a duplicate.
# The outcome is written last: a record without one was never answered (Redis failed midway), so a
# retry of its delivery is not taken for a duplicate. Retention is kept by dropping at most TRIM
# expired and TRIM surplus records per delivery: constant work, never a sweep.
_INGEST_SCRIPT = """
local seen, index, snapshot = KEYS[1], KEYS[2], KEYS[3]
local outbox, rq_job, status, pointer = KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local prefix, record_id, retry_id, meta, outcome, body, has_body = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local now, retention_s, retention_count = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local snapshot_action, snapshot_ttl, force, trim = ARGV[11], ARGV[12], ARGV[13], tonumber(ARGV[14])
local entry, job_id, status_json, status_ttl, settled = ARGV[15], ARGV[16], ARGV[17], ARGV[18], ARGV[19]

local first, answered = false, false
if seen ~= '' then
  first = redis.call('GET', seen)
  if first then
    record_id = retry_id
    local first_outcome = redis.call('HGET', prefix .. first, 'outcome')
    answered = first_outcome ~= false and first_outcome ~= 'received'
  elseif redis.call('EXISTS', prefix .. record_id) == 1 then
    record_id = retry_id  -- another delivery that WooCommerce gave the same id (same webhook, same second)
  end
  if not answered then  -- new, or its first try was never answered (e.g. 503): this record answers it
    redis.call('SET', seen, record_id, 'EX', retention_s)
  end
end
local acting = not answered or force == '1'

local key = prefix .. record_id
redis.call('HSET', key, 'meta', meta)
if has_body == '1' then redis.call('HSET', key, 'body', body) end
redis.call('EXPIRE', key, retention_s)
redis.call('ZADD', index, now, record_id)

if snapshot_action ~= '' and acting then
  if snapshot_action == 'save' then
    redis.call('SET', snapshot, body, 'EX', snapshot_ttl)
  else
    redis.call('DEL', snapshot)
  end
end

if entry ~= '' and acting then
  local state = redis.call('HGET', rq_job, 'status')
  if not state or string.find(' ' .. settled .. ' ', ' ' .. state .. ' ', 1, true) then
    redis.call('SET', status, status_json, 'EX', status_ttl)
    redis.call('SET', pointer, job_id, 'EX', status_ttl)
  end
  redis.call('RPUSH', outbox, entry)
end
redis.call('HSET', key, 'outcome', acting and outcome or 'received')

local function drop(ids)
  if #ids == 0 then return end
  for _, id in ipairs(ids) do redis.call('DEL', prefix .. id) end
  redis.call('ZREM', index, unpack(ids))
end
drop(redis.call('ZRANGEBYSCORE', index, '-inf', now - retention_s, 'LIMIT', 0, trim))
local surplus = redis.call('ZCARD', index) - retention_count
if surplus > 0 then drop(redis.call('ZRANGE', index, 0, math.min(surplus, trim) - 1)) end

return {record_id, answered and first or false}
"""
TRIM = 2  # records dropped at most per delivery stored, for age and for count each: the index shrinks back


class DeliveryStore:
    """Deliveries by id (a hash: meta JSON, outcome, raw body) plus a time index; WooCommerce delivery
    ids seen, for de-duplication."""

    def __init__(self, connection: Redis, *, retention_count: int, retention_days: int, prefix: str = "woo3d"):
        self.connection = connection
        self.retention_count = retention_count
        self.retention_s = retention_days * 24 * 3600
        self.prefix = prefix
        self.index_key = f"{prefix}:deliveries"
        self._ingest = connection.register_script(_INGEST_SCRIPT)

    def _record_key(self, record_id: str) -> str:
        return f"{self.prefix}:delivery:{record_id}"

    def ingest(
        self, delivery: Delivery, *, wc_delivery_id: str | None = None, retry_id: str | None = None,
        snapshot: SnapshotChange | None = None, handoff: Handoff | None = None, force: bool = False,
    ) -> Ingested:
        """Store a delivery in one atomic step, with retention kept, and with `handoff` pass its job to the
        outbox. With `wc_delivery_id` it is also claimed, with its topic and body: when that delivery was
        seen before (a resend: same id, same body), it is stored as `retry_id` (the first record stays);
        when that first one got an answer, `first` names it, the record's outcome stays "received" (the
        caller records the answer) and the snapshot and the job are left alone, unless `force`.

        WooCommerce names a delivery `wp_hash( webhook_id . strtotime('now') )`, so every delivery of a
        webhook within one second shares an id (an import, a bulk edit): one with the same id and another
        body is a delivery of its own, stored as `retry_id` when a record already has the id.
        Raises redis errors."""
        seen = f"{self.prefix}:delivery-seen:{wc_delivery_id}:{_claim_digest(delivery)}" if wc_delivery_id else ""
        unused = f"{self.prefix}:unused"  # a key the script never touches, for the parts this delivery lacks
        record_id, first = self._ingest(
            keys=[seen, self.index_key, snapshot.key if snapshot else unused,
                  *((handoff.outbox_key, handoff.rq_job_key, handoff.status_key, handoff.pointer_key)
                    if handoff else (unused,) * 4)],
            args=[
                self._record_key(""), delivery.id, retry_id or delivery.id, delivery.meta_json(), delivery.outcome,
                delivery.body or b"", "1" if delivery.body is not None else "0", delivery.received_at,
                self.retention_s, self.retention_count, snapshot.action if snapshot else "",
                snapshot.ttl_s if snapshot else 0, "1" if force else "0", TRIM,
                *((handoff.entry, handoff.job_id, handoff.status_json, handoff.status_ttl_s, handoff.settled_states)
                  if handoff else ("", "", "", 0, "")),
            ],
        )
        stored = replace(delivery, id=record_id.decode())
        return Ingested(stored, first.decode() if first else None)

    def save(self, delivery: Delivery) -> None:
        """Store a record that claims no delivery id (a signed but malformed delivery)."""
        self.ingest(delivery)

    def update(self, delivery: Delivery, **changes: Any) -> Delivery:
        """Record what was done with a stored delivery (the body is not rewritten)."""
        updated = replace(delivery, **changes)
        self.connection.hset(self._record_key(updated.id), mapping={"meta": updated.meta_json(), "outcome": updated.outcome})
        return updated

    def get(self, record_id: str) -> Delivery | None:
        return _from_record(record_id, *self.connection.hmget(self._record_key(record_id), _FIELDS))

    def recent(self, limit: int = 50, offset: int = 0) -> list[Delivery]:
        ids = [i.decode() for i in self.connection.zrevrange(self.index_key, offset, offset + limit - 1)]
        with self.connection.pipeline(transaction=False) as pipe:
            for record_id in ids:
                pipe.hmget(self._record_key(record_id), _FIELDS)
            rows = pipe.execute()
        found = (_from_record(i, *fields) for i, fields in zip(ids, rows, strict=True))
        return [delivery for delivery in found if delivery is not None]

    def count(self) -> int:
        return int(self.connection.zcard(self.index_key))


_FIELDS = ["meta", "body", "outcome"]


def _claim_digest(delivery: Delivery) -> str:
    """What tells a resend of a delivery from another delivery under the same WooCommerce id."""
    return hashlib.sha256(f"{delivery.topic}\n".encode() + (delivery.body or b"")).hexdigest()[:32]


def _from_record(record_id: str, meta: bytes | None, body: bytes | None, outcome: bytes | None) -> Delivery | None:
    """A stored record; one whose script failed before its outcome was written shows as never answered."""
    if not meta:
        return None
    delivery = Delivery.from_stored(record_id, meta, body)
    return delivery if outcome else replace(delivery, outcome="received", http_status=None, job_id=None)
