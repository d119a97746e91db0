"""A local Shap-E Space speaking Gradio's HTTP API (upload, /gradio_api/call, event stream, file route)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from tests.pipeline.servers.base import LocalServer, Received, Reply
from tests.pipeline.servers.meshes import holey_vertex_coloured_glb


@dataclass
class FakeSpace:
    model: bytes = field(default_factory=holey_vertex_coloured_glb)
    apis: tuple[str, ...] = ("text-to-3d", "image-to-3d")
    errors_before_success: int = 0  # `event: error` answers before results come
    token: str | None = None
    file_url: str | None = None  # where the result says its file is (default: the Space's own file route)

    def __post_init__(self) -> None:
        self.server = LocalServer(self.handle)
        self.calls: list[tuple[str, list[object]]] = []
        self.uploads: list[str] = []

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> FakeSpace:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def handle(self, request: Received) -> Reply:
        if self.token and request.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply.json({"detail": "Invalid token"}, 401)
        path = request.path
        if request.method == "POST" and path == "/gradio_api/upload":
            assert b'name="files"' in request.body
            stored = f"/tmp/gradio/{uuid.uuid4().hex}/image.png"
            self.uploads.append(stored)
            return Reply.json([stored])
        if request.method == "POST" and path.startswith("/gradio_api/call/"):
            api = path.removeprefix("/gradio_api/call/")
            if api not in self.apis:
                return Reply.json({"detail": "Not Found"}, 404)
            data = request.json()["data"]  # type: ignore[index]
            self.calls.append((api, data))
            return Reply.json({"event_id": uuid.uuid4().hex})
        if request.method == "GET" and path.startswith("/gradio_api/call/"):
            if self.errors_before_success > 0:
                self.errors_before_success -= 1
                return self._events([("error", "null")])
            output = {"path": "/tmp/gradio/out/mesh.glb",
                      "url": self.file_url or f"{self.url}/gradio_api/file=/tmp/gradio/out/mesh.glb",
                      "orig_name": "mesh.glb", "mime_type": None, "is_stream": False,
                      "meta": {"_type": "gradio.FileData"}}
            return self._events([("heartbeat", "null"), ("generating", "null"), ("complete", json.dumps([output]))])
        if request.method == "GET" and path.startswith("/gradio_api/file="):
            return Reply(200, self.model, {"Content-Type": "model/gltf-binary"})
        return Reply.json({"detail": "Not Found"}, 404)

    @staticmethod
    def _events(events: list[tuple[str, str]]) -> Reply:
        chunks = [f"event: {name}\ndata: {data}\n\n".encode() for name, data in events]
        return Reply(200, headers={"Content-Type": "text/event-stream"}, chunks=chunks)
