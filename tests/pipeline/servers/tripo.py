"""A local Tripo3D speaking the v3 OpenAPI (default) or the v2 one, with scripted statuses and faults.

The request and response shapes are those recorded in README.md beside this file.
"""

from __future__ import annotations

import itertools
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field

from tests.pipeline.servers.base import LocalServer, Received, Reply
from tests.pipeline.servers.meshes import textured_box_glb

API_KEY = "tsk_test_key"


@dataclass
class Fault:
    """Answer the next `times` requests matching `method path_pattern` with this reply instead."""

    method: str
    path_pattern: str
    reply: Reply
    times: int = 1


@dataclass
class FakeTripo:
    version: str = "v3"
    statuses: tuple[str, ...] = ("queued", "running", "success")
    model: bytes = field(default_factory=textured_box_glb)
    balance: float = 250.0
    frozen: float = 20.0
    api_key: str = API_KEY

    def __post_init__(self) -> None:
        self.server = LocalServer(self.handle)
        self.faults: deque[Fault] = deque()
        self.tasks: dict[str, dict[str, object]] = {}
        self.polls: dict[str, int] = {}
        self.lock = threading.Lock()
        self.trace = itertools.count(1)

    # -- test-facing -------------------------------------------------------------------------------

    @property
    def prefix(self) -> str:
        return "/v3" if self.version == "v3" else "/v2/openapi"

    @property
    def base_url(self) -> str:
        return self.server.url + self.prefix

    def __enter__(self) -> FakeTripo:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    def fail(self, method: str, path_pattern: str, reply: Reply, times: int = 1) -> None:
        self.faults.append(Fault(method, path_pattern, reply, times))

    def requests(self, method: str | None = None, path_pattern: str = "") -> list[Received]:
        return [r for r in self.server.received
                if (method is None or r.method == method) and re.search(path_pattern, r.path)]

    @property
    def creates(self) -> list[Received]:
        pattern = r"/generation/|/models/convert" if self.version == "v3" else r"/task$"
        return [r for r in self.requests("POST", pattern)]

    # -- protocol ----------------------------------------------------------------------------------

    def handle(self, request: Received) -> Reply:
        reply = self._route(request)
        reply.headers.setdefault("X-Tripo-Trace-ID", f"trace-{next(self.trace)}")
        return reply

    def _route(self, request: Received) -> Reply:
        for fault in list(self.faults):
            if fault.method == request.method and re.search(fault.path_pattern, request.path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault.reply
        if request.path.startswith("/models/"):
            return Reply(200, self.model, {"Content-Type": "model/gltf-binary"})  # pre-signed: no key needed
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return Reply.json({"code": 1002, "message": "Authentication failed"}, 401)
        if not request.path.startswith(self.prefix):
            return Reply.json({"code": 2002, "message": "not found"}, 404)
        path = request.path[len(self.prefix):]
        if self.version == "v3":
            return self._v3(request, path)
        return self._v2(request, path)

    def _v3(self, request: Received, path: str) -> Reply:
        if request.method == "POST" and path == "/files":
            return self._upload(request, "file_token")
        if request.method == "POST" and path.startswith("/generation/"):
            body = request.json()
            assert isinstance(body, dict) and "type" not in body and body.get("model"), body
            return self._create(path.removeprefix("/generation/").replace("-", "_"), body)
        if request.method == "POST" and path == "/models/convert":
            return self._create("convert_model", request.json())
        if request.method == "GET" and path.startswith("/tasks/"):
            return self._task(path.removeprefix("/tasks/"), "model_url")
        if request.method == "GET" and path == "/account/balance":
            return Reply.json({"code": 0, "data": {"balance": self.balance, "frozen": self.frozen}})
        return Reply.json({"code": 2002, "message": "not found"}, 404)

    def _v2(self, request: Received, path: str) -> Reply:
        if request.method == "POST" and path == "/upload":
            return self._upload(request, "image_token")
        if request.method == "POST" and path == "/task":
            body = request.json()
            assert isinstance(body, dict) and body.get("type"), body
            return self._create(str(body["type"]), body)
        if request.method == "GET" and path.startswith("/task/"):
            return self._task(path.removeprefix("/task/"), "pbr_model")
        if request.method == "GET" and path == "/user/balance":
            return Reply.json({"code": 0, "data": {"balance": self.balance, "frozen": self.frozen}})
        return Reply.json({"code": 2002, "message": "not found"}, 404)

    def _upload(self, request: Received, token_name: str) -> Reply:
        content_type = request.headers.get("Content-Type", "")
        assert content_type.startswith("multipart/form-data"), content_type
        assert b'name="file"' in request.body
        return Reply.json({"code": 0, "data": {token_name: f"tok-{uuid.uuid4().hex[:8]}"}})

    def add_task(self, kind: str = "text_to_model", body: object = None) -> str:
        """A task as if created by a request (e.g. one a previous worker created)."""
        task_id = str(uuid.uuid4())
        with self.lock:
            self.tasks[task_id] = {"type": kind, "body": body}
            self.polls[task_id] = 0
        return task_id

    def _create(self, kind: str, body: object) -> Reply:
        return Reply.json({"code": 0, "data": {"task_id": self.add_task(kind, body)}})

    def _task(self, task_id: str, url_name: str) -> Reply:
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                return Reply.json({"code": 2001, "message": "Task not found"}, 404)
            polls = self.polls[task_id]
            self.polls[task_id] = polls + 1
        status = self.statuses[min(polls, len(self.statuses) - 1)]
        data: dict[str, object] = {"task_id": task_id, "type": task["type"], "status": status,
                                   "progress": {"queued": 0, "running": 50, "success": 100}.get(status, 0),
                                   "output": {}, "create_time": 1_763_000_000}
        if status == "success":
            data["output"] = {url_name: f"{self.server.url}/models/{task_id}.glb",
                              "rendered_image": f"{self.server.url}/models/{task_id}.webp"}
        if status in ("failed", "banned", "expired"):
            data["error_message"] = "generation failed on the provider"
        return Reply.json({"code": 0, "data": data})
