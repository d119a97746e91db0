"""A local HF Inference Endpoint whose handler answers GLB bytes, and 503 while it scales up."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.pipeline.servers.base import LocalServer, Received, Reply
from tests.pipeline.servers.meshes import holey_vertex_coloured_glb


@dataclass
class FakeEndpoint:
    model: bytes = field(default_factory=holey_vertex_coloured_glb)
    token: str = "hf_test_token"
    starting_replies: int = 0  # 503 answers while "scaled to zero"

    def __post_init__(self) -> None:
        self.server = LocalServer(self.handle)

    @property
    def url(self) -> str:
        return self.server.url + "/"

    def __enter__(self) -> FakeEndpoint:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def handle(self, request: Received) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Reply.json({"error": "Authorization header is correct, but the token seems invalid"}, 401)
        if self.starting_replies > 0:
            self.starting_replies -= 1
            return Reply.json({"error": "503 Service Unavailable", "estimated_time": 20.0}, 503)
        body = request.json()
        assert isinstance(body, dict) and set(body) == {"inputs", "parameters"}, body
        return Reply(200, self.model, {"Content-Type": "model/gltf-binary"})
