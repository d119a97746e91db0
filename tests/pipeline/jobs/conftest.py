"""Fixtures of the job tests: a fake WooCommerce store and a job context wired to it and to Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from pipeline.jobs.product_job import JobContext, configure
from tests.fake_store import FakeStore
from tests.pipeline.jobs.support import small_pipeline
from wp_bridge import StoreClients


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore() as fake:
        yield fake


@pytest.fixture
def clients(store: FakeStore) -> Iterator[StoreClients]:
    made = StoreClients.from_config(store.store_config())
    yield made
    made.close()


@pytest.fixture
def context(redis_conn: Redis, store: FakeStore, tmp_path: Path) -> JobContext:
    job_context = JobContext(redis_conn, small_pipeline(tmp_path), store.store_config())
    configure(job_context)
    return job_context
