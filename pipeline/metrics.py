"""Prometheus metrics: the counters every process increments, and the queue state read from Redis at scrape time.

Counters and histograms live in the process that counts (a gunicorn worker, an RQ work horse). With
`PROMETHEUS_MULTIPROC_DIR` set (deploy/ sets it), prometheus-client keeps them in memory-mapped
files there and `render()` adds up every process on the machine. Queue depth, running jobs and the
sweep's last result are Redis state shared by all machines, so they are read at scrape time instead.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from redis import Redis

__all__ = [
    "CACHE_HITS",
    "CONTENT_TYPE",
    "DELIVERIES",
    "GENERATIONS",
    "GENERATION_SECONDS",
    "HELD_MODELS_KEY",
    "OUTBOX_KEY",
    "PAID_API_CALLS",
    "SWEEP_PRODUCTS",
    "SWEEP_RUNS",
    "TRIPO_WEBHOOK_EVENTS",
    "ClusterCollector",
    "mark_rq_worker",
    "multiprocess_enabled",
    "held_models",
    "outbox_state",
    "record_held",
    "render",
    "serve",
]

CONTENT_TYPE = CONTENT_TYPE_LATEST
_rq_worker_pid: int | None = None


def multiprocess_enabled() -> bool:
    """True when prometheus-client runs in multiprocess mode (PROMETHEUS_MULTIPROC_DIR was set at import)."""
    return bool(getattr(values.ValueClass, "_multiprocess", False))


def mark_rq_worker() -> None:
    """Call in an RQ worker before it forks work horses: they then share one set of metric files."""
    global _rq_worker_pid
    _rq_worker_pid = os.getpid()


def _process_identity() -> str | int:
    # RQ forks a new work horse per job and a worker's horses run one at a time, so they may share
    # one identity: the multiprocess directory then grows by one file per worker, not one per job.
    if _rq_worker_pid is not None and os.getppid() == _rq_worker_pid:
        return f"horse{_rq_worker_pid}"
    return os.getpid()


if multiprocess_enabled():
    values.ValueClass = values.MultiProcessValue(process_identifier=_process_identity)  # type: ignore[misc]

DELIVERIES = Counter("woo3d_deliveries", "Webhook deliveries answered, by outcome.", ["outcome"])
GENERATIONS = Counter(
    "woo3d_asset_generation",
    "Product jobs that ended, by status (done, held, unchanged, superseded, parent, failed, retrying) and generator.",
    ["status", "generator"],
)
GENERATION_SECONDS = Histogram(
    "woo3d_asset_generation_duration_seconds",
    "Seconds spent per pipeline stage (`job` is a whole product job).",
    ["stage"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)
PAID_API_CALLS = Counter("woo3d_paid_api_calls", "Calls that cost money (a Tripo task, …), by provider.", ["provider"])
CACHE_HITS = Counter("woo3d_cache_hits", "Generations answered by the content cache, by provider.", ["provider"])
TRIPO_WEBHOOK_EVENTS = Counter(
    "woo3d_tripo_webhook_events",
    "Tripo webhook events taken (not counting redeliveries), by type: task.completed, task.failed, balance.low, other.",
    ["type"],
)
SWEEP_RUNS = Counter("woo3d_sweep_runs", "Sweeps of recently modified products, by outcome.", ["outcome"])
SWEEP_PRODUCTS = Counter("woo3d_sweep_products", "Products the sweep looked at, by verdict.", ["action"])
SWEEP_GAUGES_KEY = "woo3d:metrics:sweep"  # the last sweep's gauges, written by record_sweep


def record_sweep(connection: Redis, *, finished_at: float, webhooks_disabled: int) -> None:
    """Keep the last sweep's gauges in Redis, where every machine's scrape reads them."""
    connection.hset(SWEEP_GAUGES_KEY, mapping={"finished_at": finished_at, "webhooks_disabled": webhooks_disabled})


# The models held for the merchant's review, one field per product (JSON: fingerprint, score, why),
# written by the job, approve and discard; `_woo3d_model` in the store stays the source of truth.
HELD_MODELS_KEY = "woo3d:review:held"


def record_held(connection: Redis, product_id: int, summary: str | None) -> None:
    """Note that a product holds a model for review (`summary`, JSON), or no longer does (None)."""
    if summary is None:
        connection.hdel(HELD_MODELS_KEY, str(int(product_id)))
    else:
        connection.hset(HELD_MODELS_KEY, str(int(product_id)), summary)


# The generation jobs the receiver accepted and no forwarder has enqueued yet (pipeline.jobs.outbox):
# a list of JSON entries, oldest first, each with `accepted_at`.
OUTBOX_KEY = "woo3d:outbox"


def outbox_state(connection: Redis) -> tuple[int, float]:
    """How many accepted jobs wait for the forwarder, and how long the oldest has waited (seconds; 0
    when none waits)."""
    with connection.pipeline(transaction=False) as pipe:
        pipe.llen(OUTBOX_KEY)
        pipe.lindex(OUTBOX_KEY, 0)
        depth, oldest = pipe.execute()
    return int(depth), max(0.0, time.time() - json.loads(oldest)["accepted_at"]) if oldest else 0.0


def held_models(connection: Redis) -> dict[int, str]:
    """Every product holding a model for review, with its summary (JSON), by product id."""
    return {int(k): v.decode() for k, v in connection.hgetall(HELD_MODELS_KEY).items()}


class ClusterCollector(Collector):
    """State shared by every machine, read from Redis at each scrape (identical on every web process)."""

    def __init__(self, connection: Redis):
        self.connection = connection

    def collect(self) -> Iterator[Metric]:
        from rq import Queue, Worker

        depth = GaugeMetricFamily("woo3d_queue_depth", "Jobs waiting in each RQ queue.", labels=["queue"])
        jobs = GaugeMetricFamily("woo3d_jobs", "Jobs in each RQ registry, by queue and state.", labels=["queue", "state"])
        active = 0
        for queue in Queue.all(connection=self.connection):
            depth.add_metric([queue.name], queue.count)
            registries = {
                "started": queue.started_job_registry,
                "scheduled": queue.scheduled_job_registry,
                "deferred": queue.deferred_job_registry,
                "failed": queue.failed_job_registry,
                "finished": queue.finished_job_registry,
            }
            for state, registry in registries.items():
                jobs.add_metric([queue.name, state], registry.get_job_count(cleanup=False))
            active += sum(1 for job_id in queue.started_job_registry.get_job_ids(cleanup=False) if job_id.startswith("gen-"))
        yield depth
        yield jobs
        yield GaugeMetricFamily("woo3d_pipeline_active", "Product jobs running now, on all workers.", value=active)
        yield GaugeMetricFamily("woo3d_workers", "RQ workers alive.", value=Worker.count(connection=self.connection))
        yield GaugeMetricFamily(
            "woo3d_models_held", "Products whose new model waits for the merchant's review.",
            value=self.connection.hlen(HELD_MODELS_KEY),
        )
        depth, oldest_age_s = outbox_state(self.connection)
        yield GaugeMetricFamily(
            "woo3d_outbox_depth", "Accepted deliveries' jobs waiting for the forwarder (in `woo3d worker`) to enqueue them.",
            value=depth,
        )
        yield GaugeMetricFamily(
            "woo3d_outbox_oldest_age_seconds", "How long the oldest of them has waited (0 when none waits).",
            value=oldest_age_s,
        )
        sweep = self.connection.hgetall(SWEEP_GAUGES_KEY)
        if sweep:
            yield GaugeMetricFamily(
                "woo3d_sweep_last_run_timestamp_seconds", "When the last sweep finished (Unix time).",
                value=float(sweep[b"finished_at"]),
            )
            yield GaugeMetricFamily(
                "woo3d_webhooks_disabled", "woo3d's webhooks WooCommerce had disabled at the last sweep.",
                value=int(sweep[b"webhooks_disabled"]),
            )


class _ProcessCollector(Collector):
    """This process's default registry, for single-process mode (development server, tests)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def render(connection: Redis | None) -> bytes:
    """The exposition text: every process's counters (multiprocess mode) or this one's, plus Redis state."""
    registry = CollectorRegistry()
    if multiprocess_enabled():
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessCollector())
    if connection is not None:
        registry.register(ClusterCollector(connection))
    return generate_latest(registry)


def serve(port: int, host: str = "0.0.0.0") -> None:
    """Serve every process's counters on this machine from a background thread (multiprocess mode)."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    start_http_server(port, addr=host, registry=registry)
