"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from redis.exceptions import RedisError

from webhooks.services import services

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Any:
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> Any:
    try:
        services().connection.ping()
    except RedisError as error:
        return jsonify(status="unavailable", redis=str(error)), 503
    return jsonify(status="ok", redis="ok")
