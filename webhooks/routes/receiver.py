"""`POST /webhooks/woocommerce`: the front door WooCommerce delivers to."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from webhooks.app import services

blueprint = Blueprint("receiver", __name__)


@blueprint.post("/webhooks/woocommerce")
def woocommerce_delivery() -> Any:
    body = request.get_data(cache=False)  # raw bytes: the signature covers exactly these
    headers = tuple((name, value) for name, value in request.headers.items())
    outcome = services().intake.receive(headers, body)
    return jsonify(outcome.body), outcome.http_status
