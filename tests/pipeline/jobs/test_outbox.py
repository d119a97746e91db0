"""The outbox between the receiver and RQ: accepted jobs reach the queue once, whatever dies on the way."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient
from redis import Redis
from redis.exceptions import LockNotOwnedError
from rq import Queue
from rq.job import JobStatus as RQJobStatus
from structlog.testing import capture_logs

from pipeline.jobs.outbox import LEASE_KEY, Drained, Forwarder, start_forwarder
from pipeline.jobs.status import StatusBoard
from pipeline.metrics import OUTBOX_KEY
from tests.recorded import recorded_payload, signed_delivery
from tests.webhooks.conftest import make_settings, post_delivery
from webhooks import create_app


@pytest.fixture
def client(redis_conn: Redis) -> FlaskClient:
    return create_app(make_settings(), redis_conn).test_client()


@pytest.fixture
def queue(redis_conn: Redis) -> Queue:
    return Queue("woo3d", connection=redis_conn)


def accept(client: FlaskClient, product_id: int, delivery_id: str, **changes: object) -> dict:
    payload = {**recorded_payload("product_created__publish_with_media_ids"), "id": product_id, **changes}
    response = post_delivery(client, *signed_delivery(payload, delivery_id=delivery_id))
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def test_an_accepted_delivery_says_queued_at_once_and_its_job_is_enqueued_by_the_forwarder(
        client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    answer = accept(client, 31, "a" * 32)
    status = StatusBoard(redis_conn).for_product(31)  # what the plugin polls, before any forwarder ran
    assert (status.state.value, status.job_id) == ("queued", answer["job_id"])
    assert queue.count == 0 and redis_conn.llen(OUTBOX_KEY) == 1

    assert Forwarder(redis_conn, queue).drain().forwarded == 1
    assert queue.job_ids == [answer["job_id"]] and redis_conn.llen(OUTBOX_KEY) == 0
    assert queue.fetch_job(answer["job_id"]).args == (31, answer["fingerprint"])


def test_a_forwarder_dying_before_its_transaction_loses_nothing_and_the_rerun_enqueues_each_job_once(
        client: FlaskClient, queue: Queue, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    jobs = [accept(client, product_id, f"{product_id:032x}")["job_id"] for product_id in (41, 42, 43)]
    dying = Forwarder(redis_conn, queue)

    def killed(*_args: object, **_kwargs: object) -> None:
        raise SystemExit("the worker was killed while building the batch")

    monkeypatch.setattr(queue, "enqueue_many", killed)
    with pytest.raises(SystemExit):
        dying.drain()
    monkeypatch.undo()
    assert queue.count == 0 and redis_conn.llen(OUTBOX_KEY) == 3  # nothing enqueued, nothing taken

    assert Forwarder(redis_conn, queue).drain().forwarded == 3
    assert Forwarder(redis_conn, queue).drain().forwarded == 0  # a re-run finds nothing left to do
    assert sorted(queue.job_ids) == sorted(jobs)


def test_deliveries_of_one_product_state_make_one_job_and_a_live_job_is_not_enqueued_again(
        client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    first = accept(client, 51, "b" * 32)
    second = accept(client, 51, "c" * 32)  # a second save with nothing new, before any forwarding
    assert first["job_id"] == second["job_id"]
    forwarder = Forwarder(redis_conn, queue)
    assert forwarder.drain().forwarded == 2
    accept(client, 51, "d" * 32)  # and once more while its job waits in the queue
    assert forwarder.drain().forwarded == 1
    assert queue.job_ids == [first["job_id"]]


def test_a_settled_job_with_the_same_id_is_replaced_so_the_product_gets_a_new_try(
        client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    job_id = accept(client, 61, "e" * 32)["job_id"]
    forwarder = Forwarder(redis_conn, queue)
    forwarder.drain()
    failed = queue.fetch_job(job_id)
    queue.remove(failed)
    failed.set_status(RQJobStatus.FAILED)
    StatusBoard(redis_conn).failed(61, job_id, "the store was down")

    accept(client, 61, "f" * 32)
    assert StatusBoard(redis_conn).for_product(61).state.value == "queued"  # the new try shows at once
    assert forwarder.drain().forwarded == 1
    assert queue.job_ids == [job_id] and queue.fetch_job(job_id).get_status() == RQJobStatus.QUEUED


def test_a_running_job_keeps_its_status_when_its_product_state_is_delivered_again(
        client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    job_id = accept(client, 71, "1" * 32)["job_id"]
    Forwarder(redis_conn, queue).drain()
    queue.fetch_job(job_id).set_status(RQJobStatus.STARTED)
    StatusBoard(redis_conn).running(71, job_id, "generate", 0.4)
    accept(client, 71, "2" * 32)
    assert StatusBoard(redis_conn).for_product(71).state.value == "running"


def test_only_the_lease_holder_forwards(client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    accept(client, 81, "3" * 32)
    holder, other = Forwarder(redis_conn, queue), Forwarder(Redis(connection_pool=redis_conn.connection_pool), queue)
    assert holder.lease.acquire(blocking=False)
    with pytest.raises(LockNotOwnedError):
        other.forward_once()
    assert other.drain(patience_s=0.2) == Drained(0, 1) and redis_conn.llen(OUTBOX_KEY) == 1
    assert holder.forward_once() == 1 and queue.count == 1


def test_a_drain_waits_out_the_lease_of_a_holder_that_died(client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    """A worker killed while it held the lease keeps it until its TTL ends: a burst worker waits, then forwards."""
    accept(client, 82, "4" * 32)
    redis_conn.set(LEASE_KEY, "token of a dead worker", px=6500)  # longer than the old 5 s wait
    assert Forwarder(redis_conn, queue).drain() == Drained(1, 0)
    assert queue.count == 1


def test_the_forwarder_thread_enqueues_new_deliveries_and_hands_back_its_lease(
        client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    thread, stop = start_forwarder(Forwarder(Redis(connection_pool=redis_conn.connection_pool), queue))
    try:
        job_id = accept(client, 91, "4" * 32)["job_id"]
        deadline = time.monotonic() + 10
        while queue.count == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert queue.job_ids == [job_id]
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and redis_conn.get(LEASE_KEY) is None


def test_an_unreadable_entry_is_logged_and_does_not_hold_up_the_others(
        client: FlaskClient, queue: Queue, redis_conn: Redis) -> None:
    redis_conn.rpush(OUTBOX_KEY, b"not an order")
    job_id = accept(client, 95, "5" * 32)["job_id"]
    with capture_logs() as logs:
        assert Forwarder(redis_conn, queue).drain().forwarded == 2
    assert queue.job_ids == [job_id]
    assert [entry["event"] for entry in logs if entry["log_level"] == "error"] == ["outbox_entry_unreadable"]
