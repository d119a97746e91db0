"""`woo3d webhooks install|status`: woo3d's product webhooks in WooCommerce."""

from __future__ import annotations

import click

from woo3d.cli.group import main
from woo3d.cli.context import echo_json, load_settings, store_clients
from wp_bridge.subscriptions import TOPICS, delivery_url, install, ours
from wp_bridge.woocommerce import Webhook


def _row(webhook: Webhook, note: str = "") -> str:
    return f"{webhook.id:>6}  {webhook.topic:<16} {webhook.status:<9} {webhook.delivery_url}" + (f"  ({note})" if note else "")


@main.group()
def webhooks() -> None:
    """WooCommerce webhooks that deliver product changes to woo3d."""


@webhooks.command("install")
@click.option("--url", "public_url", help="This service's public URL (default: WOO3D_PUBLIC_URL).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def install_webhooks(public_url: str | None, as_json: bool) -> None:
    """Create or update one active product.created and one product.updated webhook pointing here.

    Safe to run again: existing ones are updated in place (secret re-sent, re-activated),
    duplicates pointing here are deleted.
    """
    settings = load_settings()
    secret = settings.receiver.webhook_secret
    if not secret:
        raise click.ClickException("WC_WEBHOOK_SECRET is not set: choose a long random secret; woo3d gives it to WooCommerce")
    public_url = public_url or settings.public_url
    if not public_url or not public_url.startswith(("http://", "https://")):
        raise click.ClickException("give the service's public URL: --url https://woo3d.example (or set WOO3D_PUBLIC_URL)")
    url = delivery_url(public_url)
    with store_clients(settings) as clients:
        results = install(clients.woocommerce, url, secret)
    if as_json:
        echo_json([{"topic": r.topic, "id": r.webhook.id, "status": r.webhook.status, "action": r.action,
                    "delivery_url": r.webhook.delivery_url, "deleted_duplicates": list(r.deleted)} for r in results])
        return
    for result in results:
        note = result.action + (f", deleted duplicates {', '.join(map(str, result.deleted))}" if result.deleted else "")
        click.echo(_row(result.webhook, note))
    if settings.public_url and delivery_url(settings.public_url) != url:
        click.echo(f"note: WOO3D_PUBLIC_URL ({settings.public_url}) differs from --url; doctor and the sweep check against it")


@webhooks.command("status")
def webhook_status() -> None:
    """woo3d's webhooks and their status; exits 1 when one is missing or not active."""
    settings = load_settings()
    url = delivery_url(settings.public_url) if settings.public_url else None
    with store_clients(settings) as clients:
        found = ours(clients.woocommerce.list_webhooks(), url)
    for webhook in found:
        click.echo(_row(webhook))
    missing = [t for t in TOPICS if not any(w.topic == t for w in found)]
    for topic in missing:
        click.echo(f"{'-':>6}  {topic:<16} {'missing':<9} run `woo3d webhooks install --url PUBLIC_URL`")
    if missing or any(w.status != "active" for w in found):
        raise SystemExit(1)
