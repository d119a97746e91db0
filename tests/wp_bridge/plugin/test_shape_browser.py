"""The 3D meta box's "Shape" choice in a real WordPress and browser: saved with the product as
`_woo3d_shape` (where the backend reads it), only with the box's nonce and the right to edit."""

from __future__ import annotations


import pytest
from playwright.sync_api import Page, expect

from tests.wp_bridge.plugin.conftest import MUG, TOTE
from tests.wp_bridge.plugin.wordpress import WordPressSite
from woo3d.cli.plugin import PLUGIN_BASENAME, PLUGIN_SLUG

pytestmark = pytest.mark.slow


def _saved_shape(wordpress: WordPressSite, product: int) -> str:
    return wordpress.php(f"return get_post_meta( {product}, '_woo3d_shape', true );")


def _rest_shape(wordpress: WordPressSite, product: int) -> str | None:
    """What the backend sees: the meta row in the WooCommerce REST product."""
    response = wordpress.rest("GET", f"/wc/v3/products/{product}")
    assert response.status_code == 200, response.text
    rows = [row["value"] for row in response.json()["meta_data"] if row["key"] == "_woo3d_shape"]
    return rows[0] if rows else None


def _update(page: Page) -> None:
    page.click("#publish")
    expect(page.locator("#message")).to_be_visible()


def test_the_merchant_chooses_a_shape_and_it_is_saved_with_the_product(admin_page: Page, wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[MUG]
    wordpress.php(f"delete_post_meta( {product}, '_woo3d_shape' ); return true;")
    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    shape = admin_page.get_by_label("Shape")
    expect(shape).to_have_value("auto")
    options = admin_page.locator("#woo3d-shape option")
    assert options.evaluate_all("els => els.map(e => e.value)") == ["auto", "round", "box", "flat", "garment", "free-form"]

    shape.select_option("round")
    _update(admin_page)
    expect(admin_page.get_by_label("Shape")).to_have_value("round")
    assert _saved_shape(wordpress, product) == "round"
    assert _rest_shape(wordpress, product) == "round"

    admin_page.get_by_label("Shape").select_option("auto")
    _update(admin_page)
    expect(admin_page.get_by_label("Shape")).to_have_value("auto")
    assert _saved_shape(wordpress, product) == ""
    assert _rest_shape(wordpress, product) is None


def test_a_form_without_the_boxs_nonce_or_with_an_unknown_shape_changes_nothing(
    admin_page: Page, wordpress: WordPressSite
) -> None:
    product = wordpress.product_ids[TOTE]
    wordpress.php(f"update_post_meta( {product}, '_woo3d_shape', 'garment' ); return true;")
    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    expect(admin_page.get_by_label("Shape")).to_have_value("garment")

    admin_page.get_by_label("Shape").select_option("box")
    admin_page.evaluate("() => document.querySelector('input[name=woo3d_shape_nonce]').value = 'forged'")
    _update(admin_page)
    assert _saved_shape(wordpress, product) == "garment"

    admin_page.evaluate("""() => {
        const option = new Option('sphere', 'sphere', true, true);
        document.querySelector('#woo3d-shape').add(option);
    }""")
    _update(admin_page)
    assert _saved_shape(wordpress, product) == "garment"


def test_a_user_who_may_not_edit_the_product_cannot_save_a_shape(wordpress: WordPressSite) -> None:
    """The save hook itself checks the capability, even with a valid nonce for that user."""
    product = wordpress.product_ids[TOTE]
    customer = wordpress.users["customer"]
    wordpress.php(f"update_post_meta( {product}, '_woo3d_shape', 'garment' ); return true;")
    outcome = wordpress.php(f"""
        wp_set_current_user( {customer} );
        $_POST = array(
            'woo3d_shape'       => 'flat',
            'woo3d_shape_nonce' => wp_create_nonce( 'woo3d_shape_{product}' ),
        );
        Woo3D_Admin::save_shape( {product}, get_post( {product} ) );
        return array( 'can' => current_user_can( 'edit_post', {product} ), 'shape' => get_post_meta( {product}, '_woo3d_shape', true ) );
    """)
    assert outcome == {"can": False, "shape": "garment"}
    manager = wordpress.users["shop_manager"]
    outcome = wordpress.php(f"""
        wp_set_current_user( {manager} );
        $_POST = array(
            'woo3d_shape'       => 'flat',
            'woo3d_shape_nonce' => wp_create_nonce( 'woo3d_shape_{product}' ),
        );
        Woo3D_Admin::save_shape( {product}, get_post( {product} ) );
        return get_post_meta( {product}, '_woo3d_shape', true );
    """)
    assert outcome == "flat"


def test_uninstall_keeps_shape_choices_unless_asked(wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[TOTE]
    uninstall = (
        f"define( 'WP_UNINSTALL_PLUGIN', '{PLUGIN_BASENAME}' ); include WP_PLUGIN_DIR . '/{PLUGIN_SLUG}/uninstall.php';"
        f" return get_post_meta( {product}, '_woo3d_shape', true );"
    )
    wordpress.php(f"update_post_meta( {product}, '_woo3d_shape', 'garment' ); return true;")
    wordpress.php("update_option( 'woo3d_plugin_settings', array( 'backend_url' => 'http://b', 'admin_token' => 't' ) ); return true;")
    assert wordpress.php(uninstall) == "garment"
    wordpress.php("update_option( 'woo3d_plugin_settings', array( 'delete_data_on_uninstall' => true ) ); return true;")
    assert wordpress.php(uninstall) == ""
