"""The `woo3d` command: one click group, one module per command family."""

from __future__ import annotations

from woo3d.cli.group import main

# Imported for their side effect of adding commands to `main`; kept in one place.
from woo3d.cli import catchup, deliveries, docs, doctor, generate, plugin, review, service, webhooks_cmd  # noqa: F401

__all__ = ["main"]
