"""`POST /webhooks/woocommerce`: the front door WooCommerce delivers to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from webhooks.services import services

blueprint = Blueprint("receiver", __name__)


@blueprint.post("/webhooks/woocommerce")
def woocommerce_delivery() -> Any:
    """A WooCommerce product webhook, verified by `X-WC-Webhook-Signature` over the raw body: stored, then
    queued (202), skipped (200) or refused (401, 400, 413; 503 when it could not be stored)."""
    body = request.get_data(cache=False)  # raw bytes: the signature covers exactly these
    headers = tuple((name, value) for name, value in request.headers.items())
    outcome = services().intake.receive(headers, body)
    return jsonify(outcome.body), outcome.http_status


@blueprint.post("/webhooks/tripo")
def tripo_task_update() -> Any:
    """Tripo3D's signed V3 webhook: a final task status lets the polling worker finish at once; balance.low
    is noted for `woo3d doctor`; other events are acknowledged (2xx) so Tripo does not retry them."""
    from redis.exceptions import RedisError

    from pipeline.generators.tripo import TripoWebhookError, record_tripo_webhook, verify_tripo_webhook

    app = services()
    try:
        event = verify_tripo_webhook(request.get_data(cache=False), request.headers,
                                     app.settings.pipeline.tripo_webhook_secret or "")
        outcome = record_tripo_webhook(app.connection, event)
    except TripoWebhookError as error:
        return jsonify(error=str(error)), error.status
    except RedisError:
        return jsonify(error="storage unavailable, please retry"), 503
    return jsonify(outcome.as_dict())
