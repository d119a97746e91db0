"""The plugin against WooCommerce's own code: its variation AJAX (which checks no password or status) and
its `product_variation` capabilities (which know no owner) must not open what the product page keeps shut."""

from __future__ import annotations

import json
import re

import pytest
import requests

from tests.real_store.store import WooCommerceStore
from tests.wp_bridge.plugin.wordpress import php_value
from woo3d.cli.plugin import PLUGIN_BASENAME

FILES = "http://cdn.example.org/woo3d"


def _model(name: str) -> dict[str, str]:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower())
    return {"state": "live", "glb": f"{FILES}/{slug}.glb", "poster": f"{FILES}/{slug}.png", "alt": f"{name} in 3D"}


def _variable_product(store: WooCommerceStore, name: str, *, status: str = "publish", password: str = "",
                      author: int = 1) -> dict[str, int]:
    """A variable product (Colour: Red with a model of its own, Blue showing the product's) by `author`."""
    ids = store.variable_product(name, status=status, password=password)
    store.php(f"""
        $ids = {php_value({k: str(v) for k, v in ids.items()})};
        foreach ( $ids as $id ) {{
            wp_update_post( array( 'ID' => $id, 'post_author' => {int(author)} ) );
        }}
        update_post_meta( $ids['product'], '_woo3d_model', {php_value(_model(name + '-product'))} );
        update_post_meta( $ids['red'], '_woo3d_model', {php_value(_model(name + '-red'))} );
        wc_delete_product_transients( $ids['product'] );
        return true;
    """)
    return ids


def _get_variation(store: WooCommerceStore, product_id: int, colour: str) -> str:
    """What a shopper's browser gets when it picks a colour: WooCommerce's `get_variation` AJAX, anonymous."""
    response = requests.post(f"{store.url}/?wc-ajax=get_variation",
                             data={"product_id": product_id, "attribute_colour": colour}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return response.text


def test_the_variation_ajax_shows_a_model_only_where_the_product_page_shows_the_product(
    real_store: WooCommerceStore,
) -> None:
    shown = _variable_product(real_store, "Open lamp")
    red, blue = (json.loads(_get_variation(real_store, shown["product"], c)) for c in ("Red", "Blue"))
    assert (red["woo3d_model"]["src"], red["woo3d_model"]["own"]) == (f"{FILES}/open-lamp-red.glb", True)
    assert (blue["woo3d_model"]["src"], blue["woo3d_model"]["own"]) == (f"{FILES}/open-lamp-product.glb", False)

    for status, password in (("publish", "letmein"), ("private", ""), ("draft", "")):
        hidden = _variable_product(real_store, f"Secret lamp {status}{password}", status=status, password=password)
        for colour in ("Red", "Blue"):
            answer = _get_variation(real_store, hidden["product"], colour)
            assert ".glb" not in answer and ".png" not in answer, (status, password, colour, answer[:1000])
            data = json.loads(answer)
            assert data and not data.get("woo3d_model"), (status, password, colour)


@pytest.fixture(scope="module")
def product_author(real_store: WooCommerceStore) -> tuple[str, str, int]:
    """A user who may edit their own products only: WooCommerce's product capabilities (the primitive
    `edit_product` among them, as WooCommerce grants its roles) without `edit_others_products`."""
    created = real_store.php("""
        remove_role( 'woo3d_product_author' );
        add_role( 'woo3d_product_author', 'Product author', array(
            'read' => true, 'read_product' => true, 'edit_product' => true, 'edit_products' => true,
            'edit_published_products' => true, 'upload_files' => true,
        ) );
        $uid = wp_insert_user( array( 'user_login' => 'product_author', 'user_pass' => wp_generate_password(),
            'user_email' => 'product_author@example.org', 'role' => 'woo3d_product_author' ) );
        list( $password ) = WP_Application_Passwords::create_new_application_password( $uid, array( 'name' => 'tests' ) );
        return array( 'id' => $uid, 'password' => $password );
    """)
    return "product_author", str(created["password"]), int(created["id"])


ROUTES = (
    ("GET", "status", {}),
    ("POST", "generate", {}),
    ("POST", "generate", {"force": True, "confirm_paid": True}),
    ("POST", "review/approve", {}),
    ("POST", "review/discard", {}),
    ("POST", "review/regenerate", {"confirm_paid": True}),
)


def test_a_variation_route_needs_the_right_to_edit_its_product(
    real_store: WooCommerceStore, product_author: tuple[str, str, int]
) -> None:
    user, password, uid = product_author
    others = _variable_product(real_store, "Admin's chair")
    own = _variable_product(real_store, "Author's chair", author=uid)

    def answer(product: int, method: str, route: str, body: dict[str, bool]) -> int:
        return real_store.rest(method, f"/woo3d/v1/products/{product}/{route}", user=user, password=password,
                               json=body).status_code

    for method, route, body in ROUTES:
        assert answer(others["product"], method, route, body) == 403, "premise: the product is refused"
        for variation in ("red", "blue"):
            assert answer(others[variation], method, route, body) == 403, (route, body, variation)
        # Their own product's variation is theirs to work on (no backend is set up: 503, not 403).
        assert answer(own["red"], method, route, body) != 403, (route, body)


def test_woocommerce_counts_woo3d_compatible_with_its_order_tables(real_store: WooCommerceStore) -> None:
    """Released WooCommerce (HPOS on, as for every new store) lists woo3d among the plugins compatible
    with its order tables, so it warns the merchant about nothing; and sees WooCommerce as required."""
    found = real_store.php(
        "$features = wc_get_container()->get( Automattic\\WooCommerce\\Internal\\Features\\FeaturesController::class );"
        "$plugins = $features->get_compatible_plugins_for_feature( 'custom_order_tables', true );"
        "$data = get_plugin_data( WP_PLUGIN_DIR . '/3d-and-ar-models-for-woocommerce/3d-and-ar-models-for-woocommerce.php', false, false );"
        "return array( $plugins['compatible'], $plugins['incompatible'], $data['RequiresPlugins'] );"
    )
    assert PLUGIN_BASENAME in found[0] and PLUGIN_BASENAME not in found[1]
    assert found[2] == "woocommerce"
