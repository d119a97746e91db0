"""Enqueueing the product job: deterministic job ids, one live job per product+fingerprint."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from typing import Any

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus as RQJobStatus

from pipeline.jobs.status import StatusBoard

JOB_FUNCTION = "pipeline.jobs.generate_product_model"
JOB_TIMEOUT_S = 30 * 60
RESULT_TTL_S = 7 * 24 * 3600
FAILURE_TTL_S = 30 * 24 * 3600
# Crashes and passing store/API faults: a few tries with growing pauses (needs the worker's scheduler).
JOB_RETRY = Retry(max=3, interval=[30, 120, 600])

# A job in one of these states is over: a new delivery for its id replaces it rather than waiting on it.
SETTLED = frozenset({RQJobStatus.FAILED, RQJobStatus.STOPPED, RQJobStatus.CANCELED, RQJobStatus.FINISHED})


def generation_job_id(product_id: int, fingerprint: str | None, force: bool = False) -> str:
    """`gen-<product>-<fingerprint12>`; a forced run gets a fresh suffix so it never merges with others."""
    digest = (fingerprint or "latest").removeprefix("sha256:")[:12]
    base = f"gen-{product_id}-{digest}"
    return f"{base}-force-{uuid.uuid4().hex[:8]}" if force else base


def job_options(product_id: int, fingerprint: str | None, force: bool, parent_id: int) -> dict[str, Any]:
    """The product job's arguments and settings, for `Queue.enqueue_call` and `Queue.prepare_data` alike."""
    return {
        "args": (product_id, fingerprint),
        "kwargs": {"force": force, **({"parent_id": parent_id} if parent_id else {})},
        "timeout": JOB_TIMEOUT_S,
        "result_ttl": RESULT_TTL_S,
        "failure_ttl": FAILURE_TTL_S,
        "retry": JOB_RETRY,
        "description": f"3D model for product {product_id}",
    }


@dataclass(frozen=True)
class Enqueued:
    job_id: str
    created: bool  # False when a live job with the same id was already queued or running


def enqueue_generation(
    queue: Queue, board: StatusBoard, product_id: int, fingerprint: str | None, *, force: bool = False,
    parent_id: int = 0,
) -> Enqueued:
    """Enqueue `pipeline.jobs.generate_product_model` once per product+fingerprint.

    `parent_id` names a variation's variable product when the caller knows it (a delivery, a
    listing), so the job reads and writes it through `/products/<parent>/variations/<id>`; a job
    without it finds out from the store.

    A settled job (done, failed, stopped) with the same id is replaced, so a product whose
    generation failed gets a new try on its next delivery. Raises redis errors as they come.
    """
    job_id = generation_job_id(product_id, fingerprint, force)
    for _attempt in range(2):
        try:
            queue.enqueue_call(JOB_FUNCTION, job_id=job_id, unique=True,
                               **job_options(product_id, fingerprint, force, parent_id))
        except DuplicateJobError:
            if not discard_if_settled(queue, job_id):
                return Enqueued(job_id, created=False)
            continue
        board.queued(product_id, job_id)
        return Enqueued(job_id, created=True)
    return Enqueued(job_id, created=False)


def is_queued(queue: Queue, product_id: int, fingerprint: str | None) -> bool:
    """True when this product+fingerprint's job is queued, scheduled or running: enqueueing it would add nothing."""
    try:
        job = Job.fetch(generation_job_id(product_id, fingerprint), connection=queue.connection)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=True) not in SETTLED


def discard_if_settled(queue: Queue, job_id: str) -> bool:
    """Delete the job with this id when it is over; True when none is left (so one may be enqueued)."""
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return True
    if job.get_status(refresh=True) in SETTLED:
        job.delete()
        return True
    return False
