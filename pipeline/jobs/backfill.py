"""Backfill: walk every product of a store, variations included, and queue a model for each one without a current model."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rq import Queue

from pipeline.config import PipelineConfig
from pipeline.jobs.eligibility import judge
from pipeline.jobs.queueing import enqueue_generation, is_queued
from pipeline.jobs.status import StatusBoard
from pipeline.jobs.variations import with_variations
from wp_bridge import WooCommerceClient

Progress = Callable[[int, int], None]  # (products and variations looked at so far, known so far)


def paid_providers(config: PipelineConfig) -> tuple[str, ...]:
    """The configured generators that cost money per generation: Tripo (per task) and a HuggingFace
    Inference Endpoint (billed by uptime); a public Space and self-hosted Shap-E cost nothing per call."""
    providers = []
    if config.enable_3d_generation and config.tripo_api_key:
        providers.append("tripo")
    if config.enable_huggingface_3d and config.huggingface_config.transport == "endpoint":
        providers.append("huggingface-endpoint")
    return tuple(providers)


@dataclass
class BackfillReport:
    """What a walk found and did. `enqueued` are new jobs (or, in a dry run, jobs it would start);
    `variations` counts the variations walked (also in `total` and `walked`), `shows_parent` those
    that show their parent's model and cost nothing."""

    dry_run: bool
    total: int = 0
    walked: int = 0
    variations: int = 0
    enqueued: list[int] = field(default_factory=list)
    already_queued: int = 0
    current: int = 0
    shows_parent: int = 0
    looks: set[str] = field(default_factory=set)  # what the enqueued jobs generate: variations with one photo share a look
    skipped: Counter[str] = field(default_factory=Counter)
    limit_reached: bool = False
    paid_providers: tuple[str, ...] = ()
    elapsed_s: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run, "total": self.total, "walked": self.walked, "variations": self.variations,
            "enqueued": len(self.enqueued), "already_queued": self.already_queued, "current": self.current,
            "shows_parent": self.shows_parent,
            "skipped": dict(self.skipped), "limit_reached": self.limit_reached,
            "paid_generations_at_most": {p: len(self.looks) for p in self.paid_providers},
            "elapsed_s": round(self.elapsed_s, 3),
        }


def backfill(
    client: WooCommerceClient,
    queue: Queue,
    *,
    enabled_types: tuple[str, ...],
    pipeline: PipelineConfig,
    category: int | None = None,
    limit: int | None = None,
    dry_run: bool = False,
    progress: Progress = lambda done, total: None,
) -> BackfillReport:
    """Walk the listing (100 per page, every status) and each variable product's variations, and queue
    what needs a model, at most `limit` new jobs. A variation with its parent's photo gets none.

    Jobs already queued for the same product state are not queued again, so a second run right
    after the first queues nothing. Raises StoreError and RedisError.
    """
    started = time.perf_counter()
    board = StatusBoard(queue.connection)
    report = BackfillReport(dry_run=dry_run, paid_providers=paid_providers(pipeline))
    for page in client.iter_products(category=category):
        for product, parent in with_variations(client, page.products):
            report.variations += parent is not None
            report.total = page.total + report.variations
            report.walked += 1
            verdict = judge(product, enabled_types, parent)
            parent_id = parent.id if parent is not None else 0
            if verdict.action == "skip":
                report.skipped[verdict.reason or "skipped"] += 1
            elif verdict.action == "current":
                report.current += 1
            elif verdict.action == "parent":
                report.shows_parent += 1
            elif is_queued(queue, product.id, verdict.fingerprint):
                report.already_queued += 1
            elif dry_run or enqueue_generation(queue, board, product.id, verdict.fingerprint, parent_id=parent_id).created:
                report.enqueued.append(product.id)
                report.looks.add(f"{parent_id}:{verdict.fingerprint}" if parent_id else str(product.id))
            else:
                report.already_queued += 1  # another process queued it a moment ago
            progress(report.walked, report.total)
            if limit is not None and len(report.enqueued) >= limit:
                report.limit_reached = True
                report.elapsed_s = time.perf_counter() - started
                return report
    report.elapsed_s = time.perf_counter() - started
    return report
