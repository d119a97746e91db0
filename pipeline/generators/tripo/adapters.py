"""Tripo3D V3 on the wire: paths, request bodies and response parsing, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pipeline.config import TRIPO_V3_BASE

V3_BASE = TRIPO_V3_BASE
API_VERSION = "v3"

TaskStatus = Literal["queued", "running", "success", "failed", "cancelled"]
# V3's statuses; any other (V3 says `unknown` can leak out) is read as failed.
_ONGOING = frozenset({"queued", "running"})
_KNOWN = _ONGOING | {"success", "failed", "cancelled"}
ImageType = Literal["jpg", "png", "webp"]
View = Literal["front", "left", "back", "right"]
VIEWS: tuple[View, ...] = ("front", "left", "back", "right")


@dataclass(frozen=True)
class TripoTask:
    """A task as Tripo reports it; `model_url` is pre-signed and expires, so it is downloaded at once."""

    task_id: str
    status: str
    progress: int = 0
    model_url: str | None = None
    error: str = ""
    error_code: int | None = None
    raw_output_keys: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.status not in _ONGOING


@dataclass(frozen=True)
class TripoBalance:
    balance: float
    frozen: float = 0.0


@dataclass(frozen=True)
class Request:
    """One HTTP request to send (relative path; JSON body or none)."""

    method: Literal["GET", "POST"]
    path: str
    json: Mapping[str, object] | None = None
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationOptions:
    """Output-changing options, pinned in settings; they are part of the content-cache key.

    Only options every model version takes are sent: P1 refuses quad, smart_low_poly, generate_parts
    and geometry_quality even as `false`, so they are never part of a body.
    """

    model_version: str
    texture: bool = True
    pbr: bool = True
    face_limit: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"model_version": self.model_version, "texture": self.texture, "pbr": self.pbr,
                "face_limit": self.face_limit}

    def fields(self) -> dict[str, object]:
        fields: dict[str, object] = {"model": self.model_version, "texture": self.texture, "pbr": self.pbr}
        if self.face_limit:
            fields["face_limit"] = self.face_limit
        return fields


def _model_url(output: object) -> str | None:
    if not isinstance(output, Mapping):
        return None
    value = output.get("model_url")
    return value if isinstance(value, str) and value else None


def _error_code(value: object) -> int | None:
    if isinstance(value, int):
        return value
    return int(value) if isinstance(value, str) and value.isdigit() else None


def parse_task(data: Mapping[str, object]) -> TripoTask:
    """A task detail (`GET /tasks/{id}`, or a webhook's `data`) as a TripoTask."""
    output = data.get("output")
    progress = data.get("progress")
    status = str(data.get("status") or "").lower()
    return TripoTask(
        task_id=str(data.get("task_id") or ""),
        status=status if status in _KNOWN else "failed",
        progress=int(progress) if isinstance(progress, (int, float)) else 0,
        model_url=_model_url(output),
        error=str(data.get("error_message") or ""),
        error_code=_error_code(data.get("error_code")),
        raw_output_keys=tuple(sorted(output)) if isinstance(output, Mapping) else (),
    )


class V3Adapter:
    """`https://openapi.tripo3d.ai/v3`: `/files`, `/generation/*`, `/models/convert`, `/tasks/{id}`."""

    version = API_VERSION

    def upload_path(self) -> str:
        return "/files"

    def parse_upload(self, data: Mapping[str, object]) -> str:
        return str(data.get("file_token") or "")

    def text_to_model(self, prompt: str, negative_prompt: str, options: GenerationOptions) -> Request:
        body: dict[str, object] = {"prompt": prompt, **options.fields()}
        if negative_prompt:
            body["negative_prompt"] = negative_prompt
        return Request("POST", "/generation/text-to-model", body)

    def image_to_model(self, token: str, options: GenerationOptions) -> Request:
        """V3's own form: `input` holds the file token (or a URL, or a task id)."""
        return Request("POST", "/generation/image-to-model", {"input": token, **options.fields()})

    def multiview_to_model(self, tokens: Sequence[tuple[View, str]], options: GenerationOptions) -> Request:
        """V3's own form: `inputs`, one `{view: token}` object per view given (front first, at least two)."""
        inputs = [{view: token} for view, token in tokens]
        return Request("POST", "/generation/multiview-to-model", {"inputs": inputs, **options.fields()})

    def convert_model(self, task_id: str, fmt: str) -> Request:
        return Request("POST", "/models/convert", {"input": task_id, "format": fmt.upper()})

    def get_task(self, task_id: str) -> Request:
        return Request("GET", f"/tasks/{task_id}")

    def balance(self) -> Request:
        return Request("GET", "/account/balance")

    def parse_task(self, data: Mapping[str, object]) -> TripoTask:
        return parse_task(data)
