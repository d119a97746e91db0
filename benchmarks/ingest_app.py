"""The deployed app plus one route that only reads a delivery's body and answers, for benchmarks/ingest.py.

Taking a 20 KB POST costs a Python server more than a GET (the body crosses the socket and
gunicorn's reader, the answer is built the same way); this route measures that floor on the same
server, so the receiver's own work can be told apart from the price of its input.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from woo3d.wsgi import build_app

BODY_ONLY_PATH = "/benchmark/body-only"


def _body_only() -> Any:
    return {"status": "read", "bytes": len(request.get_data(cache=False))}, 202


def __getattr__(name: str) -> Flask:
    # `benchmarks.ingest_app:app` for gunicorn; built on access, as woo3d.wsgi's, so importing has no side effects.
    if name == "app":
        app = build_app()
        app.add_url_rule(BODY_ONLY_PATH, view_func=_body_only, methods=["POST"])
        return app
    raise AttributeError(name)
