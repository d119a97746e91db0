"""End to end: WooCommerce (a local store speaking its protocol) → receiver → Redis → a real RQ
worker process → GLB/USDZ/poster in the media library and one meta PUT → the echo skipped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from woocommerce import API

from pipeline.jobs.status import StatusBoard
from pipeline.metrics import OUTBOX_KEY
from pipeline.stage2.compress import glb_json
from tests.conftest import PHOTOS
from tests.fake_store import FakeStore
from tests.reliability.rig import merchant_api, run_burst_worker, serve_receiver, subscribe, wait_for, worker_env
from tests.validators import validate_glb, validate_usdz

pytestmark = pytest.mark.slow


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore(deliver_webhooks=True) as fake:
        yield fake


@pytest.fixture
def receiver(redis_conn: Redis, store: FakeStore, tmp_path: Path) -> Iterator[str]:
    with serve_receiver(redis_conn, store.store_config(), tmp_path) as served:
        subscribe(store, served)
        yield served.webhook_url


@pytest.fixture
def merchant(store: FakeStore) -> API:
    return merchant_api(store)


def run_worker(redis_url: str, store: FakeStore, tmp_path: Path) -> None:
    run_burst_worker(worker_env(redis_url, store, tmp_path), timeout_s=240)


def deliveries(redis_conn: Redis, topic: str) -> list[Any]:
    from webhooks.deliveries import DeliveryStore

    stored = DeliveryStore(redis_conn, retention_count=1000, retention_days=1).recent(100)
    return [d for d in stored if d.topic == topic]


def test_a_published_product_gets_a_model_and_our_write_back_does_not_loop(
    store: FakeStore, receiver: str, merchant: API, redis_conn: Redis, redis_url: str, tmp_path: Path
) -> None:
    photo = store.add_image("ruby-mug.jpg", (PHOTOS / "ruby_mug.jpg").read_bytes())
    created = merchant.post("products", {"name": "Ruby Mug", "status": "publish", "images": [{"id": photo["id"]}],
                                         "dimensions": {"length": "12", "width": "9", "height": "10"}}).json()
    product_id = created["id"]
    queued = wait_for(lambda: [d for d in deliveries(redis_conn, "product.created") if d.outcome == "queued"],
                      "product.created to be queued")
    run_worker(redis_url, store, tmp_path)

    status = StatusBoard(redis_conn).for_product(product_id)
    assert (status.state.value, status.job_id) == ("done", queued[0].job_id), status
    models = {a["mime_type"]: a for a in store.attachments(post=product_id)}
    assert set(models) == {"model/gltf-binary", "model/vnd.usdz+zip", "image/png"}
    glb = tmp_path / "model.glb"
    glb.write_bytes(store.file_bytes(models["model/gltf-binary"]["source_url"]))
    assert validate_glb(glb) == []
    # The storefront's model is the compressed GLB; the uncompressed one is not uploaded.
    assert "EXT_meshopt_compression" in glb_json(glb.read_bytes())["extensionsRequired"]  # type: ignore[operator]
    usdz = tmp_path / "model.usdz"
    usdz.write_bytes(store.file_bytes(models["model/vnd.usdz+zip"]["source_url"]))
    assert validate_usdz(usdz) == []
    assert len(store.requests_matching("PUT", f"/wp-json/wc/v3/products/{product_id}")) == 1
    [meta] = store.meta_rows(product_id, "_woo3d_model")
    assert meta["value"]["glb"] == models["model/gltf-binary"]["source_url"]
    assert meta["value"]["usdz"] == models["model/vnd.usdz+zip"]["source_url"]
    assert status.model["glb"] == meta["value"]["glb"]

    echo = wait_for(lambda: deliveries(redis_conn, "product.updated"), "the write-back's product.updated")
    assert echo[0].outcome == "skipped" and echo[0].reason.startswith("unchanged")

    merchant.put(f"products/{product_id}", {"regular_price": "99.00"})
    price = wait_for(lambda: len(deliveries(redis_conn, "product.updated")) == 2 and deliveries(redis_conn, "product.updated"),
                     "the price edit's delivery")
    assert price[0].outcome == "skipped" and price[0].reason.startswith("unchanged")
    assert Redis.from_url(redis_url).llen("rq:queue:woo3d") == Redis.from_url(redis_url).llen(OUTBOX_KEY) == 0


def test_an_image_change_regenerates_and_deletes_the_old_attachments(
    store: FakeStore, receiver: str, merchant: API, redis_conn: Redis, redis_url: str, tmp_path: Path
) -> None:
    first = store.add_image("ruby-mug.jpg", (PHOTOS / "ruby_mug.jpg").read_bytes())
    product_id = merchant.post("products", {"name": "Mug", "status": "publish", "images": [{"id": first["id"]}]}).json()["id"]
    wait_for(lambda: deliveries(redis_conn, "product.created"), "product.created")
    run_worker(redis_url, store, tmp_path)
    old_ids = {a["id"] for a in store.attachments(post=product_id)}
    assert len(old_ids) == 3

    second = store.add_image("mug-set.png", (PHOTOS / "solidus_mug_set.png").read_bytes())
    merchant.put(f"products/{product_id}", {"images": [{"id": second["id"]}]})
    wait_for(lambda: [d for d in deliveries(redis_conn, "product.updated") if d.outcome == "queued"], "the image change")
    run_worker(redis_url, store, tmp_path)

    new_ids = {a["id"] for a in store.attachments(post=product_id)}
    assert len(new_ids) == 3 and not new_ids & old_ids
    assert all(store.attachment(i) is None for i in old_ids)
    [meta] = store.meta_rows(product_id, "_woo3d_model")
    assert set(meta["value"]["attachment_ids"].values()) == new_ids
