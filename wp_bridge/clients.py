"""The pair of store clients a job needs, built from one StoreConfig."""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from wp_bridge.config import StoreConfig
from wp_bridge.media import MediaClient
from wp_bridge.retry import RetryPolicy
from wp_bridge.woocommerce import WooCommerceClient


class StoreNotConfigured(ValueError):
    """The store URL or the WooCommerce keys are missing (woo3d then runs without a store)."""


@dataclass(frozen=True)
class StoreClients:
    woocommerce: WooCommerceClient
    media: MediaClient
    session: requests.Session = field(repr=False, default_factory=requests.Session)

    @classmethod
    def from_config(
        cls, config: StoreConfig, session: requests.Session | None = None, *, retry: RetryPolicy | None = None
    ) -> StoreClients:
        """Both clients, sharing one `requests.Session` (injectable for tests).

        Raises StoreNotConfigured without a URL and WooCommerce keys. Missing WordPress
        credentials only fail when media is used (AuthenticationError), so `doctor` can report them.
        """
        if not (config.url and config.consumer_key and config.consumer_secret):
            raise StoreNotConfigured("set WC_STORE_URL, WC_CONSUMER_KEY and WC_CONSUMER_SECRET to talk to a store")
        shared = session or requests.Session()
        return cls(
            woocommerce=WooCommerceClient(
                config.url,
                config.consumer_key,
                config.consumer_secret,
                session=shared,
                timeout_s=config.timeout_s,
                retry=retry,
            ),
            media=MediaClient(
                config.url,
                config.wp_username,
                config.wp_application_password,
                session=shared,
                timeout_s=max(config.timeout_s, 60.0),
                retry=retry,
            ),
            session=shared,
        )

    def close(self) -> None:
        """Close the shared session's pooled connections."""
        self.session.close()
