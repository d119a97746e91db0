"""What every command needs: the settings and Redis, with start-up errors shown as one clean message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from redis import Redis

from webhooks import ConfigurationError, Services, build_services
from woo3d.logs import configure_logging
from woo3d.redis_connection import connect
from woo3d.settings import Settings, SettingsError
from wp_bridge import StoreClients, StoreError


def load_settings() -> Settings:
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    configure_logging(settings.log_format)
    return settings


def load_services(settings: Settings | None = None) -> Services:
    settings = settings or load_settings()
    try:
        return build_services(settings, connect_redis(settings))
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from error


def connect_redis(settings: Settings) -> Redis:
    connection = connect(settings)
    try:
        connection.ping()
    except Exception as error:
        raise click.ClickException(f"cannot reach Redis at {settings.redis_url or 'the embedded server'}: {error}") from error
    return connection


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


@contextmanager
def store_clients(settings: Settings) -> Iterator[StoreClients]:
    """The store's clients, closed afterwards; a clear error when no store is configured."""
    if not settings.store.configured:
        raise click.ClickException("this command needs a store: set WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET")
    clients = StoreClients.from_config(settings.store)
    try:
        yield clients
    except StoreError as error:
        raise click.ClickException(f"the store refused: {error}") from error
    finally:
        clients.close()
