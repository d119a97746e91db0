"""A worker killed mid-job: the job runs again and the product ends with exactly one model."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from redis import Redis

from pipeline.jobs.outbox import LEASE_KEY
from pipeline.metrics import OUTBOX_KEY
from tests.fake_store import FakeStore
from tests.reliability.rig import (
    MUG, Receiver, assert_one_model, crash, fast_forward, long_running_worker, merchant_api, run_burst_worker,
    status, wait_for, worker_env,
)

pytestmark = pytest.mark.slow


def test_a_worker_killed_between_the_uploads_and_the_meta_put_is_rerun_without_duplicates(
    store: FakeStore, receiver: Receiver, redis_conn: Redis, redis_url: str, tmp_path: Path
) -> None:
    photo = store.add_image("mug.jpg", MUG)
    product_id = merchant_api(store).post(
        "products", {"name": "Crash Mug", "status": "publish", "images": [{"id": photo["id"]}]}).json()["id"]
    queued = wait_for(lambda: status(redis_conn, product_id).job_id, "the delivery to queue a job")
    store.delay_next("PUT", f"/wp-json/wc/v3/products/{product_id}", 30)  # the meta PUT hangs…
    env = worker_env(redis_url, store, tmp_path)

    with long_running_worker(env) as worker:
        wait_for(lambda: len(store.requests_matching("POST", "/wp-json/wp/v2/media/*")) == 3,
                 "the three uploads to be attached", timeout_s=60)
        time.sleep(0.5)  # …while the worker waits on it
        crash(worker)

    assert store.meta_rows(product_id, "_woo3d_model") == []
    assert status(redis_conn, product_id).state.value == "running"
    fast_forward(redis_conn, 5 * 60)  # RQ notices the dead worker; its retry comes due
    run_burst_worker(env)

    after = status(redis_conn, product_id)
    assert (after.state.value, after.job_id) == ("done", queued), after
    meta = assert_one_model(store, product_id)
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == 3  # the re-run reused every upload
    assert after.model is not None and after.model["glb"] == meta["glb"]


def test_a_live_job_keeps_its_product_lock_past_the_lock_ttl_and_a_dead_one_loses_it(redis_conn: Redis) -> None:
    from pipeline.jobs.product_job import _renewed

    live = redis_conn.lock("woo3d:lock:product:1", timeout=1, thread_local=False)
    assert live.acquire()
    with _renewed(live, 0.3):
        time.sleep(1.6)
        assert live.owned()
    time.sleep(1.2)  # nothing renews it now, as after a crash
    assert redis_conn.get("woo3d:lock:product:1") is None


def test_a_burst_worker_after_a_crash_waits_out_the_dead_forwarders_lease_and_makes_every_job(
    store: FakeStore, receiver: Receiver, redis_conn: Redis, redis_url: str, tmp_path: Path
) -> None:
    """An operator drains with `woo3d worker --burst` after a worker died holding the outbox lease."""
    env = worker_env(redis_url, store, tmp_path)
    with long_running_worker(env) as worker:
        wait_for(lambda: redis_conn.exists(LEASE_KEY), "the worker to take the outbox lease")
        crash(worker)
    photo = store.add_image("mug.jpg", MUG)
    products = [merchant_api(store).post("products", {"name": f"Drained mug {n}", "status": "publish",
                                                      "images": [{"id": photo["id"]}]}).json()["id"] for n in range(3)]
    wait_for(lambda: redis_conn.llen(OUTBOX_KEY) == 3, "the three deliveries to wait in the outbox")
    assert redis_conn.pttl(LEASE_KEY) > 5_000, "premise: the dead worker's lease still stands"

    run_burst_worker(env, timeout_s=240)

    assert redis_conn.llen(OUTBOX_KEY) == 0
    for product_id in products:
        assert status(redis_conn, product_id).state.value == "done"
        assert_one_model(store, product_id)
