"""Connection settings for one WooCommerce / WordPress store."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True)
class StoreConfig:
    """Where the store is and how woo3d authenticates to it.

    WooCommerce keys authenticate `/wc/v3/*`; WordPress media routes (`/wp/v2/*`) need an
    application password instead, so both are kept.
    """

    url: str | None = None
    consumer_key: str | None = field(default=None, repr=False)
    consumer_secret: str | None = field(default=None, repr=False)
    wp_username: str | None = None
    wp_application_password: str | None = field(default=None, repr=False)
    timeout_s: float = 30.0

    @property
    def configured(self) -> bool:
        """True when a store URL and WooCommerce keys are set (else: the offline default)."""
        return bool(self.url and self.consumer_key and self.consumer_secret)

    @property
    def host(self) -> str | None:
        return urlsplit(self.url).hostname if self.url else None
