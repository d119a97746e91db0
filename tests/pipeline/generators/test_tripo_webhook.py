"""Tripo's V3 webhooks: the `t=…,v1=…` signature over raw bytes, and what each event type changes in Redis."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY
from redis import Redis
from structlog.testing import capture_logs

from pipeline.generators.tripo import (
    TripoWebhookError,
    last_balance_low,
    record_tripo_webhook,
    verify_tripo_webhook,
)
from pipeline.generators.tripo.tasks import TaskStore
from tests.pipeline.servers.tripo import FakeTripo, sign

SECRET = "whsec_test"


@pytest.fixture
def tripo() -> Iterator[FakeTripo]:
    with FakeTripo(statuses=("success",)) as fake:
        yield fake


def test_a_task_completed_delivery_signed_the_v3_way_is_parsed_from_its_data(tripo: FakeTripo) -> None:
    task_id = tripo.add_task()
    body, headers = tripo.task_event(task_id, SECRET)
    event = verify_tripo_webhook(body, headers, SECRET)
    assert event.event_type == "task.completed" and event.task_id == task_id and event.task_status == "success"
    assert event.delivery_id == headers["Tripo-Webhook-Delivery"] and event.event_id.startswith("evt_")
    lowered = verify_tripo_webhook(body, {k.lower(): v for k, v in headers.items()}, SECRET)
    assert lowered == event


def test_a_failed_task_event_carries_its_error_code() -> None:
    with FakeTripo(statuses=("failed",), error_code=2008) as fake:
        body, headers = fake.task_event(fake.add_task(), SECRET)
    event = verify_tripo_webhook(body, headers, SECRET)
    assert event.event_type == "task.failed" and event.task_status == "failed" and event.data["error_code"] == 2008


def test_any_matching_v1_is_accepted_while_a_secret_is_rotated(tripo: FakeTripo) -> None:
    body, headers = tripo.webhook("task.completed", {"task_id": "t1", "status": "success"}, SECRET)
    old = sign("whsec_old", int(time.time()), body).split(",")[1]
    headers["Tripo-Webhook-Signature"] = headers["Tripo-Webhook-Signature"].replace(",", f",{old},")
    assert verify_tripo_webhook(body, headers, SECRET).task_id == "t1"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda b, h: (b + b" ", h),  # body changed after signing
        lambda b, h: (b, {**h, "Tripo-Webhook-Signature": sign("whsec_other", int(time.time()), b)}),
        lambda b, h: (b, {**h, "Tripo-Webhook-Signature": sign(SECRET, int(time.time()) - 301, b)}),  # replayed
        lambda b, h: (b, {**h, "Tripo-Webhook-Signature": sign(SECRET, int(time.time()) + 301, b)}),
        lambda b, h: (b, {**h, "Tripo-Webhook-Signature": "t=abc,v1=00"}),
        lambda b, h: (b, {"Content-Type": "application/json"}),  # unsigned
        # The scheme woo3d checked before V3: a bare body HMAC under another header.
        lambda b, h: (b, {"X-Tripo-Signature": "sha256=" + sign(SECRET, 0, b).split("v1=")[1]}),
    ],
)
def test_bad_stale_or_missing_signatures_are_401(tripo: FakeTripo, tamper) -> None:  # type: ignore[no-untyped-def]
    body, headers = tamper(*tripo.webhook("task.completed", {"task_id": "t1", "status": "success"}, SECRET))
    with pytest.raises(TripoWebhookError) as raised:
        verify_tripo_webhook(body, headers, SECRET)
    assert raised.value.status == 401


def test_the_signature_is_keyed_with_the_whole_whsec_secret(tripo: FakeTripo) -> None:
    body, headers = tripo.webhook("task.completed", {"task_id": "t1"}, SECRET.removeprefix("whsec_"))
    with pytest.raises(TripoWebhookError):
        verify_tripo_webhook(body, headers, SECRET)


def test_without_a_secret_every_delivery_is_refused(tripo: FakeTripo) -> None:
    body, headers = tripo.webhook("task.completed", {"task_id": "t1", "status": "success"}, SECRET)
    with pytest.raises(TripoWebhookError) as raised:
        verify_tripo_webhook(body, headers, "")
    assert raised.value.status == 401


@pytest.mark.parametrize("payload", [b"not json", b'{"task_id": "t1", "status": "success"}', b"[1, 2]",
                                     b'{"type": "task.completed", "data": {"status": "success"}}'])
def test_signed_but_malformed_deliveries_are_400(payload: bytes) -> None:
    headers = {"Tripo-Webhook-Signature": sign(SECRET, int(time.time()), payload)}
    with pytest.raises(TripoWebhookError) as raised:
        verify_tripo_webhook(payload, headers, SECRET)
    assert raised.value.status == 400


def test_a_final_status_is_recorded_once_per_delivery(tripo: FakeTripo, redis_conn: Redis) -> None:
    body, headers = tripo.webhook("task.completed", {"task_id": "t1", "status": "success"}, SECRET)
    event = verify_tripo_webhook(body, headers, SECRET)
    assert record_tripo_webhook(redis_conn, event).result == "recorded"
    assert record_tripo_webhook(redis_conn, event).result == "duplicate"
    reported = TaskStore(redis_conn).reported_status("t1")
    assert reported is not None and reported.status == "success"
    assert 0 < redis_conn.ttl("woo3d:tripo:status:t1") <= 24 * 3600


def test_balance_low_is_logged_counted_and_kept_for_doctor_and_records_no_task(
    tripo: FakeTripo, redis_conn: Redis
) -> None:
    def counted() -> float:
        return REGISTRY.get_sample_value("woo3d_tripo_webhook_events_total", {"type": "balance.low"}) or 0.0

    before = counted()
    body, headers = tripo.webhook("balance.low", {"task_id": "t-running", "balance": 12.5}, SECRET)
    event = verify_tripo_webhook(body, headers, SECRET)
    with capture_logs() as logs:
        outcome = record_tripo_webhook(redis_conn, event)
        assert record_tripo_webhook(redis_conn, event).result == "duplicate"
    assert outcome.result == "noted" and event.task_status is None
    assert TaskStore(redis_conn).reported_status("t-running") is None
    assert [entry["balance"] for entry in logs if entry["event"] == "tripo_balance_low"] == [12.5]
    assert counted() == before + 1
    report = last_balance_low(redis_conn)
    assert report is not None and report.balance == 12.5 and report.created_at == json.loads(body)["created_at"]


def test_an_event_type_not_acted_on_is_acknowledged(tripo: FakeTripo, redis_conn: Redis) -> None:
    body, headers = tripo.webhook("task.progress", {"task_id": "t1", "status": "running"}, SECRET)
    outcome = record_tripo_webhook(redis_conn, verify_tripo_webhook(body, headers, SECRET))
    assert outcome.result == "ignored" and TaskStore(redis_conn).reported_status("t1") is None
