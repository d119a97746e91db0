"""A job stuck in one stage is ended by its watchdog, which first says which stage it was."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from redis import Redis

from pipeline.jobs.status import JobState, StatusBoard
from tests.fake_store import FakeStore
from tests.pipeline.jobs.support import mug_product

ROOT = Path(__file__).resolve().parents[3]
SPIN = 're.match(r"(a+)+$", "a" * 64 + "b")  # native code holding the GIL, for longer than anyone waits'


def run_script(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_a_stage_stuck_in_native_code_is_named_then_its_process_is_killed(tmp_path: Path) -> None:
    said = tmp_path / "said.txt"
    done = run_script(f"""
        import re, sys
        from pipeline.jobs.watchdog import StageWatchdog

        def stuck(stage, seconds):
            open(sys.argv[1], "w").write(stage)

        with StageWatchdog(1.0, stuck, poll_s=0.2) as watchdog:
            watchdog.stage("rendering poster")
            {SPIN}
    """, str(said))
    assert done.returncode == -9, done.stderr
    assert said.read_text() == "rendering poster"


def test_a_job_that_keeps_moving_is_left_alone(tmp_path: Path) -> None:
    done = run_script("""
        import multiprocessing, time
        from pipeline.jobs.watchdog import StageWatchdog

        with StageWatchdog(1.0, lambda stage, seconds: print("stuck", stage), poll_s=0.2) as watchdog:
            for step in range(6):
                watchdog.stage(f"step {step}")
                time.sleep(0.5)
        print("children", len(multiprocessing.active_children()))
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["children", "0"]


def test_a_product_job_stuck_while_generating_fails_visibly_with_the_stage(
    redis_url: str, redis_conn: Redis, tmp_path: Path
) -> None:
    with FakeStore() as store:
        product_id = mug_product(store)
        config = store.store_config()
        done = run_script(f"""
            import json, re, sys
            from pathlib import Path
            from redis import Redis
            from pipeline.config import PipelineConfig
            from pipeline.jobs import product_job
            from wp_bridge import StoreConfig

            def spinning_generation(context, product, out_dir, progress):
                progress("generating", 0.1)
                {SPIN}

            product_job.run_generation = spinning_generation
            store = StoreConfig(**json.loads(sys.argv[1]))
            pipeline = PipelineConfig(output_dir=Path(sys.argv[3]), stage_time_limit_s=2)
            product_job.configure(product_job.JobContext(Redis.from_url(sys.argv[2]), pipeline, store))
            product_job.generate_product_model({product_id}, None)
        """, json.dumps({k: getattr(config, k) for k in ("url", "consumer_key", "consumer_secret", "wp_username",
                                                        "wp_application_password")}), redis_url, str(tmp_path))
        assert done.returncode == -9, done.stderr
        status = StatusBoard(redis_conn).for_job(f"inline-{product_id}")
        assert status.state is JobState.FAILED
        assert status.stage == "generating" and "the stage 'generating' ran for" in (status.reason or "")
        assert store.meta_rows(product_id, "_woo3d_model") == []
