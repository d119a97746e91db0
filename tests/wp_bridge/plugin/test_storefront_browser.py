"""The storefront in a real browser: the bundled model-viewer loads and draws the product's GLB."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.wp_bridge.plugin.conftest import MUG, set_model
from tests.wp_bridge.plugin.rendering import assert_not_blank, screenshot_model, wait_until_rendered
from tests.wp_bridge.plugin.wordpress import WordPressSite

pytestmark = pytest.mark.slow


def test_product_page_draws_the_model_with_ar_attributes(
    visitor_page: Page, wordpress: WordPressSite, uploaded_model: dict[str, str]
) -> None:
    product = wordpress.product_ids[MUG]
    set_model(wordpress, product, {**uploaded_model, "schema": 1, "alt": "A red mug in 3D"})
    visitor_page.goto(f"/?p={product}")
    viewer = visitor_page.locator("model-viewer")
    expect(viewer).to_have_attribute("src", uploaded_model["glb"])
    expect(viewer).to_have_attribute("ios-src", uploaded_model["usdz"])
    expect(viewer).to_have_attribute("poster", uploaded_model["poster"])
    expect(viewer).to_have_attribute("alt", "A red mug in 3D")
    expect(viewer).to_have_attribute("ar-modes", "webxr scene-viewer quick-look")
    wait_until_rendered(visitor_page)
    assert_not_blank(screenshot_model(visitor_page, "storefront-box"))
    # The element is model-viewer's own (the bundle is served by the plugin, not a CDN).
    assert visitor_page.evaluate("() => document.querySelector('model-viewer').constructor.name") != "HTMLElement"


def test_shortcode_on_a_page_draws_the_model(
    visitor_page: Page, wordpress: WordPressSite, uploaded_model: dict[str, str]
) -> None:
    product = wordpress.product_ids[MUG]
    set_model(wordpress, product, {**uploaded_model, "schema": 1})
    page_id = wordpress.php(
        "return wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish',"
        f" 'post_title' => 'Our mug', 'post_content' => '[woo3d_model id=\"{product}\"]' ) );"
    )
    visitor_page.goto(f"/?page_id={page_id}")
    expect(visitor_page.locator(".woo3d-model--shortcode model-viewer")).to_have_attribute("src", uploaded_model["glb"])
    wait_until_rendered(visitor_page)
