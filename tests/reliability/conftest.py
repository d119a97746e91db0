"""Fixtures of the reliability suite: a store that delivers webhooks to a live receiver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis

from tests.fake_store import FakeStore
from tests.reliability.rig import Receiver, serve_receiver, subscribe


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore(deliver_webhooks=True) as fake:
        yield fake


@pytest.fixture
def receiver(redis_conn: Redis, store: FakeStore, tmp_path: Path) -> Iterator[Receiver]:
    with serve_receiver(redis_conn, store.store_config(), tmp_path) as served:
        subscribe(store, served)
        yield served
