"""Redis going away under a burst of deliveries: 503 while it is down, and nothing acknowledged is lost."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.fake_store import FakeStore
from tests.redis_server import RedisServer
from tests.reliability.rig import MUG, deliver, run_burst_worker, serve_receiver, status, worker_env
from webhooks.deliveries import DeliveryStore

pytestmark = pytest.mark.slow

PRODUCTS = 12
SAVES = 4  # deliveries per product (every save of a product fires one; equal content shares one job)
CLIENTS = 4


def test_a_burst_through_a_redis_outage_gets_503_never_2xx_while_down_and_every_acknowledged_delivery_is_processed(
    spare_redis: RedisServer, tmp_path: Path
) -> None:
    url = f"{spare_redis.url}/0"
    connection = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
    # As deployed (deploy/compose.yaml): Redis persists, so a restart keeps what it had acknowledged.
    connection.config_set("save", "3600 1")
    store = FakeStore().start()
    photo = store.add_image("mug.jpg", MUG)
    products = [store.product(i) for i in store.seed_products(PRODUCTS, images=[photo])]
    answers: list[tuple[str, int, str, float]] = []  # delivery id, status, product id, when
    outage: list[float] = []

    def client(share: list[dict[str, Any]]) -> None:
        """Sends its deliveries one after another, retrying each until acknowledged (bounded)."""
        for product in share:
            delivery_id = uuid.uuid4().hex
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                response = deliver(receiver, product, delivery_id=delivery_id)
                answers.append((delivery_id, response.status_code, str(product["id"]), time.monotonic()))
                time.sleep(0.05)
                if response.status_code < 300:
                    break

    burst = [p for _ in range(SAVES) for p in products]
    try:
        with serve_receiver(connection, store.store_config(), tmp_path) as receiver, \
                ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client, burst[n::CLIENTS]) for n in range(CLIENTS)]
            time.sleep(0.3)
            spare_redis.stop()
            outage.append(time.monotonic())
            time.sleep(1.0)
            spare_redis.start()
            outage.append(time.monotonic())
            for future in futures:
                future.result()

        during = [a for a in answers if outage[0] < a[3] < outage[1] - 0.2]
        assert during and {a[1] for a in during} == {503}, during
        assert {a[1] for a in answers} <= {202, 503}
        assert [a for a in answers if a[3] < outage[0]], "the outage began before the burst"
        acknowledged = {a[0]: a[2] for a in answers if a[1] == 202}
        assert len(acknowledged) == len(burst)

        deliveries = DeliveryStore(connection, retention_count=1000, retention_days=1)
        for delivery_id in acknowledged:
            stored = deliveries.get(delivery_id)
            assert stored is not None and stored.outcome == "queued", delivery_id
        run_burst_worker(worker_env(url, store, tmp_path, WOO3D_FORMATS="glb"), timeout_s=150)
        for product in products:
            after = status(connection, int(product["id"]))
            assert after.state.value == "done", after
            assert len(store.meta_rows(after.product_id, "_woo3d_model")) == 1
    finally:
        store.stop()
        connection.close()


def test_a_delivery_answered_503_after_redis_failed_midway_is_processed_when_sent_again(
    store: FakeStore, redis_conn: Redis, tmp_path: Path
) -> None:
    """Redis fails after the delivery id was claimed (here: storing the record fails): the 503 asks
    the sender to try again, and that retry must be queued, not skipped as a duplicate."""
    photo = store.add_image("mug.jpg", MUG)
    product = store.product(store.seed_products(1, images=[photo])[0])
    with serve_receiver(redis_conn, store.store_config(), tmp_path) as receiver:
        redis_conn.set("woo3d:deliveries", "not a sorted set")  # the claim works, the record's save fails
        first = deliver(receiver, product, delivery_id="d" * 32)
        assert first.status_code == 503, first.text
        redis_conn.delete("woo3d:deliveries")
        again = deliver(receiver, product, delivery_id="d" * 32)
        third = deliver(receiver, product, delivery_id="d" * 32)
    assert (again.status_code, again.json()["status"]) == (202, "queued"), again.text
    assert status(redis_conn, int(product["id"])).state.value == "queued"
    # the retry answered it: a third send is a duplicate of the retry, not of the unanswered first try
    assert (third.status_code, third.json()["status"]) == (200, "skipped"), third.text
    assert f"first seen as {again.json()['delivery_id']}" in third.json()["reason"]
