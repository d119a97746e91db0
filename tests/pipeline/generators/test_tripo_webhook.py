"""Tripo's signed task webhooks: verification over raw bytes, and recording final statuses in Redis."""

from __future__ import annotations

import json

import pytest
from redis import Redis

from pipeline.generators.tripo import (
    TripoWebhookError,
    TripoWebhookEvent,
    record_tripo_webhook,
    sign_tripo_webhook,
    verify_tripo_webhook,
)
from pipeline.generators.tripo.tasks import TaskStore

SECRET = "whsec_test"


def signed(payload: object, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"X-Tripo-Signature": sign_tripo_webhook(body, secret), "Content-Type": "application/json"}


def test_a_correctly_signed_delivery_is_parsed_flat_or_enveloped() -> None:
    body, headers = signed({"task_id": "t1", "status": "success"})
    assert verify_tripo_webhook(body, headers, SECRET) == TripoWebhookEvent("t1", "success")
    body, headers = signed({"event": "task.finished", "data": {"task_id": "t2", "status": "CANCELED"}})
    event = verify_tripo_webhook(body, {k.lower(): v for k, v in headers.items()}, SECRET)
    assert event == TripoWebhookEvent("t2", "cancelled") and event.final


def test_a_bare_hex_signature_is_accepted() -> None:
    body, headers = signed({"task_id": "t1", "status": "failed"})
    headers["X-Tripo-Signature"] = headers["X-Tripo-Signature"].removeprefix("sha256=")
    assert verify_tripo_webhook(body, headers, SECRET).status == "failed"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b, h: (b + b" ", h),  # body changed after signing
        lambda b, h: (b, {**h, "X-Tripo-Signature": sign_tripo_webhook(b, "other")}),
        lambda b, h: (b, {"Content-Type": "application/json"}),  # unsigned
    ],
)
def test_bad_or_missing_signatures_are_401(tamper) -> None:  # type: ignore[no-untyped-def]
    body, headers = tamper(*signed({"task_id": "t1", "status": "success"}))
    with pytest.raises(TripoWebhookError) as raised:
        verify_tripo_webhook(body, headers, SECRET)
    assert raised.value.status == 401


def test_without_a_secret_every_delivery_is_refused() -> None:
    body, headers = signed({"task_id": "t1", "status": "success"})
    with pytest.raises(TripoWebhookError) as raised:
        verify_tripo_webhook(body, headers, "")
    assert raised.value.status == 401


@pytest.mark.parametrize("payload", [b"not json", b'{"status": "success"}', b"[1, 2]"])
def test_signed_but_malformed_deliveries_are_400(payload: bytes) -> None:
    headers = {"X-Tripo-Signature": sign_tripo_webhook(payload, SECRET)}
    with pytest.raises(TripoWebhookError) as raised:
        verify_tripo_webhook(payload, headers, SECRET)
    assert raised.value.status == 400


def test_final_statuses_are_recorded_once_and_progress_is_ignored(redis_conn: Redis) -> None:
    assert record_tripo_webhook(redis_conn, TripoWebhookEvent("t1", "running")) is False
    assert TaskStore(redis_conn).reported_status("t1") is None
    assert record_tripo_webhook(redis_conn, TripoWebhookEvent("t1", "success")) is True
    assert record_tripo_webhook(redis_conn, TripoWebhookEvent("t1", "success")) is True
    reported = TaskStore(redis_conn).reported_status("t1")
    assert reported is not None and reported.status == "success"
    assert 0 < redis_conn.ttl("woo3d:tripo:status:t1") <= 24 * 3600
