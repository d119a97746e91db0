"""`woo3d docs`: rewrite the generated reference pages, check them, or refresh the screenshots."""

from __future__ import annotations

from pathlib import Path

import click

from woo3d.cli.group import main

ROOT = Path(__file__).resolve().parents[2]


@main.group(invoke_without_command=True)
@click.pass_context
def docs(ctx: click.Context) -> None:
    """The docs site's generated parts: with no subcommand, `write`."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(write)


@docs.command()
def write() -> None:
    """Rewrite docs/reference/ from the code: configuration (woo3d/settings.py), CLI (click's help),
    HTTP API (the Flask routes, as OpenAPI), the meta and report.json schemas."""
    from woo3d.docs import write as write_pages

    changed = write_pages(ROOT, click.get_current_context().find_root().command)
    for path in changed:
        click.echo(f"wrote {path}")
    click.echo(f"{len(changed)} generated file(s) changed" if changed else "the generated files are current")


@docs.command()
def check() -> None:
    """Exit 1 when a generated page differs from what the code makes now."""
    from woo3d.docs import check as check_pages

    stale = check_pages(ROOT, click.get_current_context().find_root().command)
    for path in stale:
        click.echo(f"stale: {path}", err=True)
    if stale:
        raise click.ClickException("run `woo3d docs write` (or `python -m woo3d.docs`) and commit the result")
    click.echo("the generated files are current")


@docs.command()
@click.option("--no-tests", is_flag=True, help="Copy what test-artifacts/ holds now; run no browser test.")
def screenshots(no_tests: bool) -> None:
    """Refresh docs/images/ and the WordPress.org directory's screenshots: run the plugin's real-browser
    tests (and the real-store tests where WOO3D_WP_STACK is set), copy their chosen screenshots, and draw
    the overview picture."""
    from woo3d.docs.screenshots import copy_screenshots, overview, run_browser_tests

    if not no_tests and run_browser_tests(ROOT) != 0:
        click.echo("some browser tests failed: copying the screenshots they did take", err=True)
    for path in [*copy_screenshots(ROOT), overview(ROOT)]:
        click.echo(f"wrote {path}")
