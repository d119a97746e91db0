"""The WSGI entry point for gunicorn (`woo3d.wsgi:app`), built from the environment once."""

from __future__ import annotations

from flask import Flask

from webhooks import create_app
from woo3d.logs import configure_logging
from woo3d.redis_connection import connect
from woo3d.settings import Settings


def build_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_format)
    return create_app(settings, connect(settings))


def __getattr__(name: str) -> Flask:
    # `woo3d.wsgi:app` is built on first access, so importing this module has no side effects.
    if name == "app":
        return build_app()
    raise AttributeError(name)
