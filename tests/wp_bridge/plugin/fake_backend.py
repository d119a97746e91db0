"""A scripted stand-in for the woo3d backend's admin API, speaking its documented contract on loopback.

It records every request (so tests see the Authorization header WordPress sent) and answers
`GET /api/products/<id>/status` from a per-product script of states, one step per call (and
`GET /api/products/statuses?ids=…`, a step of each product listed). With a
paid generator (`charge`), a forced generate of a product that has a model is refused with the real
backend's 409 `needs_confirmation` until the body says `confirm_paid`, and nothing is queued.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "backend-admin-token"
_PRODUCT_ROUTE = re.compile(r"^/api/products/(\d+)/(generate|status)$")
_STATUSES_ROUTE = re.compile(r"^/api/products/statuses\?ids=(\d+(?:,\d+){0,99})$")


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    authorization: str
    body: Any


class FakeBackend:
    """`start()` then point the plugin at `url` with `TOKEN`; `script()` what the status route says."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[int, list[dict[str, Any]]] = {}
        self._waiting: set[int] = set()  # scripted products whose script starts at their next generate
        self._paid: tuple[str, Callable[[int], bool]] | None = None  # what a generation costs, who has a model
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeBackend:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripts.clear()
            self._waiting.clear()
            self._paid = None

    def charge(self, cost: str, has_model: Callable[[int], bool]) -> None:
        """Answer as a backend with a paid generator (`cost`, e.g. "costs a Tripo3D credit") that reads
        whether a product has a model from the store, as `has_model` does (asked per forced request)."""
        with self._lock:
            self._paid = (cost, has_model)

    def script(self, product_id: int, *states: dict[str, Any], after_generate: bool = False) -> None:
        """Status answers for a product, one per call; the last one repeats.

        With `after_generate`, the product answers `none` until the plugin asks to generate it.
        """
        with self._lock:
            self._scripts[product_id] = list(states)
            if after_generate:
                self._waiting.add(product_id)
            else:
                self._waiting.discard(product_id)

    def received(self, method: str, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def _status(self, product_id: int) -> dict[str, Any]:
        with self._lock:
            waiting = product_id in self._waiting
            steps = [{"state": "none"}] if waiting else self._scripts.get(product_id) or [{"state": "none"}]
            step = steps.pop(0) if len(steps) > 1 else steps[0]
        return {"product_id": product_id, "stage": None, "progress": None, "reason": None, "job_id": None,
                "model": None, "updated_at": None, **step}

    def _answer(self, method: str, path: str, authorization: str, body: Any) -> tuple[int, dict[str, Any]]:
        if path == "/healthz":
            return 200, {"status": "ok"}
        if authorization != f"Bearer {TOKEN}":
            return 401, {"error": "missing or wrong admin token (Authorization: Bearer …)"}
        if path.startswith("/api/products/statuses"):
            listed = _STATUSES_ROUTE.match(path)
            if listed is None or method != "GET":
                return 400, {"error": "ids must be 1 to 100 product ids, comma-separated"}
            ids = list(dict.fromkeys(int(i) for i in listed.group(1).split(",")))
            return 200, {"statuses": {str(i): self._status(i) for i in ids}}
        match = _PRODUCT_ROUTE.match(path)
        if match is None:
            return 404, {"error": "not found"}
        product_id, action = int(match.group(1)), match.group(2)
        if action == "generate" and method == "POST":
            refused = self._refusal(product_id, body)
            if refused is not None:
                return refused
            with self._lock:
                self._waiting.discard(product_id)
            return 202, {"status": "queued", "job_id": f"gen-{product_id}-0123456789ab", "product_id": product_id}
        if action == "status" and method == "GET":
            return 200, self._status(product_id)
        return 405, {"error": "method not allowed"}

    def _refusal(self, product_id: int, body: Any) -> tuple[int, dict[str, Any]] | None:
        """The real route's 400s for a bad body, and its 409 for an unconfirmed paid regeneration."""
        data = {} if body is None else body
        if not isinstance(data, dict):
            return 400, {"error": "the body must be a JSON object"}
        for flag in ("force", "confirm_paid"):
            if not isinstance(data.get(flag, False), bool):
                return 400, {"error": f"{flag} must be true or false"}
        with self._lock:
            paid = self._paid
        if paid is not None and data.get("force") and not data.get("confirm_paid") and paid[1](product_id):
            return 409, {"error": f"regenerating calls a paid generator: it {paid[0]}", "needs_confirmation": True}
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                authorization = self.headers.get("Authorization", "")
                with backend._lock:
                    backend.requests.append(Received(self.command, self.path, authorization, body))
                status, answer = backend._answer(self.command, self.path, authorization, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # noqa: N815 (the stdlib's names)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
