"""The RQ job: one product's photos in, a model on the product page out (or a visible reason why not)."""

from __future__ import annotations

import functools
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import structlog
from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock
from rq import get_current_job

from pipeline.config import PipelineConfig
from pipeline.jobs.download import ImageFetcher, allowed_origins
from pipeline.jobs.eligibility import shares_parent_photos
from pipeline.errors import ImageError, PermanentPipelineError, PipelineError
from pipeline.jobs.fingerprint import LookFields, fingerprint, plain_text
from pipeline.jobs.locks import PRODUCT_LOCK_TTL_S, ProductLocked
from pipeline.jobs.review import STANDING_REASONS, held_summary, render_review_views
from pipeline.jobs.shape_choice import merchant_shape
from pipeline.metrics import GENERATION_SECONDS, GENERATIONS, record_held
from pipeline.backends import Progress
from pipeline.photos.views import MAX_GALLERY_IMAGES
from pipeline.product import ListedSize, ProductInput, SourceImage
from pipeline.progress import MonotonicProgress, within
from pipeline.result import GenerationResult
from pipeline.jobs.snapshots import ProductSnapshots
from pipeline.jobs.status import StatusBoard
from pipeline.jobs.variations import MAX_MODEL_BYTES, copy_files, display_name, find_twin, look_lock_key
from pipeline.jobs.watchdog import StageWatchdog
from wp_bridge import (
    META_KEY,
    AttachmentLedger,
    ModelMeta,
    Product,
    StoreClients,
    StoreConfig,
    StoreError,
    remove_model,
    write_back,
)

log = structlog.get_logger(__name__)

MAX_IMAGES = MAX_GALLERY_IMAGES  # the main photo and the gallery whose views the generators read


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
    state: str  # done | held | unchanged | superseded | parent (a variation showing its parent's model)
    fingerprint: str
    model: dict[str, Any] | None = None
    reason: str | None = None
    generator: str = "none"  # for the metrics ("copied": a sibling variation's model); not part of the RQ result
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


def _urls(meta: ModelMeta | None) -> dict[str, Any] | None:
    return {"glb": meta.glb, "usdz": meta.usdz, "poster": meta.poster} if meta is not None else None


def _logged_as_job(function: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Every log line of the job, in any module, carries its product_id and job_id."""

    @functools.wraps(function)
    def run(product_id: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
        job = get_current_job()
        with structlog.contextvars.bound_contextvars(product_id=product_id, job_id=job.id if job else None):
            return function(product_id, *args, **kwargs)

    return run


@_logged_as_job
def generate_product_model(
    product_id: int, fingerprint: str | None, force: bool = False, parent_id: int = 0
) -> dict[str, Any]:
    """RQ entry point (`pipeline.jobs.generate_product_model`): generate and publish one product's model.

    `fingerprint` is what the delivery saw (None for a manual trigger: whatever is current);
    `parent_id` a variation's variable product (0: unknown or none; the job asks the store).
    Permanent errors fail at once with their reason; retryable ones are retried by RQ.
    """
    context = current_context()
    job = get_current_job()
    job_id = job.id if job else f"inline-{product_id}"
    board = StatusBoard(context.connection)
    started = time.perf_counter()
    try:
        limit_s = context.pipeline.stage_time_limit_s

        def stuck(stage: str, seconds: float) -> None:
            GENERATIONS.labels("failed", "none").inc()
            reason = f"stopped: the stage '{stage}' ran for {seconds:.0f} s (the limit is {limit_s:g} s)"
            log.error("job_stuck", stage=stage, seconds=round(seconds))
            board.failed(product_id, job_id, reason, stage=stage)

        with (
            _holding(context.connection, f"woo3d:lock:product:{product_id}",
                     busy=f"another job is generating product {product_id}; will try again"),
            StageWatchdog(limit_s, stuck) as watchdog,
        ):
            product_job = ProductJob(context, board, product_id, job_id, watchdog, parent_id)
            outcome = product_job.run(fingerprint, force)
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
    product_job.finished()
    log.info("job_done", state=outcome.state, fingerprint=outcome.fingerprint)
    return outcome.as_dict()


@contextmanager
def _holding(connection: Redis, key: str, *, busy: str) -> Iterator[None]:
    """Hold the Redis lock `key` (renewed while held) for the body; ProductLocked(`busy`) when another job has it."""
    lock = connection.lock(key, timeout=PRODUCT_LOCK_TTL_S, blocking_timeout=5, thread_local=False)
    if not lock.acquire():
        raise ProductLocked(busy)
    try:
        with _renewed(lock, PRODUCT_LOCK_TTL_S / 3):
            yield
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("lock_expired_before_release", key=key)


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

    def __init__(self, context: JobContext, board: StatusBoard, product_id: int, job_id: str, watchdog: StageWatchdog,
                 parent_id: int = 0):
        self.context = context
        self.board = board
        self.product_id = product_id
        self.job_id = job_id
        self.parent_id = parent_id
        self.job = get_current_job()
        self.watchdog = watchdog
        self.stage = ""
        # What the plugin shows never goes back within a run (a retry starts again, "waiting to retry").
        self.progress = MonotonicProgress(self._running)

    def _running(self, stage: str, fraction: float) -> None:
        self._note(stage, fraction)
        self.board.running(self.product_id, self.job_id, stage, fraction)

    def _note(self, stage: str, fraction: float) -> None:
        """A log line and a watchdog mark for each new stage, and the RQ job's meta."""
        if stage != self.stage:
            self.stage = stage
            self.watchdog.stage(stage)
            log.info("job_stage", stage=stage, progress=round(fraction, 3))
        if self.job is not None:
            self.job.meta.update(stage=stage, progress=round(fraction, 3))
            self.job.save_meta()

    def finished(self) -> None:
        """Log and meta end at done, 100 % (the status board records the outcome itself, with its model)."""
        self._note("done", 1.0)

    def run(self, expected: str | None, force: bool) -> JobOutcome:
        self.progress("fetching product", 0.02)
        clients = self.context.clients_factory(self.context.store) if self.context.store.configured else None
        parent: Product | None = None
        if clients is not None:
            woocommerce = clients.woocommerce
            product = (woocommerce.get_product(self.product_id, parent_id=self.parent_id) if self.parent_id
                       else woocommerce.resolve(self.product_id))
            parent = woocommerce.get_product(product.parent_id) if product.is_variation else None
            unit = woocommerce.dimension_unit()
        else:
            product, unit = self._product_from_snapshot(), "cm"
            parent = self._parent_from_snapshot(product)
        current = fingerprint(LookFields.from_product(product))
        existing = ModelMeta.of_product(product.meta.get(META_KEY), product.id)
        # A job that stands down still shows the model the product has, so the status never reads "done, no model".
        published = _urls(existing)
        if expected and current != expected and not force:
            return JobOutcome(self.product_id, "superseded", current, model=published,
                              reason="superseded: the product changed since this job was queued; a newer job owns it")
        if parent is not None and shares_parent_photos(product, parent):
            reason = f"shows the model of its product {parent.id}: it has no photo of its own, so nothing was generated"
            if existing is not None and clients is not None:
                remove_model(clients, product_id=product.id, parent_id=parent.id,
                             ledger=AttachmentLedger(self.context.connection))
                reason += "; its own earlier model was removed"
            return JobOutcome(self.product_id, "parent", current,
                              model=_urls(ModelMeta.from_meta(parent.meta.get(META_KEY))), reason=reason)
        standing = existing.standing(current) if existing is not None else None
        if not force and standing is not None:
            return JobOutcome(self.product_id, "unchanged", current, model=published, reason=STANDING_REASONS[standing])
        if parent is None:
            return self._generate(clients, product, unit, current)
        # One look, one generation: variations with the same photo wait for each other, then copy.
        with _holding(self.context.connection, look_lock_key(parent.id, current),
                      busy="another variation with the same photo is being generated; will copy its model"):
            twin = find_twin(clients.woocommerce, product, current) if clients is not None and not force else None
            as_shown = replace(
                product, name=display_name(product, parent),
                description=product.description or parent.description,
                short_description=product.short_description or parent.short_description,
                categories=product.categories or parent.categories,
            )
            if twin is not None and clients is not None:
                try:
                    return self._copy(clients, as_shown, twin, current)
                except ImageError as error:
                    # Media offloaded to a host woo3d may not fetch from, or a file that is not what the
                    # twin's meta says it is (NotWhatItClaims): this variation gets a model of its own.
                    log.warning("twin_model_not_copied", error=str(error))
            return self._generate(clients, as_shown, unit, current)

    def _generate(self, clients: StoreClients | None, product: Product, unit: str, current: str) -> JobOutcome:
        self.progress("downloading images", 0.08)
        inputs = self._inputs(product, unit)
        out_dir = self._out_dir()
        try:
            result = run_generation(self.context, inputs, out_dir,
                                    progress=within(self.progress, 0.1, 0.85))
            for stage, seconds in result.timings_s.items():
                GENERATION_SECONDS.labels(stage).observe(seconds)
            if clients is None:
                return JobOutcome(self.product_id, "done", current, model=result.local_paths(),
                                  generator=result.generator, reason="; ".join(result.warnings) or None,
                                  quality=result.quality.summary())
            warnings = list(result.warnings)
            held_because = self.context.pipeline.hold_reason(result.quality.score)
            files = {"glb": result.files["glb"]}
            if result.poster is not None:
                files["poster"] = result.poster
            files.update({fmt: path for fmt, path in result.files.items() if fmt != "glb"})
            if held_because is not None:
                self.progress("rendering review views", 0.86)
                # Drawn from the uncompressed GLB: the renderer reads no Draco or WebP.
                glb = result.uncompressed_glb or result.files["glb"]
                files.update(render_review_views(glb, out_dir, self.context.pipeline, warnings))
            self.progress("uploading to the store", 0.88)
            meta = ModelMeta(
                generator=result.generator, quality=result.report.get("quality", {}),
                dimensions_m=result.dimensions_m.as_dict() if result.dimensions_m else None,
                alt=plain_text(product.name),
                reasons=tuple(getattr(result.quality, "reasons", ()) or ()),
                held_because=held_because or "",
                ar_scale=result.ar_scale, ar_placement=result.ar_placement,
            )
            written = self._write_back(clients, product, current, files, meta, held=held_because is not None)
        finally:
            if clients is not None:
                shutil.rmtree(out_dir, ignore_errors=True)
        if held_because is not None:
            # The storefront keeps the live model; the admin button learns why nothing changed there.
            return JobOutcome(self.product_id, "held", current, model={**(_urls(written) or {}), "state": "review"},
                              generator=result.generator, quality=result.quality.summary(),
                              reason="; ".join([f"held for review: {held_because}", *warnings]))
        # The generation's warnings (a paid stage that failed and the fallback used) reach the admin button.
        return JobOutcome(self.product_id, "done", current, model=_urls(written), generator=result.generator,
                          reason="; ".join(warnings) or None, quality=result.quality.summary())

    def _copy(self, clients: StoreClients, product: Product, twin: ModelMeta, current: str) -> JobOutcome:
        """Publish a sibling variation's model (same photo) as this variation's: no generation, no paid call."""
        self.progress("copying the model of a variation with the same photo", 0.5)
        config = self.context.pipeline
        fetcher = ImageFetcher(allowed_origins(config.allowed_image_hosts, self.context.store.url),
                               max_bytes=MAX_MODEL_BYTES, timeout_s=config.image_timeout_s)
        out_dir = self._out_dir()
        try:
            files = copy_files(twin, fetcher, out_dir)
            meta = ModelMeta(generator=twin.generator, quality=twin.quality, dimensions_m=twin.dimensions_m,
                             alt=plain_text(product.name), reasons=twin.reasons, held_because=twin.held_because,
                             ar_scale=twin.ar_scale, ar_placement=twin.ar_placement)
            self.progress("uploading to the store", 0.88)
            held = twin.state == "review"
            written = self._write_back(clients, product, current, files, meta, held=held)
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)
        reason = "copied the model of a variation with the same photo: nothing was generated"
        if held:
            return JobOutcome(self.product_id, "held", current, model={**(_urls(written) or {}), "state": "review"},
                              generator="copied", reason=f"held for review: {twin.held_because}; {reason}")
        return JobOutcome(self.product_id, "done", current, model=_urls(written), generator="copied", reason=reason)

    def _write_back(
        self, clients: StoreClients, product: Product, current: str, files: dict[str, Path], meta: ModelMeta,
        *, held: bool = False,
    ) -> ModelMeta:
        """Publish (or, `held`, upload for review) and keep the index of held models in step."""
        written = write_back(
            clients, product_id=self.product_id, parent_id=product.parent_id if product.is_variation else 0,
            fingerprint=current, files=files, meta=meta, ledger=AttachmentLedger(self.context.connection), held=held,
        ).meta
        record_held(self.context.connection, self.product_id, held_summary(written) if held else None)
        return written

    def _product_from_snapshot(self) -> Product:
        payload = ProductSnapshots(self.context.connection).load(self.product_id)
        if payload is None:
            raise PermanentPipelineError(
                f"no data for product {self.product_id}: no store is configured (WC_STORE_URL) "
                "and no delivery for it was received"
            )
        return Product.from_api(payload)

    def _parent_from_snapshot(self, product: Product) -> Product | None:
        """A variation's parent as its own delivery brought it, when one came (else the variation stands alone)."""
        if not product.is_variation:
            return None
        payload = ProductSnapshots(self.context.connection).load(product.parent_id)
        return Product.from_api(payload) if payload is not None else None

    def _inputs(self, product: Product, unit: str) -> ProductInput:
        config = self.context.pipeline
        fetcher = ImageFetcher(
            allowed_origins(config.allowed_image_hosts, self.context.store.url),
            max_bytes=config.max_image_bytes, timeout_s=config.image_timeout_s,
            local_dir=None if self.context.store.configured else self.context.local_image_dir,
        )
        images = tuple(
            SourceImage(fetcher.fetch(image.src), name=image.name or f"image-{image.id}", alt=plain_text(image.alt))
            for image in product.images[:MAX_IMAGES]
        )
        return product_input(product, unit, images)

    def _out_dir(self) -> Path:
        config = self.context.pipeline
        if self.context.store.configured:
            config.output_dir.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=f"job-{self.product_id}-", dir=config.output_dir))
        out_dir = config.output_dir / f"product-{self.product_id}"
        out_dir.mkdir(parents=True, exist_ok=True)
        return out_dir


def product_input(product: Product, unit: str, images: tuple[SourceImage, ...] = ()) -> ProductInput:
    """What the generators see of a WooCommerce product: its words, photos and listed size."""
    dims = product.dimensions
    return ProductInput(
        title=plain_text(product.name),
        description=plain_text(product.description) or plain_text(product.short_description),
        images=images,
        listed_size=ListedSize.from_woocommerce(dims.length, dims.width, dims.height, unit),
        product_id=product.id,
        category=product.categories[0].name if product.categories else "",
        categories=tuple(plain_text(c.name) for c in product.categories),
        tags=tuple(plain_text(t.name) for t in product.tags),
        attributes=tuple((a.name, option) for a in product.attributes for option in a.options),
        shape=merchant_shape(product.meta, ((a.name, a.options) for a in product.attributes)),
    )
