"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from redis.exceptions import RedisError

from pipeline.metrics import outbox_state
from webhooks.services import services

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz() -> Any:
    """The process is up (asks nothing of Redis)."""
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz() -> Any:
    """Ready when Redis answers; `outbox` shows accepted jobs no worker has enqueued yet (a stuck forwarder
    shows as a depth that keeps growing and an age past a few seconds), without failing the probe."""
    try:
        depth, oldest_age_s = outbox_state(services().connection)
    except RedisError as error:
        return jsonify(status="unavailable", redis=str(error)), 503
    return jsonify(status="ok", redis="ok", outbox={"depth": depth, "oldest_age_s": round(oldest_age_s, 1)})
