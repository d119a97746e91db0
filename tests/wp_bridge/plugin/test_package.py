"""`woo3d wp-plugin` builds an installable, reproducible zip with the bundled model-viewer."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from woo3d import __version__
from woo3d.cli import main
from woo3d.cli.plugin import PLUGIN_BASENAME, PLUGIN_SLUG, build_zip, plugin_source

REPO = Path(__file__).resolve().parents[3]
NPM_BUNDLE = REPO / "node_modules" / "@google" / "model-viewer" / "dist" / "model-viewer.min.js"
VENDORED = Path(str(plugin_source())) / "assets" / "vendor"


def test_cli_writes_a_zip_with_the_plugin_under_one_folder(tmp_path: Path) -> None:
    out = tmp_path / f"{PLUGIN_SLUG}.zip"
    result = CliRunner().invoke(main, ["wp-plugin", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Upload Plugin" in result.output
    names = zipfile.ZipFile(out).namelist()
    assert all(name.startswith(f"{PLUGIN_SLUG}/") for name in names)
    for required in (PLUGIN_BASENAME, "uninstall.php", "readme.txt",
                     "assets/vendor/model-viewer.min.js", "assets/vendor/model-viewer-LICENSE.txt",
                     "assets/js/admin-product.js", "includes/class-woo3d-rest.php",
                     "assets/vendor/meshopt_decoder.js", "assets/vendor/draco/draco_wasm_wrapper.js",
                     "assets/vendor/draco/draco_decoder.wasm"):
        assert (required if required == PLUGIN_BASENAME else f"{PLUGIN_SLUG}/{required}") in names
    assert not [n for n in names if "/bin/" in n or n.endswith((".py", ".sh", ".pyc"))]


def test_the_same_source_gives_a_byte_identical_zip(tmp_path: Path) -> None:
    build_zip(tmp_path / "a.zip")
    build_zip(tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_plugin_header_version_matches_the_package() -> None:
    main_file = (Path(str(plugin_source())) / f"{PLUGIN_SLUG}.php").read_text()
    assert re.search(r"^\s*\* Version:\s+(\S+)$", main_file, re.M).group(1) == __version__  # type: ignore[union-attr]
    parts = (Path(str(plugin_source())) / "includes" / "class-woo3d-plugin.php").read_text()
    assert f"const VERSION = '{__version__}';" in parts
    readme = (Path(str(plugin_source())) / "readme.txt").read_text()
    assert f"Stable tag: {__version__}" in readme


@pytest.mark.skipif(not NPM_BUNDLE.is_file(), reason="node_modules is not installed: run deploy/setup.sh")
def test_vendored_model_viewer_is_the_pinned_npm_bundle() -> None:
    """Fails after a package.json bump until bin/refresh-model-viewer.sh has run."""
    assert (VENDORED / "model-viewer.min.js").read_bytes() == NPM_BUNDLE.read_bytes()
    pinned = (REPO / "package.json").read_text()
    version = (VENDORED / "model-viewer-VERSION.txt").read_text().strip()
    assert f'"@google/model-viewer": "{version}"' in pinned


@pytest.mark.skipif(not NPM_BUNDLE.is_file(), reason="node_modules is not installed: run deploy/setup.sh")
def test_vendored_decoders_are_the_pinned_npm_files() -> None:
    """The meshopt and Draco decoders model-viewer fetches for compressed GLBs, as npm ships them."""
    modules = REPO / "node_modules"
    draco = modules / "three" / "examples" / "jsm" / "libs" / "draco" / "gltf"
    copies = {
        "meshopt_decoder.js": modules / "meshoptimizer" / "meshopt_decoder.cjs",
        "draco/draco_wasm_wrapper.js": draco / "draco_wasm_wrapper.js",
        "draco/draco_decoder.wasm": draco / "draco_decoder.wasm",
    }
    for vendored, source in copies.items():
        assert (VENDORED / vendored).read_bytes() == source.read_bytes(), vendored
    version = (VENDORED / "meshoptimizer-VERSION.txt").read_text().strip()
    assert f'"meshoptimizer": "{version}"' in (REPO / "package.json").read_text()


def test_no_file_loads_anything_from_a_cdn() -> None:
    for path in Path(str(plugin_source())).rglob("*"):
        if path.suffix in {".php", ".css"} or (path.suffix == ".js" and "vendor" not in path.parts):
            text = path.read_text()
            assert not re.search(r"https?://(unpkg|cdn|ajax\.googleapis|cdnjs|jsdelivr)", text), path


def test_the_zip_ships_a_translation_template_made_from_the_sources(tmp_path: Path) -> None:
    """languages/<slug>.pot holds the PHP strings (with translator comments) and the block editor's
    wp.i18n strings, each with its file, so `wp i18n make-json` can give the script its own file."""
    build_zip(tmp_path / "plugin.zip")
    pot = zipfile.ZipFile(tmp_path / "plugin.zip").read(f"{PLUGIN_SLUG}/languages/{PLUGIN_SLUG}.pot").decode()
    assert f'"X-Domain: {PLUGIN_SLUG}\\n"' in pot
    assert "#: assets/js/block-editor.js:" in pot
    assert 'msgid "Product ID (blank: the current product)"' in pot
    assert 'msgid "Free-form"' in pot
    assert "#. translators: %d: number of products." in pot
    assert "assets/vendor" not in pot
    sources = [path.read_text() for path in Path(str(plugin_source())).rglob("*.php")]
    printed = set(re.findall(rf"esc_html_e\( '([^'\\]+)', '{PLUGIN_SLUG}' \)", "".join(sources)))
    assert printed and printed <= pot_msgids(pot)


def pot_msgids(pot: str) -> set[str]:
    """The msgids of a .pot, their continuation lines joined and their escapes undone."""
    found, current = set(), None
    for line in pot.splitlines() + [""]:
        if line.startswith("msgid "):
            current = [line[len("msgid "):]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        elif current is not None:
            found.add("".join(json.loads(part) for part in current))
            current = None
    return found


def test_the_header_declares_what_woocommerce_and_the_directory_ask() -> None:
    """WooCommerce as a required plugin, the versions tested, HPOS compatibility, the licence's URI and
    where the translations are."""
    main_file = (Path(str(plugin_source())) / f"{PLUGIN_SLUG}.php").read_text()
    for header in ("Requires Plugins:  woocommerce", "WC requires at least: ", "WC tested up to:   10.0",
                   "License URI:       https://opensource.org/licenses/MIT", "Domain Path:       /languages"):
        assert f" * {header}" in main_file
    parts = (Path(str(plugin_source())) / "includes" / "class-woo3d-plugin.php").read_text()
    assert "declare_compatibility( 'custom_order_tables', WOO3D_PLUGIN_FILE, true )" in parts
