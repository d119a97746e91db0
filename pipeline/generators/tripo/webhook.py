"""Tripo's signed task webhooks: a pure signature check over raw bytes, and recording the final status."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass

from redis import Redis

from pipeline.errors import PermanentPipelineError
from pipeline.generators.tripo.adapters import FINAL_STATUSES
from pipeline.generators.tripo.tasks import TaskStore

SIGNATURE_HEADER = "X-Tripo-Signature"


class TripoWebhookError(PermanentPipelineError):
    """A webhook delivery that is unsigned, wrongly signed or malformed (answer 401 or 400)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class TripoWebhookEvent:
    task_id: str
    status: str

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


def sign_tripo_webhook(raw_body: bytes, secret: str) -> str:
    """The header value Tripo sends: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify_tripo_webhook(raw_body: bytes, headers: Mapping[str, str], secret: str) -> TripoWebhookEvent:
    """Check the signature in constant time, then parse. The hex digest may come with or without `sha256=`.

    Raises TripoWebhookError with status 401 (missing/bad signature, or no secret configured)
    or 400 (signed but not a task event).
    """
    if not secret:
        raise TripoWebhookError("Tripo webhooks are not configured (no secret)", 401)
    lowered = {k.lower(): v for k, v in headers.items()}
    given = lowered.get(SIGNATURE_HEADER.lower(), "").strip()
    if not given:
        raise TripoWebhookError(f"missing {SIGNATURE_HEADER}", 401)
    expected = sign_tripo_webhook(raw_body, secret)
    if not given.startswith("sha256="):
        given = "sha256=" + given
    if not hmac.compare_digest(given.lower().encode(), expected.encode()):
        raise TripoWebhookError("bad Tripo webhook signature", 401)
    try:
        payload = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TripoWebhookError("the webhook body is not JSON", 400) from exc
    data = payload.get("data") if isinstance(payload, dict) and isinstance(payload.get("data"), dict) else payload
    if not isinstance(data, dict) or not data.get("task_id") or not data.get("status"):
        raise TripoWebhookError("the webhook names no task_id and status", 400)
    status = str(data["status"]).lower().replace("canceled", "cancelled")
    return TripoWebhookEvent(str(data["task_id"]), status)


def record_tripo_webhook(connection: Redis, event: TripoWebhookEvent) -> bool:
    """Record a final status so the worker polling that task fetches it at once; True if recorded.

    Non-final statuses are ignored (the worker polls anyway). Idempotent: a redelivery changes nothing.
    """
    if not event.final:
        return False
    TaskStore(connection).record_status(event.task_id, event.status)
    return True
