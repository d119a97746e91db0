"""Which docs files are generated, from what, and the write and check over all of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

REFERENCE = Path("docs/reference")


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _openapi_json(cli: click.Command) -> str:
    from woo3d.docs.openapi import openapi_document

    return _json(openapi_document())


def _http_api(cli: click.Command) -> str:
    from woo3d.docs.openapi import http_api_page, openapi_document

    return http_api_page(openapi_document())


def _configuration(cli: click.Command) -> str:
    from woo3d.docs.configuration import configuration_page

    return configuration_page()


def _cli(cli: click.Command) -> str:
    from woo3d.docs.cli_reference import cli_page

    return cli_page(cli)


def _meta_json(cli: click.Command) -> str:
    from woo3d.docs.schemas import meta_schema

    return _json(meta_schema())


def _report_json(cli: click.Command) -> str:
    from woo3d.docs.schemas import report_schema

    return _json(report_schema())


def _meta_page(cli: click.Command) -> str:
    from woo3d.docs.schemas import meta_schema, schema_page

    return schema_page("The `_woo3d_model` meta", "The one product meta woo3d writes (and the plugin reads). A "
                       "held model sits in `pending`, of the same shape.", meta_schema(), "model-meta.schema.json")


def _report_page(cli: click.Command) -> str:
    from woo3d.docs.schemas import report_schema, schema_page

    return schema_page("report.json", "Written beside every model (`woo3d generate --out DIR`, a job's output "
                       "folder, `GET /api/jobs/<id>/files/report.json`).", report_schema(), "report.schema.json")


# Each generated file, relative to the checkout, and what writes it.
GENERATED: dict[Path, Callable[[click.Command], str]] = {
    REFERENCE / "configuration.md": _configuration,
    REFERENCE / "cli.md": _cli,
    REFERENCE / "http-api.md": _http_api,
    REFERENCE / "openapi.json": _openapi_json,
    REFERENCE / "model-meta.md": _meta_page,
    REFERENCE / "schemas" / "model-meta.schema.json": _meta_json,
    REFERENCE / "report.md": _report_page,
    REFERENCE / "schemas" / "report.schema.json": _report_json,
}


def render(cli: click.Command) -> dict[Path, str]:
    """Every generated file's text, by its path relative to the checkout; `cli` is the `woo3d` group
    (passed in by the command that runs this, so the docs never import the CLI that imports them)."""
    return {path: make(cli) for path, make in GENERATED.items()}


def write(root: Path, cli: click.Command) -> list[Path]:
    """Write every generated file under `root`; returns the ones that changed."""
    changed = []
    for path, text in render(cli).items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def check(root: Path, cli: click.Command) -> list[Path]:
    """The generated files under `root` that differ from what the code makes now (empty: all current)."""
    return [path for path, text in render(cli).items()
            if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text]
