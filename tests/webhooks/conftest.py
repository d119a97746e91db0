"""The receiver under test: a real Flask app on a real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from pipeline.config import PipelineConfig
from pipeline.jobs.outbox import Forwarder
from tests.recorded import RIG_SECRET, Headers
from webhooks import ReceiverConfig, create_app
from woo3d.settings import Settings
from wp_bridge.config import StoreConfig

ADMIN_TOKEN = "test-admin-token"


def make_settings(**receiver: Any) -> Settings:
    options: dict[str, Any] = {"webhook_secret": RIG_SECRET, "admin_token": ADMIN_TOKEN, **receiver}
    return Settings(receiver=ReceiverConfig(**options), pipeline=PipelineConfig(), store=StoreConfig())


@pytest.fixture
def app(redis_conn: Redis) -> Flask:
    return create_app(make_settings(), redis_conn)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def queue(redis_conn: Redis) -> Queue:
    return Queue("woo3d", connection=redis_conn)


def forwarded(queue: Queue) -> Queue:
    """The queue once the outbox is forwarded, as a worker's forwarder does: accepted deliveries' jobs in it."""
    Forwarder(queue.connection, queue).drain()
    return queue


def post_delivery(client: FlaskClient, headers: Headers, body: bytes) -> Any:
    skip = {"host", "content-length", "connection"}
    return client.post(
        "/webhooks/woocommerce", data=body, headers=[(k, v) for k, v in headers if k.lower() not in skip]
    )


def admin_headers(token: str = ADMIN_TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
