"""The deployed app plus two reference routes for benchmarks/ingest.py, on the same server.

Taking a 20 KB POST costs a Python server more than a GET (the body crosses the socket and
gunicorn's reader, the answer is built the same way): `BODY_ONLY_PATH` only reads the body and
answers, the floor of the input. `STORE_ONLY_PATH` also checks the signature and stores the body
with one Redis SET: the least that any receiver which never acknowledges a delivery before it is
stored can do, so the ceiling for every design of the real one.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from webhooks import signature
from webhooks.services import services
from woo3d.wsgi import build_app

BODY_ONLY_PATH = "/benchmark/body-only"
STORE_ONLY_PATH = "/benchmark/store-only"
STORED_TTL_S = 3600


def _body_only() -> Any:
    return {"status": "read", "bytes": len(request.get_data(cache=False))}, 202


def _store_only() -> Any:
    app = services()
    body = request.get_data(cache=False)
    if not signature.verify(app.intake.config.webhook_secret or "", body, request.headers.get("X-WC-Webhook-Signature")):
        return {"error": "signature does not match the body"}, 401
    app.connection.set(f"benchmark:stored:{request.headers.get('X-WC-Webhook-Delivery-ID')}", body, ex=STORED_TTL_S)
    return {"status": "stored", "bytes": len(body)}, 202


def __getattr__(name: str) -> Flask:
    # `benchmarks.ingest_app:app` for gunicorn; built on access, as woo3d.wsgi's, so importing has no side effects.
    if name == "app":
        app = build_app()
        app.add_url_rule(BODY_ONLY_PATH, view_func=_body_only, methods=["POST"])
        app.add_url_rule(STORE_ONLY_PATH, view_func=_store_only, methods=["POST"])
        return app
    raise AttributeError(name)
