"""Faults of the services woo3d depends on: retried with backoff, bounded, and a failure ends visible."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.job import JobStatus as RQJobStatus

from tests.fake_store import FakeStore
from tests.pipeline.servers.base import Reply
from tests.pipeline.servers.tripo import API_KEY, FakeTripo
from tests.reliability.rig import (
    MUG, QUEUE, Receiver, assert_one_model, fast_forward, run_burst_worker, status, worker_env,
)
from pipeline.jobs.queueing import enqueue_generation
from pipeline.jobs.status import StatusBoard

pytestmark = pytest.mark.slow

RQ_RETRIES = 3  # pipeline.jobs.queueing.JOB_RETRY
STORE_ATTEMPTS = 4  # wp_bridge.retry.RetryPolicy: tries of one idempotent call


@pytest.fixture
def tripo() -> Iterator[FakeTripo]:
    with FakeTripo(statuses=("success",)) as fake:
        yield fake


def queue_mug(store: FakeStore, redis_conn: Redis) -> tuple[int, str]:
    photo = store.add_image("mug.jpg", MUG)
    product_id = store.seed_products(1, images=[photo])[0]
    job_id = enqueue_generation(Queue(QUEUE, connection=redis_conn), StatusBoard(redis_conn), product_id, None).job_id
    return product_id, job_id


def test_passing_5xx_and_a_timeout_on_write_back_are_retried_within_the_job(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path
) -> None:
    product_id, _ = queue_mug(store, redis_conn)
    store.fail_next("POST", "/wp-json/wp/v2/media", status=503, times=1)  # refused before acting: safe to resend
    store.delay_next("PUT", f"/wp-json/wc/v3/products/{product_id}", 4)  # over the 2 s client timeout
    store.fail_next("PUT", f"/wp-json/wc/v3/products/{product_id}", status=502, times=1)
    run_burst_worker(worker_env(redis_url, store, tmp_path, WOO3D_STORE_TIMEOUT_S="2"))

    assert status(redis_conn, product_id).state.value == "done"
    assert_one_model(store, product_id)
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == 4  # 3 files, one refused once


def test_a_store_that_keeps_failing_is_retried_a_bounded_number_of_times_then_fails_visibly(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    product_id, job_id = queue_mug(store, redis_conn)
    store.fail_next("PUT", f"/wp-json/wc/v3/products/{product_id}", status=500, times=1000)
    env = worker_env(redis_url, store, tmp_path)
    for _run in range(1 + RQ_RETRIES):
        run_burst_worker(env)
        fast_forward(redis_conn, 15 * 60)  # the retries wait 30 s, 2 min, 10 min

    assert len(store.requests_matching("PUT", f"/wp-json/wc/v3/products/{product_id}")) == STORE_ATTEMPTS * (1 + RQ_RETRIES)
    assert Queue(QUEUE, connection=redis_conn).fetch_job(job_id).get_status() is RQJobStatus.FAILED
    shown = receiver.admin("GET", f"/api/products/{product_id}/status").json()  # what the admin button shows
    assert shown["state"] == "failed" and "500" in shown["reason"], shown
    assert store.meta_rows(product_id, "_woo3d_model") == []
    assert len(store.attachments(post=product_id)) == 3  # uploaded once, reused by every retry, never published


def test_a_tripo_429_storm_is_waited_out_with_retry_after_and_paid_once(
    store: FakeStore, tripo: FakeTripo, redis_conn: Redis, redis_url: str, tmp_path: Path
) -> None:
    product_id, _ = queue_mug(store, redis_conn)
    busy = Reply.json({"code": 2000, "message": "You have exceeded the limit of generation"}, 429, {"Retry-After": "1"})
    tripo.fail("POST", r"/generation/", busy, times=2)
    tripo.fail("GET", r"/tasks/", Reply.json({"code": 1000, "message": "server error"}, 502), times=1)
    run_burst_worker(worker_env(redis_url, store, tmp_path, TRIPO_API_KEY=API_KEY, TRIPO_API_BASE=tripo.base_url))

    assert status(redis_conn, product_id).state.value == "done"
    assert assert_one_model(store, product_id)["generator"] == "tripo"
    assert len(tripo.creates) == 3 and len(tripo.tasks) == 1  # two refused, one task created and paid for


def test_a_tripo_outage_falls_back_to_the_local_model_and_says_why(
    store: FakeStore, tripo: FakeTripo, redis_conn: Redis, redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    product_id, _ = queue_mug(store, redis_conn)
    busy = Reply.json({"code": 2000, "message": "You have exceeded the limit of generation"}, 429, {"Retry-After": "1"})
    tripo.fail("POST", r"/generation/", busy, times=1000)
    run_burst_worker(worker_env(redis_url, store, tmp_path, TRIPO_API_KEY=API_KEY, TRIPO_API_BASE=tripo.base_url))

    assert len(tripo.creates) == 4 and tripo.tasks == {}  # bounded, and nothing was paid for
    assert assert_one_model(store, product_id)["generator"] == "local"
    shown = receiver.admin("GET", f"/api/products/{product_id}/status").json()
    assert shown["state"] == "done" and "Tripo" in (shown["reason"] or ""), shown


def test_a_tripo_content_policy_refusal_is_not_retried_and_the_merchant_reads_why(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, receiver: Receiver
) -> None:
    product_id, _ = queue_mug(store, redis_conn)
    with FakeTripo(statuses=("running", "failed"), error_code=2008) as tripo:
        run_burst_worker(worker_env(redis_url, store, tmp_path, TRIPO_API_KEY=API_KEY, TRIPO_API_BASE=tripo.base_url))

    assert len(tripo.creates) == 1  # moderation is final: no second task, no job retry
    assert assert_one_model(store, product_id)["generator"] == "local"
    shown = receiver.admin("GET", f"/api/products/{product_id}/status").json()
    assert shown["state"] == "done" and "Tripo declined to make a 3D model from this product's photos" in shown["reason"]
