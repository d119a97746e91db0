"""The `woo3d` click group that every command module adds its commands to."""

from __future__ import annotations

import click

from woo3d import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="woo3d")
def main() -> None:
    """3D/AR models for every WooCommerce product."""
