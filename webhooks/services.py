"""What the views use, built once per app (and by the CLI): Redis, the queue, the delivery store, the intake."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from redis import Redis
from rq import Queue

from pipeline.config import PipelineConfig
from pipeline.jobs.snapshots import ProductSnapshots
from pipeline.jobs.status import StatusBoard
from webhooks.config import ReceiverConfig
from webhooks.deliveries import DeliveryStore
from webhooks.intake import Intake
from webhooks.unverified import UnverifiedLog
from wp_bridge.config import StoreConfig


class ConfigurationError(ValueError):
    """The receiver cannot start with these settings."""


class AppSettings(Protocol):
    receiver: ReceiverConfig
    pipeline: PipelineConfig
    store: StoreConfig


@dataclass(frozen=True)
class Services:
    """Everything the views use, built once per app."""

    settings: AppSettings
    connection: Redis
    queue: Queue
    store: DeliveryStore
    unverified: UnverifiedLog
    board: StatusBoard
    intake: Intake


def services() -> Services:
    return current_app.extensions["woo3d"]


def build_services(settings: AppSettings, connection: Redis) -> Services:
    """The receiver's parts, for the app and for the CLI. Raises ConfigurationError without a secret."""
    config = settings.receiver
    if not config.webhook_secret:
        raise ConfigurationError(
            "WC_WEBHOOK_SECRET is not set: the receiver cannot verify WooCommerce deliveries "
            "(use the secret given to the webhook in WooCommerce → Settings → Advanced → Webhooks)"
        )
    queue = Queue(config.queue_name, connection=connection)
    store = DeliveryStore(
        connection, retention_count=config.delivery_retention_count, retention_days=config.delivery_retention_days
    )
    unverified = UnverifiedLog(
        connection, size=config.unverified_log_size, per_minute=config.unverified_log_per_minute,
        retention_days=config.delivery_retention_days,
    )
    board = StatusBoard(connection)
    intake = Intake(config, store, unverified, board, ProductSnapshots(connection))
    return Services(settings, connection, queue, store, unverified, board, intake)
