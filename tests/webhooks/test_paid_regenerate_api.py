"""`POST /api/products/<id>/generate` with `force`: a paid regeneration of a product woo3d already
made a model for waits for the merchant's `confirm_paid`; a first generation or a free one never asks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from pipeline.jobs.snapshots import ProductSnapshots
from tests.fake_store import FakeStore
from tests.webhooks.conftest import admin_headers, make_settings
from webhooks import create_app
from wp_bridge import ModelMeta

PAID = {"tripo_api_key": "tsk_test"}
MODEL = ModelMeta(fingerprint="sha256:live", glb="https://shop.example/model.glb").to_json()


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore() as fake:
        yield fake


def client_for(redis_conn: Redis, store: FakeStore | None, **pipeline: Any) -> FlaskClient:
    settings = make_settings()
    if store is not None:
        settings = replace(settings, store=store.store_config())
    return create_app(replace(settings, pipeline=replace(settings.pipeline, **pipeline)), redis_conn).test_client()


def generate(client: FlaskClient, product_id: int, **body: Any) -> Any:
    return client.post(f"/api/products/{product_id}/generate", json=body, headers=admin_headers())


def test_a_paid_regeneration_asks_first_and_queues_only_when_confirmed(redis_conn: Redis, store: FakeStore) -> None:
    queue = Queue("woo3d", connection=redis_conn)
    product = store.add_product(meta={"_woo3d_model": MODEL})["id"]
    client = client_for(redis_conn, store, **PAID)

    asked = generate(client, product, force=True)
    assert asked.status_code == 409 and asked.get_json()["needs_confirmation"] is True
    assert asked.get_json()["error"] == "regenerating calls a paid generator: it costs a Tripo3D credit"
    assert queue.count == 0
    assert client.get(f"/api/products/{product}/status", headers=admin_headers()).get_json()["state"] == "none"

    confirmed = generate(client, product, force=True, confirm_paid=True)
    assert confirmed.status_code == 202 and "-force-" in confirmed.get_json()["job_id"] and queue.count == 1
    assert queue.jobs[0].kwargs["force"] is True


def test_a_held_or_discarded_model_counts_as_made_and_a_variation_is_read_as_such(
    redis_conn: Redis, store: FakeStore
) -> None:
    held_only = store.add_product(meta={"_woo3d_model": {"fingerprint": "", "pending": {"fingerprint": "sha256:h"}}})
    declined = store.add_product(meta={"_woo3d_model": {"fingerprint": "", "declined": "sha256:d"}})
    parent = store.add_product(type="variable")["id"]
    variation = store.add_variation(parent, attributes={"Color": "Red"}, meta={"_woo3d_model": MODEL})
    client = client_for(redis_conn, store, **PAID)
    for product_id in (held_only["id"], declined["id"], variation["id"]):
        assert generate(client, product_id, force=True).status_code == 409
    assert Queue("woo3d", connection=redis_conn).count == 0


def test_a_first_generation_a_plain_one_or_a_free_generator_never_asks(redis_conn: Redis, store: FakeStore) -> None:
    queue = Queue("woo3d", connection=redis_conn)
    fresh = store.add_product()["id"]
    modelled = store.add_product(meta={"_woo3d_model": MODEL})["id"]
    paid = client_for(redis_conn, store, **PAID)
    assert generate(paid, fresh, force=True).status_code == 202  # no model yet: nothing paid twice
    assert generate(paid, modelled).status_code == 202  # not forced: an unchanged model stands down for free
    reads = len(store.requests)
    assert generate(client_for(redis_conn, store), modelled, force=True).status_code == 202
    assert len(store.requests) == reads  # free: the store is not even asked
    assert queue.count == 3


def test_without_a_store_the_last_delivery_says_whether_a_model_was_made(redis_conn: Redis) -> None:
    snapshots = ProductSnapshots(redis_conn)
    snapshots.save(41, b'{"id": 41, "name": "Mug", "meta_data": [{"id": 1, "key": "_woo3d_model", "value": {"fingerprint": "sha256:a"}}]}')
    snapshots.save(42, b'{"id": 42, "name": "Vase", "meta_data": []}')
    client = client_for(redis_conn, None, **PAID)
    assert generate(client, 41, force=True).status_code == 409
    assert generate(client, 42, force=True).status_code == 202
    assert generate(client, 43, force=True).status_code == 202  # unknown here: its job fails before any paid call


def test_bad_input_and_store_failures_queue_nothing(redis_conn: Redis, store: FakeStore) -> None:
    queue = Queue("woo3d", connection=redis_conn)
    product = store.add_product(meta={"_woo3d_model": MODEL})["id"]
    client = client_for(redis_conn, store, **PAID)
    bad = generate(client, product, force=True, confirm_paid="yes")
    assert bad.status_code == 400 and "confirm_paid" in bad.get_json()["error"]
    missing = generate(client, 99999, force=True)
    assert missing.status_code == 404 and "99999" in missing.get_json()["error"]
    store.fail_next("GET", f"/wp-json/wc/v3/products/{product}", status=401, code="woocommerce_rest_cannot_view")
    refused = generate(client, product, force=True)
    assert refused.status_code == 502 and "could not ask the store" in refused.get_json()["error"]
    assert queue.count == 0
