"""Job status in Redis (never in product meta: every product write fires another webhook)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from redis import Redis

STATUS_TTL_S = 30 * 24 * 3600


class JobState(str, Enum):
    NONE = "none"
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class JobStatus:
    product_id: int
    state: JobState = JobState.NONE
    job_id: str | None = None
    stage: str | None = None
    progress: float | None = None
    reason: str | None = None
    model: dict[str, Any] | None = None
    updated_at: str | None = None
    quality: dict[str, Any] | None = None  # a finished model's score, terms and reasons (QualityReport.summary())

    def as_dict(self) -> dict[str, Any]:
        # Shallow (vars, not dataclasses.asdict, whose deep copy cost more than the rest of a
        # delivery's status write): every caller serialises the result at once.
        return {**vars(self), "state": self.state.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobStatus:
        return cls(**{**data, "state": JobState(data["state"])})


class StatusBoard:
    """Per-job status records, and a pointer from each product to its latest job."""

    def __init__(self, connection: Redis, prefix: str = "woo3d"):
        self.connection = connection
        self.prefix = prefix

    def job_key(self, job_id: str) -> str:
        """The job's status record (the receiver's script writes a new job's, see pipeline.jobs.outbox)."""
        return f"{self.prefix}:status:job:{job_id}"

    def product_key(self, product_id: int) -> str:
        """The pointer from a product to its latest job."""
        return f"{self.prefix}:status:product:{product_id}"

    def queued(self, product_id: int, job_id: str) -> JobStatus:
        """Record a new job and make it the product's current one."""
        status = queued_status(product_id, job_id)
        with self.connection.pipeline(transaction=True) as pipe:
            pipe.set(self.job_key(job_id), json.dumps(status.as_dict()), ex=STATUS_TTL_S)
            pipe.set(self.product_key(product_id), job_id, ex=STATUS_TTL_S)
            pipe.execute()
        return status

    def running(self, product_id: int, job_id: str, stage: str, progress: float) -> JobStatus:
        return self._write(JobStatus(product_id, JobState.RUNNING, job_id, stage=stage, progress=round(progress, 3)))

    def done(self, product_id: int, job_id: str, model: dict[str, Any] | None, reason: str | None = None,
             quality: dict[str, Any] | None = None) -> JobStatus:
        return self._write(JobStatus(product_id, JobState.DONE, job_id, stage="done", progress=1.0, model=model,
                                     reason=reason, quality=quality))

    def failed(self, product_id: int, job_id: str, reason: str, stage: str | None = None) -> JobStatus:
        return self._write(JobStatus(product_id, JobState.FAILED, job_id, stage=stage, reason=reason))

    def for_job(self, job_id: str) -> JobStatus | None:
        raw = self.connection.get(self.job_key(job_id))
        return JobStatus.from_dict(json.loads(raw)) if raw else None

    def for_product(self, product_id: int) -> JobStatus:
        job_id = self.connection.get(self.product_key(product_id))
        status = self.for_job(job_id.decode()) if job_id else None
        return status or JobStatus(product_id)

    def for_products(self, product_ids: Sequence[int]) -> dict[int, JobStatus]:
        """`for_product` of each product in two Redis round trips (the pointers, then their jobs)."""
        ids = list(dict.fromkeys(product_ids))
        if not ids:
            return {}
        job_ids = self.connection.mget([self.product_key(i) for i in ids])
        known = [(pid, job_id.decode()) for pid, job_id in zip(ids, job_ids) if job_id]
        records = self.connection.mget([self.job_key(job_id) for _, job_id in known]) if known else []
        found = {pid: JobStatus.from_dict(json.loads(raw)) for (pid, _), raw in zip(known, records) if raw}
        return {pid: found.get(pid) or JobStatus(pid) for pid in ids}

    def _write(self, status: JobStatus) -> JobStatus:
        stamped = _stamped(status)
        self.connection.set(self.job_key(str(stamped.job_id)), json.dumps(stamped.as_dict()), ex=STATUS_TTL_S)
        return stamped


def queued_status(product_id: int, job_id: str) -> JobStatus:
    """A new job's first status: queued, nothing done yet."""
    return _stamped(JobStatus(product_id, JobState.QUEUED, job_id=job_id, progress=0.0))


def _stamped(status: JobStatus) -> JobStatus:
    return replace(status, updated_at=datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="seconds"))
