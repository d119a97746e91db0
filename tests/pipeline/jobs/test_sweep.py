"""The sweep on the fake store and a real Redis: what a lost delivery leaves behind, it queues."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from woocommerce import API

from pipeline.jobs import product_job, sweep
from pipeline.config import PipelineConfig
from pipeline.jobs.fingerprint import product_fingerprint
from pipeline.jobs.queueing import generation_job_id
from pipeline.jobs.sweep import SweepConfig, last_sweep, next_sweep, run_sweep, schedule_sweep
from tests.fake_store import FakeStore
from tests.redis_server import free_port
from wp_bridge import META_KEY, StoreClients
from wp_bridge.subscriptions import install

TYPES = ("simple", "variable", "variation")
DEAD_RECEIVER = f"http://127.0.0.1:{free_port()}/webhooks/woocommerce"  # nothing listens: deliveries are lost


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore(deliver_webhooks=True) as fake:
        yield fake




def config(**overrides: object) -> SweepConfig:
    values: dict[str, object] = {"minutes": 10, "queue_name": "woo3d", "enabled_product_types": TYPES,
                                 "public_url": DEAD_RECEIVER}
    values.update(overrides)
    return SweepConfig(**values)  # type: ignore[arg-type]


def with_current_model(store: FakeStore, clients: StoreClients, count: int) -> list[int]:
    """Products that already carry the model of their current photos and text."""
    ids = store.seed_products(count)
    for product_id in ids:
        model = {"schema": 2, "glb": "https://x/model.glb", "fingerprint": product_fingerprint(store.product(product_id))}
        clients.woocommerce.update_product_meta(product_id, {META_KEY: model})
    return ids


def merchant(store: FakeStore) -> API:
    return API(url=store.url, consumer_key=store.consumer_key, consumer_secret=store.consumer_secret,
               version="wc/v3", timeout=10)


def wait_until_disabled(store: FakeStore, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(w["status"] == "disabled" for w in store.webhooks()):
            return
        time.sleep(0.05)
    raise AssertionError(f"no webhook was disabled: {store.webhooks()}")


def test_a_change_whose_delivery_was_lost_is_queued_by_the_next_sweep(
    store: FakeStore, clients: StoreClients, redis_conn: Redis
) -> None:
    install(clients.woocommerce, DEAD_RECEIVER, "s")
    ids = with_current_model(store, clients, 3)
    first = sweep.sweep(redis_conn, clients, config())
    assert (first.checked, first.enqueued, first.current) == (3, (), 3)

    # The merchant edits the middle product's photos' text; the receiver is down, so WooCommerce's
    # deliveries fail (and are never retried) until it disables the webhook.
    shop = merchant(store)
    for n in range(7):
        assert shop.put(f"products/{ids[1]}", {"name": f"Product {ids[1]} in blue ({n})"}).status_code == 200
    wait_until_disabled(store)

    report = sweep.sweep(redis_conn, clients, config())
    assert report.enqueued == (ids[1],)
    fingerprint = product_fingerprint(store.product(ids[1]))
    job = Job.fetch(generation_job_id(ids[1], fingerprint), connection=redis_conn)
    assert job.args == (ids[1], fingerprint) and job.origin == "woo3d"
    disabled = [int(w["id"]) for w in store.webhooks() if w["status"] == "disabled"]
    assert report.disabled_webhooks == tuple(disabled) and report.reactivated_webhooks == ()
    assert last_sweep(redis_conn) == report

    again = sweep.sweep(redis_conn, clients, config())
    assert again.enqueued == () and again.already_queued == 1  # the job from the last sweep is still queued
    assert len(Queue("woo3d", connection=redis_conn)) == 1


def test_reactivation_when_configured(store: FakeStore, clients: StoreClients, redis_conn: Redis) -> None:
    (_created, updated) = install(clients.woocommerce, DEAD_RECEIVER, "s")
    clients.woocommerce.update_webhook(updated.webhook.id, status="disabled")
    report = sweep.sweep(redis_conn, clients, config(reactivate_webhooks=True))
    assert report.disabled_webhooks == report.reactivated_webhooks == (updated.webhook.id,)
    assert {w["status"] for w in store.webhooks()} == {"active"}


def test_the_sweep_skips_drafts_opted_out_and_unchanged_products(
    store: FakeStore, clients: StoreClients, redis_conn: Redis
) -> None:
    current = with_current_model(store, clients, 1)
    draft = store.add_product(name="Draft", status="draft")["id"]
    opted_out = store.add_product(name="Private label", meta={"_woo3d_disabled": "1"})["id"]
    new = store.add_product(name="New vase")["id"]
    report = sweep.sweep(redis_conn, clients, config())
    assert report.enqueued == (new,) and report.current == len(current) and report.skipped == 2
    assert {draft, opted_out}.isdisjoint(report.enqueued)


def test_the_watermark_limits_the_listing_to_recent_changes(
    store: FakeStore, clients: StoreClients, redis_conn: Redis
) -> None:
    store.seed_products(3)
    sweep.sweep(redis_conn, clients, config())
    store.clear_requests()
    sweep.sweep(redis_conn, clients, config())
    (listing, variable) = store.requests_matching("GET", "/wp-json/wc/v3/products")
    assert variable.query["type"] == "variable"  # whose variations changed since: none here
    assert listing.query["dates_are_gmt"] == "true"
    watermark = datetime.fromisoformat(redis_conn.get(sweep.WATERMARK_KEY).decode())
    assert listing.query["modified_after"] == (watermark - sweep.OVERLAP).strftime("%Y-%m-%dT%H:%M:%S")


def test_scheduling_is_idempotent_and_lands_on_the_next_slot(redis_conn: Redis) -> None:
    queue = Queue("woo3d", connection=redis_conn)
    at = datetime(2026, 11, 24, 14, 3, 20, tzinfo=UTC)
    first = schedule_sweep(queue, 10, now=lambda: at)
    second = schedule_sweep(queue, 10, now=lambda: at)
    assert first == second == f"woo3d-sweep-{int(datetime(2026, 11, 24, 14, 10, tzinfo=UTC).timestamp())}"
    assert queue.scheduled_job_registry.get_job_ids() == [first]
    assert next_sweep(queue) == datetime(2026, 11, 24, 14, 10, tzinfo=UTC)
    assert schedule_sweep(queue, 0) is None


def test_run_sweep_schedules_the_next_one_and_never_overlaps(
    store: FakeStore, redis_conn: Redis, tmp_path
) -> None:
    store.seed_products(2)
    product_job.configure(product_job.JobContext(connection=redis_conn, pipeline=PipelineConfig(output_dir=tmp_path),
                                   store=store.store_config()))
    sweep.configure(config())
    result = run_sweep()
    assert len(result["enqueued"]) == 2  # type: ignore[arg-type]
    queue = Queue("woo3d", connection=redis_conn)
    assert next_sweep(queue) is not None

    held = redis_conn.lock(sweep.LOCK_KEY, timeout=60)
    assert held.acquire(blocking=False)
    assert run_sweep() == {"skipped": "the previous sweep is still running"}
    held.release()
