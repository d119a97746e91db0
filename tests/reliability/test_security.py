"""Hostile input end to end: each gets a clear error and changes nothing (no job, no upload, no meta)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st
from redis import Redis
from rq import Queue

from pipeline.jobs.queueing import enqueue_generation
from pipeline.jobs.status import StatusBoard
from tests.fake_store import FakeStore
from tests.http_server import serve
from tests.pipeline import synthetic
from tests.pipeline.servers.base import Reply
from tests.pipeline.servers.tripo import API_KEY, FakeTripo
from tests.reliability.rig import (
    MUG, QUEUE, SECRET, Receiver, assert_one_model, deliver, point_photo_at, run_burst_worker, status, worker_env,
)
from webhooks.signature import sign

pytestmark = pytest.mark.slow


def nothing_changed(store: FakeStore, redis_conn: Redis, product_id: int) -> None:
    assert store.attachments(post=product_id) == []
    assert store.meta_rows(product_id, "_woo3d_model") == []
    assert store.requests_matching("POST", "/wp-json/wp/v2/media") == []
    assert store.requests_matching("PUT", "/wp-json/wc/v3/products/*") == []


def jobs_queued(redis_conn: Redis) -> int:
    return Queue(QUEUE, connection=redis_conn).count


@pytest.fixture
def product(store: FakeStore) -> dict[str, object]:
    photo = store.add_image("mug.jpg", MUG)
    return store.product(store.seed_products(1, images=[photo])[0])


def test_forged_tampered_oversized_and_malformed_deliveries_are_refused_and_queue_nothing(
    receiver: Receiver, product: dict[str, object], redis_conn: Redis
) -> None:
    forged = deliver(receiver, product, secret="not-the-secret")
    body = json.dumps(product).encode()
    tampered = requests.post(receiver.webhook_url, data=body.replace(b"Product", b"Pr0duct"), timeout=10, headers={
        "X-WC-Webhook-Signature": sign(SECRET, body), "X-WC-Webhook-Topic": "product.updated"})
    unsigned = requests.post(receiver.webhook_url, data=body, timeout=10, headers={"X-WC-Webhook-Topic": "product.updated"})
    oversized = deliver(receiver, {**product, "description": "x" * (3 * 1024 * 1024)})
    malformed = deliver(receiver, b'{"id": 12, "name": ')
    assert [r.status_code for r in (forged, tampered, unsigned, oversized, malformed)] == [401, 401, 401, 413, 400]
    assert all(r.json()["error"] for r in (forged, tampered, unsigned, oversized, malformed))
    assert jobs_queued(redis_conn) == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2048) | st.recursive(
           st.none() | st.booleans() | st.integers() | st.text(max_size=20),
           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
       ).map(lambda value: json.dumps(value).encode()),
       topic=st.sampled_from(["product.updated", "product.created", "order.created", "", "product.\x00"]))
def test_fuzzed_signed_payloads_over_real_http_never_get_a_5xx(receiver: Receiver, body: bytes, topic: str) -> None:
    response = deliver(receiver, body, topic=topic.replace("\x00", ""))
    assert response.status_code < 500, response.text


def test_admin_endpoints_without_or_with_a_wrong_token_do_nothing(
    receiver: Receiver, product: dict[str, object], redis_conn: Redis
) -> None:
    for token in (None, "wrong-token", ""):
        for method, path in (("POST", f"/api/products/{product['id']}/generate"), ("GET", "/api/deliveries"),
                             ("POST", "/api/3d/generate-from-description")):
            answer = receiver.admin(method, path, token=token, json={"title": "Mug"})
            assert answer.status_code == 401 and "token" in answer.json()["error"], (token, path, answer.text)
    assert jobs_queued(redis_conn) == 0


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[str]]]:
    """A server on another loopback name: whatever reaches it is an SSRF that got through."""
    hits: list[str] = []

    def record(handler: object) -> tuple[int, dict[str, str], bytes]:
        hits.append(str(getattr(handler, "path", "")))
        return 200, {"Content-Type": "image/jpeg"}, MUG

    with serve({"/photo.jpg": record}) as url:
        yield url.replace("127.0.0.1", "localhost"), hits


def run_job(store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, product_id: int, **env: str) -> None:
    enqueue_generation(Queue(QUEUE, connection=redis_conn), StatusBoard(redis_conn), product_id, None)
    run_burst_worker(worker_env(redis_url, store, tmp_path, **env))


@pytest.mark.parametrize("where", ["http://localhost:{port}/photo.jpg", "http://127.0.0.2:{port}/photo.jpg",
                                   "http://[::1]:{port}/photo.jpg", "http://shop.invalid/photo.jpg",
                                   "file:///etc/passwd", "gopher://localhost:{port}/_photo"])
def test_photo_urls_off_the_allowed_hosts_fail_the_job_with_the_reason_and_are_never_fetched(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, recorder: tuple[str, list[str]], where: str
) -> None:
    port = recorder[0].rsplit(":", 1)[1]
    photo = store.add_image("mug.jpg", MUG)
    product_id = store.seed_products(1, images=[photo])[0]
    point_photo_at(store, photo["id"], where.format(port=port))
    run_job(store, redis_conn, redis_url, tmp_path, product_id)

    failed = status(redis_conn, product_id)
    assert failed.state.value == "failed" and any(w in (failed.reason or "") for w in ("refused", "is not")), failed
    assert recorder[1] == []
    nothing_changed(store, redis_conn, product_id)


def test_a_photo_on_another_host_is_fetched_once_that_host_is_allowed(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, recorder: tuple[str, list[str]]
) -> None:
    photo = store.add_image("mug.jpg", MUG)
    product_id = store.seed_products(1, images=[photo])[0]
    point_photo_at(store, photo["id"], f"{recorder[0]}/photo.jpg")
    port = recorder[0].rsplit(":", 1)[1]
    run_job(store, redis_conn, redis_url, tmp_path, product_id, WOO3D_ALLOWED_IMAGE_HOSTS=f"localhost:{port}")
    assert recorder[1] == ["/photo.jpg"]
    assert_one_model(store, product_id)


def test_a_redirect_from_an_allowed_host_to_another_is_refused_before_it_is_followed(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, recorder: tuple[str, list[str]]
) -> None:
    def bounce(_handler: object) -> tuple[int, dict[str, str], bytes]:
        return 302, {"Location": f"{recorder[0]}/photo.jpg"}, b""

    photo = store.add_image("mug.jpg", MUG)
    product_id = store.seed_products(1, images=[photo])[0]
    with serve({"/cdn/mug.jpg": bounce}) as allowed:
        point_photo_at(store, photo["id"], f"{allowed}/cdn/mug.jpg")
        cdn = allowed.removeprefix("http://")
        run_job(store, redis_conn, redis_url, tmp_path, product_id, WOO3D_ALLOWED_IMAGE_HOSTS=cdn)
    failed = status(redis_conn, product_id)
    assert failed.state.value == "failed" and "localhost" in (failed.reason or ""), failed
    assert recorder[1] == []
    nothing_changed(store, redis_conn, product_id)


@pytest.mark.parametrize("photo", [synthetic.png_header_only(19_000, 19_000), synthetic.png_header_only(100_000, 10),
                                   b"<html>not a photo</html>", MUG[: len(MUG) // 3]],
                         ids=["bomb-19000x19000", "absurd-side", "html", "truncated-jpeg"])
def test_bombs_and_broken_photos_fail_the_job_permanently_with_the_reason(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, photo: bytes
) -> None:
    image = store.add_image("photo.png", photo)
    product_id = store.seed_products(1, images=[image])[0]
    run_job(store, redis_conn, redis_url, tmp_path, product_id)
    failed = status(redis_conn, product_id)
    assert failed.state.value == "failed" and failed.reason, failed
    assert Queue(QUEUE, connection=redis_conn).failed_job_registry.count == 1  # not retried: it cannot get better
    nothing_changed(store, redis_conn, product_id)


@pytest.mark.parametrize("model", [
    Reply(200, b"glTF\x02\x00\x00\x00 this is not a mesh", {"Content-Type": "model/gltf-binary"}),
    Reply(200, b"", {"Content-Type": "model/gltf-binary", "Content-Length": str(300 * 1024 * 1024)},
          chunks=[b"glTF" + b"\x00" * 4096]),
], ids=["junk", "300MB-claim"])
def test_a_corrupt_or_oversized_model_from_tripo_is_never_published(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path, model: Reply
) -> None:
    photo = store.add_image("mug.jpg", MUG)
    product_id = store.seed_products(1, images=[photo])[0]
    with FakeTripo(statuses=("success",)) as tripo:
        tripo.fail("GET", r"^/models/", model, times=1000)
        run_job(store, redis_conn, redis_url, tmp_path, product_id, TRIPO_API_KEY=API_KEY,
                TRIPO_API_BASE=tripo.base_url)
    meta = assert_one_model(store, product_id)
    assert meta["generator"] == "local"  # the fallback, not the bad bytes
    done = status(redis_conn, product_id)
    assert "Tripo stage 1 failed" in (done.reason or ""), done
    assert len(tripo.requests("GET", r"^/models/")) <= 2  # refused as corrupt: not retried over and over
