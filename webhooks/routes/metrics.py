"""`GET /metrics` for Prometheus: open on a private network, or behind `WOO3D_METRICS_TOKEN` when set.

A separate token from the admin one: the scraper should not hold a token that can start paid generations.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, jsonify, request

from pipeline import metrics
from webhooks.services import services

blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
def prometheus_metrics() -> Any:
    """Prometheus text: every web and job process of this machine, and the Redis-backed gauges."""
    app = services()
    expected = app.settings.receiver.metrics_token
    if expected:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
            return jsonify(error="missing or wrong metrics token (Authorization: Bearer $WOO3D_METRICS_TOKEN)"), 401
    return Response(metrics.render(app.connection), mimetype=metrics.CONTENT_TYPE)
