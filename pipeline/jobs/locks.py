"""The per-product lock: one writer of a product's model at a time (a job, an approval, a discard)."""

from __future__ import annotations

from redis import Redis
from redis.lock import Lock

from pipeline.errors import RetryablePipelineError

# The per-product lock outlives a crashed job by at most this long (RQ notices the dead worker
# after ~90 s and retries it later); a live job renews it every third of that.
PRODUCT_LOCK_TTL_S = 60


class ProductLocked(RetryablePipelineError):
    """Another job holds this product; RQ tries this one again later."""


def product_lock(connection: Redis, product_id: int, blocking_timeout: float = 5) -> Lock:
    """The product's lock (not yet acquired); any thread may release it."""
    return connection.lock(f"woo3d:lock:product:{int(product_id)}", timeout=PRODUCT_LOCK_TTL_S,
                           blocking_timeout=blocking_timeout, thread_local=False)
