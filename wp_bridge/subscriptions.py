"""woo3d's webhooks in WooCommerce: install them idempotently, find them, and re-activate disabled ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from wp_bridge.woocommerce import Webhook, WebhookTopic, WooCommerceClient

DELIVERY_PATH = "/webhooks/woocommerce"
TOPICS: tuple[WebhookTopic, ...] = ("product.created", "product.updated")

Action = Literal["created", "updated", "reactivated", "moved"]


def delivery_url(public_url: str) -> str:
    """The receiver's address for a service URL (`https://woo3d.example` → `…/webhooks/woocommerce`)."""
    base = public_url.rstrip("/")
    return base if base.endswith(DELIVERY_PATH) else base + DELIVERY_PATH


def webhook_name(topic: str) -> str:
    return f"woo3d {topic}"


def is_ours(webhook: Webhook, url: str | None) -> bool:
    """Delivers to this service: to `url` exactly when it is known, else to any woo3d receiver path."""
    if url:
        return webhook.delivery_url.rstrip("/") == url.rstrip("/")
    return webhook.delivery_url.split("?", 1)[0].rstrip("/").endswith(DELIVERY_PATH)


def ours(webhooks: Sequence[Webhook], url: str | None) -> list[Webhook]:
    """The webhooks of woo3d's topics that deliver to this service, by topic then id."""
    return sorted((w for w in webhooks if w.topic in TOPICS and is_ours(w, url)), key=lambda w: (w.topic, w.id))


@dataclass(frozen=True)
class Installed:
    """One topic after `install`: the webhook kept, what was done to it, and duplicates deleted."""

    topic: str
    webhook: Webhook
    action: Action
    deleted: tuple[int, ...] = ()


def install(client: WooCommerceClient, url: str, secret: str) -> list[Installed]:
    """Exactly one active webhook per topic delivering to `url` with `secret`; safe to run again.

    An existing one (ours, or one named by woo3d that delivers elsewhere: the service moved) is
    updated in place with the secret and re-activated; further copies delivering to `url` are
    deleted, since each would deliver every change again. Raises StoreError.
    """
    existing = client.list_webhooks()
    results = []
    for topic in TOPICS:
        same_topic = [w for w in existing if w.topic == topic]
        mine = sorted((w for w in same_topic if is_ours(w, url)), key=lambda w: (w.status != "active", w.id))
        named = [w for w in same_topic if w.name == webhook_name(topic)]
        keep = mine[0] if mine else (named[0] if named else None)
        if keep is None:
            created = client.create_webhook(name=webhook_name(topic), topic=topic, delivery_url=url, secret=secret)
            results.append(Installed(topic, created, "created"))
            continue
        action: Action = "moved" if not is_ours(keep, url) else "reactivated" if keep.status != "active" else "updated"
        updated = client.update_webhook(
            keep.id, name=webhook_name(topic), delivery_url=url, secret=secret, status="active"
        )
        duplicates = tuple(w.id for w in mine if w.id != keep.id)
        for webhook_id in duplicates:
            client.delete_webhook(webhook_id)
        results.append(Installed(topic, updated, action, duplicates))
    return results


def reactivate(client: WooCommerceClient, webhooks: Sequence[Webhook]) -> list[Webhook]:
    """Set each webhook that is not active back to active (WooCommerce disables one after repeated
    failed deliveries and never retries them). Raises StoreError."""
    return [client.update_webhook(w.id, status="active") for w in webhooks if w.status != "active"]
