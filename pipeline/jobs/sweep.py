"""The sweep: every few minutes, queue products changed since the last sweep (WooCommerce never retries a delivery).

Variations are not in the product listing, and saving one need not touch its parent, so each sweep
also asks every variable product for its variations changed since (one request per variable product).

It runs as an RQ job on the workers' scheduler. Each run first schedules the next one under a job
id named after its time slot (`woo3d-sweep-<unix time>`, `unique=True`), so any number of workers
asking for it keep exactly one chain alive, and a chain broken by a lost Redis heals when a worker starts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from redis import Redis
from redis.exceptions import LockError
from rq import Queue
from rq.exceptions import DuplicateJobError

from pipeline.jobs.eligibility import judge
from pipeline.metrics import SWEEP_PRODUCTS, SWEEP_RUNS, record_sweep
from pipeline.jobs.queueing import enqueue_generation
from pipeline.jobs.status import StatusBoard
from pipeline.jobs.variations import with_variations
from wp_bridge import Product, StoreClients
from wp_bridge.subscriptions import delivery_url, ours, reactivate

log = structlog.get_logger(__name__)

SWEEP_FUNCTION = "pipeline.jobs.sweep.run_sweep"
JOB_PREFIX = "woo3d-sweep-"
WATERMARK_KEY = "woo3d:sweep:watermark"
REPORT_KEY = "woo3d:sweep:last"
LOCK_KEY = "woo3d:sweep:lock"
# WooCommerce's dates have whole seconds and its clock is not ours: look back a little further
# than the last change seen (re-seeing a product costs one fingerprint, no job).
OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True)
class SweepConfig:
    """What `woo3d worker` gives the sweep; `minutes` 0 turns it off."""

    minutes: int
    queue_name: str
    enabled_product_types: tuple[str, ...]
    reactivate_webhooks: bool = False
    public_url: str | None = None


@dataclass(frozen=True)
class SweepReport:
    """One sweep's result, kept in Redis for `doctor` and `/metrics`."""

    started_at: float
    finished_at: float
    modified_after: str
    checked: int = 0
    enqueued: tuple[int, ...] = ()
    already_queued: int = 0
    current: int = 0
    skipped: int = 0
    variations: int = 0
    shows_parent: int = 0
    disabled_webhooks: tuple[int, ...] = ()
    reactivated_webhooks: tuple[int, ...] = ()
    job_ids: tuple[str, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> SweepReport:
        tuples = {"enqueued", "disabled_webhooks", "reactivated_webhooks", "job_ids"}
        return cls(**{k: tuple(v) if k in tuples else v for k, v in data.items()})  # type: ignore[arg-type]


_config: SweepConfig | None = None


def configure(config: SweepConfig) -> None:
    """Install the sweep's settings in this worker (its work horses inherit them)."""
    global _config
    _config = config


def sweep(
    connection: Redis, clients: StoreClients, config: SweepConfig, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> SweepReport:
    """Queue every product modified since the last sweep whose model is not current; report woo3d's
    disabled webhooks (re-activating them when configured). Raises StoreError and RedisError."""
    started = time.time()
    raw = connection.get(WATERMARK_KEY)
    watermark = datetime.fromisoformat(raw.decode()) if raw else now() - timedelta(minutes=max(config.minutes, 1))
    since = watermark - OVERLAP
    queue = Queue(config.queue_name, connection=connection)
    board = StatusBoard(connection)
    counts = {"checked": 0, "current": 0, "skipped": 0, "already_queued": 0, "variations": 0, "shows_parent": 0}
    enqueued: list[int] = []
    job_ids: list[str] = []
    newest = watermark

    def consider(product: Product, parent: Product | None) -> None:
        nonlocal newest
        counts["checked"] += 1
        counts["variations"] += parent is not None
        if product.date_modified is not None:
            newest = max(newest, product.date_modified)
        verdict = judge(product, config.enabled_product_types, parent)
        SWEEP_PRODUCTS.labels(verdict.action).inc()
        if verdict.action == "enqueue":
            queued = enqueue_generation(queue, board, product.id, verdict.fingerprint,
                                        parent_id=parent.id if parent is not None else 0)
            if queued.created:
                job_ids.append(queued.job_id)
                enqueued.append(product.id)
            else:
                counts["already_queued"] += 1
        elif verdict.action == "parent":
            counts["shows_parent"] += 1
        else:
            counts[verdict.action if verdict.action == "current" else "skipped"] += 1

    woocommerce = clients.woocommerce
    for page in woocommerce.iter_products(modified_after=since):
        for product in page.products:
            consider(product, None)
    for page in woocommerce.iter_products(product_type="variable"):
        for variation, parent in with_variations(woocommerce, page.products, modified_after=since):
            if parent is not None:
                consider(variation, parent)
    connection.set(WATERMARK_KEY, newest.isoformat())

    url = delivery_url(config.public_url) if config.public_url else None
    disabled = [w for w in ours(clients.woocommerce.list_webhooks(), url) if w.status != "active"]
    for webhook in disabled:
        log.warning("webhook_disabled", webhook_id=webhook.id, topic=webhook.topic, status=webhook.status,
                    will_reactivate=config.reactivate_webhooks)
    revived = reactivate(clients.woocommerce, disabled) if config.reactivate_webhooks else []
    report = SweepReport(
        started_at=started, finished_at=time.time(), modified_after=since.isoformat(), **counts,
        enqueued=tuple(enqueued),
        disabled_webhooks=tuple(w.id for w in disabled), reactivated_webhooks=tuple(w.id for w in revived),
        job_ids=tuple(job_ids),
    )
    connection.set(REPORT_KEY, json.dumps(report.as_dict()))
    record_sweep(connection, finished_at=report.finished_at, webhooks_disabled=len(disabled))
    log.info("sweep_done", checked=counts["checked"], enqueued=len(enqueued), current=counts["current"],
             skipped=counts["skipped"], variations=counts["variations"],
             modified_after=report.modified_after, disabled_webhooks=len(disabled))
    return report


def last_sweep(connection: Redis) -> SweepReport | None:
    raw = connection.get(REPORT_KEY)
    return SweepReport.from_dict(json.loads(raw)) if raw else None


def schedule_sweep(queue: Queue, minutes: int, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> str | None:
    """Schedule the sweep at the next multiple of `minutes` (once, however many callers); returns its
    job id, or None when the sweep is off. Needs a worker running with its scheduler."""
    if minutes <= 0:
        return None
    interval = minutes * 60
    slot = (int(now().timestamp()) // interval + 1) * interval
    job_id = f"{JOB_PREFIX}{slot}"
    try:
        queue.enqueue_at(
            datetime.fromtimestamp(slot, UTC), SWEEP_FUNCTION, job_id=job_id, unique=True,
            job_timeout=interval, result_ttl=interval * 6, failure_ttl=7 * 24 * 3600,
            description="sweep of recently modified products",
        )
    except DuplicateJobError:
        pass
    return job_id


def next_sweep(queue: Queue) -> datetime | None:
    """When the next scheduled sweep runs, or None when none is scheduled."""
    registry = queue.scheduled_job_registry
    times = [registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids(cleanup=False)
             if job_id.startswith(JOB_PREFIX)]
    return min(times) if times else None


def run_sweep() -> dict[str, object]:
    """RQ entry point (`pipeline.jobs.sweep.run_sweep`): schedule the next sweep, then sweep unless one is still running."""
    from pipeline.jobs.product_job import current_context

    if _config is None:
        raise RuntimeError("no sweep settings: the sweep runs on `woo3d worker`, which configures it")
    context = current_context()
    queue = Queue(_config.queue_name, connection=context.connection)
    schedule_sweep(queue, _config.minutes)
    lock = context.connection.lock(LOCK_KEY, timeout=max(_config.minutes, 1) * 60)
    if not lock.acquire(blocking=False):
        SWEEP_RUNS.labels("overlap").inc()
        log.warning("sweep_still_running")
        return {"skipped": "the previous sweep is still running"}
    clients = context.clients_factory(context.store)
    try:
        report = sweep(context.connection, clients, _config)
    except Exception:
        SWEEP_RUNS.labels("failed").inc()
        raise
    finally:
        clients.close()
        try:
            lock.release()
        except LockError:
            log.warning("sweep_lock_expired_before_release")
    SWEEP_RUNS.labels("ok").inc()
    return report.as_dict()
