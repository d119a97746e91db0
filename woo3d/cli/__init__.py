"""The `woo3d` command: one click group, one module per command family."""

from __future__ import annotations

import click

from woo3d import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="woo3d")
def main() -> None:
    """3D/AR models for every WooCommerce product."""


def _register() -> None:
    # Imported for their side effect of adding commands to `main`; kept in one place.
    from woo3d.cli import deliveries, service  # noqa: F401
    from woo3d.cli import plugin  # noqa: F401
    from woo3d.cli import generate  # noqa: F401
    from woo3d.cli import catchup, doctor, webhooks_cmd  # noqa: F401


_register()
