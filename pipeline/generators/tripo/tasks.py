"""Where Tripo task ids and webhook-reported statuses live in Redis, so a re-run resumes a paid task."""

from __future__ import annotations

import json
from dataclasses import dataclass

from redis import Redis

_TASK_KEY = "woo3d:tripo:task:{key}"
_STATUS_KEY = "woo3d:tripo:status:{task_id}"
_CREATING = "creating"


@dataclass(frozen=True)
class StoredTask:
    """What is known about the content key's task: an id, or only that a create is under way."""

    task_id: str | None
    api_version: str


@dataclass(frozen=True)
class ReportedStatus:
    """A final status a signed Tripo webhook reported for a task."""

    task_id: str
    status: str


class TaskStore:
    """Task ids keyed by content-cache key; `claim` is atomic, so only one worker pays for a content."""

    def __init__(self, connection: Redis, task_ttl_s: int = 7 * 24 * 3600, claim_ttl_s: int = 900):
        self.connection = connection
        self.task_ttl_s = task_ttl_s
        self.claim_ttl_s = claim_ttl_s

    def get(self, key: str) -> StoredTask | None:
        raw = self.connection.get(_TASK_KEY.format(key=key))
        if raw is None:
            return None
        value = json.loads(raw)
        task_id = value.get("task_id")
        return StoredTask(task_id if task_id != _CREATING else None, str(value.get("api_version", "")))

    def claim(self, key: str, api_version: str) -> bool:
        """Mark that this worker is about to create the task; False when a task or a claim exists.

        The claim expires, so a create whose outcome stayed unknown blocks re-sending only for a while.
        """
        value = json.dumps({"task_id": _CREATING, "api_version": api_version})
        return bool(self.connection.set(_TASK_KEY.format(key=key), value, nx=True, ex=self.claim_ttl_s))

    def save(self, key: str, task_id: str, api_version: str) -> None:
        value = json.dumps({"task_id": task_id, "api_version": api_version})
        self.connection.set(_TASK_KEY.format(key=key), value, ex=self.task_ttl_s)

    def forget(self, key: str) -> None:
        """Drop the key's task (it failed for good, or Tripo refused the create: nothing was made)."""
        self.connection.delete(_TASK_KEY.format(key=key))

    def record_status(self, task_id: str, status: str, ttl_s: int = 24 * 3600) -> None:
        self.connection.set(_STATUS_KEY.format(task_id=task_id), status, ex=ttl_s)

    def reported_status(self, task_id: str) -> ReportedStatus | None:
        raw = self.connection.get(_STATUS_KEY.format(task_id=task_id))
        if raw is None:
            return None
        return ReportedStatus(task_id, raw.decode() if isinstance(raw, bytes) else str(raw))
