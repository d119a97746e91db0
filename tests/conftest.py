"""Shared fixtures: a real Redis server for the whole session, a flushed database per test, and one
Chromium for every browser test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from playwright.sync_api import Browser
from redis import Redis

from tests.redis_server import RedisServer
from tests.wp_bridge.plugin.wordpress import chromium

FIXTURES = Path(__file__).resolve().parent / "fixtures"
WOOCOMMERCE_FIXTURES = FIXTURES / "woocommerce"
PHOTOS = FIXTURES / "photos"


@pytest.fixture(autouse=True)
def default_logging() -> Iterator[None]:
    """CLI commands configure logging for their process; undo it so tests stay independent."""
    yield
    structlog.reset_defaults()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def session_chromium() -> Iterator[Browser]:
    """Launched at the first browser test and kept for the session: Playwright's sync API runs one
    instance at a time, so the plugin tier and the real-store tier share this one."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """A private, flushed database on the session's real Redis."""
    url = f"{redis_server.url}/1"
    connection = Redis.from_url(url)
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[Redis]:
    connection = Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture
def spare_redis() -> Iterator[RedisServer]:
    """A Redis of the test's own, for tests that stop and restart it."""
    server = RedisServer().start()
    yield server
    server.cleanup()
