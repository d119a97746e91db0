"""How stage 0 reaches Shap-E: a hosted Gradio Space, a dedicated Inference Endpoint, or local diffusers."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import structlog

from pipeline.capped import read_capped
from pipeline.config import GenerationParams
from pipeline.errors import PermanentPipelineError, PipelineError, RetryablePipelineError

if TYPE_CHECKING:
    import trimesh

log = structlog.get_logger(__name__)


class HuggingFaceError(PipelineError):
    """Base of stage-0 errors; carries the HTTP status and a body excerpt when there was a response."""

    def __init__(self, message: str, *, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body[:500]


class HuggingFacePermanentError(HuggingFaceError, PermanentPipelineError):
    """Bad token, unknown Space endpoint, refused input, or an output that is not a mesh."""


class HuggingFaceRetryableError(HuggingFaceError, RetryablePipelineError):
    """A Space queue that is full or sleeping, an endpoint scaling up (503), 5xx, timeouts."""


class HFTransport(Protocol):
    name: str

    def text_to_3d(self, prompt: str, params: GenerationParams) -> bytes:
        """GLB bytes for a prompt. Raises HuggingFaceError subclasses."""
        ...

    def image_to_3d(self, image: bytes, params: GenerationParams) -> bytes:
        """GLB bytes for a product photo. Raises HuggingFaceError subclasses."""
        ...

    def close(self) -> None: ...


def error_for_response(response: httpx.Response, what: str) -> HuggingFaceError:
    """The one mapping of a refused HF response: 408/409/429/5xx retryable, everything else permanent."""
    status = response.status_code
    text = response.text
    detail = f"{what}: HuggingFace answered {status}: {text[:200]}"
    if status in (408, 409, 429) or status >= 500:
        return HuggingFaceRetryableError(detail, status=status, body=text)
    return HuggingFacePermanentError(detail, status=status, body=text)


def _request(client: httpx.Client, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise HuggingFaceRetryableError(f"{what}: {exc.__class__.__name__}") from exc
    except httpx.TransportError as exc:
        raise HuggingFaceRetryableError(f"{what}: {exc.__class__.__name__}: {exc}") from exc
    if response.status_code >= 400:
        raise error_for_response(response, what)
    return response


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


# A Shap-E GLB is a few MB; a Space that answers more is broken or hostile.
MAX_OUTPUT_BYTES = 64 * 1024 * 1024


class GradioSpaceTransport:
    """A Space through Gradio's HTTP API: upload, `POST /gradio_api/call/<api>`, then read the event stream."""

    name = "space"

    def __init__(
        self,
        space_url: str,
        *,
        token: str | None = None,
        text_api: str = "/text-to-3d",
        image_api: str = "/image-to-3d",
        timeout_s: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base = space_url.rstrip("/")
        self.text_api = text_api.strip("/")
        self.image_api = image_api.strip("/")
        # The token goes only with requests to the Space itself (httpx drops it on cross-origin redirects),
        # never as a client default that would follow a URL the Space answers with.
        self._auth = _auth(token)
        self._http = httpx.Client(timeout=httpx.Timeout(timeout_s, connect=30.0), transport=transport,
                                  follow_redirects=True)

    def close(self) -> None:
        self._http.close()

    def text_to_3d(self, prompt: str, params: GenerationParams) -> bytes:
        return self._predict(self.text_api, [prompt, params.seed, params.guidance_scale, params.num_inference_steps])

    def image_to_3d(self, image: bytes, params: GenerationParams) -> bytes:
        path = self._upload(image)
        file_data = {"path": path, "meta": {"_type": "gradio.FileData"}}
        return self._predict(self.image_api,
                             [file_data, params.seed, params.guidance_scale, params.num_inference_steps])

    def _upload(self, image: bytes) -> str:
        response = _request(self._http, "POST", f"{self.base}/gradio_api/upload", "space upload",
                            headers=self._auth, files={"files": ("image.png", image, "application/octet-stream")})
        paths = response.json()
        if not isinstance(paths, list) or not paths or not isinstance(paths[0], str):
            raise HuggingFacePermanentError(f"space upload: unexpected answer {str(paths)[:200]}")
        return paths[0]

    def _predict(self, api: str, data: list[object]) -> bytes:
        what = f"space /{api}"
        started = _request(self._http, "POST", f"{self.base}/gradio_api/call/{api}", what, headers=self._auth,
                           json={"data": data})
        event_id = started.json().get("event_id") if isinstance(started.json(), dict) else None
        if not event_id:
            raise HuggingFacePermanentError(f"{what}: no event_id in {started.text[:200]}")
        outputs = self._result(api, str(event_id), what)
        return self._fetch_file(outputs, what)

    def _result(self, api: str, event_id: str, what: str) -> list[object]:
        url = f"{self.base}/gradio_api/call/{api}/{event_id}"
        try:
            with self._http.stream("GET", url, headers=self._auth) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_for_response(response, what)
                for event, data in _sse_events(response.iter_lines()):
                    if event == "complete":
                        parsed = json.loads(data) if data else None
                        if not isinstance(parsed, list) or not parsed:
                            raise HuggingFacePermanentError(f"{what}: empty result")
                        return parsed
                    if event == "error":
                        # Gradio sends `null` for a crash inside the Space and a message for a refused input;
                        # a Space over its GPU quota says so in the message: both are worth a later retry.
                        message = json.loads(data) if data and data != "null" else None
                        raise HuggingFaceRetryableError(f"{what}: the Space failed: {message or 'no detail'}")
        except httpx.TimeoutException as exc:
            raise HuggingFaceRetryableError(f"{what}: {exc.__class__.__name__}") from exc
        except httpx.TransportError as exc:
            raise HuggingFaceRetryableError(f"{what}: {exc.__class__.__name__}: {exc}") from exc
        raise HuggingFaceRetryableError(f"{what}: the event stream ended without a result")

    def _fetch_file(self, outputs: list[object], what: str) -> bytes:
        first = outputs[0]
        if isinstance(first, Mapping) and isinstance(first.get("value"), Mapping):
            first = first["value"]  # a component update wrapping the file
        if not isinstance(first, Mapping) or not (first.get("url") or first.get("path")):
            raise HuggingFacePermanentError(f"{what}: the result is not a file: {str(first)[:200]}")
        url = str(first.get("url") or f"{self.base}/gradio_api/file={first['path']}")
        if not _same_origin(url, self.base):
            raise HuggingFacePermanentError(f"{what}: the Space answered a file outside its own origin: {url[:200]}")
        return self._download(url, f"{what} download")

    def _download(self, url: str, what: str) -> bytes:
        """The result file, streamed and refused past MAX_OUTPUT_BYTES (before reading, when its size is declared)."""
        try:
            with self._http.stream("GET", url, headers=self._auth) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_for_response(response, what)
                return read_capped(response, MAX_OUTPUT_BYTES,
                                   lambda detail: HuggingFacePermanentError(f"{what}: the file is {detail}"))
        except httpx.TimeoutException as exc:
            raise HuggingFaceRetryableError(f"{what}: {exc.__class__.__name__}") from exc
        except httpx.TransportError as exc:
            raise HuggingFaceRetryableError(f"{what}: {exc.__class__.__name__}: {exc}") from exc


def _same_origin(url: str, base: str) -> bool:
    a, b = httpx.URL(url), httpx.URL(base)
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def _sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs from a server-sent-event stream."""
    event, data = "", []
    for line in lines:
        if line == "":
            if event or data:
                yield event, "\n".join(data)
            event, data = "", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    if event or data:
        yield event, "\n".join(data)


class InferenceEndpointTransport:
    """A dedicated Inference Endpoint whose handler answers GLB bytes for `{"inputs", "parameters"}`."""

    name = "endpoint"

    def __init__(
        self,
        endpoint_url: str,
        *,
        token: str | None = None,
        timeout_s: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.url = endpoint_url
        headers = {**_auth(token), "Accept": "model/gltf-binary"}
        self._http = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=30.0), transport=transport)

    def close(self) -> None:
        self._http.close()

    def text_to_3d(self, prompt: str, params: GenerationParams) -> bytes:
        return self._call(prompt, "text-to-3d", params)

    def image_to_3d(self, image: bytes, params: GenerationParams) -> bytes:
        return self._call(base64.b64encode(image).decode(), "image-to-3d", params)

    def _call(self, inputs: str, task: str, params: GenerationParams) -> bytes:
        body = {"inputs": inputs, "parameters": {"task": task, "guidance_scale": params.guidance_scale,
                                                 "num_inference_steps": params.num_inference_steps,
                                                 "seed": params.seed, "output_format": "glb"}}
        response = _request(self._http, "POST", self.url, f"endpoint {task}", json=body)
        if "json" in response.headers.get("Content-Type", ""):
            raise HuggingFacePermanentError(f"endpoint {task}: answered JSON instead of a model: {response.text[:200]}")
        return response.content


class DiffusersTransport:
    """Shap-E run in this process with diffusers (the optional `selfhosted` extra), on a GPU when there is one."""

    name = "selfhosted"

    def __init__(self, text_pipeline: Any = None, image_pipeline: Any = None, *, device: str | None = None):
        import torch  # the extra's heavy imports stay out of every other path

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.text_pipeline = text_pipeline
        self.image_pipeline = image_pipeline

    @classmethod
    def from_pretrained(cls, text_model: str = "openai/shap-e", image_model: str = "openai/shap-e-img2img"
                        ) -> DiffusersTransport:
        """Load the pipelines from the HuggingFace Hub cache (weights are not downloaded by tests)."""
        import torch
        from diffusers import ShapEImg2ImgPipeline, ShapEPipeline

        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if device == "cuda" else torch.float32
        text = ShapEPipeline.from_pretrained(text_model, torch_dtype=dtype).to(device)
        image = ShapEImg2ImgPipeline.from_pretrained(image_model, torch_dtype=dtype).to(device)
        return cls(text, image, device=device)

    def close(self) -> None:
        self.text_pipeline = self.image_pipeline = None

    def text_to_3d(self, prompt: str, params: GenerationParams) -> bytes:
        if self.text_pipeline is None:
            raise HuggingFacePermanentError("self-hosted Shap-E: no text pipeline loaded")
        return self._run(self.text_pipeline, prompt, params)

    def image_to_3d(self, image: bytes, params: GenerationParams) -> bytes:
        from PIL import Image

        if self.image_pipeline is None:
            raise HuggingFacePermanentError("self-hosted Shap-E: no image pipeline loaded")
        picture = Image.open(io.BytesIO(image)).convert("RGB")
        return self._run(self.image_pipeline, picture, params)

    def _run(self, pipeline: Any, prompt_or_image: Any, params: GenerationParams) -> bytes:
        import torch

        generator = torch.Generator(device="cpu").manual_seed(params.seed)
        try:
            output = pipeline(prompt_or_image, guidance_scale=params.guidance_scale,
                              num_inference_steps=params.num_inference_steps, generator=generator,
                              output_type="mesh")
        except torch.cuda.OutOfMemoryError as exc:
            raise HuggingFaceRetryableError(f"self-hosted Shap-E ran out of GPU memory: {exc}") from exc
        return decoder_output_to_mesh(output.images[0]).export(file_type="glb")


def decoder_output_to_mesh(output: Any) -> trimesh.Trimesh:
    """diffusers' MeshDecoderOutput (Z-up, colour channels R/G/B in 0…1) as a Y-up vertex-coloured mesh.

    Raises HuggingFacePermanentError for an empty mesh (a field with no surface).
    """
    import numpy as np
    import trimesh

    vertices = output.verts.detach().cpu().numpy()
    faces = output.faces.detach().cpu().numpy()
    if len(faces) == 0:
        raise HuggingFacePermanentError("self-hosted Shap-E produced an empty mesh")
    channels = output.vertex_channels or {}
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    if all(c in channels for c in "RGB"):
        rgb = np.stack([channels[c].detach().cpu().numpy() for c in "RGB"], axis=1)
        alpha = np.ones((len(rgb), 1))
        mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=(np.hstack([rgb, alpha]) * 255).astype(np.uint8))
    mesh.apply_transform(trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0]))
    return mesh
