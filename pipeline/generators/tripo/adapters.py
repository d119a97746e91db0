"""Tripo3D's two API generations as adapters: paths, request bodies and response parsing, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol
from urllib.parse import urlsplit

V3_BASE = "https://openapi.tripo3d.ai/v3"
V2_BASE = "https://api.tripo3d.ai/v2/openapi"

TaskStatus = Literal["queued", "running", "success", "failed", "banned", "expired", "cancelled", "unknown"]
FINAL_STATUSES: frozenset[str] = frozenset({"success", "failed", "banned", "expired", "cancelled", "unknown"})
ImageType = Literal["jpg", "png", "webp"]


@dataclass(frozen=True)
class TripoTask:
    """A task as Tripo reports it; `model_url` expires minutes after the answer."""

    task_id: str
    status: str
    progress: int = 0
    model_url: str | None = None
    error: str = ""
    raw_output_keys: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES


@dataclass(frozen=True)
class TripoBalance:
    balance: float
    frozen: float = 0.0


@dataclass(frozen=True)
class Request:
    """One HTTP request an adapter wants sent (relative path; JSON body or none)."""

    method: Literal["GET", "POST"]
    path: str
    json: Mapping[str, object] | None = None
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class GenerationOptions:
    """Output-changing options, pinned in settings; they are part of the content-cache key."""

    model_version: str
    texture: bool = True
    pbr: bool = True
    face_limit: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {"model_version": self.model_version, "texture": self.texture, "pbr": self.pbr,
                "face_limit": self.face_limit}


class TripoAdapter(Protocol):
    version: Literal["v2", "v3"]

    def upload_path(self) -> str: ...

    def parse_upload(self, data: Mapping[str, object]) -> str: ...

    def text_to_model(self, prompt: str, negative_prompt: str, options: GenerationOptions) -> Request: ...

    def image_to_model(self, token: str, image_type: ImageType, options: GenerationOptions) -> Request: ...

    def multiview_to_model(
        self, views: Sequence[tuple[str, ImageType] | None], options: GenerationOptions
    ) -> Request: ...

    def convert_model(self, task_id: str, fmt: str) -> Request: ...

    def get_task(self, task_id: str) -> Request: ...

    def balance(self) -> Request: ...

    def parse_task(self, data: Mapping[str, object]) -> TripoTask: ...


def adapter_for(api_base: str) -> TripoAdapter:
    """v2 when the base URL's path names v2 (`…/v2/openapi`), v3 otherwise (the default)."""
    segments = urlsplit(api_base).path.strip("/").split("/")
    return V2Adapter() if "v2" in segments else V3Adapter()


def _generation_fields(options: GenerationOptions) -> dict[str, object]:
    fields: dict[str, object] = {"texture": options.texture, "pbr": options.pbr}
    if options.face_limit:
        fields["face_limit"] = options.face_limit
    return fields


def _model_url(output: object) -> str | None:
    """The model's URL under the names Tripo has used (v3 `model_url`; v2 `pbr_model`/`model`, str or {url})."""
    if not isinstance(output, Mapping):
        return None
    for key in ("model_url", "pbr_model_url", "pbr_model", "model", "base_model"):
        value = output.get(key)
        if isinstance(value, Mapping):
            value = value.get("url")
        if isinstance(value, str) and value:
            return value
    return None


def _parse_task(data: Mapping[str, object]) -> TripoTask:
    output = data.get("output")
    progress = data.get("progress")
    error = data.get("error_message") or data.get("error_msg") or data.get("error") or ""
    return TripoTask(
        task_id=str(data.get("task_id") or ""),
        status=str(data.get("status") or "unknown").lower().replace("canceled", "cancelled"),
        progress=int(progress) if isinstance(progress, (int, float)) else 0,
        model_url=_model_url(output),
        error=str(error),
        raw_output_keys=tuple(sorted(output)) if isinstance(output, Mapping) else (),
    )


class V3Adapter:
    """`https://openapi.tripo3d.ai/v3`: `/files`, `/generation/*`, `/models/convert`, `/tasks/{id}`."""

    version: Literal["v2", "v3"] = "v3"

    def upload_path(self) -> str:
        return "/files"

    def parse_upload(self, data: Mapping[str, object]) -> str:
        return str(data.get("file_token") or "")

    def text_to_model(self, prompt: str, negative_prompt: str, options: GenerationOptions) -> Request:
        body: dict[str, object] = {"prompt": prompt, "model": options.model_version, **_generation_fields(options)}
        if negative_prompt:
            body["negative_prompt"] = negative_prompt
        return Request("POST", "/generation/text-to-model", body)

    def image_to_model(self, token: str, image_type: ImageType, options: GenerationOptions) -> Request:
        body = {"model": options.model_version, "file": {"type": image_type, "file_token": token},
                **_generation_fields(options)}
        return Request("POST", "/generation/image-to-model", body)

    def multiview_to_model(
        self, views: Sequence[tuple[str, ImageType] | None], options: GenerationOptions
    ) -> Request:
        # Four slots, front/left/back/right; v3 takes an empty object for a view not given.
        files = [{"type": v[1], "file_token": v[0]} if v else {} for v in views]
        body = {"model": options.model_version, "files": files, **_generation_fields(options)}
        return Request("POST", "/generation/multiview-to-model", body)

    def convert_model(self, task_id: str, fmt: str) -> Request:
        return Request("POST", "/models/convert", {"input": task_id, "format": fmt.upper()})

    def get_task(self, task_id: str) -> Request:
        return Request("GET", f"/tasks/{task_id}")

    def balance(self) -> Request:
        return Request("GET", "/account/balance")

    def parse_task(self, data: Mapping[str, object]) -> TripoTask:
        return _parse_task(data)


class V2Adapter:
    """`https://api.tripo3d.ai/v2/openapi`: `/upload`, `POST /task` with a `type`, `/task/{id}`."""

    version: Literal["v2", "v3"] = "v2"

    def upload_path(self) -> str:
        return "/upload"

    def parse_upload(self, data: Mapping[str, object]) -> str:
        return str(data.get("image_token") or data.get("file_token") or "")

    def text_to_model(self, prompt: str, negative_prompt: str, options: GenerationOptions) -> Request:
        body: dict[str, object] = {"type": "text_to_model", "prompt": prompt, "model_version": options.model_version,
                                   **_generation_fields(options)}
        if negative_prompt:
            body["negative_prompt"] = negative_prompt
        return Request("POST", "/task", body)

    def image_to_model(self, token: str, image_type: ImageType, options: GenerationOptions) -> Request:
        body = {"type": "image_to_model", "model_version": options.model_version,
                "file": {"type": image_type, "file_token": token}, **_generation_fields(options)}
        return Request("POST", "/task", body)

    def multiview_to_model(
        self, views: Sequence[tuple[str, ImageType] | None], options: GenerationOptions
    ) -> Request:
        files = [{"type": v[1], "file_token": v[0]} if v else {} for v in views]
        body = {"type": "multiview_to_model", "model_version": options.model_version, "files": files,
                **_generation_fields(options)}
        return Request("POST", "/task", body)

    def convert_model(self, task_id: str, fmt: str) -> Request:
        return Request("POST", "/task", {"type": "convert_model", "format": fmt.upper(),
                                         "original_model_task_id": task_id})

    def get_task(self, task_id: str) -> Request:
        return Request("GET", f"/task/{task_id}")

    def balance(self) -> Request:
        return Request("GET", "/user/balance")

    def parse_task(self, data: Mapping[str, object]) -> TripoTask:
        return _parse_task(data)
