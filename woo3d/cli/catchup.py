"""`woo3d backfill` and `woo3d sweep`: queue models for products no webhook told us about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click
from rq import Queue
from tqdm import tqdm

from woo3d.cli.group import main
from woo3d.cli.context import connect_redis, echo_json, load_settings, store_clients
from woo3d.settings import Settings

if TYPE_CHECKING:
    from pipeline.jobs.sweep import SweepConfig
    from pipeline.generators.tripo import TripoBalance


def sweep_config(settings: Settings) -> SweepConfig:
    """The sweep's settings, as `woo3d worker` and `woo3d sweep` give them."""
    from pipeline.jobs.sweep import SweepConfig

    return SweepConfig(
        minutes=settings.sweep_minutes, queue_name=settings.receiver.queue_name,
        enabled_product_types=settings.receiver.enabled_product_types,
        reactivate_webhooks=settings.sweep_reactivate_webhooks, public_url=settings.public_url,
    )


@main.command()
@click.option("--limit", type=click.IntRange(min=1), help="Queue at most this many new jobs, then stop.")
@click.option("--category", metavar="SLUG", help="Only products in this category (its slug).")
@click.option("--dry-run", is_flag=True, help="Count what would be queued (and paid for); queue nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def backfill(limit: int | None, category: str | None, dry_run: bool, as_json: bool) -> None:
    """Walk every product in the store, variations included, and queue a model for each one without a current model."""
    from pipeline.jobs.backfill import backfill as walk

    from pipeline.jobs.backfill import paid_providers

    settings = load_settings()
    connection = connect_redis(settings)
    balance = _tripo_balance(settings) if "tripo" in paid_providers(settings.pipeline) else None
    if balance is not None and balance.balance <= 0 and not dry_run:
        raise click.ClickException(
            "the Tripo balance is 0 credits: top up before a backfill (every product would fall back to the "
            "local generator), or set PIPELINE_ENABLE_3D=false to use the local generator on purpose"
        )
    with store_clients(settings) as clients:
        category_id = None
        if category:
            category_id = clients.woocommerce.category_id(category)
            if category_id is None:
                raise click.ClickException(f"no product category with the slug {category!r}")
        with tqdm(unit="product", desc="dry run" if dry_run else "backfill", dynamic_ncols=True) as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = walk(
                clients.woocommerce, Queue(settings.receiver.queue_name, connection=connection),
                enabled_types=settings.receiver.enabled_product_types, pipeline=settings.pipeline,
                category=category_id, limit=limit, dry_run=dry_run, progress=progress,
            )
    if as_json:
        echo_json({**report.as_dict(), "tripo_balance": balance.balance if balance else None})
        return
    verb = "would queue" if dry_run else "queued"
    click.echo(f"walked {report.walked} of {report.total} products ({report.variations} of them variations) "
               f"in {report.elapsed_s:.1f} s")
    click.echo(f"  {verb}: {len(report.enqueued)}" + ("  (stopped at --limit)" if report.limit_reached else ""))
    click.echo(f"  already queued: {report.already_queued}")
    click.echo(f"  model current: {report.current}")
    click.echo(f"  variations showing their product's model: {report.shows_parent}")
    click.echo(f"  skipped: {sum(report.skipped.values())}")
    for reason, count in report.skipped.most_common():
        click.echo(f"    {count:>6}  {reason}")
    if balance is not None:
        click.echo(f"  Tripo balance: {balance.balance:g} credits ({balance.frozen:g} held by running tasks)")
    if dry_run:
        if report.paid_providers:
            for provider in report.paid_providers:
                click.echo(f"  paid generations ({provider}): at most {len(report.looks)} "
                           "(photos generated before come from the content cache for free)")
        else:
            click.echo("  paid generations: 0 (no paid generator configured: the local generator runs)")


def _tripo_balance(settings: Settings) -> TripoBalance:
    """Tripo's credits, checked before a backfill spends them. Raises ClickException if unreadable."""
    from pipeline.generators.tripo import TripoClient, TripoError, TripoSettings

    try:
        with TripoClient(TripoSettings.from_config(settings.pipeline, max_attempts=1)) as client:
            return client.balance()
    except TripoError as error:
        raise click.ClickException(f"cannot read the Tripo balance before the backfill: {error}") from error


@main.command()
def sweep() -> None:
    """Run the sweep now: queue products modified since the last sweep; report disabled webhooks."""
    from pipeline.jobs.sweep import sweep as run

    settings = load_settings()
    connection = connect_redis(settings)
    with store_clients(settings) as clients:
        report = run(connection, clients, sweep_config(settings))
    data = report.as_dict()
    data["finished_at"] = datetime.fromtimestamp(report.finished_at, UTC).isoformat(timespec="seconds")
    data.pop("started_at")
    echo_json(data)
