"""`woo3d review list|approve|discard`: the merchant's verdict on held models, from the shell."""

from __future__ import annotations

import click

from woo3d.cli.context import connect_redis, echo_json, load_settings, store_clients
from woo3d.cli.group import main


@main.group()
def review() -> None:
    """Models held for approval by the review gate (WOO3D_REVIEW, WOO3D_PUBLISH_MIN_SCORE)."""


@review.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the held models as JSON.")
def list_held(as_json: bool) -> None:
    """Every product whose new model waits for review: score, why it was held, the score's reasons."""
    from pipeline.jobs.review import held_list

    held = held_list(connect_redis(load_settings()))
    if as_json:
        echo_json([model.as_dict() for model in held])
        return
    if not held:
        click.echo("no model waits for review")
        return
    for model in held:
        score = "?" if model.score is None else model.score
        click.echo(f"{model.product_id:>8}  score {score:>3}  held: {model.held_because}  ({model.generated_at or '?'})")
        for reason in model.reasons:
            click.echo(f"{'':>10}- {reason}")


@review.command()
@click.argument("product_id", type=click.IntRange(min=1))
def approve(product_id: int) -> None:
    """Publish PRODUCT_ID's held model on its product page (the model it replaces is deleted)."""
    _settle("approve", product_id)


@review.command()
@click.argument("product_id", type=click.IntRange(min=1))
def discard(product_id: int) -> None:
    """Delete PRODUCT_ID's held model; the live model, if any, stays. Nothing regenerates it until
    the product's photos or text change (or `woo3d trigger --force`)."""
    _settle("discard", product_id)


def _settle(verdict: str, product_id: int) -> None:
    from pipeline.jobs.locks import ProductLocked
    from pipeline.jobs.review import ReviewDesk
    from wp_bridge import NothingToReview

    settings = load_settings()
    connection = connect_redis(settings)
    with store_clients(settings) as clients:
        desk = ReviewDesk(connection, clients)
        try:
            result = desk.approve(product_id) if verdict == "approve" else desk.discard(product_id)
        except (NothingToReview, ProductLocked) as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"product {product_id}: {result.action} the model {result.fingerprint[:19]}; "
               f"deleted {len(result.deleted)} attachment(s)")
    if result.not_deleted:
        click.secho(f"warning  could not delete attachment(s) {list(result.not_deleted)}; the next write-back retries",
                    fg="yellow", err=True)
