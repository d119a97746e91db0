"""`woo3d serve` and `woo3d worker`: the two long-running processes."""

from __future__ import annotations

import click

from woo3d.cli import main


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run the webhook receiver and admin API (development server; use gunicorn in production)."""
    from woo3d.wsgi import build_app

    build_app().run(host=host, port=port)
