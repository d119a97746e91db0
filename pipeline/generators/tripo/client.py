"""The Tripo3D client: uploads, paid creates sent at most once, polling with backoff, immediate downloads."""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import httpx
import structlog
import tenacity
from redis import Redis

from pipeline.capped import read_capped
from pipeline.config import TRIPO_DEFAULT_MODEL_VERSION, TRIPO_MODEL_VERSIONS, TripoModelVersion, tripo_problems
from pipeline.errors import PipelineError
from pipeline.metrics import PAID_API_CALLS
from pipeline.generators.semaphore import RedisSemaphore, semaphore_name
from pipeline.generators.tripo.adapters import (
    V3_BASE,
    VIEWS,
    GenerationOptions,
    ImageType,
    Request,
    TripoBalance,
    TripoTask,
    V3Adapter,
    View,
)
from pipeline.generators.tripo.errors import (
    CODE_CONTENT_POLICY,
    CODE_EXPIRED,
    CONTENT_POLICY_WORDS,
    EXPIRED_WORDS,
    TRACE_HEADER,
    TripoBadRequestError,
    TripoContentPolicyError,
    TripoCorruptModelError,
    TripoCreateUncertainError,
    TripoError,
    TripoPermanentError,
    TripoRateLimitError,
    TripoRetryableError,
    TripoServerError,
    TripoTaskCancelledError,
    TripoTaskExpiredError,
    TripoTaskFailedError,
    TripoTimeoutError,
    error_for_response,
)
from pipeline.generators.tripo.tasks import TaskStore

if TYPE_CHECKING:
    import trimesh

    from pipeline.config import PipelineConfig

log = structlog.get_logger(__name__)

DEFAULT_MODEL_VERSION = TRIPO_DEFAULT_MODEL_VERSION
_IMAGE_TYPES: dict[bytes, ImageType] = {b"\xff\xd8\xff": "jpg", b"\x89PNG": "png"}
_WEBHOOK_CHECK_S = 1.0  # with webhooks on, Redis is checked this often between the (rarer) polls
_MIME = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class TripoSettings:
    """Everything the client needs; the model version is pinned so results never change overnight, and it
    sets the face range and how many tasks may run at once (`max_concurrency` None: the version's default)."""

    api_key: str = field(repr=False)
    api_base: str = V3_BASE
    model_version: str = DEFAULT_MODEL_VERSION
    texture: bool = True
    pbr: bool = True
    face_limit: int | None = None
    request_timeout_s: float = 60.0
    task_timeout_s: float = 900.0
    poll_interval_s: float = 3.0
    poll_max_interval_s: float = 15.0
    max_attempts: int = 4
    retry_max_wait_s: float = 60.0
    max_concurrency: int | None = None
    slot_timeout_s: float = 600.0
    max_download_bytes: int = 200 * 1024 * 1024
    webhook_enabled: bool = False

    @property
    def version(self) -> TripoModelVersion | None:
        return TRIPO_MODEL_VERSIONS.get(self.model_version)

    @property
    def concurrency(self) -> int:
        return self.max_concurrency or (self.version.concurrency if self.version else 10)

    @property
    def options(self) -> GenerationOptions:
        """The body options; the face limit is moved into the range the model version takes (P1: 48–20000)."""
        faces = self.version.clamp_faces(self.face_limit) if self.version else self.face_limit
        return GenerationOptions(self.model_version, self.texture, self.pbr, faces)

    @classmethod
    def from_config(cls, config: PipelineConfig, **overrides: Any) -> TripoSettings:
        """The client settings the pipeline's configuration implies (jobs, doctor, backfill)."""
        values: dict[str, Any] = {
            "api_key": config.tripo_api_key or "", "api_base": config.tripo_api_base,
            "model_version": config.tripo_model_version, "task_timeout_s": config.tripo_task_timeout_s,
            "max_concurrency": config.tripo_max_concurrency, "face_limit": config.face_budget,
            "webhook_enabled": bool(config.tripo_webhook_secret),
        }
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class TripoModel:
    """A finished task's model, downloaded and checked."""

    task_id: str
    data: bytes
    file_type: str
    api_version: str
    resumed: bool = False
    mesh: trimesh.Trimesh | None = None


class TripoConnectError(TripoServerError):
    """The connection could not be opened: nothing reached Tripo."""


def image_type(data: bytes) -> ImageType:
    """jpg, png or webp from the file's magic bytes. Raises TripoBadRequestError for anything else."""
    for magic, kind in _IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise TripoBadRequestError("Tripo accepts only JPEG, PNG or WebP images")


def load_model(data: bytes, file_type: str = "glb") -> trimesh.Trimesh:
    """Load downloaded bytes with an explicit file type and check they are a usable mesh.

    Raises TripoCorruptModelError for a truncated, unreadable, empty or non-finite model.
    """
    import numpy as np
    import trimesh

    if file_type == "glb" and (len(data) < 20 or data[:4] != b"glTF"):
        raise TripoCorruptModelError(f"the downloaded model is not a GLB ({len(data)} bytes)")
    try:
        mesh = trimesh.load_mesh(io.BytesIO(data), file_type=file_type)
    except Exception as exc:  # trimesh raises many types for corrupt files; all mean the same here
        raise TripoCorruptModelError(f"the downloaded {file_type} cannot be loaded: {exc}") from exc
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise TripoCorruptModelError(f"the downloaded {file_type} holds no mesh")
    if not np.isfinite(mesh.vertices).all():
        raise TripoCorruptModelError(f"the downloaded {file_type} has non-finite vertices")
    return mesh


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]  # str, int or float from JSON; anything else is 0
    except (TypeError, ValueError):
        return 0.0


class TripoClient:
    """One Tripo account. With a Redis `connection`, task ids survive crashes and concurrency is capped
    across workers; without one (a CLI run), neither. Use as a context manager or call `close()`."""

    def __init__(
        self,
        settings: TripoSettings,
        *,
        connection: Redis | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ):
        if not settings.api_key:
            raise TripoBadRequestError("TRIPO_API_KEY is not set")
        problems = tripo_problems(settings.api_base, settings.model_version, settings.max_concurrency)
        if problems:
            raise TripoBadRequestError("; ".join(problems))
        self.settings = settings
        self.adapter = V3Adapter()
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        timeout = httpx.Timeout(settings.request_timeout_s)
        self._http = httpx.Client(
            base_url=settings.api_base.rstrip("/"),
            headers={"Authorization": f"Bearer {settings.api_key}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        # Model URLs are pre-signed: the API key is never sent to them.
        self._download = httpx.Client(timeout=timeout, transport=transport, follow_redirects=True)
        self.tasks = TaskStore(connection, claim_ttl_s=int(settings.request_timeout_s * 3 + 60)) if connection else None
        self.semaphore = (
            RedisSemaphore(connection, semaphore_name("tripo", settings.api_key), settings.concurrency,
                           lease_s=settings.task_timeout_s + 300, sleep=sleep, clock=clock)
            if connection else None
        )

    def close(self) -> None:
        self._http.close()
        self._download.close()

    def __enter__(self) -> TripoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public operations -------------------------------------------------------------------------

    def balance(self) -> TripoBalance:
        """The account's credits. Raises TripoError subclasses."""
        data = self._call(self.adapter.balance(), "balance")
        return TripoBalance(_number(data.get("balance")), _number(data.get("frozen")))

    def get_task(self, task_id: str) -> TripoTask:
        return self.adapter.parse_task(self._call(self.adapter.get_task(task_id), "get task"))

    def text_to_model(self, prompt: str, *, key: str, negative_prompt: str = "") -> TripoModel:
        """A model from text. `key` is the content-cache key the task id is stored under.

        Raises TripoError subclasses (permanent ones mean: fall back).
        """
        if not prompt.strip():
            raise TripoBadRequestError("text-to-model needs a prompt")
        return self._run(key, "text-to-model",
                         lambda: self.adapter.text_to_model(prompt[:1024], negative_prompt[:255], self.settings.options))

    def image_to_model(self, image: bytes, *, key: str) -> TripoModel:
        """A model from one photo (JPEG, PNG or WebP). Raises TripoError subclasses."""
        kind = image_type(image)

        def request() -> Request:
            return self.adapter.image_to_model(self.upload(image, kind), self.settings.options)

        return self._run(key, "image-to-model", request)

    def multiview_to_model(self, views: Sequence[bytes | None], *, key: str) -> TripoModel:
        """A model from up to four views in Tripo's order front, left, back, right (None: not given).

        V3 refuses a multiview task with fewer than two views, so the front alone goes to image-to-model.
        Raises TripoError subclasses.
        """
        if not views or views[0] is None or len(views) > 4:
            raise TripoBadRequestError("multiview-to-model needs a front view and at most four views")
        given = [(view, image, image_type(image)) for view, image in zip(VIEWS, views) if image is not None]
        if len(given) == 1:
            return self.image_to_model(given[0][1], key=key)

        def request() -> Request:
            tokens: list[tuple[View, str]] = [(view, self.upload(image, kind)) for view, image, kind in given]
            return self.adapter.multiview_to_model(tokens, self.settings.options)

        return self._run(key, "multiview-to-model", request)

    def convert_model(self, task_id: str, fmt: Literal["GLTF", "USDZ", "FBX", "OBJ", "STL"], *, key: str) -> TripoModel:
        """Tripo's own conversion of a finished model, for formats Stage 2 cannot write locally."""
        return self._run(f"{key}:convert:{fmt.lower()}", f"convert to {fmt}",
                         lambda: self.adapter.convert_model(task_id, fmt), file_type=fmt.lower())

    def upload(self, image: bytes, kind: ImageType) -> str:
        """Upload one image and return its token (free; retried like any idempotent call)."""
        files = {"file": (f"image.{kind}", image, _MIME[kind])}
        data = self._call(Request("POST", self.adapter.upload_path()), "upload", files=files)
        token = self.adapter.parse_upload(data)
        if not token:
            raise TripoServerError("upload: Tripo answered without a file token")
        return token

    def wait_for_task(self, task_id: str, lease: str | None = None) -> TripoTask:
        """Poll (with growing intervals) until a final status. With webhooks on, a status recorded by
        the webhook is checked between the rarer polls.

        Raises TripoTimeoutError after `task_timeout_s`; the task id stays stored for a re-run.
        """
        settings = self.settings
        deadline = self._clock() + settings.task_timeout_s
        interval = settings.poll_interval_s
        cap = max(settings.poll_max_interval_s, 60.0) if settings.webhook_enabled else settings.poll_max_interval_s
        next_poll = self._clock()
        while True:
            reported = (self.tasks.reported_status(task_id)
                        if self.tasks is not None and settings.webhook_enabled else None)
            if reported is not None or self._clock() >= next_poll:
                task = self.get_task(task_id)
                if task.final:
                    return task
                log.info("tripo_task_progress", task_id=task_id, status=task.status, progress=task.progress)
                next_poll = self._clock() + interval
                interval = min(interval * 1.5, cap)
            now = self._clock()
            if now >= deadline:
                raise TripoTimeoutError(
                    f"Tripo task {task_id} not finished after {settings.task_timeout_s:.0f} s; "
                    "its id is kept and a re-run resumes it")
            if lease is not None and self.semaphore is not None:
                self.semaphore.refresh(lease)
            step = next_poll - now
            if settings.webhook_enabled:
                step = min(step, _WEBHOOK_CHECK_S)
            self._sleep(max(0.0, min(step, deadline - now)))

    # -- the paid flow -----------------------------------------------------------------------------

    def _run(self, key: str, what: str, make_request: Callable[[], Request], file_type: str = "glb") -> TripoModel:
        log_ = log.bind(content_key=key[:12], operation=what, api=self.adapter.version)
        with self._slot() as lease:
            stored = self.tasks.get(key) if self.tasks is not None else None
            resumed = bool(stored and stored.task_id)
            if stored is not None and stored.task_id:
                task_id = stored.task_id
                log_.info("tripo_task_resumed", task_id=task_id)
            elif stored is not None:
                raise TripoCreateUncertainError(
                    f"{what}: a create for this content is under way elsewhere or its outcome is unknown; "
                    "it is not sent again until that marker expires")
            else:
                task_id = self._create_once(key, what, make_request)
                log_.info("tripo_task_created", task_id=task_id)
            task = self.wait_for_task(task_id, lease)
        self._raise_for_final(task, key, what)
        data = self._fetch_model(task)
        mesh = None
        try:
            if file_type == "glb":
                mesh = load_model(data, file_type)
        except TripoCorruptModelError:
            self._forget(key)
            raise
        log_.info("tripo_model_downloaded", task_id=task_id, bytes=len(data), resumed=resumed)
        return TripoModel(task_id, data, file_type, self.adapter.version, resumed, mesh)

    def _create_once(self, key: str, what: str, make_request: Callable[[], Request]) -> str:
        if self.tasks is not None and not self.tasks.claim(key, self.adapter.version):
            raise TripoCreateUncertainError(f"{what}: another worker is creating this content's task")
        try:
            request = make_request()
            task_id = self._create(request, what)
        except TripoCreateUncertainError:
            raise  # keep the claim: the create may have happened, so it must not be re-sent soon
        except PipelineError:
            self._forget(key)  # Tripo refused, or the upload failed: nothing was created
            raise
        PAID_API_CALLS.labels("tripo").inc()
        if self.tasks is not None:
            self.tasks.save(key, task_id, self.adapter.version)
        return task_id

    def _create(self, request: Request, what: str) -> str:
        """Send a paid create. Retried only when Tripo provably made nothing (429, a Tripo error code,
        a connection never opened); a timeout or a bare 5xx is uncertain and never re-sent."""

        def attempt() -> str:
            try:
                data = self._send(request, what)
            except TripoTimeoutError as exc:
                raise TripoCreateUncertainError(f"{what}: the create timed out; not re-sent", status=exc.status,
                                                trace_id=exc.trace_id) from exc
            except TripoConnectError:
                raise
            except TripoServerError as exc:
                if exc.code is None:
                    raise TripoCreateUncertainError(f"{what}: {exc}; not re-sent", status=exc.status,
                                                    trace_id=exc.trace_id, body=exc.body) from exc
                raise
            task_id = str(data.get("task_id") or "")
            if not task_id:
                raise TripoCreateUncertainError(f"{what}: Tripo accepted the create without a task id")
            return task_id

        return self._retrying(lambda e: not isinstance(e, TripoCreateUncertainError))(attempt)

    def _raise_for_final(self, task: TripoTask, key: str, what: str) -> None:
        """V3 ends a task success, failed or cancelled; why it failed is in `error_code` (2008, 2018, …)."""
        if task.status == "success":
            return
        self._forget(key)
        detail = f"{what}: Tripo task {task.task_id} ended {task.status}" + (
            f" with code {task.error_code}" if task.error_code is not None else "") + (
            f": {task.error}" if task.error else "")
        log.warning("tripo_task_unsuccessful", task_id=task.task_id, status=task.status, error_code=task.error_code,
                    error=task.error)
        if task.status == "cancelled":
            raise TripoTaskCancelledError(detail)
        if task.error_code == CODE_CONTENT_POLICY:
            raise TripoContentPolicyError(f"{CONTENT_POLICY_WORDS} [{detail}]", code=task.error_code)
        if task.error_code == CODE_EXPIRED:
            raise TripoTaskExpiredError(f"{EXPIRED_WORDS} [{detail}]", code=task.error_code)
        raise TripoTaskFailedError(detail, code=task.error_code)

    def _fetch_model(self, task: TripoTask) -> bytes:
        """Download at once; a URL that expired meanwhile (403/404/410) is refreshed from the task once."""
        for refreshed in (False, True):
            url = task.model_url
            if not url:
                raise TripoTaskFailedError(f"Tripo task {task.task_id} succeeded without a model URL "
                                           f"(output had {', '.join(task.raw_output_keys) or 'nothing'})")
            if urlsplit(url).scheme not in ("http", "https"):
                raise TripoBadRequestError(f"Tripo task {task.task_id} gave a non-HTTP model URL")
            try:
                return self._retrying(lambda e: True)(lambda: self._download_once(url))
            except TripoPermanentError as exc:
                if refreshed or exc.status not in (403, 404, 410):
                    raise
                log.info("tripo_model_url_refreshed", task_id=task.task_id, status=exc.status)
                task = self.get_task(task.task_id)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _download_once(self, url: str) -> bytes:
        limit = self.settings.max_download_bytes
        try:
            with self._download.stream("GET", url) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_for_response(response, "download model", self._wall_clock)
                return read_capped(response, limit, lambda detail: TripoCorruptModelError(f"the model is {detail}"))
        except httpx.TimeoutException as exc:
            raise TripoTimeoutError(f"download model: {exc.__class__.__name__}") from exc
        except httpx.TransportError as exc:
            raise TripoServerError(f"download model: {exc.__class__.__name__}: {exc}") from exc

    # -- plumbing ----------------------------------------------------------------------------------

    def _call(self, request: Request, what: str, files: Mapping[str, tuple[str, bytes, str]] | None = None
              ) -> Mapping[str, object]:
        """An idempotent call (GET, upload), retried on retryable errors."""
        return self._retrying(lambda e: True)(lambda: self._send(request, what, files))

    def _send(self, request: Request, what: str, files: Mapping[str, tuple[str, bytes, str]] | None = None
              ) -> Mapping[str, object]:
        try:
            response = self._http.request(request.method, request.path, json=request.json, files=files)
        except httpx.ConnectError as exc:
            raise TripoConnectError(f"{what}: cannot connect to Tripo: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise TripoTimeoutError(f"{what}: {exc.__class__.__name__}") from exc
        except httpx.TransportError as exc:
            raise TripoServerError(f"{what}: {exc.__class__.__name__}: {exc}") from exc
        trace_id = response.headers.get(TRACE_HEADER)
        log.info("tripo_call", method=request.method, path=request.path, status=response.status_code,
                 trace_id=trace_id)
        if response.status_code >= 400:
            raise self._refused(response, what)
        try:
            body = response.json()
        except ValueError as exc:
            raise TripoServerError(f"{what}: Tripo answered with a body that is not JSON", trace_id=trace_id,
                                   status=response.status_code, body=response.text) from exc
        if not isinstance(body, dict) or body.get("code") != 0:
            raise self._refused(response, what)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def _refused(self, response: httpx.Response, what: str) -> TripoError:
        """The error for a refused call, logged with both ids Tripo's support asks for."""
        error = error_for_response(response, what, self._wall_clock)
        log.warning("tripo_call_refused", operation=what, status=error.status, code=error.code,
                    trace_id=error.trace_id, request_id=error.request_id)
        return error

    def _retrying(self, also: Callable[[BaseException], bool]) -> tenacity.Retrying:
        def retryable(exc: BaseException) -> bool:
            return isinstance(exc, TripoRetryableError) and also(exc)

        def log_retry(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning("tripo_retry", attempt=state.attempt_number, error=str(exc),
                        trace_id=getattr(exc, "trace_id", None), request_id=getattr(exc, "request_id", None))

        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(retryable),
            stop=tenacity.stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=log_retry,
            reraise=True,
        )

    def _wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, TripoRateLimitError) and exc.retry_after is not None:
            return min(exc.retry_after, self.settings.retry_max_wait_s)
        backoff = tenacity.wait_exponential_jitter(multiplier=1.0, max=self.settings.retry_max_wait_s, jitter=1.0)
        return float(backoff(state))

    @contextmanager
    def _slot(self) -> Iterator[str | None]:
        if self.semaphore is None:
            yield None
            return
        with self.semaphore.hold(self.settings.slot_timeout_s) as token:
            yield token

    def _forget(self, key: str) -> None:
        if self.tasks is not None:
            self.tasks.forget(key)

