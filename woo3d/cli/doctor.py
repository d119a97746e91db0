"""`woo3d doctor`: one table of health checks, a fix for each failure, exit status 1 when one fails."""

from __future__ import annotations

import textwrap

import click

from woo3d.cli.group import main
from woo3d.cli.context import echo_json, load_settings
from woo3d.doctor import Check, Doctor
from woo3d.redis_connection import connect

MARKS = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "skip": "-"}


def render(checks: list[Check]) -> str:
    """The table: status, check, what was found; each fix indented under its row."""
    width = max(len(c.name) for c in checks)
    lines = [f"{'':<4}  {'check':<{width}}  result", f"{'':<4}  {'-' * width}  {'-' * 6}"]
    for check in checks:
        lines.append(f"{MARKS[check.status]:<4}  {check.name:<{width}}  {check.detail}")
        if check.fix and check.status in ("fail", "warn"):
            lines.extend(textwrap.wrap(check.fix, 100, initial_indent=" " * (width + 6) + "fix: ",
                                       subsequent_indent=" " * (width + 11)))
    failed = sum(c.status == "fail" for c in checks)
    warned = sum(c.status == "warn" for c in checks)
    lines.append(f"\n{failed} failed, {warned} warning(s), {sum(c.status == 'ok' for c in checks)} ok")
    return "\n".join(lines)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
def doctor(as_json: bool) -> None:
    """Check Redis, workers, the sweep, the store's keys, media uploads of GLB/USDZ, the webhooks,
    Tripo/HuggingFace credentials, the learned cut-out's model and free disk; exits 1 when any
    check fails."""
    checks = Doctor(load_settings(), connect=connect).run()
    if as_json:
        echo_json([vars(c) for c in checks])
    else:
        click.echo(render(checks))
    if any(c.status == "fail" for c in checks):
        raise SystemExit(1)
