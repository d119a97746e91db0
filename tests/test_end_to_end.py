"""End to end: WooCommerce (a local store speaking its protocol) → receiver → Redis → a real RQ
worker process → GLB/USDZ/poster in the media library and one meta PUT → the echo skipped."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from werkzeug.serving import make_server
from woocommerce import API

from pipeline.config import PipelineConfig
from pipeline.status import StatusBoard
from tests.conftest import PHOTOS
from tests.fake_store import FakeStore
from tests.validators import validate_glb, validate_usdz
from webhooks import ReceiverConfig, create_app
from woo3d.settings import Settings

SECRET = "e2e-webhook-secret"
pytestmark = pytest.mark.slow


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore(deliver_webhooks=True) as fake:
        yield fake


@pytest.fixture
def receiver(redis_conn: Redis, store: FakeStore, tmp_path: Path) -> Iterator[str]:
    settings = Settings(
        receiver=ReceiverConfig(webhook_secret=SECRET, admin_token="t"),
        pipeline=PipelineConfig(output_dir=tmp_path / "out", cache_dir=tmp_path / "cache"),
        store=store.store_config(),
    )
    server = make_server("127.0.0.1", 0, create_app(settings, redis_conn), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/webhooks/woocommerce"
    admin = API(url=store.url, consumer_key=store.consumer_key, consumer_secret=store.consumer_secret,
                version="wc/v3", timeout=10)
    for topic in ("product.created", "product.updated"):
        admin.post("webhooks", {"name": topic, "topic": topic, "delivery_url": url, "secret": SECRET})
    yield url
    server.shutdown()


@pytest.fixture
def merchant(store: FakeStore) -> API:
    """The merchant's edits, through WooCommerce's own REST API (each save fires a webhook)."""
    return API(url=store.url, consumer_key=store.consumer_key, consumer_secret=store.consumer_secret,
               version="wc/v3", timeout=10)


def run_worker(redis_url: str, store: FakeStore, tmp_path: Path) -> None:
    env = {
        **os.environ, "WOO3D_REDIS_URL": redis_url, "WC_STORE_URL": store.url,
        "WC_CONSUMER_KEY": store.consumer_key, "WC_CONSUMER_SECRET": store.consumer_secret,
        "WP_USERNAME": store.username, "WP_APPLICATION_PASSWORD": store.application_password,
        "WOO3D_OUTPUT_DIR": str(tmp_path / "out"), "WOO3D_CACHE_DIR": str(tmp_path / "cache"),
        "WOO3D_FACE_BUDGET": "8000", "WOO3D_MAX_TEXTURE_SIZE": "512", "WOO3D_LOG_FORMAT": "console",
    }
    done = subprocess.run([sys.executable, "-m", "woo3d", "worker", "--burst"], env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]


def wait_for(condition: Callable[[], Any], what: str, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


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
    assert Redis.from_url(redis_url).llen("rq:queue:woo3d") == 0


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
