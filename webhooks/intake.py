"""What happens to one WooCommerce delivery, live or replayed: verify, store, filter, fingerprint, enqueue."""

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
from rq import Queue

from pipeline.jobs import eligibility
from pipeline.jobs.eligibility import ProductFacts
from pipeline.jobs.fingerprint import covered_fingerprint, product_fingerprint
from pipeline.jobs.review import STANDING_REASONS
from pipeline.metrics import DELIVERIES
from pipeline.jobs.queueing import enqueue_generation
from pipeline.jobs.snapshots import ProductSnapshots
from pipeline.jobs.status import StatusBoard
from webhooks import signature
from webhooks.config import ReceiverConfig
from webhooks.deliveries import Delivery, DeliveryStore, Headers, new_record_id

log = structlog.get_logger(__name__)

GENERATING_TOPICS = {"product.created", "product.updated", "product.restored"}
DELETING_TOPICS = {"product.deleted"}
_PING = re.compile(rb"^webhook_id=\d+$")


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
    """Turns raw deliveries into stored records and queued jobs. One instance per app."""

    def __init__(
        self,
        config: ReceiverConfig,
        store: DeliveryStore,
        queue: Queue,
        board: StatusBoard,
        snapshots: ProductSnapshots,
    ):
        self.config = config
        self.store = store
        self.queue = queue
        self.board = board
        self.snapshots = snapshots

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
        record_id = wc_delivery_id if source == "live" else new_record_id("replay")
        first = self.store.claim(wc_delivery_id, record_id)
        if first is not None and source == "live":
            record_id = new_record_id(wc_delivery_id)
        if first is not None and not self._answered(first):
            first = None  # the first try was never acknowledged (e.g. 503 after Redis failed midway): not a duplicate
        delivery = Delivery(
            id=record_id, received_at=time.time(), headers=headers, body=body, body_len=len(body), source=source,
            wc_delivery_id=wc_delivery_id, topic=topic, product_id=product_id, signature_valid=True,
            replay_of=replay_of,
        )
        self.store.save(delivery)  # stored before anything is acknowledged
        if first is not None and not force:
            return self._finish(delivery, 200, "skipped", f"duplicate delivery {wc_delivery_id} (first seen as {first}); use --force to process it again")
        return self._act(delivery, payload, force)

    def _answered(self, record_id: str) -> bool:
        """Whether the record that first claimed a delivery id got as far as an answer."""
        first = self.store.get(record_id)
        return first is not None and first.outcome != "received"

    def _act(self, delivery: Delivery, product: dict[str, Any], force: bool) -> Outcome:
        product_id = delivery.product_id
        assert product_id is not None
        if delivery.topic in DELETING_TOPICS:
            self.snapshots.forget(product_id)
            return self._finish(delivery, 200, "deleted", "product deleted: nothing to generate")
        if delivery.topic not in GENERATING_TOPICS:
            return self._finish(delivery, 200, "skipped", f"topic {delivery.topic!r} is not handled")
        reason = skip_reason(product, self.config)
        if reason:
            return self._finish(delivery, 200, "skipped", reason)
        current = product_fingerprint(product)
        standing = covered_fingerprint(product, current)
        if not force and standing == "live":
            return self._finish(delivery, 200, "skipped", "unchanged: the product's model already matches its photos and text")
        if not force and standing is not None:
            return self._finish(delivery, 200, "skipped", STANDING_REASONS[standing])
        self.snapshots.save(product_id, delivery.body or b"{}")
        enqueued = enqueue_generation(self.queue, self.board, product_id, current, force=force)
        return self._finish(delivery, 202, "queued", None, job_id=enqueued.job_id, fingerprint=current)

    def _finish(
        self, delivery: Delivery, http_status: int, outcome: str, reason: str | None,
        job_id: str | None = None, fingerprint: str | None = None,
    ) -> Outcome:
        stored = self.store.update(delivery, outcome=outcome, http_status=http_status, reason=reason, job_id=job_id)
        body: dict[str, Any] = {"status": outcome, "delivery_id": stored.id, "product_id": stored.product_id}
        if reason:
            body["reason"] = reason
        if job_id:
            body["job_id"] = job_id
            body["fingerprint"] = fingerprint
        DELIVERIES.labels(outcome).inc()
        log.info(
            "delivery_answered", delivery_id=stored.id, product_id=stored.product_id, topic=stored.topic,
            outcome=outcome, reason=reason, job_id=job_id,
        )
        return Outcome(http_status, body, stored)

    def _ping(self, headers: Headers, body: bytes, source: str) -> Outcome:
        webhook_id = int(body.strip().split(b"=", 1)[1])
        delivery = Delivery(
            id=new_record_id("ping"), received_at=time.time(), headers=headers, body=body, body_len=len(body),
            source=source, outcome="ping", http_status=200, reason=f"activation ping from webhook {webhook_id}",
        )
        try:
            self.store.save(delivery)
        except RedisError:
            log.warning("ping_not_recorded", webhook_id=webhook_id)  # a ping carries nothing to lose
        DELIVERIES.labels("ping").inc()
        return Outcome(200, {"status": "ok", "ping": True, "webhook_id": webhook_id}, delivery)

    def _reject(self, headers: Headers, body: bytes, http_status: int, reason: str, signature_valid: bool = False) -> Outcome:
        """Record the attempt (headers and reason; the body only once its signature verified)."""
        delivery = Delivery(
            id=new_record_id("rejected"), received_at=time.time(), headers=headers,
            body=body if signature_valid else None, body_len=len(body), signature_valid=signature_valid,
            outcome="rejected" if http_status != 400 else "invalid", http_status=http_status, reason=reason,
        )
        try:
            self.store.save(delivery)
        except RedisError:
            log.warning("rejection_not_recorded", reason=reason)  # the answer matters more than the record
        DELIVERIES.labels(delivery.outcome or "rejected").inc()
        log.warning("delivery_rejected", delivery_id=delivery.id, status=http_status, reason=reason)
        return Outcome(http_status, {"error": reason, "delivery_id": delivery.id}, delivery)


def _topic_from(lookup: Mapping[str, str]) -> str | None:
    resource, event = lookup.get("x-wc-webhook-resource"), lookup.get("x-wc-webhook-event")
    return f"{resource}.{event}" if resource and event else None
