"""woo3d as a store runs it: `woo3d serve` and `woo3d worker` processes, configured for the real store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from redis import Redis
from rq import Queue

from pipeline.jobs.outbox import Order
from pipeline.metrics import OUTBOX_KEY
from tests.real_store.store import WooCommerceStore
from tests.redis_server import free_port

ADMIN_TOKEN = "real-store-admin-token"
WEBHOOK_SECRET = "real-store-webhook-secret"


@dataclass
class Woo3dBackend:
    """The receiver and one worker, live; `stop_worker`/`start_worker` let a test choose when jobs run."""

    store: WooCommerceStore
    redis_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    _serve: subprocess.Popen[bytes] | None = None
    _worker: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ, "WOO3D_REDIS_URL": self.redis_url, "WOO3D_ADMIN_TOKEN": ADMIN_TOKEN,
            "WC_WEBHOOK_SECRET": WEBHOOK_SECRET, "WC_STORE_URL": self.store.url, "WOO3D_PUBLIC_URL": self.url,
            "WC_CONSUMER_KEY": self.store.consumer_key, "WC_CONSUMER_SECRET": self.store.consumer_secret,
            "WP_USERNAME": "admin", "WP_APPLICATION_PASSWORD": self.store.app_password,
            "WOO3D_OUTPUT_DIR": str(self.workdir / "out"), "WOO3D_CACHE_DIR": str(self.workdir / "cache"),
            "WOO3D_FACE_BUDGET": "4000", "WOO3D_MAX_TEXTURE_SIZE": "256", "WOO3D_LOG_FORMAT": "console",
            "WOO3D_REVIEW": "never", "WOO3D_WEB_WORKERS": "2",
            # Nothing heals behind the tests' back: every job comes from a delivery WooCommerce sent.
            "WOO3D_SWEEP_MINUTES": "0",
        }

    def start(self) -> Woo3dBackend:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._serve = self._spawn("serve", "serve", "--port", str(self.port))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        else:
            raise RuntimeError(f"woo3d serve did not start: {self.log('serve')[-3000:]}")
        self.start_worker()
        return self

    def stop(self) -> None:
        self.stop_worker()
        if self._serve is not None:
            self._serve.terminate()
            self._serve.wait(30)

    def start_worker(self) -> None:
        if self._worker is None or self._worker.poll() is not None:
            self._worker = self._spawn("worker", "worker")

    def stop_worker(self) -> None:
        """A warm shutdown (SIGTERM): the job in hand finishes first."""
        if self._worker is not None and self._worker.poll() is None:
            self._worker.terminate()
            self._worker.wait(120)
        self._worker = None

    def cli(self, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
        """`woo3d <args>` with the backend's settings, as an operator runs it."""
        return subprocess.run([sys.executable, "-m", "woo3d", *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout_s, check=False)

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/api{path}", timeout=30,
                                    headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, **kwargs)
        assert response.ok, f"{method} {path}: {response.status_code} {response.text[:2000]}"
        return response.json()

    def deliveries(self) -> list[dict[str, Any]]:
        """Every stored delivery, oldest first."""
        found: list[dict[str, Any]] = []
        while True:
            page = self.api("GET", f"/deliveries?limit=500&offset={len(found)}")["deliveries"]
            found.extend(page)
            if len(page) < 500:
                return found[::-1]

    def deliveries_since(self, count: int) -> list[dict[str, Any]]:
        """The deliveries stored after the first `count` (see `deliveries`)."""
        return self.deliveries()[count:]

    def queued_job_ids(self) -> set[str]:
        """The distinct jobs accepted and not run yet: in the outbox (no worker forwards it while the worker
        is stopped) or in RQ."""
        with Redis.from_url(self.redis_url) as connection:
            waiting = {Order.from_json(raw).job_id for raw in connection.lrange(OUTBOX_KEY, 0, -1)}
            return waiting | set(Queue("woo3d", connection=connection).job_ids)

    def discard_queued_jobs(self) -> None:
        """Drop the jobs not run yet (a test that only counted them leaves none for the next)."""
        with Redis.from_url(self.redis_url) as connection:
            connection.delete(OUTBOX_KEY)
            Queue("woo3d", connection=connection).empty()

    def wait_until_idle(self, timeout_s: float = 600) -> None:
        """Until the outbox and the queue are empty and no job runs."""
        connection = Redis.from_url(self.redis_url)
        queue = Queue("woo3d", connection=connection)
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                busy = (connection.llen(OUTBOX_KEY) + len(queue) + queue.started_job_registry.count)
                if busy == 0:
                    return
                time.sleep(0.5)
        finally:
            connection.close()
        raise AssertionError(f"woo3d still busy after {timeout_s:.0f} s: {self.log('worker')[-3000:]}")

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.workdir / f"{name}.log").open("ab") as log:
            return subprocess.Popen([sys.executable, "-m", "woo3d", *args], env=self.env, stdout=log,
                                    stderr=subprocess.STDOUT)


def eventually(check: Callable[[], Any], timeout_s: float = 60, what: str = "") -> Any:
    """`check()`'s first truthy answer, polled; fails after `timeout_s` naming `what`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = check()
        if answer:
            return answer
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout_s:.0f} s: {what}")
