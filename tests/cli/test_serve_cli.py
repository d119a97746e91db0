"""`woo3d serve`: gunicorn with the deploy settings (workers adding up on /metrics); `--dev`: Flask's reloader."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from woo3d.cli import main

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str) -> tuple[int, str, str]:
    """(status, Server header, body) of a GET."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        return answer.status, answer.headers.get("Server", ""), answer.read().decode()


def ping(port: int) -> int:
    """WooCommerce's activation ping: an unsigned form body with a webhook id."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/woocommerce", data=b"webhook_id=7",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


@contextmanager
def serving(argv: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`woo3d serve …` in its own process group, up once /readyz answers; stopped with its children."""
    log = cwd / "serve.log"
    with log.open("wb") as sink:
        server = subprocess.Popen([sys.executable, "-m", "woo3d", "serve", "--port", str(port), *argv], cwd=cwd,
                                  env=env, stdout=sink, stderr=sink, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(port, "/readyz")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, log.read_text()[-3000:]
                time.sleep(0.2)
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.fixture
def serve_env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PROMETHEUS_MULTIPROC_DIR", "XDG_RUNTIME_DIR"}}
    return {**env, "PYTHONPATH": str(ROOT), "HOME": str(home), "WOO3D_REDIS_URL": redis_url,
            "WC_WEBHOOK_SECRET": "serve-secret", "WOO3D_LOG_FORMAT": "json", "WOO3D_WEB_THREADS": "2"}


def the_workers(master: int, *, expected: int, within_s: float = 20.0) -> list[psutil.Process]:
    """gunicorn's workers once `expected` run: the first can answer before the master forks the next."""
    deadline = time.monotonic() + within_s
    workers = psutil.Process(master).children()
    while len(workers) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
        workers = psutil.Process(master).children()
    return workers


@pytest.mark.slow
def test_serve_runs_gunicorn_with_the_deploy_settings(serve_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / ".env").write_text("WOO3D_WEB_WORKERS=2\n")
    with serving([], serve_env, tmp_path, port) as server:
        status, software, _ = get(port, "/readyz")
        assert status == 200 and software.startswith("gunicorn")
        workers = the_workers(server.pid, expected=2)
        assert len(workers) == 2  # WOO3D_WEB_WORKERS from .env, read by the deploy settings
        # The app is loaded once, in the master (preload_app): each worker shares those pages rather than
        # importing woo3d again (its own memory then about 44 of 58 MB, against about 5 of 52 now).
        for worker in workers:
            memory = worker.memory_full_info()
            assert memory.uss < 0.4 * memory.rss, f"worker {worker.pid}: {memory.uss} of {memory.rss} bytes its own"
        assert [ping(port) for _ in range(40)] == [200] * 40
        # Any worker answers a scrape and each counts every worker's pings: one metrics directory for all.
        scrapes = [get(port, "/metrics")[2] for _ in range(6)]
        assert [re.search(r'^woo3d_deliveries_total\{outcome="ping"\} (\S+)$', text, re.M).group(1)  # type: ignore[union-attr]
                for text in scrapes] == ["40.0"] * 6
    assert list((tmp_path / "home").iterdir()) == []  # no ~/.gunicorn/gunicorn.ctl or anything else


@pytest.mark.slow
def test_serve_dev_runs_flask_s_reloading_development_server(serve_env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    with serving(["--dev"], serve_env, tmp_path, port):
        status, software, _ = get(port, "/healthz")
    assert status == 200 and software.startswith("Werkzeug/")
    assert "Restarting with" in (tmp_path / "serve.log").read_text()  # the reloader started the app


def test_serve_with_bad_settings_says_so_before_starting_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(main, ["serve", "--port", str(free_port())], env={"WOO3D_LOG_FORMAT": "xml"})
    assert done.exit_code == 1 and "WOO3D_LOG_FORMAT='xml' must be json or console" in done.stderr
