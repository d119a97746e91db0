"""The Flask application factory: wires Redis, the queue, the delivery store and the routes once."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify
from redis import Redis
from werkzeug.exceptions import HTTPException

from webhooks.services import AppSettings, build_services


def create_app(settings: AppSettings, connection: Redis) -> Flask:
    """Build the receiver. Raises ConfigurationError when no webhook secret is set."""
    app = Flask("woo3d")
    app.extensions["woo3d"] = build_services(settings, connection)
    app.config["MAX_CONTENT_LENGTH"] = settings.receiver.max_body_bytes

    from webhooks.routes import admin, health, metrics, receiver

    app.register_blueprint(receiver.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(health.blueprint)
    app.register_blueprint(metrics.blueprint)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        return jsonify(error=error.description, status=error.code), error.code

    return app
