"""The plugin passes the WordPress.org review: WPCS, Plugin Check's rulesets and rules, over the zip it ships as.

Runs `pytest -s tests/wp_bridge/plugin/test_wordpress_org_review.py` to see each check's counts. A finding
fails unless review_baseline.json accepts it with a reason; the checks that must be clean accept no error.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.wp_bridge.plugin import review
from woo3d.cli.plugin import PLUGIN_SLUG, build_zip, plugin_source

REPO = Path(__file__).resolve().parents[3]
TOOLS_CACHE = REPO / "var" / "wp-review-tools"
SOURCE = Path(str(plugin_source()))
# WPCS's security, database and i18n sniffs, and the ones Plugin Check 1.2.0 runs by name (enqueued
# resources, scripts in the footer): all must be clean but for justified, commented ignores.
SECURITY_DB_I18N = (
    "WordPress.Security.EscapeOutput", "WordPress.Security.NonceVerification", "WordPress.Security.PluginMenuSlug",
    "WordPress.Security.SafeRedirect", "WordPress.Security.ValidatedSanitizedInput",
    "WordPress.DB.DirectDatabaseQuery", "WordPress.DB.PreparedSQL", "WordPress.DB.PreparedSQLPlaceholders",
    "WordPress.DB.RestrictedClasses", "WordPress.DB.RestrictedFunctions", "WordPress.DB.SlowDBQuery",
    "WordPress.WP.I18n", "WordPress.WP.EnqueuedResources", "WordPress.WP.EnqueuedResourceParameters",
)
MUST_BE_CLEAN = ("wpcs_security_db_i18n", "plugin_review", "plugin_check_sniffs", "php_compatibility")


@pytest.fixture(scope="module")
def tools() -> Path:
    reason = review.missing_tools()
    if reason:
        pytest.skip(reason)
    if shutil.which("php") is None:
        pytest.skip("php is not installed: run deploy/setup.sh")
    return review.tools(TOOLS_CACHE)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin as `woo3d wp-plugin` ships it, unpacked: what WordPress.org would receive."""
    folder = tmp_path_factory.mktemp("review")
    build_zip(folder / "plugin.zip")
    with zipfile.ZipFile(folder / "plugin.zip") as archive:
        archive.extractall(folder)
    return folder / PLUGIN_SLUG


def assert_nothing_new(check: str, found: Sequence[review.Finding]) -> None:
    beyond = review.new_findings(found, review.baseline())
    print(review.summary(check, found, beyond))
    for finding in found:
        print(f"  {finding}")
    assert not beyond, f"{check}: new findings (fix them, or accept them with a reason in review_baseline.json):\n" + "\n".join(map(str, beyond))


def test_wpcs_security_database_and_i18n_sniffs_are_clean(tools: Path, shipped: Path) -> None:
    args = ["--standard=WordPress", f"--sniffs={','.join(SECURITY_DB_I18N)}",
            "--runtime-set", "text_domain", PLUGIN_SLUG]
    assert_nothing_new("wpcs_security_db_i18n", review.phpcs(tools, shipped, "wpcs_security_db_i18n", args))


def test_plugin_check_plugin_review_ruleset_is_clean(tools: Path, shipped: Path) -> None:
    ruleset = tools / "plugin-check" / "phpcs-rulesets" / "plugin-review.xml"
    assert_nothing_new("plugin_review", review.phpcs(tools, shipped, "plugin_review", [f"--standard={ruleset}"]))


def test_plugin_check_offloading_and_query_sniffs_are_clean(tools: Path, shipped: Path) -> None:
    """Plugin Check's own sniffs (files from CDNs; images not made by wp_get_attachment_image(), a sniff of
    its later releases shipped with the tools) and its performant-query check (VIP's WP_Query params)."""
    found = review.phpcs(tools, shipped, "plugin_check_sniffs", [
        "--standard=PluginCheck,WordPressVIPMinimum",
        "--sniffs=PluginCheck.CodeAnalysis.EnqueuedResourceOffloading,PluginCheck.CodeAnalysis.Offloading,"
        "PluginCheck.CodeAnalysis.ImageFunctions,"
        "WordPressVIPMinimum.Performance.WPQueryParams",
    ])
    assert_nothing_new("plugin_check_sniffs", found)


def test_php_compatibility_from_php_7_4(tools: Path, shipped: Path) -> None:
    found = review.phpcs(tools, shipped, "php_compatibility", ["--standard=PHPCompatibility", "--runtime-set", "testVersion", "7.4-"])
    assert_nothing_new("php_compatibility", found)


def test_full_wordpress_standard_has_nothing_new(tools: Path, shipped: Path) -> None:
    """The whole WordPress standard (style included), as the report reviewers read; its accepted
    findings sit in the baseline with their reasons."""
    args = ["--standard=WordPress", "--runtime-set", "text_domain", PLUGIN_SLUG]
    assert_nothing_new("wordpress", review.phpcs(tools, shipped, "wordpress", args))


def test_readme_header_trademark_file_and_image_checks(tools: Path, shipped: Path) -> None:
    """Plugin Check's non-PHPCS rules (readme through the directory's parser, header, trademarks, files)."""
    assert_nothing_new("plugin_check_rules", review.other_checks(tools, shipped))


def test_the_clean_checks_accept_no_error() -> None:
    """The baseline may only hold warnings of the checks that must be clean (and never lacks a reason)."""
    accepted = review.baseline()
    assert not [key for key in accepted if key[0] in MUST_BE_CLEAN and key[1] == "ERROR"]


@pytest.mark.parametrize("path", sorted(SOURCE.rglob("*.php")), ids=lambda p: str(p.relative_to(SOURCE)))
def test_every_php_file_refuses_direct_access(path: Path) -> None:
    """The first statement after the file's doc block exits when WordPress did not load it."""
    code = re.sub(r"^<\?php\s*(/\*\*.*?\*/\s*)?", "", path.read_text(), count=1, flags=re.S)
    guard = "WP_UNINSTALL_PLUGIN" if path.name == "uninstall.php" else "ABSPATH"
    assert code.startswith(f"defined( '{guard}' ) || exit;"), code[:200]
