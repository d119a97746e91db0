"""A store that runs the old "woo3d" plugin (0.1.0, renamed for WordPress.org) moves to "3D and AR Models
for WooCommerce" as a merchant would: upload, Activate, delete the old one. Settings and every product's
model carry over; the old plugin is deactivated without breaking a page, even when both end up active.

The old plugin is tests/real_store/fixtures/woo3d-0.1.0.zip: the zip `woo3d wp-plugin` built at the
last commit before the rename, without assets/vendor/ (model-viewer and the decoders, which no page
here loads).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.real_store.backend import Woo3dBackend
from tests.real_store.shop import MODEL_META, page_model, product_with_model
from tests.real_store.store import WooCommerceStore
from tests.wp_bridge.plugin.wordpress import ADMIN_PASSWORD, php_value
from woo3d.cli.plugin import PLUGIN_BASENAME, PLUGIN_SLUG
from wp_bridge import ModelMeta

OLD_ZIP = Path(__file__).resolve().parent / "fixtures" / "woo3d-0.1.0.zip"
OLD_BASENAME = "woo3d/woo3d.php"
SETTINGS = "woo3d_plugin_settings"
OLD_SETTINGS = "woo3d_settings"


def _active(store: WooCommerceStore) -> set[str]:
    return set(store.php("return array_values( get_option( 'active_plugins' ) );"))


def _option(store: WooCommerceStore, name: str) -> Any:
    return store.php(f"return get_option( '{name}', null );")


def _admin(store: WooCommerceStore) -> requests.Session:
    """A logged-in wp-admin session, as the merchant's browser holds one."""
    session = requests.Session()
    session.cookies.set("wordpress_test_cookie", "WP Cookie check")
    answer = session.post(f"{store.url}/wp-login.php", data={
        "log": "admin", "pwd": ADMIN_PASSWORD, "wp-submit": "Log In", "testcookie": "1",
        "redirect_to": f"{store.url}/wp-admin/",
    }, timeout=30)
    assert answer.ok and "/wp-admin/" in answer.url, answer.url
    return session


def _plugins_page(session: requests.Session, store: WooCommerceStore) -> str:
    page = session.get(f"{store.url}/wp-admin/plugins.php", timeout=60)
    assert page.status_code == 200
    return page.text


def _row(plugins_page: str, basename: str) -> str:
    """The plugins list's row of one plugin."""
    found = re.search(rf'<tr[^>]*data-plugin="{re.escape(basename)}".*?</tr>', plugins_page, re.S)
    assert found, f"{basename} is not in the plugins list"
    return found.group(0)


def _link(row: str, action: str) -> str:
    found = re.search(rf'href="([^"]*action={action}[^"]*)"', row)
    assert found, f"no {action} link in {row[:2000]}"
    return found.group(1).replace("&amp;", "&")


def _htaccess(store: WooCommerceStore) -> str:
    path = store.docroot / "wp-content" / "uploads" / ".htaccess"
    return path.read_text() if path.exists() else ""


def _install_old_plugin(store: WooCommerceStore) -> None:
    with zipfile.ZipFile(OLD_ZIP) as archive:
        archive.extractall(store.docroot / "wp-content" / "plugins")


@pytest.fixture(scope="module")
def planter(real_store: WooCommerceStore, woo3d: Woo3dBackend) -> tuple[int, ModelMeta]:
    """A product whose model woo3d made: one for the module, as no test here changes its model."""
    return product_with_model(real_store, woo3d, "Moss green planter")


@pytest.fixture
def old_store(real_store: WooCommerceStore, planter: tuple[int, ModelMeta]) -> Iterator[dict[str, Any]]:
    """The store as it was before the rename: only woo3d 0.1.0 active, its settings (with "delete every
    model on uninstall" ticked), a product whose model woo3d made. Restored afterwards."""
    saved = _option(real_store, SETTINGS) or {}
    product_id, model = planter
    real_store.php(f"require_once ABSPATH . 'wp-admin/includes/plugin.php'; deactivate_plugins( '{PLUGIN_BASENAME}' );"
                   f" delete_option( '{SETTINGS}' ); delete_option( 'woo3d_plugin_version' ); return true;")
    _install_old_plugin(real_store)
    old_settings = {**saved, "gallery_position": "first", "delete_data_on_uninstall": True}
    real_store.php(f"update_option( '{OLD_SETTINGS}', {php_value(old_settings)} );"
                   f" require_once ABSPATH . 'wp-admin/includes/plugin.php'; return activate_plugin( '{OLD_BASENAME}' );")
    assert _active(real_store) == {"woocommerce/woocommerce.php", OLD_BASENAME}
    assert page_model(real_store, product_id) == model.glb, "the old plugin shows the model"
    try:
        yield {"product": product_id, "model": model, "settings": old_settings}
    finally:
        real_store.php("require_once ABSPATH . 'wp-admin/includes/plugin.php';"
                       f" deactivate_plugins( '{OLD_BASENAME}', true ); activate_plugin( '{PLUGIN_BASENAME}' );"
                       f" update_option( '{SETTINGS}', {php_value(saved)} ); delete_option( '{OLD_SETTINGS}' );"
                       " return true;")
        shutil.rmtree(real_store.docroot / "wp-content" / "plugins" / "woo3d", ignore_errors=True)
        assert _active(real_store) == {"woocommerce/woocommerce.php", PLUGIN_BASENAME}


def test_activating_the_renamed_plugin_takes_over_the_old_ones_settings_and_models(
    real_store: WooCommerceStore, old_store: dict[str, Any]
) -> None:
    admin = _admin(real_store)
    plugins = _plugins_page(admin, real_store)
    activated = admin.get(f"{real_store.url}/wp-admin/{_link(_row(plugins, PLUGIN_BASENAME), 'activate')}", timeout=60)

    assert activated.status_code == 200 and "activate=true" in activated.url, activated.url
    assert "critical error" not in activated.text and "fatal error" not in activated.text.lower()
    assert "replaces the woo3d plugin (woo3d/woo3d.php), so it was deactivated" in activated.text
    assert _active(real_store) == {"woocommerce/woocommerce.php", PLUGIN_BASENAME}
    # The settings carried over whole; the old plugin's copy can no longer delete models.
    assert _option(real_store, SETTINGS) == old_store["settings"]
    assert _option(real_store, OLD_SETTINGS)["delete_data_on_uninstall"] is False
    assert _htaccess(real_store).count("nosniff") == 1
    # The shopper's page: the same model, first in the gallery as the merchant had chosen, from the new plugin.
    page = requests.get(f"{real_store.url}/?p={old_store['product']}", timeout=30).text
    assert page_model(real_store, old_store["product"]) == old_store["model"].glb
    slides = re.findall(r'<div[^>]*class="woocommerce-product-gallery__image( woo3d-gallery-item)?"', page)
    assert slides[0] == " woo3d-gallery-item"
    assert f"/plugins/{PLUGIN_SLUG}/assets/js/viewer.js" in page and "/plugins/woo3d/" not in page
    # The old plugin's row says what replaced it, with no Activate link; the notice was said once.
    row = _row(_plugins_page(admin, real_store), OLD_BASENAME)
    assert "Replaced by 3D and AR Models for WooCommerce" in row and "action=activate" not in row
    assert "replaces the woo3d plugin" not in _plugins_page(admin, real_store)
    log = real_store.debug_log.read_text() if real_store.debug_log.exists() else ""
    assert [line for line in log.splitlines() if f"/plugins/{PLUGIN_SLUG}/" in line] == []


def test_deleting_the_old_plugin_afterwards_deletes_no_model(
    real_store: WooCommerceStore, old_store: dict[str, Any]
) -> None:
    """woo3d 0.1.0's uninstall.php deletes every product's model meta when its box was ticked, as it
    is here: the new plugin takes that choice away from it first."""
    real_store.php(f"require_once ABSPATH . 'wp-admin/includes/plugin.php'; activate_plugin( '{PLUGIN_BASENAME}' ); return true;")
    real_store.php("return true;")  # the first load after activation: the install steps run
    deleted = real_store.php("require_once ABSPATH . 'wp-admin/includes/plugin.php'; require_once ABSPATH . 'wp-admin/includes/file.php';"
                             f" return delete_plugins( array( '{OLD_BASENAME}' ) );")

    assert deleted is True
    assert not (real_store.docroot / "wp-content" / "plugins" / "woo3d").exists()
    assert real_store.meta(old_store["product"], MODEL_META) is not None
    assert page_model(real_store, old_store["product"]) == old_store["model"].glb
    assert _option(real_store, SETTINGS) == old_store["settings"]
    assert _option(real_store, OLD_SETTINGS) is None


def test_both_plugins_active_at_once_never_break_a_page(real_store: WooCommerceStore, old_store: dict[str, Any]) -> None:
    """As after restoring a backup or a `wp plugin activate` of both: the first request is served by the
    old plugin alone and deactivates it; the next by the new one."""
    real_store.php(f"update_option( 'active_plugins', array( 'woocommerce/woocommerce.php', '{PLUGIN_BASENAME}', '{OLD_BASENAME}' ) ); return true;")

    first = requests.get(f"{real_store.url}/?p={old_store['product']}", timeout=30)
    assert first.status_code == 200 and first.text.count('class="woocommerce-product-gallery__image woo3d-gallery-item"') == 1
    assert _active(real_store) == {"woocommerce/woocommerce.php", PLUGIN_BASENAME}
    second = requests.get(f"{real_store.url}/?p={old_store['product']}", timeout=30)
    assert second.status_code == 200 and f"/plugins/{PLUGIN_SLUG}/assets/js/viewer.js" in second.text
    assert page_model(real_store, old_store["product"]) == old_store["model"].glb


def test_the_old_plugin_activated_again_beside_the_new_one_is_turned_off_on_the_next_page(
    real_store: WooCommerceStore, old_store: dict[str, Any]
) -> None:
    """Its Activate link is gone, but the plugins list's bulk "Activate" still reaches it: WordPress
    activates it, and the very next page deactivates it again and says why."""
    real_store.php(f"require_once ABSPATH . 'wp-admin/includes/plugin.php'; activate_plugin( '{PLUGIN_BASENAME}' ); return true;")
    admin = _admin(real_store)
    plugins = _plugins_page(admin, real_store)
    nonce = re.search(r'id="_wpnonce" name="_wpnonce" value="([^"]+)"', plugins)
    assert nonce
    answer = admin.post(f"{real_store.url}/wp-admin/plugins.php", data={
        "_wpnonce": nonce.group(1), "action": "activate-selected", "checked[]": OLD_BASENAME,
    }, timeout=60)

    assert answer.status_code == 200 and "critical error" not in answer.text
    assert "replaces the woo3d plugin (woo3d/woo3d.php), so it was deactivated" in answer.text
    assert _active(real_store) == {"woocommerce/woocommerce.php", PLUGIN_BASENAME}
    assert page_model(real_store, old_store["product"]) == old_store["model"].glb
