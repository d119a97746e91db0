"""Tripo's signed webhooks: a pure V3 signature check over raw bytes, then what each event changes.

A webhook only wakes the worker that polls the task (it fetches the task at once): polling stays the
way results arrive, so a lost or refused delivery costs a few seconds, never a model.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog
from redis import Redis

from pipeline.errors import PermanentPipelineError
from pipeline.metrics import TRIPO_WEBHOOK_EVENTS
from pipeline.generators.tripo.adapters import parse_task
from pipeline.generators.tripo.tasks import TaskStore

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "Tripo-Webhook-Signature"
ENDPOINT_HEADER = "Tripo-Webhook-Id"
DELIVERY_HEADER = "Tripo-Webhook-Delivery"
EVENT_HEADER = "Tripo-Webhook-Event"
TOLERANCE_S = 300.0  # a signature's timestamp may be this far from now either way (replayed copies are refused)
TASK_EVENTS = frozenset({"task.completed", "task.failed"})
BALANCE_LOW = "balance.low"
_DELIVERY_KEY = "woo3d:tripo:delivery:{delivery_id}"
_DELIVERY_TTL_S = 7 * 24 * 3600
BALANCE_LOW_KEY = "woo3d:tripo:balance_low"
_BALANCE_LOW_TTL_S = 14 * 24 * 3600


class TripoWebhookError(PermanentPipelineError):
    """A webhook delivery that is unsigned, wrongly signed, stale or malformed (answer 401 or 400)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TripoWebhookEvent:
    """One verified delivery: `{id, type, created_at, data}` plus the delivery id from its headers."""

    event_type: str
    event_id: str = ""
    delivery_id: str = ""
    created_at: str = ""
    data: Mapping[str, object] = field(default_factory=dict)

    @property
    def task_id(self) -> str:
        return str(self.data.get("task_id") or "")

    @property
    def task_status(self) -> str | None:
        """The task's final status for a task event (V3 sends the task detail), else None."""
        if self.event_type not in TASK_EVENTS:
            return None
        if self.data.get("status"):
            return parse_task(self.data).status
        return "success" if self.event_type == "task.completed" else "failed"


@dataclass(frozen=True)
class WebhookOutcome:
    """What the receiver answers (always 2xx: an event that is not acted on is still acknowledged)."""

    result: str  # recorded, noted, ignored, duplicate
    event: TripoWebhookEvent

    def as_dict(self) -> dict[str, object]:
        return {"status": self.result, "type": self.event.event_type, "task_id": self.event.task_id or None}


def _signature_parts(header: str) -> tuple[str, list[str]]:
    timestamp, signatures = "", []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1" and value:
            signatures.append(value.lower())
    return timestamp, signatures


def verify_tripo_webhook(raw_body: bytes, headers: Mapping[str, str], secret: str,
                         now: float | None = None, tolerance_s: float = TOLERANCE_S) -> TripoWebhookEvent:
    """Check `Tripo-Webhook-Signature: t=<unix>,v1=<hex>[,v1=…]` in constant time, then parse.

    v1 is the hex HMAC-SHA256, keyed with the whole `whsec_…` secret, of `"<t>.<raw body>"`; any v1 may
    match (Tripo sends two while a secret is rotated). Raises TripoWebhookError with status 401 (no
    secret configured, no or bad signature, timestamp outside ±5 minutes) or 400 (signed but not an event).
    """
    if not secret:
        raise TripoWebhookError("Tripo webhooks are not configured (no TRIPO_WEBHOOK_SECRET)", 401)
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp, signatures = _signature_parts(lowered.get(SIGNATURE_HEADER.lower(), ""))
    if not timestamp or not signatures:
        raise TripoWebhookError(f"missing or malformed {SIGNATURE_HEADER} (t=…,v1=…)", 401)
    try:
        signed_at = int(timestamp)
    except ValueError:
        raise TripoWebhookError(f"{SIGNATURE_HEADER} has a timestamp that is not a number", 401) from None
    if abs((time.time() if now is None else now) - signed_at) > tolerance_s:
        raise TripoWebhookError("the Tripo webhook's timestamp is more than 5 minutes from now", 401)
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest().encode()
    if not any(hmac.compare_digest(expected, given.encode()) for given in signatures):
        raise TripoWebhookError("bad Tripo webhook signature", 401)
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TripoWebhookError("the webhook body is not JSON", 400) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise TripoWebhookError("the webhook body is not a Tripo event ({id, type, created_at, data})", 400)
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    event = TripoWebhookEvent(payload["type"], str(payload.get("id") or ""), lowered.get(DELIVERY_HEADER.lower(), ""),
                              str(payload.get("created_at") or ""), data)
    if event.event_type in TASK_EVENTS and not event.task_id:
        raise TripoWebhookError(f"a {event.event_type} event names no task_id", 400)
    return event


def record_tripo_webhook(connection: Redis, event: TripoWebhookEvent) -> WebhookOutcome:
    """Act on a verified event once per delivery id.

    task.completed / task.failed: the final status is recorded, so the worker polling that task fetches
    it at once. balance.low: logged, counted and kept for `woo3d doctor`. Any other type: acknowledged.
    A redelivery changes nothing. Raises RedisError when Redis is down (answer 503: Tripo retries).
    """
    delivery = event.delivery_id or event.event_id
    if delivery and not connection.set(_DELIVERY_KEY.format(delivery_id=delivery), "1", nx=True, ex=_DELIVERY_TTL_S):
        return WebhookOutcome("duplicate", event)
    TRIPO_WEBHOOK_EVENTS.labels(event.event_type if event.event_type in TASK_EVENTS | {BALANCE_LOW} else "other").inc()
    status = event.task_status
    if status is not None:
        TaskStore(connection).record_status(event.task_id, status)
        return WebhookOutcome("recorded", event)
    if event.event_type == BALANCE_LOW:
        log.warning("tripo_balance_low", event_id=event.event_id, created_at=event.created_at,
                    balance=event.data.get("balance"))
        connection.set(BALANCE_LOW_KEY, json.dumps({"created_at": event.created_at, "received_at": time.time(),
                                                    "balance": event.data.get("balance")}), ex=_BALANCE_LOW_TTL_S)
        return WebhookOutcome("noted", event)
    log.info("tripo_webhook_ignored", event_type=event.event_type, event_id=event.event_id)
    return WebhookOutcome("ignored", event)


@dataclass(frozen=True)
class BalanceLowReport:
    """The last balance.low Tripo sent (kept two weeks)."""

    received_at: float
    created_at: str
    balance: object = None


def last_balance_low(connection: Redis) -> BalanceLowReport | None:
    raw = connection.get(BALANCE_LOW_KEY)
    if raw is None:
        return None
    value = json.loads(raw)
    return BalanceLowReport(float(value.get("received_at") or 0), str(value.get("created_at") or ""),
                            value.get("balance"))
