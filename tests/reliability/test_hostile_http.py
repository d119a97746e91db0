"""Hostile requests against the receiver as deployed (gunicorn with deploy/gunicorn.conf.py, real Redis, raw HTTP)."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from redis import Redis

from tests.recorded import recorded_delivery
from tests.redis_server import RedisServer
from tests.reliability.rig import ADMIN_TOKEN, ROOT, SECRET, Receiver, deliver, serve_gunicorn

pytestmark = pytest.mark.slow

DATABASE = 5
RETENTION = 2  # a small delivery retention: the flood must not push the real delivery out of it
PER_MINUTE = 12  # unverified requests logged a minute


@pytest.fixture(scope="module")
def served(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Receiver, Path]]:
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    url = f"{redis_server.url}/{DATABASE}"
    with serve_gunicorn(url, tmp_path, WOO3D_DELIVERY_RETENTION_COUNT=str(RETENTION),
                        WOO3D_UNVERIFIED_LOG_PER_MINUTE=str(PER_MINUTE)) as receiver:
        yield receiver, tmp_path


@pytest.fixture
def receiver(served: tuple[Receiver, Path], redis: Redis) -> Receiver:
    return served[0]


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[Redis]:
    connection = Redis.from_url(f"{redis_server.url}/{DATABASE}")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def raw_request(receiver: Receiver, method: str, path: str, headers: list[tuple[str, str]] = (), body: bytes = b""
                ) -> tuple[int, bytes]:
    """One request sent byte for byte as given (no client-side path normalising or header checks)."""
    conn = http.client.HTTPConnection(urlsplit(receiver.base_url).netloc, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def bytes_in_redis(redis: Redis) -> int:
    return sum(redis.memory_usage(key) or 0 for key in redis.scan_iter())


def unsigned_post(receiver: Receiver, headers: int, header_bytes: int) -> tuple[int, bytes]:
    _, body = recorded_delivery("product_created__publish_with_media_ids")
    padding = [(f"X-Padding-{n}", "p" * header_bytes) for n in range(headers)]
    return raw_request(receiver, "POST", "/webhooks/woocommerce", [("X-WC-Webhook-Topic", "product.created"), *padding],
                       body)


def test_unsigned_posts_with_big_headers_grow_redis_by_a_bounded_amount(receiver: Receiver, redis: Redis) -> None:
    answers = [unsigned_post(receiver, headers=36, header_bytes=4000) for _ in range(20)]  # 144 KB of headers each
    assert {status for status, _ in answers} == {401}
    assert bytes_in_redis(redis) < 100_000  # 20 requests' headers were 2.9 MB; the log keeps capped summaries
    logged = receiver.admin("GET", "/api/deliveries/unverified").json()
    assert (logged["logged"], logged["not_logged"]) == (PER_MINUTE, 20 - PER_MINUTE)
    newest = logged["requests"][0]
    assert (newest["outcome"], newest["http_status"], newest["reason"], newest["topic"]) == (
        "rejected", 401, "missing X-WC-Webhook-Signature", "product.created")
    shown = receiver.admin("GET", f"/api/deliveries/{newest['id']}").json()
    assert shown["body_text"] is None and len(shown["headers"]) == 17
    assert all(len(value) < 250 for _, value in shown["headers"]), shown["headers"]


def test_more_or_longer_headers_than_a_delivery_needs_are_refused_before_the_app(receiver: Receiver, redis: Redis) -> None:
    """The review's flood (90 headers of 8,000 bytes) and each limit on its own: gunicorn answers 431."""
    for headers, header_bytes in ((90, 8000), (60, 10), (1, 6000)):
        status, _ = unsigned_post(receiver, headers=headers, header_bytes=header_bytes)
        assert status == 431, (headers, header_bytes)
    assert redis.dbsize() == 0


def test_with_a_small_retention_unverified_requests_never_push_out_a_signed_delivery(
    receiver: Receiver, redis: Redis, redis_server: RedisServer
) -> None:
    accepted = deliver(receiver, {"id": 99}, topic="order.created", delivery_id="a" * 32)
    assert accepted.status_code == 200, accepted.text
    for _ in range(3):
        assert deliver(receiver, {"id": 99}, topic="order.created", secret="forged").status_code == 401
        assert unsigned_post(receiver, headers=2, header_bytes=10)[0] == 401
        assert raw_request(receiver, "POST", "/webhooks/woocommerce", body=b"webhook_id=7")[0] == 200
    listed = receiver.admin("GET", "/api/deliveries").json()
    assert [d["id"] for d in listed["deliveries"]] == ["a" * 32]
    assert listed["unverified"]["logged"] == 9
    assert listed["unverified"]["newest"]["outcome"] == "ping"

    env = {**os.environ, "WOO3D_REDIS_URL": f"{redis_server.url}/{DATABASE}", "WC_WEBHOOK_SECRET": SECRET,
           "WOO3D_LOG_FORMAT": "json"}
    shown = subprocess.run([sys.executable, "-m", "woo3d", "deliveries", "list"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "a" * 32 in shown.stdout and "(1 of 1 stored)" in shown.stdout
    assert "9 unverified requests logged (0 more not logged)" in shown.stdout
    unverified = subprocess.run([sys.executable, "-m", "woo3d", "deliveries", "list", "--unverified", "--json"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    rows = json.loads(unverified.stdout)
    assert [r["outcome"] for r in rows].count("rejected") == 6
    assert any(r["reason"].startswith("signature does not match") for r in rows)


@pytest.mark.parametrize("path", [
    "/api/jobs/adhoc-../files/outside.txt",
    "/api/jobs/adhoc-%2e%2e/files/outside.txt",
    "/api/jobs/adhoc-%2E%2E/files/outside.txt",
    "/api/jobs/adhoc-.%2e/files/outside.txt",
    "/api/jobs/adhoc-0123456789abcdef/../files/outside.txt",
    "/api/jobs/adhoc-0123456789abcdef/files/%2e%2e%2f%2e%2e%2foutside.txt",
    "/api/jobs/adhoc-0123456789abcdef/files/link.txt",
    "/api/jobs/adhoc-0123456789abcdef%2f..%2f../files/outside.txt",
])
def test_job_files_are_served_only_from_inside_the_jobs_own_folder(
    served: tuple[Receiver, Path], redis: Redis, path: str
) -> None:
    receiver, tmp_path = served
    out = tmp_path / "out"
    folder = out / "requests" / "0123456789abcdef"
    folder.mkdir(parents=True, exist_ok=True)
    (out / "outside.txt").write_text("secret from the top of WOO3D_OUTPUT_DIR")
    (folder / "report.json").write_text('{"ok": true}')
    if not (folder / "link.txt").is_symlink():
        (folder / "link.txt").symlink_to(out / "outside.txt")
    headers = [("Authorization", f"Bearer {ADMIN_TOKEN}")]

    assert raw_request(receiver, "GET", "/api/jobs/adhoc-0123456789abcdef/files/report.json", headers) == (
        200, b'{"ok": true}')
    status, body = raw_request(receiver, "GET", path, headers)
    assert status == 404 and b"secret" not in body, (status, body)
