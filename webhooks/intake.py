"""What happens to one WooCommerce delivery, live or replayed: verify, filter, fingerprint, then store it
and hand its job to the outbox in one Redis round trip (a worker's forwarder enqueues it)."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from redis.exceptions import RedisError

from pipeline.jobs import eligibility
from pipeline.jobs.eligibility import ProductFacts
from pipeline.jobs.fingerprint import covered_fingerprint, product_fingerprint
from pipeline.jobs.review import STANDING_REASONS
from pipeline.metrics import DELIVERIES
from pipeline.jobs.outbox import Order, handoff
from pipeline.jobs.queueing import generation_job_id
from pipeline.jobs.snapshots import SNAPSHOT_TTL_S, ProductSnapshots
from pipeline.jobs.status import StatusBoard
from webhooks import signature
from webhooks.config import ReceiverConfig
from webhooks.deliveries import Delivery, DeliveryStore, Headers, SnapshotChange, new_record_id
from webhooks.unverified import MAX_NAME, UnverifiedLog

log = structlog.get_logger(__name__)

GENERATING_TOPICS = {"product.created", "product.updated", "product.restored"}
DELETING_TOPICS = {"product.deleted"}
_PING = re.compile(rb"^webhook_id=\d{1,19}$")  # an id, not a number too long to parse


@dataclass(frozen=True)
class Decision:
    """What a verified delivery calls for: its outcome, HTTP status, reason, and when queued the
    fingerprint and a variation's parent product (0 for a product)."""

    outcome: str  # queued | skipped | deleted
    http_status: int
    reason: str | None
    fingerprint: str | None = None
    parent_id: int = 0


@dataclass(frozen=True)
class Outcome:
    """The HTTP answer to a delivery, and the stored record it produced (if any)."""

    http_status: int
    body: dict[str, Any]
    delivery: Delivery | None = None


def skip_reason(product: Mapping[str, Any], config: ReceiverConfig) -> str | None:
    """Why this product gets no model, or None when it should get one (the rule backfill and the sweep share)."""
    return eligibility.skip_reason(ProductFacts.from_payload(product), config.enabled_product_types)


class Intake:
    """Turns raw deliveries into stored records and outbox entries. One instance per app."""

    def __init__(
        self,
        config: ReceiverConfig,
        store: DeliveryStore,
        unverified: UnverifiedLog,
        board: StatusBoard,
        snapshots: ProductSnapshots,
    ):
        self.config = config
        self.store = store
        self.unverified = unverified
        self.board = board
        self.snapshots = snapshots

    def find(self, record_id: str) -> Delivery | None:
        """A stored delivery, or the summary of an unverified request, by the id its answer gave."""
        return self.store.get(record_id) or self.unverified.get(record_id)

    def receive(
        self, headers: Headers, body: bytes, *, source: str = "live", force: bool = False, replay_of: str | None = None
    ) -> Outcome:
        """Answer one delivery. Never raises for bad input; Redis being down gives 503."""
        try:
            return self._receive(headers, body, source=source, force=force, replay_of=replay_of)
        except RedisError as error:
            log.error("delivery_not_stored", error=str(error))
            DELIVERIES.labels("unavailable").inc()
            return Outcome(503, {"error": "storage unavailable: the delivery was not accepted, please retry"})

    def _receive(self, headers: Headers, body: bytes, *, source: str, force: bool, replay_of: str | None) -> Outcome:
        lookup = {k.lower(): v for k, v in headers}
        if len(body) > self.config.max_body_bytes:
            return self._reject(headers, body, 413, f"body of {len(body)} bytes is over the limit of {self.config.max_body_bytes}")
        given_signature = lookup.get("x-wc-webhook-signature")
        if given_signature is None:
            if "x-wc-webhook-topic" not in lookup and _PING.match(body.strip()):
                return self._ping(headers, body, source)
            return self._reject(headers, body, 401, "missing X-WC-Webhook-Signature")
        if not signature.verify(self.config.webhook_secret or "", body, given_signature):
            return self._reject(headers, body, 401, "signature does not match the body (check WC_WEBHOOK_SECRET)")

        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self._reject(headers, body, 400, "body is not valid JSON", signature_valid=True)
        product_id = payload.get("id") if isinstance(payload, dict) else None
        if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
            return self._reject(headers, body, 400, "body has no product id", signature_valid=True)

        wc_delivery_id = lookup.get("x-wc-webhook-delivery-id") or "body-" + hashlib.sha256(body).hexdigest()[:32]
        topic = lookup.get("x-wc-webhook-topic") or _topic_from(lookup)
        decision = self._decide(topic, payload, force)
        record_id = wc_delivery_id if source == "live" else new_record_id("replay")
        received_at = time.time()
        job_id = generation_job_id(product_id, decision.fingerprint, force) if decision.outcome == "queued" else None
        delivery = Delivery(
            id=record_id, received_at=received_at, headers=headers, body=body, body_len=len(body), source=source,
            wc_delivery_id=wc_delivery_id, topic=topic, product_id=product_id, signature_valid=True,
            replay_of=replay_of, outcome=decision.outcome, http_status=decision.http_status, reason=decision.reason,
            job_id=job_id,
        )
        order = Order(product_id, decision.fingerprint, job_id, force, decision.parent_id, record_id, received_at) if job_id else None
        ingested = self.store.ingest(  # stored, and its job handed to the outbox, before anything is acknowledged
            delivery, wc_delivery_id=wc_delivery_id,
            retry_id=new_record_id(wc_delivery_id) if source == "live" else delivery.id,
            snapshot=self._snapshot_change(product_id, decision.outcome),
            handoff=handoff(self.board, order) if order else None, force=force,
        )
        stored = ingested.delivery
        if ingested.first is not None and not force:
            return self._finish(stored, 200, "skipped", f"duplicate delivery {wc_delivery_id}: the same body was first seen as {ingested.first}; use --force to process it again")
        return self._answer(stored, decision.fingerprint)

    def _decide(self, topic: str | None, product: dict[str, Any], force: bool) -> Decision:
        """What a verified delivery calls for, from its payload alone (nothing is stored yet)."""
        if topic in DELETING_TOPICS:
            return Decision("deleted", 200, "product deleted: nothing to generate")
        if topic not in GENERATING_TOPICS:
            return Decision("skipped", 200, f"topic {topic!r} is not handled")
        reason = skip_reason(product, self.config)
        if reason:
            return Decision("skipped", 200, reason)
        current = product_fingerprint(product)
        standing = covered_fingerprint(product, current)
        if not force and standing == "live":
            return Decision("skipped", 200, "unchanged: the product's model already matches its photos and text")
        if not force and standing is not None:
            return Decision("skipped", 200, STANDING_REASONS[standing])
        parent_id = product.get("parent_id") if product.get("type") == "variation" else 0
        return Decision("queued", 202, None, current, parent_id if isinstance(parent_id, int) and parent_id > 0 else 0)

    def _snapshot_change(self, product_id: int, outcome: str) -> SnapshotChange | None:
        """A product to generate keeps its payload for the job; a deleted one loses it."""
        if outcome == "queued":
            return SnapshotChange(self.snapshots.key(product_id), "save", SNAPSHOT_TTL_S)
        if outcome == "deleted":
            return SnapshotChange(self.snapshots.key(product_id), "forget", SNAPSHOT_TTL_S)
        return None

    def _finish(self, delivery: Delivery, http_status: int, outcome: str, reason: str | None) -> Outcome:
        stored = self.store.update(delivery, outcome=outcome, http_status=http_status, reason=reason, job_id=None)
        return self._answer(stored)

    def _answer(self, stored: Delivery, fingerprint: str | None = None) -> Outcome:
        body: dict[str, Any] = {"status": stored.outcome, "delivery_id": stored.id, "product_id": stored.product_id}
        if stored.reason:
            body["reason"] = stored.reason
        if stored.job_id:
            body["job_id"] = stored.job_id
            body["fingerprint"] = fingerprint
        DELIVERIES.labels(stored.outcome).inc()
        log.info(
            "delivery_answered", delivery_id=stored.id, product_id=stored.product_id, topic=stored.topic,
            outcome=stored.outcome, reason=stored.reason, job_id=stored.job_id,
        )
        assert stored.http_status is not None
        return Outcome(stored.http_status, body, stored)

    def _ping(self, headers: Headers, body: bytes, source: str) -> Outcome:
        webhook_id = int(body.strip().split(b"=", 1)[1])
        attempt = Delivery(
            id="", received_at=time.time(), headers=headers, body=None, body_len=len(body), source=source,
            outcome="ping", http_status=200, reason=f"activation ping from webhook {webhook_id}",
        )
        self._log_unverified(attempt)
        DELIVERIES.labels("ping").inc()
        return Outcome(200, {"status": "ok", "ping": True, "webhook_id": webhook_id})

    def _reject(self, headers: Headers, body: bytes, http_status: int, reason: str, signature_valid: bool = False) -> Outcome:
        """Answer a refused request. A signed one is stored with its body, as any delivery; one
        without a valid signature could come from anyone, so only its summary goes to the small
        unverified log, where it can never push a delivery out of the store."""
        claimed_topic = next((value for name, value in headers if name.lower() == "x-wc-webhook-topic"), None)
        attempt = Delivery(
            id=new_record_id("rejected"), received_at=time.time(), headers=headers,
            body=body if signature_valid else None, body_len=len(body), signature_valid=signature_valid,
            topic=claimed_topic[:MAX_NAME] if claimed_topic else None,
            outcome="rejected" if http_status != 400 else "invalid", http_status=http_status, reason=reason,
        )
        record_id = self._log_unverified(attempt) if not signature_valid else self._store_invalid(attempt)
        DELIVERIES.labels(attempt.outcome).inc()
        log.warning("delivery_rejected", delivery_id=record_id, status=http_status, reason=reason)
        answer: dict[str, Any] = {"error": reason}
        if record_id:
            answer["delivery_id"] = record_id
        return Outcome(http_status, answer)

    def _store_invalid(self, delivery: Delivery) -> str | None:
        try:
            self.store.save(delivery)
        except RedisError:
            log.warning("rejection_not_recorded", reason=delivery.reason)  # the answer matters more than the record
            return None
        return delivery.id

    def _log_unverified(self, attempt: Delivery) -> str | None:
        """The attempt's id in the unverified log; None when this minute's rate was spent or Redis is down."""
        try:
            return self.unverified.record(attempt)
        except RedisError:
            log.warning("unverified_request_not_logged", outcome=attempt.outcome, reason=attempt.reason)
            return None


def _topic_from(lookup: Mapping[str, str]) -> str | None:
    resource, event = lookup.get("x-wc-webhook-resource"), lookup.get("x-wc-webhook-event")
    return f"{resource}.{event}" if resource and event else None
