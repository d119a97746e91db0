"""`woo3d serve` and `woo3d worker`: the two long-running processes."""

from __future__ import annotations

import os
import sys

from typing import TYPE_CHECKING

import click

from woo3d.cli.group import main
from woo3d.cli.context import connect_redis, load_services, load_settings

if TYPE_CHECKING:
    from pipeline.jobs.outbox import Forwarder
    from pipeline.jobs.warm import WarmWorker


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--dev", is_flag=True, help="Flask's development server instead, reloading when the code changes.")
def serve(host: str, port: int, dev: bool) -> None:
    """Run the webhook receiver and admin API under gunicorn, with deploy/gunicorn.conf.py's settings."""
    settings = load_settings()  # bad settings are one clear error here, not a gunicorn worker that fails to boot
    if dev:
        from woo3d.wsgi import build_app

        build_app(settings).run(host=host, port=port, use_reloader=True)
        return
    from dotenv import load_dotenv

    load_dotenv(".env")  # the gunicorn settings (WOO3D_WEB_WORKERS, …) from .env too; the environment wins
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    # A fresh process, not gunicorn inside this one: the CLI has already imported prometheus-client,
    # and the config must set PROMETHEUS_MULTIPROC_DIR before that import for /metrics to add up workers.
    os.execv(sys.executable, [sys.executable, "-m", "gunicorn", "-c", "python:woo3d.gunicorn_conf",
                              "--bind", bind, "woo3d.wsgi:app"])


@main.command()
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
@click.option("--queues", "-q", multiple=True, help="Queues to listen on (default: WOO3D_QUEUE, i.e. woo3d).")
@click.option("--metrics-port", type=click.IntRange(1, 65535),
              help="Serve this machine's job metrics on this port (for worker machines without a web process).")
def worker(burst: bool, queues: tuple[str, ...], metrics_port: int | None) -> None:
    """Run an RQ worker for the generation jobs (with the scheduler that runs retries and the sweep), and
    the outbox forwarder that enqueues the jobs of accepted deliveries (one worker at a time forwards)."""
    from rq import Queue

    from pipeline import metrics
    from pipeline.jobs.outbox import Forwarder, start_forwarder
    from pipeline.jobs import sweep
    from pipeline.jobs.product_job import JobContext, configure
    from pipeline.jobs.warm import WarmWorker
    from woo3d.cli.catchup import sweep_config

    settings = load_settings()
    connection = connect_redis(settings)
    configure(JobContext(connection=connection, pipeline=settings.pipeline, store=settings.store,
                         local_image_dir=settings.local_image_dir))
    metrics.mark_rq_worker()
    if settings.metrics_dir is not None:
        settings.metrics_dir.mkdir(parents=True, exist_ok=True)
    if metrics_port:
        if not metrics.multiprocess_enabled():
            raise click.ClickException("--metrics-port needs PROMETHEUS_MULTIPROC_DIR: jobs count in forked processes")
        metrics.serve(metrics_port)
    if settings.store.configured and settings.sweep_minutes:
        sweep.configure(sweep_config(settings))
        if not burst:  # the chain belongs to long-running workers; a burst worker only runs a due sweep
            sweep.schedule_sweep(Queue(settings.receiver.queue_name, connection=connection), settings.sweep_minutes)
    names = list(queues) or [settings.receiver.queue_name]
    # A connection of its own: the forwarder thread must never share one with the forked work horses.
    forwarding = connect_redis(settings)
    forwarder = Forwarder(forwarding, Queue(settings.receiver.queue_name, connection=forwarding))
    # Work-horses fork from a worker that loaded the pipeline and keeps its render child and node running.
    worker = WarmWorker(names, connection=connection, pipeline=settings.pipeline)
    if burst:
        _work_what_waits(forwarder, worker)
        return
    thread, stop = start_forwarder(forwarder)
    try:
        worker.work(with_scheduler=True, logging_level="WARNING")
    finally:
        stop.set()
        thread.join(10)


def _work_what_waits(forwarder: Forwarder, worker: WarmWorker) -> None:
    """A burst: forward what the receiver accepted, work the queue empty, again while more was accepted
    meanwhile; a ClickException naming what is left when the outbox cannot be forwarded."""
    while True:
        drained = forwarder.drain()
        worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        if drained.left:
            raise click.ClickException(
                f"{drained.left} accepted deliveries are still waiting in the outbox: another worker holds the "
                "outbox lease and does not forward them (is it stuck?). Run `woo3d worker` (long-running), or "
                "this command again once that worker is stopped.")
        if not forwarder.waiting():
            return


@main.command()
@click.argument("product_id", type=click.IntRange(min=1))
@click.option("--force", is_flag=True, help="Regenerate even if the product's model is current.")
def trigger(product_id: int, force: bool) -> None:
    """Queue a model for one product, as the plugin's "Generate 3D model" button does."""
    from pipeline.jobs.queueing import enqueue_generation

    app = load_services()
    enqueued = enqueue_generation(app.queue, app.board, product_id, None, force=force)
    note = "" if enqueued.created else " (already queued)"
    click.echo(f"queued job {enqueued.job_id} for product {product_id}{note}")
