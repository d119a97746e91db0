"""Metrics in multiprocess mode: gunicorn workers add up, RQ work horses of one worker share their files."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def scrape(port: int, path: str = "/metrics") -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    assert response.status == 200, body
    return body


def ping(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/webhooks/woocommerce", body=b"webhook_id=7",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    status = conn.getresponse().status
    conn.close()
    return status


def counted(text: str, outcome: str) -> float:
    match = re.search(rf'^woo3d_deliveries_total{{outcome="{outcome}"}} (\S+)$', text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


@pytest.mark.slow
def test_gunicorn_workers_add_up_on_every_scrape(redis_server: RedisServer, tmp_path: Path) -> None:
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {**os.environ, "WOO3D_REDIS_URL": f"{redis_server.url}/2", "WC_WEBHOOK_SECRET": "s",
           "WOO3D_LOG_FORMAT": "json", "WOO3D_WEB_WORKERS": "3", "WOO3D_WEB_THREADS": "2",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "woo3d.wsgi:app"], cwd=ROOT, env=env, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                scrape(port, "/readyz")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()[-3000:]
                time.sleep(0.1)
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda _: ping(port), range(300)))
        assert statuses == [200] * 300
        # Each scrape is answered by any one worker; each must see all three workers' counts.
        assert [counted(scrape(port), "ping") for _ in range(10)] == [300.0] * 10
        writers = [f for f in metrics_dir.glob("counter_*.db") if f.stat().st_size > 0]
        assert len(writers) >= 2, "all requests went to one worker: nothing was proven"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_rq_work_horses_of_one_worker_share_one_set_of_files(tmp_path: Path) -> None:
    """A horse per job would leave a file per job behind; horses of one worker run one at a time and share."""
    script = textwrap.dedent("""
        import os
        from pipeline import metrics
        metrics.mark_rq_worker()
        for job in range(5):
            pid = os.fork()
            if pid == 0:  # a work horse
                metrics.GENERATIONS.labels("done", "local").inc()
                metrics.GENERATION_SECONDS.labels("job").observe(1.5)
                os._exit(0)
            os.waitpid(pid, 0)
        print(f"worker={os.getpid()}")
        print(metrics.render(None).decode())
    """)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert 'woo3d_asset_generation_total{generator="local",status="done"} 5.0' in done.stdout
    assert 'woo3d_asset_generation_duration_seconds_sum{stage="job"} 7.5' in done.stdout
    worker = re.search(r"worker=(\d+)", done.stdout).group(1)  # type: ignore[union-attr]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"counter_horse{worker}.db", f"histogram_horse{worker}.db"]


def test_a_paid_tripo_call_is_counted_once_and_its_repeat_as_a_cache_hit(tmp_path: Path) -> None:
    from prometheus_client import REGISTRY

    from pipeline.product import ProductInput, SourceImage
    from tests.pipeline.servers.tripo import FakeTripo
    from tests.pipeline.generators.test_hybrid import config_for, photo, tripo_backend

    def value(name: str) -> float:
        return REGISTRY.get_sample_value(name, {"provider": "tripo"}) or 0.0

    paid, hits = value("woo3d_paid_api_calls_total"), value("woo3d_cache_hits_total")
    with FakeTripo() as tripo:
        config = config_for(tmp_path, tripo)
        product = ProductInput(title="Mug", images=(SourceImage(photo()),))
        for _ in range(2):
            backend = tripo_backend(config)
            backend.generate(product)
            backend.close()
    assert (value("woo3d_paid_api_calls_total") - paid, value("woo3d_cache_hits_total") - hits) == (1, 1)
