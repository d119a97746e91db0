"""Fixtures for the store side: `responses` for recorded traffic, a running fake store, a ledger on real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from redis import Redis

from tests.fake_store import FakeStore
from tests.wp_bridge.recordings import no_sleep
from wp_bridge import AttachmentLedger, RetryPolicy, StoreClients


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    """Every HTTP request must be answered by a registered recording, and every recording used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore() as fake:
        yield fake


@pytest.fixture
def store_clients(store: FakeStore) -> Iterator[StoreClients]:
    clients = StoreClients.from_config(store.store_config(), retry=RetryPolicy(sleep=no_sleep))
    yield clients
    clients.close()


@pytest.fixture
def ledger(redis_conn: Redis) -> AttachmentLedger:
    return AttachmentLedger(redis_conn)
