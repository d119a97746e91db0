"""A local Tripo3D speaking the V3 OpenAPI strictly, with scripted statuses, faults and signed webhooks.

It refuses (400, code 1004) what V3 refuses, so a wrong request fails the test that sends it. The
shapes, the rules and where each came from are in README.md beside this file.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.pipeline.servers.base import LocalServer, Received, Reply
from tests.pipeline.servers.meshes import textured_box_glb

API_KEY = "tsk_test_key"
PREFIX = "/v3"
STATUSES = ("queued", "running", "success", "failed", "cancelled")  # V3 has no banned, expired or unknown
VIEWS = ("front", "left", "back", "right")
CONVERT_FORMATS = {"GLTF", "USDZ", "FBX", "OBJ", "STL", "3MF"}
UPLOAD_TYPES = {"image/png", "image/jpeg", "image/webp"}
P1_REFUSED = {"quad", "smart_low_poly", "generate_parts", "geometry_quality"}
# model: (fewest faces, most faces, options refused even as false)
MODELS: dict[str, tuple[int, int, set[str]]] = {
    "v3.1-20260211": (1, 1_500_000, set()),
    "v3.0-20250812": (1, 1_000_000, set()),
    "v2.5-20250123": (1, 500_000, set()),
    "P1-20260311": (48, 20_000, P1_REFUSED),
    "P2-20260801": (48, 50_000, P1_REFUSED - {"quad"}),
}
ERROR_MESSAGES = {
    2008: "The input violates our content policy.",
    2018: "The task expired before it could run.",
    1000: "Generation failed.",
}
ROUTES = {
    "/files": "POST",
    "/generation/text-to-model": "POST",
    "/generation/image-to-model": "POST",
    "/generation/multiview-to-model": "POST",
    "/models/convert": "POST",
    "/account/balance": "GET",
}


class Refused(Exception):
    """A request V3 would refuse: the reply it would send."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad(message: str) -> Refused:
    return Refused(400, 1004, message)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header V3 sends: `t=<unix>,v1=<hex HMAC-SHA256 over "<t>.<body>", keyed by the secret>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Fault:
    """Answer the next `times` requests matching `method path_pattern` with this reply instead."""

    method: str
    path_pattern: str
    reply: Reply
    times: int = 1


@dataclass
class FakeTripo:
    statuses: tuple[str, ...] = ("queued", "running", "success")
    error_code: int | None = None  # a task ending `failed` carries this `error_code` (2008, 2018, …)
    model: bytes = field(default_factory=textured_box_glb)
    balance: float = 250.0
    frozen: float = 20.0
    api_key: str = API_KEY

    def __post_init__(self) -> None:
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise ValueError(f"V3 never reports {unknown}: a failure is `failed` with an error_code")
        self.server = LocalServer(self.handle)
        self.faults: deque[Fault] = deque()
        self.tasks: dict[str, dict[str, object]] = {}
        self.polls: dict[str, int] = {}
        self.file_tokens: set[str] = set()
        self.refusals: list[tuple[str, int, str]] = []  # (path, code, message) of every request refused
        self.lock = threading.Lock()
        self.trace = itertools.count(1)

    # -- test-facing -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.server.url + PREFIX

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
        return self.requests("POST", r"^/v3/(generation/|models/convert)")

    def add_task(self, kind: str = "text_to_model", body: object = None) -> str:
        """A task as if created by a request (e.g. one a previous worker created)."""
        task_id = str(uuid.uuid4())
        with self.lock:
            self.tasks[task_id] = {"type": kind, "body": body, "created_at": time.time()}
            self.polls[task_id] = 0
        return task_id

    def webhook(self, event_type: str, data: dict[str, object], secret: str, *, signed_at: int | None = None,
                delivery_id: str | None = None) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery as V3 posts it: the `{id, type, created_at, data}` body and its headers."""
        body = json.dumps({"id": f"evt_{uuid.uuid4().hex[:12]}", "type": event_type, "created_at": _iso(time.time()),
                           "data": data}).encode()
        headers = {
            "Content-Type": "application/json",
            "Tripo-Webhook-Id": "we_local",
            "Tripo-Webhook-Delivery": delivery_id or f"dlv_{uuid.uuid4().hex[:12]}",
            "Tripo-Webhook-Event": event_type,
            "Tripo-Webhook-Signature": sign(secret, int(time.time()) if signed_at is None else signed_at, body),
        }
        return body, headers

    def task_event(self, task_id: str, secret: str, **kwargs: object) -> tuple[bytes, dict[str, str]]:
        """task.completed or task.failed for a task at its final status, with the task detail as `data`."""
        detail = self._detail(task_id, self.statuses[-1])
        event = "task.completed" if detail["status"] == "success" else "task.failed"
        return self.webhook(event, detail, secret, **kwargs)  # type: ignore[arg-type]

    # -- protocol ----------------------------------------------------------------------------------

    def handle(self, request: Received) -> Reply:
        try:
            reply = self._route(request)
        except Refused as refused:
            self.refusals.append((request.path, refused.code, refused.message))
            reply = self._error(refused.status, refused.code, refused.message)
        reply.headers.setdefault("X-Tripo-Trace-ID", f"trace-{next(self.trace)}")
        return reply

    def _error(self, status: int, code: int, message: str) -> Reply:
        return Reply.json({"code": code, "status": "error", "message": message, "suggestion": "",
                           "request_id": f"req-{uuid.uuid4().hex[:12]}"}, status)

    @staticmethod
    def _ok(data: dict[str, object]) -> Reply:
        return Reply.json({"code": 0, "status": "success", "data": data})

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
            raise Refused(401, 2, "Invalid API key")  # V2 said 1002; V3 says 2
        path = request.path.split("?")[0]
        if not path.startswith(PREFIX + "/"):
            raise Refused(404, 4001, "route not found")
        path = path[len(PREFIX):]
        if path.startswith("/tasks/") and path.count("/") == 2:
            if request.method != "GET":
                raise Refused(405, 1003, "method not allowed")
            return self._task(path.removeprefix("/tasks/"))
        if path not in ROUTES:
            raise Refused(404, 4001, "route not found")
        if request.method != ROUTES[path]:
            raise Refused(405, 1003, "method not allowed")
        if path == "/files":
            return self._upload(request)
        if path == "/account/balance":
            return self._ok({"balance": self.balance, "frozen": self.frozen})
        body = self._json(request)
        if path == "/models/convert":
            return self._convert(body)
        kind = path.removeprefix("/generation/")
        self._options(body)
        if kind == "text-to-model":
            self._prompt(body)
        elif kind == "image-to-model":
            self._single_input(body)
        else:
            self._views(body)
        return self._create(kind.replace("-", "_"), body)

    # -- request checks ----------------------------------------------------------------------------

    @staticmethod
    def _json(request: Received) -> dict[str, object]:
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            raise Refused(415, 1003, "Content-Type must be application/json")
        try:
            body = request.json()
        except ValueError:
            raise Refused(400, 1003, "malformed JSON body") from None
        if not isinstance(body, dict):
            raise Refused(400, 1003, "the body must be a JSON object")
        return body

    def _upload(self, request: Received) -> Reply:
        if not request.headers.get("Content-Type", "").startswith("multipart/form-data"):
            raise Refused(415, 1003, "uploads are multipart/form-data")
        part = re.search(rb'name="file"; filename="[^"]+"\r\nContent-Type: ([\w/.+-]+)', request.body)
        if part is None:
            raise bad("a multipart field `file` with a file name is required")
        if part.group(1).decode() not in UPLOAD_TYPES:
            raise Refused(400, 2004, f"unsupported file type {part.group(1).decode()}")
        token = f"file_{uuid.uuid4()}"
        self.file_tokens.add(token)
        return self._ok({"file_token": token})

    @staticmethod
    def _options(body: dict[str, object]) -> None:
        model = body.get("model", body.get("model_version"))
        if not isinstance(model, str) or not model:
            raise bad("model is required")
        if model not in MODELS:
            raise bad(f"model {model!r} is not supported")
        fewest, most, refused = MODELS[model]
        if refused & set(body):
            raise bad(f"{', '.join(sorted(refused & set(body)))} not supported by {model}")
        for name in ("texture", "pbr"):
            if name in body and not isinstance(body[name], bool):
                raise bad(f"{name} must be a boolean")
        faces = body.get("face_limit")
        if faces is not None and (not isinstance(faces, int) or isinstance(faces, bool) or not fewest <= faces <= most):
            raise bad(f"face_limit must be an integer from {fewest} to {most} for {model}")

    @staticmethod
    def _prompt(body: dict[str, object]) -> None:
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not 1 <= len(prompt) <= 1024:
            raise bad("prompt is required (1 to 1024 characters)")
        negative = body.get("negative_prompt")
        if negative is not None and (not isinstance(negative, str) or len(negative) > 255):
            raise bad("negative_prompt is at most 255 characters")

    def _reference(self, value: object) -> None:
        """One image reference in `input`/`inputs` form: a file token, an http(s) URL or a task id."""
        if not isinstance(value, str) or not value:
            raise bad("an input must be a non-empty string")
        if value.startswith("data:"):
            raise bad("base64 data inputs are not accepted; upload the file first")
        if value.startswith("file_"):
            if value not in self.file_tokens:
                raise bad("invalid or expired file token")
            return
        if value.startswith(("http://", "https://")):
            return
        if value not in self.tasks:
            raise bad(f"input {value!r} is neither a file token, a URL nor a task id")

    def _file_object(self, value: object) -> None:
        """One image reference in the V2-compatible `{type, file_token | url | object}` form."""
        if not isinstance(value, dict):
            raise bad("a file must be an object")
        if "file_token" in value:
            self._reference(value["file_token"])
        elif "url" not in value and "object" not in value:
            raise bad("file must specify url, object, or file_token")

    def _single_input(self, body: dict[str, object]) -> None:
        if ("input" in body) == ("file" in body):
            raise bad("exactly one of input or file is required")
        if "input" in body:
            self._reference(body["input"])
        else:
            self._file_object(body["file"])

    def _views(self, body: dict[str, object]) -> None:
        given: list[str] = []
        if ("inputs" in body) == ("files" in body):
            raise bad("exactly one of inputs or files is required")
        if "inputs" in body:
            inputs = body["inputs"]
            if not isinstance(inputs, list):
                raise bad("inputs must be a list")
            for entry in inputs:
                if not isinstance(entry, dict) or len(entry) != 1:
                    raise bad('each input is one {"<view>": "<file_token | url>"} object')
                ((view, value),) = entry.items()
                if view not in VIEWS or view in given:
                    raise bad(f"view {view!r} is not one of {', '.join(VIEWS)} or is given twice")
                self._reference(value)
                given.append(view)
        else:
            files = body["files"]
            if not isinstance(files, list) or len(files) != 4:
                raise bad("files must hold exactly four slots: front, left, back, right")
            for view, slot in zip(VIEWS, files):
                if slot:
                    self._file_object(slot)
                    given.append(view)
        if "front" not in given:
            raise bad("the front view cannot be omitted")
        if len(given) < 2:
            raise bad("at least 2 images are required")

    def _convert(self, body: dict[str, object]) -> Reply:
        task_id = body.get("input", body.get("original_model_task_id"))
        if not isinstance(task_id, str) or task_id not in self.tasks:
            raise bad("input must name a finished task")
        fmt = body.get("format")
        if not isinstance(fmt, str) or fmt.upper() not in CONVERT_FORMATS:
            raise bad(f"format must be one of {', '.join(sorted(CONVERT_FORMATS))}")
        return self._create("convert_model", body)

    # -- tasks -------------------------------------------------------------------------------------

    def _create(self, kind: str, body: object) -> Reply:
        task_id = self.add_task(kind, body)
        return self._ok({"task_id": task_id, "type": kind, "status": "queued"})

    def _detail(self, task_id: str, status: str) -> dict[str, object]:
        task = self.tasks[task_id]
        created = float(task["created_at"])  # type: ignore[arg-type]
        data: dict[str, object] = {"task_id": task_id, "type": task["type"], "status": status,
                                   "progress": {"queued": 0, "running": 50, "success": 100}.get(status, 0),
                                   "output": {}, "created_at": _iso(created)}
        if status in ("success", "failed", "cancelled"):
            data["completed_at"] = _iso(created + 30)
        if status == "success":
            data["output"] = {"model_url": f"{self.server.url}/models/{task_id}.glb",
                              "rendered_image_url": f"{self.server.url}/models/{task_id}.webp"}
        if status == "failed":
            code = self.error_code or 1000
            data["error_code"] = code
            data["error_message"] = ERROR_MESSAGES.get(code, "Generation failed.")
        return data

    def _task(self, task_id: str) -> Reply:
        with self.lock:
            if task_id not in self.tasks:
                raise Refused(404, 2001, "Task not found")
            polls = self.polls[task_id]
            self.polls[task_id] = polls + 1
        return self._ok(self._detail(task_id, self.statuses[min(polls, len(self.statuses) - 1)]))
