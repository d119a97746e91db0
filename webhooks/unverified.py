"""Requests that carried no valid signature (rejections, activation pings): a small, capped, rate-limited log.

Anyone can send these, so they never share the delivery index (they could push real deliveries
out of it) and are kept only as a summary: a few headers cut to a bounded length, never the body.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

from redis import Redis

from webhooks.deliveries import Delivery, Headers

MAX_HEADERS = 16
MAX_NAME = 64  # header names, and the topic a request claims
MAX_HEADER_VALUE = 200

# One round trip: count the request in the current minute; log it while under the rate, else only
# count it as not logged. The stream is trimmed to its size by XADD itself.
_LOG_SCRIPT = """
local in_window = redis.call('INCR', KEYS[2])
if in_window == 1 then redis.call('EXPIRE', KEYS[2], 60) end
if in_window > tonumber(ARGV[3]) then
  redis.call('INCR', KEYS[3])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
  return false
end
local entry = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', 'meta', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return entry
"""

_RECORD_ID = re.compile(r"^(?:rejected|ping)-(\d+-\d+)$")


def capped_headers(headers: Headers) -> Headers:
    """The first MAX_HEADERS headers, names and values cut to a bounded length."""
    kept = []
    for name, value in headers[:MAX_HEADERS]:
        if len(value) > MAX_HEADER_VALUE:
            value = f"{value[:MAX_HEADER_VALUE]}… ({len(value)} characters)"
        kept.append((name[:MAX_NAME], value))
    if len(headers) > MAX_HEADERS:
        kept.append(("…", f"{len(headers) - MAX_HEADERS} more headers not kept"))
    return tuple(kept)


@dataclass(frozen=True)
class UnverifiedSummary:
    """How many unverified requests the log holds, how many the rate limit left out, and the newest."""

    logged: int
    not_logged: int
    newest: Delivery | None

    def as_dict(self) -> dict[str, object]:
        return {"logged": self.logged, "not_logged": self.not_logged,
                "newest": self.newest.summary() if self.newest else None}


class UnverifiedLog:
    """A Redis stream of request summaries (XADD MAXLEN), at most `per_minute` new entries a minute."""

    def __init__(self, connection: Redis, *, size: int, per_minute: int, retention_days: int, prefix: str = "woo3d"):
        self.connection = connection
        self.size = size
        self.per_minute = per_minute
        self.retention_s = retention_days * 24 * 3600
        self.key = f"{prefix}:unverified"
        self._window_key = f"{prefix}:unverified:window"
        self._not_logged_key = f"{prefix}:unverified:not-logged"
        self._log = connection.register_script(_LOG_SCRIPT)

    def record(self, attempt: Delivery) -> str | None:
        """Log a summary of the attempt (its headers capped, no body); returns its record id, or None
        when this minute's rate is spent. Raises redis errors."""
        summary = replace(attempt, body=None, headers=capped_headers(attempt.headers))
        entry = self._log(keys=[self.key, self._window_key, self._not_logged_key],
                          args=[summary.meta_json(), self.size, self.per_minute, self.retention_s])
        return f"{attempt.outcome}-{entry.decode()}" if entry else None

    def get(self, record_id: str) -> Delivery | None:
        match = _RECORD_ID.match(record_id)
        if not match:
            return None
        entries = self.connection.xrange(self.key, match.group(1), match.group(1))
        return self._delivery(*entries[0]) if entries else None

    def recent(self, limit: int = 50) -> list[Delivery]:
        return [self._delivery(entry, fields) for entry, fields in self.connection.xrevrange(self.key, count=limit)]

    def summary(self) -> UnverifiedSummary:
        with self.connection.pipeline(transaction=False) as pipe:
            pipe.xlen(self.key)
            pipe.get(self._not_logged_key)
            pipe.xrevrange(self.key, count=1)
            logged, not_logged, newest = pipe.execute()
        return UnverifiedSummary(logged, int(not_logged or 0), self._delivery(*newest[0]) if newest else None)

    @staticmethod
    def _delivery(entry: bytes, fields: dict[bytes, bytes]) -> Delivery:
        outcome = json.loads(fields[b"meta"])["outcome"]
        return Delivery.from_stored(f"{outcome}-{entry.decode()}", fields[b"meta"], None)
