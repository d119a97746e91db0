"""The review gate's operations: held models' views and index, and the merchant's approve, discard and regenerate."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from redis import Redis
from rq import Queue

from pipeline.config import PipelineConfig
from pipeline.errors import ExportError, MeshError, StageTimeoutError
from pipeline.jobs.locks import ProductLocked, product_lock
from pipeline.jobs.paid import confirm_regeneration
from pipeline.jobs.queueing import Enqueued, enqueue_generation
from pipeline.jobs.status import StatusBoard
from pipeline.metrics import held_models, record_held
from wp_bridge import AttachmentLedger, ModelMeta, ReviewResult, StoreClients, approve, discard

log = structlog.get_logger(__name__)

# Why a product's run stands down, by which model of its `_woo3d_model` its fingerprint made.
STANDING_REASONS = {
    "live": "unchanged: the product already has this model",
    "review": "unchanged: a model of these photos and text waits for the merchant's review",
    "declined": "unchanged: the merchant discarded the model of these photos and text; "
                "regenerate it by hand, or change the photos or text",
}
VIEW_FILES = {"view_front": "view-front.png", "view_45": "view-45.png", "view_side": "view-side.png"}


Verdict = Callable[[StoreClients, AttachmentLedger, int, "str | None"], ReviewResult]


@dataclass(frozen=True)
class HeldModel:
    """One product's model waiting for review, as the index keeps it (for lists, /metrics and doctor)."""

    product_id: int
    fingerprint: str
    score: int | None
    held_because: str
    reasons: tuple[str, ...]
    generated_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"product_id": self.product_id, "fingerprint": self.fingerprint, "score": self.score,
                "held_because": self.held_because, "reasons": list(self.reasons), "generated_at": self.generated_at}


def held_summary(meta: ModelMeta) -> str:
    """The index's JSON for a held model."""
    score = meta.quality.get("score")
    return json.dumps({"fingerprint": meta.fingerprint, "score": score if isinstance(score, int) else None,
                       "held_because": meta.held_because, "reasons": list(meta.reasons),
                       "generated_at": meta.generated_at})


def held_list(connection: Redis) -> list[HeldModel]:
    """Every product holding a model for review, by product id (unreadable index rows are skipped)."""
    found = []
    for product_id, raw in sorted(held_models(connection).items()):
        try:
            data = json.loads(raw)
            found.append(HeldModel(product_id, str(data["fingerprint"]), data.get("score"),
                                   str(data.get("held_because") or ""), tuple(data.get("reasons") or ()),
                                   data.get("generated_at")))
        except (ValueError, KeyError, TypeError):
            continue
    return found


def render_review_views(glb: Path, out_dir: Path, config: PipelineConfig, warnings: list[str]) -> dict[str, Path]:
    """A held model's turntable views (front, 45°, side) as PNG files by write-back role, rendered
    from the GLB the merchant would publish. A render that fails or is stopped costs the views,
    never the model: a warning says so and the model is held without them."""
    from pipeline.stage2.mesh_io import load_mesh
    from pipeline.stage2.poster import render_turntable

    try:
        images = render_turntable(load_mesh(glb.read_bytes(), "glb"), time_limit_s=config.render_time_limit_s)
    except (StageTimeoutError, ExportError, MeshError) as error:
        warnings.append(f"no review views: {error}")
        return {}
    files = {}
    for role, name in VIEW_FILES.items():
        path = out_dir / name
        images[role.removeprefix("view_")].save(path, compress_level=3)
        files[role] = path
    return files


class ReviewDesk:
    """The merchant's verdicts, each under the product's lock so that it never races a running job."""

    def __init__(self, connection: Redis, clients: StoreClients):
        self.connection = connection
        self.clients = clients
        self.ledger = AttachmentLedger(connection)

    def approve(self, product_id: int, fingerprint: str | None = None) -> ReviewResult:
        """Publish the held model. Raises NothingToReview, ProductLocked or a StoreError."""
        return self._settle(approve, product_id, fingerprint)

    def discard(self, product_id: int, fingerprint: str | None = None) -> ReviewResult:
        """Delete the held model; the live one stays. Raises NothingToReview, ProductLocked or a StoreError."""
        return self._settle(discard, product_id, fingerprint)

    def _settle(self, verdict: Verdict, product_id: int, fingerprint: str | None) -> ReviewResult:
        lock = product_lock(self.connection, product_id)
        if not lock.acquire():
            raise ProductLocked(f"a job is working on product {product_id} now; try again when it has finished")
        try:
            result = verdict(self.clients, self.ledger, product_id, fingerprint)
        finally:
            lock.release()
        record_held(self.connection, product_id, None)
        log.info("review_settled", product_id=product_id, action=result.action, deleted=list(result.deleted))
        return result


def regenerate(queue: Queue, board: StatusBoard, config: PipelineConfig, product_id: int, *, confirm_paid: bool) -> Enqueued:
    """Queue a fresh model for the product (the gate judges it again). When a paid generator is
    configured, only with `confirm_paid`: raises PaidCallNotConfirmed naming the cost otherwise."""
    confirm_regeneration(config, confirmed=confirm_paid)
    return enqueue_generation(queue, board, product_id, None, force=True)
