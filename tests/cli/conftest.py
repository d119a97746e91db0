"""Fixtures for the commands: a running fake store and the environment `woo3d` needs to reach it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.store_env import store_env
from tests.fake_store import FakeStore


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore() as fake:
        yield fake


@pytest.fixture
def env(store: FakeStore, redis_url: str, tmp_path: Path) -> dict[str, str]:
    return store_env(store, redis_url, tmp_path)
