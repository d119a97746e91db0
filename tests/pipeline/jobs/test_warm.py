"""pipeline.jobs.warm: a work-horse starts with the pipeline loaded and the worker's kept render child and node."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus

from pipeline.config import PipelineConfig
from pipeline.jobs.warm import WarmWorker, keep_warm, warm_up
from pipeline.stage2 import warm_child, warm_node
from pipeline.stage2.bounded import run_with_time_limit
from tests.reliability.rig import wait_for, worker_env


def what_the_horse_found() -> dict[str, object]:
    """Run in a work-horse: what it had before doing anything, and who renders for it."""
    from pipeline.photos import cutout

    found = {
        "pipeline_loaded": "pipeline.stage2.finish" in sys.modules and "trimesh" in sys.modules,
        "model_loaded": cutout._session.cache_info().currsize == 1,
        "horse": os.getpid(),
    }
    found["renderer"] = run_with_time_limit(os.getpid, limit_s=30, what="asking")
    found["renderer_parent"] = run_with_time_limit(os.getppid, limit_s=30, what="asking")
    return found


def run_jobs(redis_conn: Redis, count: int) -> list[dict[str, object]]:
    queue = Queue("woo3d", connection=redis_conn)
    jobs = [queue.enqueue(what_the_horse_found) for _ in range(count)]
    WarmWorker([queue], connection=redis_conn, pipeline=PipelineConfig()).work(burst=True)
    results = [Job.fetch(job.id, connection=redis_conn).return_value() for job in jobs]
    assert all(isinstance(result, dict) for result in results), results
    return results  # type: ignore[return-value]


def test_every_work_horse_starts_warm_and_shares_the_workers_render_child(redis_conn: Redis) -> None:
    first, second = run_jobs(redis_conn, 2)
    assert first["pipeline_loaded"] and first["model_loaded"]
    assert first["horse"] != second["horse"]
    # The same kept child renders for both, and it is the worker's (this process's), not a horse's.
    assert first["renderer"] == second["renderer"] not in (first["horse"], second["horse"])
    assert first["renderer_parent"] == os.getpid()


@pytest.mark.slow
def test_a_worker_stopped_while_it_warms_up_runs_the_job_it_took_and_then_exits(
    redis_url: str, redis_conn: Redis, tmp_path: Path,
) -> None:
    """Ctrl-C just after `deploy/run.sh` starts lands while the worker warms up for its first job: the
    job must neither be dropped nor keep the worker running (run.sh waits for the worker to exit)."""
    queue = Queue("woo3d", connection=redis_conn)
    job = queue.enqueue("os.getpid")
    with (tmp_path / "worker.log").open("w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "woo3d", "worker"], env=worker_env(redis_url, None, tmp_path),
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: queue.count == 0, "the worker to take the job", timeout_s=60)
        time.sleep(0.5)  # into the warm-up, which takes seconds
        assert job.get_status(refresh=True) != JobStatus.FINISHED, "the warm-up was over before the stop"
        worker.send_signal(signal.SIGTERM)
        exit_code = worker.wait(60)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
    assert exit_code == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert job.get_status(refresh=True) == JobStatus.FINISHED
    assert job.return_value() != worker.pid  # run in a work-horse, as every job is


def test_a_helper_a_job_killed_is_started_again_before_the_next_job(redis_conn: Redis) -> None:
    config = PipelineConfig()
    assert warm_up(config)
    render_child = run_with_time_limit(os.getpid, limit_s=30, what="asking")
    node = warm_node._warm
    assert node is not None
    os.kill(render_child, signal.SIGKILL)
    os.kill(node.pid, signal.SIGKILL)
    warm_child._warm._process.join(10)  # type: ignore[union-attr]
    node._process.wait(10)
    keep_warm(config)
    assert warm_child._warm is not None and warm_child._warm.running() and warm_child._warm.pid != render_child
    assert warm_node._warm is not None and warm_node._warm.running() and warm_node._warm is not node


def spin_holding_the_gil() -> None:
    import re

    re.match(r"(a+)+$", "a" * 64 + "b")


def _stopped_mid_render() -> None:
    """A work-horse the watchdog kills while the kept child renders for it."""
    import time

    from pipeline.stage2.bounded import BoundedCall, BoundedCalls

    BoundedCalls([BoundedCall("the spin", spin_holding_the_gil)], limit_s=60)
    time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_render_child_left_stuck_by_a_stopped_job_is_replaced_before_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next job must not wait out its time limit on a child still spinning for a dead one."""
    from pipeline.jobs import warm

    kept = warm_child.warm_child()
    assert kept is not None
    horse = multiprocessing.get_context("fork").Process(target=_stopped_mid_render)
    horse.start()
    horse.join(30)
    assert horse.exitcode == -signal.SIGKILL
    monkeypatch.setattr(warm, "_STUCK_AFTER_S", 1.0)
    keep_warm(PipelineConfig())
    assert warm_child._warm is not None and warm_child._warm.pid != kept.pid
    assert run_with_time_limit(os.getpid, limit_s=30, what="asking") == warm_child._warm.pid


def test_a_node_left_stuck_by_a_stopped_job_is_replaced_before_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next job's compression must not wait out its 180 s limit behind a node that does not answer."""
    from pipeline.jobs import warm
    from pipeline.stage2.compress import check_compression

    config = PipelineConfig()
    check_compression(config.glb_compression)
    stuck = warm_node._warm
    assert stuck is not None
    os.kill(stuck.pid, signal.SIGSTOP)
    monkeypatch.setattr(warm, "_STUCK_AFTER_S", 1.0)
    keep_warm(config)
    fresh = warm_node._warm
    assert fresh is not None and fresh is not stuck and fresh.running() and not stuck.running()
    keep_warm(config)
    assert warm_node._warm is fresh  # one that answers is kept
