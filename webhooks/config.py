"""Settings of the webhook receiver and the admin API."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_PRODUCT_TYPES = ("simple", "variable", "variation", "grouped", "external")


@dataclass(frozen=True)
class ReceiverConfig:
    webhook_secret: str | None = field(default=None, repr=False)
    admin_token: str | None = field(default=None, repr=False)
    metrics_token: str | None = field(default=None, repr=False)  # None: /metrics is open (private network)
    max_body_bytes: int = 2 * 1024 * 1024
    delivery_retention_count: int = 10_000
    delivery_retention_days: int = 14
    unverified_log_size: int = 500  # summaries of unsigned/forged requests and pings kept (a Redis stream)
    unverified_log_per_minute: int = 60  # more in one minute are only counted
    enabled_product_types: tuple[str, ...] = DEFAULT_PRODUCT_TYPES
    queue_name: str = "woo3d"
