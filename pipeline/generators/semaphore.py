"""A Redis semaphore with expiring leases: caps concurrent paid tasks per API key across every worker."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import structlog
from redis import Redis

from pipeline.errors import RetryablePipelineError

log = structlog.get_logger(__name__)

# The server's clock decides expiry, so workers on machines with skewed clocks agree.
# KEYS[1] the sorted set of leases (member: token, score: expiry in ms); ARGV: limit, lease_ms, token.
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0
"""

# Extends a lease that is still held; answers 0 when it had already expired (and was maybe taken).
_REFRESH = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not expiry or tonumber(expiry) < now_ms then
  return 0
end
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
return 1
"""


class SemaphoreTimeout(RetryablePipelineError):
    """No slot became free in time; the job may run again later."""


def semaphore_name(service: str, api_key: str) -> str:
    """The Redis key of a service's semaphore for one API key (hashed: the key itself is a secret)."""
    digest = hashlib.sha256(api_key.encode()).hexdigest()[:16]
    return f"woo3d:semaphore:{service}:{digest}"


class RedisSemaphore:
    """At most `limit` holders at once; a holder that dies loses its slot when its lease expires."""

    def __init__(
        self,
        connection: Redis,
        name: str,
        limit: int = 10,
        lease_s: float = 900.0,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if limit < 1:
            raise ValueError(f"a semaphore needs a limit of at least 1, got {limit}")
        self.connection = connection
        self.name = name
        self.limit = limit
        self.lease_ms = max(1, int(lease_s * 1000))
        self._sleep = sleep
        self._clock = clock
        self._acquire = connection.register_script(_ACQUIRE)
        self._refresh = connection.register_script(_REFRESH)

    def try_acquire(self) -> str | None:
        """A lease token if a slot is free now, else None."""
        token = uuid.uuid4().hex
        if self._acquire(keys=[self.name], args=[self.limit, self.lease_ms, token]):
            return token
        return None

    def acquire(self, timeout_s: float, poll_s: float = 0.5) -> str:
        """Wait up to `timeout_s` for a slot and return its lease token.

        Raises SemaphoreTimeout when none became free in time.
        """
        deadline = self._clock() + timeout_s
        while True:
            token = self.try_acquire()
            if token is not None:
                return token
            if self._clock() >= deadline:
                raise SemaphoreTimeout(f"{self.name}: all {self.limit} slots stayed busy for {timeout_s:.0f} s")
            self._sleep(poll_s)

    def refresh(self, token: str) -> bool:
        """Extend a held lease; False when it had already expired."""
        return bool(self._refresh(keys=[self.name], args=[self.lease_ms, token]))

    def release(self, token: str) -> None:
        self.connection.zrem(self.name, token)

    def holders(self) -> int:
        """How many unexpired leases there are now."""
        now_s, now_us = self.connection.time()
        now_ms = now_s * 1000 + now_us // 1000
        return int(self.connection.zcount(self.name, now_ms, "+inf"))

    @contextmanager
    def hold(self, timeout_s: float) -> Iterator[str]:
        """`with semaphore.hold(60) as token:` holds one slot for the block."""
        token = self.acquire(timeout_s)
        log.debug("semaphore_acquired", semaphore=self.name)
        try:
            yield token
        finally:
            self.release(token)
