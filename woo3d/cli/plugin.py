"""`woo3d wp-plugin --out PATH.zip`: the companion WordPress plugin, packaged for Plugins → Upload."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from woo3d.cli.group import main

PLUGIN_SLUG = "woo3d"
# What ships: the plugin's code, assets (the Draco decoder's .wasm too), readme and licences; not bin/ (the vendoring script).
SHIPPED_SUFFIXES = (".php", ".js", ".css", ".txt", ".md", ".wasm")
SKIPPED_DIRS = frozenset({"bin", "__pycache__"})
REQUIRED = (
    "woo3d.php",
    "uninstall.php",
    "assets/vendor/model-viewer.min.js",
    "assets/vendor/meshopt_decoder.js",
    "assets/vendor/draco/draco_wasm_wrapper.js",
    "assets/vendor/draco/draco_decoder.wasm",
)
# A fixed timestamp makes the same source produce a byte-identical zip.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def plugin_source() -> Traversable:
    """The plugin's source tree, shipped as package data of `wp_bridge`."""
    return files("wp_bridge") / "wordpress_plugin"


def plugin_files(root: Traversable | None = None) -> list[tuple[str, Traversable]]:
    """(path inside the plugin, file) for every shipped file, sorted.

    Raises click.ClickException when a required file (e.g. the vendored model-viewer) is missing.
    """
    root = root or plugin_source()
    found = sorted(_walk(root, ""), key=lambda item: item[0])
    names = {name for name, _ in found}
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise click.ClickException(f"the plugin source at {root} lacks {', '.join(missing)}")
    return found


def build_zip(out: Path, root: Traversable | None = None) -> int:
    """Writes the installable zip (everything under `woo3d/`) and returns how many files it holds.

    Raises click.ClickException when the source is incomplete.
    """
    shipped = plugin_files(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, item in shipped:
            info = zipfile.ZipInfo(f"{PLUGIN_SLUG}/{name}", date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, item.read_bytes())
    return len(shipped)


def _walk(folder: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for item in folder.iterdir():
        name = f"{prefix}{item.name}"
        if item.is_dir():
            if item.name not in SKIPPED_DIRS:
                yield from _walk(item, f"{name}/")
        elif item.name.endswith(SHIPPED_SUFFIXES):
            yield name, item


@main.command("wp-plugin")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the plugin zip, e.g. woo3d.zip.",
)
def wp_plugin(out: Path) -> None:
    """Build the companion WordPress plugin as a zip to upload in Plugins → Add New → Upload Plugin."""
    count = build_zip(out)
    size_kib = out.stat().st_size / 1024
    click.echo(f"wrote {out} ({count} files, {size_kib:.0f} KiB): upload it in WordPress under Plugins → Add New → Upload Plugin")
