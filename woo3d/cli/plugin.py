"""`woo3d wp-plugin --out PATH.zip`: the companion WordPress plugin, packaged for Plugins → Upload."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from woo3d.cli.group import main

# The directory's name for the plugin. A slug that starts with "woo" is WooCommerce's trademark; the
# Python package, the CLI, the meta and the REST namespace keep the name woo3d.
PLUGIN_SLUG = "3d-and-ar-models-for-woocommerce"
PLUGIN_NAME = "3D and AR Models for WooCommerce"
# The plugin as WordPress names it (folder/main file), e.g. for activate_plugin().
PLUGIN_BASENAME = f"{PLUGIN_SLUG}/{PLUGIN_SLUG}.php"
# What ships: the plugin's code, assets (the Draco decoder's .wasm too), readme and licences; not bin/ (the
# vendoring script) nor .wordpress-org/ (the directory's screenshots, which go to the plugin's SVN assets/).
SHIPPED_SUFFIXES = (".php", ".js", ".css", ".txt", ".md", ".wasm")
SKIPPED_DIRS = frozenset({"bin", "__pycache__", ".wordpress-org"})
REQUIRED = (
    f"{PLUGIN_SLUG}.php",
    "uninstall.php",
    "assets/vendor/model-viewer.min.js",
    "assets/vendor/meshopt_decoder.js",
    "assets/vendor/draco/draco_wasm_wrapper.js",
    "assets/vendor/draco/draco_decoder.wasm",
)
# A fixed timestamp makes the same source produce a byte-identical zip.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)
# The translation template, made from the sources at every build so it cannot go stale.
POT_NAME = f"languages/{PLUGIN_SLUG}.pot"
# WordPress's gettext functions as xgettext keywords (argument numbers; "c": the context).
WP_KEYWORDS = (
    "__", "_e", "_x:1,2c", "_ex:1,2c", "_n:1,2", "_nx:1,2,4c", "_n_noop:1,2", "_nx_noop:1,2,3c",
    "esc_html__", "esc_html_e", "esc_html_x:1,2c", "esc_attr__", "esc_attr_e", "esc_attr_x:1,2c",
)


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
    """Writes the installable zip (everything under the slug's folder) and returns how many files it holds.

    Raises click.ClickException when the source is incomplete.
    """
    shipped = plugin_files(root)
    contents = [(name, item.read_bytes()) for name, item in shipped]
    contents = sorted([*contents, (POT_NAME, translation_template(contents))])
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in contents:
            info = zipfile.ZipInfo(f"{PLUGIN_SLUG}/{name}", date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return len(contents)


def translation_template(contents: list[tuple[str, bytes]]) -> bytes:
    """languages/<slug>.pot: every translatable string of the plugin's PHP and of its own scripts
    (wp.i18n), with file references and translator comments, made by gettext's xgettext.

    Raises click.ClickException when xgettext is not installed or fails.
    """
    xgettext = shutil.which("xgettext")
    if xgettext is None:
        raise click.ClickException("the plugin's translation template needs xgettext: apt-get install gettext (deploy/setup.sh does)")
    php = [name for name, _ in contents if name.endswith(".php")]
    scripts = [name for name, _ in contents if name.endswith(".js") and not name.startswith("assets/vendor/")]
    with tempfile.TemporaryDirectory() as folder:
        for name, data in contents:
            if name in php or name in scripts:
                (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
                (Path(folder) / name).write_bytes(data)
        common = [xgettext, "--from-code=UTF-8", "--sort-by-file", "--no-wrap", "--add-comments=translators:", "-k",
                  *(f"--keyword={keyword}" for keyword in WP_KEYWORDS), f"--package-name={PLUGIN_SLUG}",
                  "--msgid-bugs-address=https://github.com/woo3d/woo3d/issues", "--output=template.pot"]
        for language, names, join in (("PHP", php, []), ("JavaScript", scripts, ["--join-existing"])):
            done = subprocess.run([*common, f"--language={language}", *join, *names], cwd=folder,
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise click.ClickException(f"xgettext failed on the plugin's {language}: {done.stderr.strip()}")
        pot = (Path(folder) / "template.pot").read_text(encoding="utf-8")
    return _pot_header(pot).encode()


def _pot_header(pot: str) -> str:
    """xgettext's placeholder title and build date replaced, so the same sources give the same template."""
    pot = re.sub(r"\A(#.*\n)+", f"# Translation template of {PLUGIN_NAME}.\n"
                 "# This file is distributed under the same license as the plugin (MIT).\n", pot)
    pot = re.sub(r'"POT-Creation-Date: [^"]*"', lambda _: '"POT-Creation-Date: 2024-01-01 00:00+0000\\n"', pot)
    encoding = '"Content-Transfer-Encoding: 8bit\\n"\n'
    return pot.replace(encoding, f'{encoding}"X-Domain: {PLUGIN_SLUG}\\n"\n', 1)


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
    help=f"Where to write the plugin zip, e.g. {PLUGIN_SLUG}.zip.",
)
def wp_plugin(out: Path) -> None:
    """Build the companion WordPress plugin as a zip to upload in Plugins → Add New → Upload Plugin."""
    count = build_zip(out)
    size_kib = out.stat().st_size / 1024
    click.echo(f"wrote {out} ({count} files, {size_kib:.0f} KiB): upload it in WordPress under Plugins → Add New → Upload Plugin")
