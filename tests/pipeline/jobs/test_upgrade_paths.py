"""Jobs queued by an older version (before pipeline/ had subpackages) still run after an upgrade."""

from __future__ import annotations

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from rq.utils import import_attribute

from pipeline.jobs import sweep
from pipeline.jobs.product_job import JobContext, configure
from tests.pipeline.jobs.support import mug_product, small_pipeline
from tests.fake_store import FakeStore
from wp_bridge import StoreConfig

# The dotted paths RQ stored for each job function before the move → where the function lives now.
OLD_PATHS = {
    "pipeline.jobs.generate_product_model": "pipeline.jobs.product_job.generate_product_model",
    "pipeline.adhoc.generate_adhoc": "pipeline.jobs.adhoc.generate_adhoc",
    "pipeline.sweep.run_sweep": "pipeline.jobs.sweep.run_sweep",
}


@pytest.mark.parametrize("old, new", OLD_PATHS.items())
def test_an_old_dotted_path_names_the_same_function(redis_conn: Redis, old: str, new: str) -> None:
    job = Job.create(old, connection=redis_conn)
    assert job.func is import_attribute(new)


def test_a_product_job_queued_under_its_old_path_runs_to_a_model(redis_conn: Redis, tmp_path) -> None:
    with FakeStore() as store:
        configure(JobContext(redis_conn, small_pipeline(tmp_path), store.store_config()))
        product_id = mug_product(store)
        queue = Queue("woo3d", connection=redis_conn)
        job = queue.enqueue("pipeline.jobs.generate_product_model", product_id, None)
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
        assert job.get_status(refresh=True) is JobStatus.FINISHED
        assert len(store.meta_rows(product_id, "_woo3d_model")) == 1


def test_a_sweep_queued_under_its_old_path_runs(redis_conn: Redis, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(JobContext(redis_conn, small_pipeline(tmp_path), StoreConfig()))
    monkeypatch.setattr(sweep, "_config", sweep.SweepConfig(minutes=10, queue_name="woo3d", enabled_product_types=()))
    redis_conn.set(sweep.LOCK_KEY, "another sweep")  # the run stops after scheduling: no store needed
    queue = Queue("woo3d", connection=redis_conn)
    job = queue.enqueue("pipeline.sweep.run_sweep")
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert job.get_status(refresh=True) is JobStatus.FINISHED
    assert job.return_value() == {"skipped": "the previous sweep is still running"}
