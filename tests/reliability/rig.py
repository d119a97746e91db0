"""The reliability rig: a store that delivers webhooks, the receiver on a real port, real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import requests
from redis import Redis
from rq import Queue
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from werkzeug.serving import make_server
from woocommerce import API

from pipeline.config import PipelineConfig
from pipeline.jobs.status import JobStatus, StatusBoard
from tests.conftest import PHOTOS
from tests.fake_store import FakeStore
from tests.recorded import signed_delivery
from tests.redis_server import free_port
from webhooks import ReceiverConfig, create_app
from woo3d.settings import Settings
from wp_bridge.config import StoreConfig

SECRET = "reliability-webhook-secret"
ADMIN_TOKEN = "reliability-admin-token"
QUEUE = "woo3d"
MUG = (PHOTOS / "ruby_mug.jpg").read_bytes()
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Receiver:
    """The webhook receiver, served by werkzeug on a loopback port."""

    base_url: str

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/webhooks/woocommerce"

    def admin(self, method: str, path: str, token: str | None = ADMIN_TOKEN, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return requests.request(method, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs)


@contextmanager
def serve_receiver(connection: Redis, store: StoreConfig, tmp_path: Path, **receiver: Any) -> Iterator[Receiver]:
    """`create_app` on a real threaded server (what WooCommerce and the plugin talk to)."""
    settings = Settings(
        receiver=ReceiverConfig(webhook_secret=SECRET, admin_token=ADMIN_TOKEN, **receiver),
        pipeline=PipelineConfig(output_dir=tmp_path / "out", cache_dir=tmp_path / "cache"),
        store=store,
    )
    server = make_server("127.0.0.1", 0, create_app(settings, connection), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve_gunicorn(redis_url: str, tmp_path: Path, **env: str) -> Iterator[Receiver]:
    """The receiver as deployed: gunicorn with deploy/gunicorn.conf.py, settings from the environment."""
    port = free_port()
    environment = {
        **os.environ, "WOO3D_REDIS_URL": redis_url, "WC_WEBHOOK_SECRET": SECRET, "WOO3D_ADMIN_TOKEN": ADMIN_TOKEN,
        "WOO3D_OUTPUT_DIR": str(tmp_path / "out"), "WOO3D_LOG_FORMAT": "json", "WOO3D_WEB_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), **env,
    }
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind",
                                   f"127.0.0.1:{port}", "woo3d.wsgi:app"], cwd=ROOT, env=environment,
                                  stdout=sink, stderr=sink)
    receiver = Receiver(f"http://127.0.0.1:{port}")
    try:
        wait_for(lambda: _answers(receiver) or server.poll() is not None, "gunicorn to start", timeout_s=60)
        assert server.poll() is None, log.read_text()[-3000:]
        yield receiver
    finally:
        server.terminate()
        server.wait(30)


def _answers(receiver: Receiver) -> bool:
    try:
        return requests.get(f"{receiver.base_url}/readyz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def deliver(receiver: Receiver, payload: dict[str, Any] | bytes, *, topic: str = "product.updated",
            delivery_id: str | None = None, secret: str = SECRET, **headers: str) -> requests.Response:
    """POST one delivery signed like WooCommerce does (its recorded headers, a fresh delivery id)."""
    raw_headers, body = signed_delivery(payload, topic=topic, delivery_id=delivery_id or uuid.uuid4().hex,
                                        secret=secret)
    sent = {k: v for k, v in raw_headers if k.lower() not in {"host", "content-length", "connection"}}
    return requests.post(receiver.webhook_url, data=body, headers={**sent, **headers}, timeout=10)


def merchant_api(store: FakeStore) -> API:
    """The merchant's edits, through WooCommerce's own REST API (each save fires a webhook)."""
    return API(url=store.url, consumer_key=store.consumer_key, consumer_secret=store.consumer_secret,
               version="wc/v3", timeout=10)


def subscribe(store: FakeStore, receiver: Receiver) -> None:
    """What `woo3d webhooks install` does: product.created/updated deliveries to the receiver."""
    for topic in ("product.created", "product.updated"):
        merchant_api(store).post("webhooks", {"name": topic, "topic": topic, "delivery_url": receiver.webhook_url,
                                              "secret": SECRET})


def point_photo_at(store: FakeStore, photo_id: int, url: str) -> None:
    """Make a photo's URL point elsewhere, as an offload/CDN plugin or a hand-edited attachment does."""
    with store._lock:
        store._media[photo_id]["source_url"] = url


def worker_env(redis_url: str, store: FakeStore | None, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment an operator gives `woo3d worker` (small budgets and no review gate: these tests
    are about delivery, not quality)."""
    env = {
        **os.environ, "WOO3D_REDIS_URL": redis_url, "WOO3D_REVIEW": "never",
        "WOO3D_OUTPUT_DIR": str(tmp_path / "out"), "WOO3D_CACHE_DIR": str(tmp_path / "cache"),
        "WOO3D_FACE_BUDGET": "4000", "WOO3D_MAX_TEXTURE_SIZE": "256", "WOO3D_LOG_FORMAT": "console",
        "WOO3D_SWEEP_MINUTES": "0", "WOO3D_STORE_TIMEOUT_S": "5", **extra,
    }
    if store is not None:
        env.update({"WC_STORE_URL": store.url, "WC_CONSUMER_KEY": store.consumer_key,
                    "WC_CONSUMER_SECRET": store.consumer_secret, "WP_USERNAME": store.username,
                    "WP_APPLICATION_PASSWORD": store.application_password})
    return env


def run_burst_worker(env: Mapping[str, str], timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    """`woo3d worker --burst`: works the queue empty, then exits."""
    done = subprocess.run([sys.executable, "-m", "woo3d", "worker", "--burst"], env=dict(env), capture_output=True,
                          text=True, timeout=timeout_s)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@contextmanager
def long_running_worker(env: Mapping[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`woo3d worker`, running until the test crashes it (or, at the end, this does)."""
    process = subprocess.Popen([sys.executable, "-m", "woo3d", "worker"], env=dict(env), text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            crash(process)


def crash(process: subprocess.Popen[Any]) -> None:
    """SIGKILL a process and everything it started at once, whatever their process groups (RQ puts a
    worker's horse in one of its own): a machine losing power, an OOM killer taking them all."""
    doomed = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    for victim in doomed:
        victim.send_signal(signal.SIGKILL)
    psutil.wait_procs(doomed, timeout=10)
    process.wait(10)


def fast_forward(connection: Redis, seconds: float, queue_name: str = QUEUE) -> None:
    """Let `seconds` pass for what waits on the clock: RQ's abandoned-job detection (an execution whose
    heartbeats stopped), retries scheduled within the window, and Redis keys (locks) whose TTL ends in it."""
    horizon = time.time() + seconds
    queue = Queue(queue_name, connection=connection)
    StartedJobRegistry(queue=queue).cleanup(timestamp=horizon)
    scheduled = ScheduledJobRegistry(queue=queue)
    for job_id in scheduled.get_jobs_to_schedule(int(horizon)):
        scheduled.requeue(job_id)
    for key in connection.scan_iter("woo3d:lock:*"):
        if 0 < connection.pttl(key) <= seconds * 1000:
            connection.delete(key)


def wait_for(condition: Callable[[], Any], what: str, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def status(connection: Redis, product_id: int) -> JobStatus:
    return StatusBoard(connection).for_product(product_id)


def assert_one_model(store: FakeStore, product_id: int) -> dict[str, Any]:
    """The product shows exactly one model: one meta row naming one GLB, one USDZ, one poster, nothing else."""
    [row] = store.meta_rows(product_id, "_woo3d_model")
    meta = row["value"]
    attached = store.attachments(post=product_id)  # the photos belong to no post
    assert sorted(a["mime_type"] for a in attached) == ["image/png", "model/gltf-binary", "model/vnd.usdz+zip"], attached
    assert set(meta["attachment_ids"].values()) == {a["id"] for a in attached}
    assert {meta["glb"], meta["usdz"], meta["poster"]} == {a["source_url"] for a in attached}
    return dict(meta)
