"""The RQ job: one product's photos in, a model on the product page out (or a visible reason why not)."""

from __future__ import annotations

import functools
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock
from rq import get_current_job

from pipeline.config import PipelineConfig
from pipeline.jobs.download import ImageFetcher, allowed_origins
from pipeline.errors import PermanentPipelineError, PipelineError, RetryablePipelineError
from pipeline.jobs.fingerprint import LookFields, fingerprint, plain_text
from pipeline.jobs.shape_choice import merchant_shape
from pipeline.metrics import GENERATION_SECONDS, GENERATIONS
from pipeline.backends import Progress
from pipeline.product import Dimensions, ProductInput, SourceImage
from pipeline.result import GenerationResult
from pipeline.jobs.snapshots import ProductSnapshots
from pipeline.jobs.status import StatusBoard
from pipeline.jobs.watchdog import StageWatchdog
from wp_bridge import META_KEY, AttachmentLedger, ModelMeta, Product, StoreClients, StoreConfig, StoreError, write_back

log = structlog.get_logger(__name__)

MAX_IMAGES = 2  # front and back: what the generators use
# The per-product lock outlives a crashed job by at most this long (RQ notices the dead worker
# after ~90 s and retries it later); a live job renews it every third of that.
PRODUCT_LOCK_TTL_S = 60


@dataclass(frozen=True)
class JobContext:
    """What a worker gives its jobs; `woo3d worker` builds it once from the settings."""

    connection: Redis
    pipeline: PipelineConfig
    store: StoreConfig
    local_image_dir: Path | None = None
    backend: str = "hybrid"  # hybrid falls back to the offline local generator when nothing is configured
    clients_factory: Callable[[StoreConfig], StoreClients] = StoreClients.from_config


_context: JobContext | None = None


def configure(context: JobContext) -> None:
    """Install the context jobs run with (jobs run in forked children, which inherit it)."""
    global _context
    _context = context


def current_context() -> JobContext:
    if _context is None:
        raise RuntimeError("no job context: run jobs with `woo3d worker`, which configures it from the settings")
    return _context


@dataclass(frozen=True)
class JobOutcome:
    """What a job did; also its RQ result."""

    product_id: int
    state: str  # done | unchanged | superseded
    fingerprint: str
    model: dict[str, Any] | None = None
    reason: str | None = None
    generator: str = "none"  # for the metrics; not part of the RQ result
    quality: dict[str, Any] | None = None  # the new model's score, terms and reasons, for the status board

    def as_dict(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "state": self.state, "fingerprint": self.fingerprint,
                "model": self.model, "reason": self.reason}


def run_generation(context: JobContext, product: ProductInput, out_dir: Path, progress: Progress) -> GenerationResult:
    """The hybrid pipeline (stage 0 → stage 1 → local fallback) with the worker's Redis, which holds
    Tripo task ids (a re-run resumes, never pays twice) and the per-key concurrency cap."""
    from pipeline.generate import generate_assets
    from pipeline.generators.hybrid import backend_for

    backend = backend_for(context.backend, context.pipeline, connection=context.connection)
    try:
        return generate_assets(product, out_dir, context.pipeline, backend=backend, progress=progress)
    finally:
        close = getattr(backend, "close", None)
        if close is not None:
            close()


class ProductLocked(RetryablePipelineError):
    """Another job holds this product; RQ tries this one again later."""


def _logged_as_job(function: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Every log line of the job, in any module, carries its product_id and job_id."""

    @functools.wraps(function)
    def run(product_id: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
        job = get_current_job()
        with structlog.contextvars.bound_contextvars(product_id=product_id, job_id=job.id if job else None):
            return function(product_id, *args, **kwargs)

    return run


@_logged_as_job
def generate_product_model(product_id: int, fingerprint: str | None, force: bool = False) -> dict[str, Any]:
    """RQ entry point (`pipeline.jobs.generate_product_model`): generate and publish one product's model.

    `fingerprint` is what the delivery saw (None for a manual trigger: whatever is current).
    Permanent errors fail at once with their reason; retryable ones are retried by RQ.
    """
    context = current_context()
    job = get_current_job()
    job_id = job.id if job else f"inline-{product_id}"
    board = StatusBoard(context.connection)
    started = time.perf_counter()
    lock = context.connection.lock(f"woo3d:lock:product:{product_id}", timeout=PRODUCT_LOCK_TTL_S,
                                   blocking_timeout=5, thread_local=False)
    try:
        if not lock.acquire():
            raise ProductLocked(f"another job is generating product {product_id}; will try again")
        try:
            limit_s = context.pipeline.stage_time_limit_s

            def stuck(stage: str, seconds: float) -> None:
                GENERATIONS.labels("failed", "none").inc()
                reason = f"stopped: the stage '{stage}' ran for {seconds:.0f} s (the limit is {limit_s:g} s)"
                log.error("job_stuck", stage=stage, seconds=round(seconds))
                board.failed(product_id, job_id, reason, stage=stage)

            with _renewed(lock, PRODUCT_LOCK_TTL_S / 3), StageWatchdog(limit_s, stuck) as watchdog:
                outcome = ProductJob(context, board, product_id, job_id, watchdog).run(fingerprint, force)
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("product_lock_expired_before_release")
    except (PipelineError, StoreError) as error:
        retrying = getattr(error, "retryable", False) and job is not None and job.retries_left
        GENERATIONS.labels("retrying" if retrying else "failed", "none").inc()
        if retrying:
            board.running(product_id, job_id, "waiting to retry", 0.0)
            log.warning("job_will_retry", error=str(error))
        else:
            board.failed(product_id, job_id, str(error))
            log.error("job_failed", error=str(error), error_type=type(error).__name__)
            if job is not None:
                job.retries_left = 0  # permanent: retrying cannot help (and may cost money)
        raise
    except Exception as error:
        GENERATIONS.labels("failed", "none").inc()
        board.failed(product_id, job_id, f"internal error: {type(error).__name__}: {error}")
        raise
    GENERATIONS.labels(outcome.state, outcome.generator).inc()
    GENERATION_SECONDS.labels("job").observe(time.perf_counter() - started)
    board.done(product_id, job_id, outcome.model, reason=outcome.reason, quality=outcome.quality)
    log.info("job_done", state=outcome.state, fingerprint=outcome.fingerprint)
    return outcome.as_dict()


@contextmanager
def _renewed(lock: Lock, every_s: float) -> Iterator[None]:
    """Keep `lock` alive from a thread while the body runs: a job that dies (SIGKILL, OOM, a lost
    machine) stops renewing it, so the re-run RQ schedules is not shut out for the whole job timeout."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(every_s):
            try:
                lock.reacquire()
            except (LockError, RedisError) as error:
                log.warning("product_lock_not_renewed", error=str(error))

    thread = threading.Thread(target=renew, name="product-lock", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class ProductJob:
    """The steps of one run, in order: read the product, check it is still wanted, generate, publish."""

    def __init__(self, context: JobContext, board: StatusBoard, product_id: int, job_id: str, watchdog: StageWatchdog):
        self.context = context
        self.board = board
        self.product_id = product_id
        self.job_id = job_id
        self.job = get_current_job()
        self.watchdog = watchdog
        self.stage = ""

    def progress(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.stage = stage
            self.watchdog.stage(stage)
            log.info("job_stage", stage=stage, progress=round(fraction, 3))
        self.board.running(self.product_id, self.job_id, stage, fraction)
        if self.job is not None:
            self.job.meta.update(stage=stage, progress=round(fraction, 3))
            self.job.save_meta()

    def run(self, expected: str | None, force: bool) -> JobOutcome:
        self.progress("fetching product", 0.02)
        clients = self.context.clients_factory(self.context.store) if self.context.store.configured else None
        if clients is not None:
            product = clients.woocommerce.get_product(self.product_id)
            unit = clients.woocommerce.dimension_unit()
        else:
            product, unit = self._product_from_snapshot(), "cm"
        current = fingerprint(LookFields.from_product(product))
        existing = ModelMeta.from_meta(product.meta.get(META_KEY))
        # A job that stands down still shows the model the product has, so the status never reads "done, no model".
        published = {"glb": existing.glb, "usdz": existing.usdz, "poster": existing.poster} if existing else None
        if expected and current != expected and not force:
            return JobOutcome(self.product_id, "superseded", current, model=published,
                              reason="superseded: the product changed since this job was queued; a newer job owns it")
        if not force and existing is not None and existing.fingerprint == current:
            return JobOutcome(self.product_id, "unchanged", current, model=published,
                              reason="unchanged: the product already has this model")

        self.progress("downloading images", 0.08)
        inputs = self._inputs(product, unit)
        out_dir = self._out_dir()
        try:
            result = run_generation(self.context, inputs, out_dir,
                                    progress=lambda stage, f: self.progress(stage, 0.1 + 0.75 * f))
            for stage, seconds in result.timings_s.items():
                GENERATION_SECONDS.labels(stage).observe(seconds)
            if clients is None:
                return JobOutcome(self.product_id, "done", current, model=result.local_paths(),
                                  generator=result.generator, quality=result.quality.summary())
            self.progress("uploading to the store", 0.88)
            files = {"glb": result.files["glb"]}
            if result.poster is not None:
                files["poster"] = result.poster
            files.update({fmt: path for fmt, path in result.files.items() if fmt != "glb"})
            written = write_back(
                clients, product_id=self.product_id, fingerprint=current, files=files,
                meta=ModelMeta(
                    generator=result.generator, quality=result.report.get("quality", {}),
                    dimensions_m=result.dimensions_m.as_dict() if result.dimensions_m else None,
                    alt=plain_text(product.name),
                ),
                ledger=AttachmentLedger(self.context.connection),
            )
        finally:
            if clients is not None:
                shutil.rmtree(out_dir, ignore_errors=True)
        model = {"glb": written.meta.glb, "usdz": written.meta.usdz, "poster": written.meta.poster}
        # The generation's warnings (a paid stage that failed and the fallback used) reach the admin button.
        return JobOutcome(self.product_id, "done", current, model=model, generator=result.generator,
                          reason="; ".join(result.warnings) or None, quality=result.quality.summary())

    def _product_from_snapshot(self) -> Product:
        payload = ProductSnapshots(self.context.connection).load(self.product_id)
        if payload is None:
            raise PermanentPipelineError(
                f"no data for product {self.product_id}: no store is configured (WC_STORE_URL) "
                "and no delivery for it was received"
            )
        return Product.from_api(payload)

    def _inputs(self, product: Product, unit: str) -> ProductInput:
        config = self.context.pipeline
        fetcher = ImageFetcher(
            allowed_origins(config.allowed_image_hosts, self.context.store.url),
            max_bytes=config.max_image_bytes, timeout_s=config.image_timeout_s,
            local_dir=None if self.context.store.configured else self.context.local_image_dir,
        )
        images = tuple(
            SourceImage(fetcher.fetch(image.src), name=image.name or f"image-{image.id}")
            for image in product.images[:MAX_IMAGES]
        )
        dims = product.dimensions
        return ProductInput(
            title=plain_text(product.name),
            description=plain_text(product.description) or plain_text(product.short_description),
            images=images,
            dimensions=Dimensions.from_woocommerce(dims.length, dims.width, dims.height, unit),
            product_id=product.id,
            category=product.categories[0].name if product.categories else "",
            shape=merchant_shape(product.meta, ((a.name, a.options) for a in product.attributes)),
        )

    def _out_dir(self) -> Path:
        config = self.context.pipeline
        if self.context.store.configured:
            config.output_dir.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=f"job-{self.product_id}-", dir=config.output_dir))
        out_dir = config.output_dir / f"product-{self.product_id}"
        out_dir.mkdir(parents=True, exist_ok=True)
        return out_dir
