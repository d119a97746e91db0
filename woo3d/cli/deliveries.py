"""`woo3d deliveries list|show|replay`: look at stored webhook deliveries and run them again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from webhooks.deliveries import Delivery
from webhooks.replay import ReplayError, replay_file, replay_stored
from woo3d.cli.group import main
from woo3d.cli.context import echo_json, load_services


@main.group()
def deliveries() -> None:
    """Stored webhook deliveries (for debugging)."""


@deliveries.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option("--unverified", is_flag=True,
              help="List the requests without a valid signature (rejections, activation pings) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_deliveries(limit: int, unverified: bool, as_json: bool) -> None:
    """The most recent deliveries, newest first, and a line on the unverified requests."""
    app = load_services()
    recent = app.unverified.recent(limit) if unverified else app.store.recent(limit)
    summary = app.unverified.summary()
    if as_json:
        echo_json([d.summary() for d in recent])
        return
    click.echo(f"{'id':<40} {'received (UTC)':<20} {'topic':<16} {'product':>7} {'status':>6}  outcome")
    for delivery in recent:
        click.echo(
            f"{delivery.id:<40} {_when(delivery.received_at):<20} {delivery.topic or '-':<16} "
            f"{delivery.product_id or '-':>7} {delivery.http_status or '-':>6}  {_outcome(delivery)}"
        )
    if unverified:
        click.echo(f"({len(recent)} of {summary.logged} logged; {summary.not_logged} more over the rate limit not logged)")
        return
    click.echo(f"({len(recent)} of {app.store.count()} stored)")
    if summary.newest is not None:
        click.echo(
            f"{summary.logged} unverified requests logged ({summary.not_logged} more not logged), newest "
            f"{_when(summary.newest.received_at)}: {_outcome(summary.newest)} — see `woo3d deliveries list --unverified`"
        )


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _outcome(delivery: Delivery) -> str:
    return delivery.outcome + (f": {delivery.reason}" if delivery.reason else "")


@deliveries.command()
@click.argument("delivery_id")
def show(delivery_id: str) -> None:
    """One delivery (or an unverified request's summary): headers, body, outcome."""
    delivery = load_services().intake.find(delivery_id)
    if delivery is None:
        raise click.ClickException(f"no stored delivery {delivery_id!r}")
    echo_json(delivery.detail())


@deliveries.command()
@click.argument("delivery_id", required=False)
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Replay a saved delivery (JSON, the shape of the recorded fixtures) instead of a stored one.")
@click.option("--force", is_flag=True, help="Bypass delivery-id and fingerprint de-duplication.")
@click.option("--sign", is_flag=True, help="With --file: sign the body with the current WC_WEBHOOK_SECRET first.")
def replay(delivery_id: str | None, path: Path | None, force: bool, sign: bool) -> None:
    """Run a delivery through the same code path as a live one."""
    if bool(delivery_id) == bool(path):
        raise click.UsageError("give either a DELIVERY_ID or --file PATH")
    if sign and not path:
        raise click.UsageError("--sign is for --file deliveries; stored ones keep their signature")
    app = load_services()
    try:
        if path:
            outcome = replay_file(app.intake, path, force=force, sign=sign)
        else:
            outcome = replay_stored(app.intake, app.store, delivery_id or "", force=force)
    except ReplayError as error:
        raise click.ClickException(str(error)) from error
    echo_json({"http_status": outcome.http_status, **outcome.body})
    if outcome.http_status >= 400:
        raise SystemExit(1)
