"""A real `woo3d worker` runs a due sweep in its forked work horse, and the sweep schedules its successor; a
burst worker says what it could not forward."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue

from click.testing import CliRunner

from pipeline.jobs import outbox
from pipeline.jobs.outbox import Order
from pipeline.jobs.sweep import JOB_PREFIX, SWEEP_FUNCTION, last_sweep, next_sweep
from tests.cli.store_env import store_env
from tests.fake_store import FakeStore
from woo3d.cli import main

pytestmark = pytest.mark.slow


def test_worker_runs_the_sweep_and_keeps_the_chain_alive(redis_url: str, redis_conn: Redis, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    with FakeStore() as store:
        store.add_product(name="Draft vase", status="draft")
        queue = Queue("woo3d", connection=redis_conn)
        queue.enqueue(SWEEP_FUNCTION, job_id=f"{JOB_PREFIX}now")
        env = {**os.environ, **store_env(store, redis_url, tmp_path, WOO3D_SWEEP_MINUTES="5",
                                         PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))}
        done = subprocess.run([sys.executable, "-m", "woo3d", "worker", "--burst"], env=env,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = last_sweep(redis_conn)
    assert report is not None and (report.checked, report.skipped, report.enqueued) == (1, 1, ())
    assert next_sweep(queue) is not None  # scheduled by the sweep itself (a burst worker schedules none)
    assert "sweep_done" in done.stderr
    assert [p.name for p in metrics_dir.glob("counter_horse*.db")], "the horse's counts were not kept"


def test_a_burst_worker_that_cannot_forward_the_outbox_says_what_it_left(
    redis_url: str, redis_conn: Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker holds the outbox lease and never forwards (stuck): the operator is told, not left guessing."""
    monkeypatch.setattr(outbox, "DRAIN_PATIENCE_S", 1.0)
    redis_conn.rpush(outbox.OUTBOX_KEY, *(Order(n, None, f"gen-{n}-manual").to_json() for n in (5, 6)))
    redis_conn.set(outbox.LEASE_KEY, "a stuck worker's token", px=60_000)
    with FakeStore() as store:
        result = CliRunner().invoke(main, ["worker", "--burst"], env=store_env(store, redis_url, tmp_path))
    assert result.exit_code == 1
    assert "2 accepted deliveries are still waiting in the outbox" in result.output
    assert redis_conn.llen(outbox.OUTBOX_KEY) == 2
