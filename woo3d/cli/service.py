"""`woo3d serve` and `woo3d worker`: the two long-running processes."""

from __future__ import annotations

import click

from woo3d.cli import main
from woo3d.cli.context import connect_redis, load_services, load_settings


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the webhook receiver and admin API (development server; use gunicorn in production)."""
    from woo3d.wsgi import build_app

    build_app().run(host=host, port=port)


@main.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queues", "-q", multiple=True, help="Queues to listen on (default: WOO3D_QUEUE, i.e. woo3d).")
def worker(burst: bool, queues: tuple[str, ...]) -> None:
    """Run an RQ worker for the generation jobs (with the scheduler that runs retries)."""
    from rq import Worker

    from pipeline.jobs import JobContext, configure

    settings = load_settings()
    connection = connect_redis(settings)
    configure(JobContext(connection=connection, pipeline=settings.pipeline, store=settings.store,
                         local_image_dir=settings.local_image_dir))
    names = list(queues) or [settings.receiver.queue_name]
    Worker(names, connection=connection).work(burst=burst, with_scheduler=True, logging_level="WARNING")


@main.command()
@click.argument("product_id", type=click.IntRange(min=1))
@click.option("--force", is_flag=True, help="Regenerate even if the product's model is current.")
def trigger(product_id: int, force: bool) -> None:
    """Queue a model for one product, as the plugin's "Generate 3D model" button does."""
    from pipeline.queueing import enqueue_generation

    app = load_services()
    enqueued = enqueue_generation(app.queue, app.board, product_id, None, force=force)
    note = "" if enqueued.created else " (already queued)"
    click.echo(f"queued job {enqueued.job_id} for product {product_id}{note}")
