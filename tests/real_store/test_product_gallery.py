"""The model as one more item of WooCommerce's product gallery, tried as a shopper would in Chromium on
Storefront (classic) and Twenty Twenty-Five (block theme), desktop and phone: where the boxes are, what
the page downloads before and after the shopper opens the 3D item, and what AR it offers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Request

from tests.real_store.backend import Woo3dBackend
from tests.real_store.store import WooCommerceStore
from tests.wp_bridge.plugin.wordpress import php_value
from woo3d.cli.plugin import PLUGIN_SLUG
from wp_bridge import ModelMeta

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "real-store"
THEMES = ("storefront", "twentytwentyfive")
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
# A phone that can place a model with Scene Viewer (model-viewer offers AR by the user agent).
PHONE = {
    "viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36",
}
# What the page may load of woo3d before the shopper touches anything (its scripts, decoders, models).
BEFORE_TOUCH_AIM = 60_000
PLUGIN = f"/wp-content/plugins/{PLUGIN_SLUG}/"
# The poster's thumbnail, the one image of the model a shopper who never opens it downloads.
POSTER_THUMBNAIL_AIM = 40_000
# The summary's boxes per theme: title, price and Add to cart.
SUMMARY = {
    "storefront": ("h1.product_title", "div.summary p.price", "button.single_add_to_cart_button"),
    "twentytwentyfive": ("h1.wp-block-post-title", ".wp-block-woocommerce-product-price",
                         "button.single_add_to_cart_button"),
}


@dataclass
class Traffic:
    """Every response the page received: URL and body bytes. `stem`: the model's files' common name
    (the GLB's, which its poster and the poster's sizes begin with)."""

    stem: str
    responses: list[tuple[str, int]] = field(default_factory=list)

    def record(self, request: Request) -> None:
        response = request.response()
        if response is not None:
            self.responses.append((request.url, int(request.sizes()["responseBodySize"])))

    def woo3d(self, start: int = 0) -> list[tuple[str, int]]:
        """woo3d's files from the `start`th response on: the plugin's, the model's and its poster's."""
        return [(urlsplit(url).path.rsplit("/", 1)[-1], size) for url, size in self.responses[start:]
                if urlsplit(url).scheme in ("http", "https") and (PLUGIN in url or self.stem in url)]

    def woo3d_bytes(self) -> int:
        """woo3d's scripts, decoders and models: the plugin's files and the GLB."""
        return sum(size for url, size in self.responses if PLUGIN in url or url.split("?")[0].endswith(".glb"))

    def names(self) -> list[str]:
        return [urlsplit(url).path.rsplit("/", 1)[-1] for url, _ in self.responses]


@pytest.fixture(scope="module")
def products(real_store: WooCommerceStore, woo3d: Woo3dBackend) -> dict[str, Any]:
    """Two products with the same two photos and price: one with a generated model, one without."""
    second = int(real_store.php(
        f"$file = get_attached_file( {real_store.photo_ids[0]} );"
        "$copy = wp_upload_bits( 'gallery-side.jpg', null, file_get_contents( $file ) );"
        "$id = wp_insert_attachment( array( 'post_mime_type' => 'image/jpeg', 'post_title' => 'side',"
        "  'post_status' => 'inherit' ), $copy['file'] );"
        "require_once ABSPATH . 'wp-admin/includes/image.php';"
        "wp_update_attachment_metadata( $id, wp_generate_attachment_metadata( $id, $copy['file'] ) );"
        "return $id;"
    ))
    images = [{"id": real_store.photo_ids[0]}, {"id": second}]
    made = {}
    for name in ("Gallery jug", "Plain jug"):
        made[name] = int(real_store.wc("POST", "/products", json={
            "name": name, "description": f"{name}, glazed stoneware.", "regular_price": "24.00",
            "short_description": "A jug for the table.", "images": images,
        })["id"])
    # Deliver what WooCommerce queued, let woo3d make the model, deliver the write-back's echo.
    for _ in range(2):
        real_store.deliver_webhooks()
        woo3d.wait_until_idle()
    other = ModelMeta.from_meta(real_store.meta(made["Plain jug"], "_woo3d_model"))
    real_store.php(f"delete_post_meta( {made['Plain jug']}, '_woo3d_model' ); return true;")
    model = ModelMeta.from_meta(real_store.meta(made["Gallery jug"], "_woo3d_model"))
    assert model is not None and model.glb and model.poster, "the job gave the product a model"
    assert other is not None and other.glb and other.glb != model.glb
    return {"with": made["Gallery jug"], "without": made["Plain jug"], "model": model, "other": other,
            "images": images}


@pytest.fixture(scope="module")
def browser(real_store: WooCommerceStore, session_chromium: Browser) -> Browser:
    return session_chromium


@pytest.fixture(scope="module", params=THEMES)
def theme(request: pytest.FixtureRequest, real_store: WooCommerceStore) -> Iterator[str]:
    """The store switched to the theme (Storefront is the store's own; the session's other tests expect it)."""
    name = str(request.param)
    assert real_store.php(f"switch_theme( '{name}' ); return get_stylesheet();") == name
    yield name
    real_store.php("switch_theme( 'storefront' ); return true;")


def _box(page: Page, selector: str) -> dict[str, float]:
    """The first match's box in page coordinates (the viewport's plus the scroll: clicks may scroll)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    scroll = page.evaluate("() => [window.scrollX, window.scrollY]")
    return {**box, "x": box["x"] + scroll[0], "y": box["y"] + scroll[1]}


def _boxes(page: Page, selectors: tuple[str, ...]) -> list[dict[str, float]]:
    return [_box(page, selector) for selector in selectors]


def _page_width(page: Page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def _visit(browser: Browser, store: WooCommerceStore, product_id: int, device: dict[str, Any],
           stem: str) -> tuple[Page, Traffic]:
    context = browser.new_context(base_url=store.url, **device)
    page = context.new_page()
    traffic = Traffic(stem)
    page.on("requestfinished", traffic.record)
    page.goto(f"/?p={product_id}", wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # the gallery's fade-in and FlexSlider's height
    return page, traffic


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_3d_item_opens_in_the_gallerys_box_and_loads_only_when_chosen(
    browser: Browser, real_store: WooCommerceStore, products: dict[str, Any], theme: str, device: str
) -> None:
    profile = PHONE if device == "phone" else DESKTOP
    store_host = urlsplit(real_store.url).netloc
    # The same page without a model: where the theme puts the summary.
    stem = Path(urlsplit(products["model"].glb).path).stem
    plain, _ = _visit(browser, real_store, products["without"], profile, stem)
    summary_without = _boxes(plain, SUMMARY[theme])
    plain.context.close()

    page, traffic = _visit(browser, real_store, products["with"], profile, stem)
    suffix = "-phone" if device == "phone" else ""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        # One more item in WooCommerce's gallery: a thumbnail with the 3D badge and a name, second.
        slides = page.locator(".woocommerce-product-gallery__wrapper > .woocommerce-product-gallery__image")
        assert slides.count() == 3
        assert "woo3d-gallery-item" in (slides.nth(1).get_attribute("class") or "")
        thumbs = page.locator(".flex-control-thumbs li")
        assert thumbs.count() == 3
        thumb = thumbs.nth(1)
        assert "woo3d-thumb" in (thumb.get_attribute("class") or "")
        badge = thumb.evaluate("li => getComputedStyle(li, '::after').content")
        assert badge == '"3D"'
        thumb_image = thumb.locator("img")
        assert thumb_image.get_attribute("role") == "button" and thumb_image.get_attribute("tabindex") == "0"
        assert thumb_image.get_attribute("alt") == "View Gallery jug in 3D"

        # Before the first touch: the photo is the main image, the summary where the theme puts it,
        # and of woo3d only the loader, its CSS and the poster.
        main = _box(page, ".flex-viewport")
        summary = _boxes(page, SUMMARY[theme])
        for box, control in zip(summary, summary_without, strict=True):
            assert abs(box["x"] - control["x"]) <= 1 and abs(box["y"] - control["y"]) <= 2, (summary, summary_without)
        width, inner = _page_width(page)
        assert width <= inner, f"the page scrolls sideways: {width} > {inner}"
        if device == "desktop":
            for box in summary:
                assert box["x"] >= main["x"] + main["width"], "the summary stays beside the gallery"
                assert box["y"] + box["height"] <= profile["viewport"]["height"], "the summary stays above the fold"
        names = traffic.names()
        assert "model-viewer.min.js" not in names and not any(n.endswith(".glb") for n in names), names
        assert not {"meshopt_decoder.js", "draco_wasm_wrapper.js", "draco_decoder.wasm"} & set(names), names
        before = traffic.woo3d_bytes()
        assert before <= BEFORE_TOUCH_AIM, f"{before} bytes of woo3d before the first touch"
        posters = [(name, size) for name, size in traffic.woo3d() if name.startswith(stem)]
        assert len(posters) == 1 and posters[0][1] <= POSTER_THUMBNAIL_AIM, f"only the poster's thumbnail: {posters}"
        page.screenshot(path=str(ARTIFACTS / f"before-touch-{theme}{suffix}.png"))

        # The shopper chooses the 3D item (a tap on a phone, the keyboard on a desktop).
        seen = len(traffic.responses)
        seen_woo3d = len(traffic.woo3d())
        if device == "phone":
            thumb_image.tap()
        else:
            thumb_image.focus()
            page.keyboard.press("Enter")
        page.wait_for_function(
            "() => { const v = document.querySelector('.woo3d-gallery-item model-viewer');"
            " return !!(v && customElements.get('model-viewer') && v.loaded && v.modelIsVisible); }",
            timeout=90_000,
        )
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1200)  # the slide animation and model-viewer's poster fade
        viewer = page.locator(".woo3d-gallery-item model-viewer")
        assert viewer.get_attribute("alt"), "model-viewer names the model to assistive technology by its alt"
        if device == "desktop":
            focused = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
            assert viewer.evaluate("v => document.activeElement === v"), f"the keyboard lands on the viewer, not {focused}"
        # The viewer takes exactly the gallery's box: the main image's place, nothing wider, nothing moved.
        shown = _box(page, ".woo3d-gallery-item model-viewer")
        opened = _box(page, ".flex-viewport")
        assert abs(shown["x"] - main["x"]) <= 1 and abs(shown["width"] - main["width"]) <= 1, (shown, main)
        assert abs(shown["y"] - main["y"]) <= 1 and abs(shown["height"] - main["height"]) <= 2, (shown, main)
        assert abs(opened["height"] - main["height"]) <= 2
        for box, before_open in zip(_boxes(page, SUMMARY[theme]), summary, strict=True):
            assert abs(box["x"] - before_open["x"]) <= 1 and abs(box["y"] - before_open["y"]) <= 2, (box, before_open)
        width, inner = _page_width(page)
        assert width <= inner, f"the page scrolls sideways with the viewer open: {width} > {inner}"
        page.screenshot(path=str(ARTIFACTS / f"product-page-{theme}{suffix}.png"))

        # Then model-viewer, the one decoder this model needs, and the model.
        after = traffic.responses[seen:]
        names = [urlsplit(url).path.rsplit("/", 1)[-1] for url, _ in after]
        codec = page.locator(".woo3d-gallery-item .woo3d-model").get_attribute("data-woo3d-codec")
        assert codec in ("meshopt", "draco", "none")
        assert "model-viewer.min.js" in names and any(n.endswith(".glb") for n in names), names
        assert ("meshopt_decoder.js" in names) == (codec == "meshopt"), (codec, names)
        assert ("draco_decoder.wasm" in names) == (codec == "draco"), (codec, names)
        # No request leaves the store: no CDN for decoders, KTX2 or Lottie.
        foreign = [url for url, _ in traffic.responses if urlsplit(url).scheme in ("http", "https")
                   and urlsplit(url).netloc != store_host]
        assert not foreign, foreign

        # AR where it works: a phone that has Scene Viewer is offered it, a desktop nothing.
        ar = viewer.locator(".woo3d-model__ar")
        assert ar.is_visible() == (device == "phone"), device
        if device == "phone":
            assert ar.inner_text() == "View in your space"

        record = {
            "theme": theme, "device": device, "codec": codec,
            "before_touch_woo3d_bytes": before,
            "before_touch": dict(traffic.woo3d(0)[:seen_woo3d]),
            "after_open_bytes": sum(size for _, size in traffic.woo3d(seen)),
            "after_open": dict(traffic.woo3d(seen)),
        }
        (ARTIFACTS / f"page-weight-{theme}{suffix}.json").write_text(json.dumps(record, indent=2) + "\n")

        # The photos keep their slider, zoom and lightbox.
        thumbs.nth(0).locator("img").click()
        page.wait_for_timeout(1000)
        assert "flex-active-slide" in (slides.nth(0).get_attribute("class") or "")
        trigger = page.locator(".woocommerce-product-gallery__trigger")
        if trigger.count():
            assert trigger.is_visible()
            trigger.click()
            page.locator(".pswp--open").wait_for(timeout=10_000)
            shown_photo = page.locator(".pswp__img").evaluate_all("images => images.map(i => i.getAttribute('src') || '')")
            assert any("ruby_mug" in src for src in shown_photo), shown_photo
            page.keyboard.press("Escape")

    finally:
        page.context.close()


@pytest.mark.parametrize("position", ["first", "last", "after"])
def test_the_merchant_chooses_where_the_model_goes(
    real_store: WooCommerceStore, products: dict[str, Any], theme: str, position: str
) -> None:
    """First or last in the gallery, or the viewer under it as before the gallery item (the shortcode and
    block stay for anywhere else); the default, second, is the browser test's."""
    real_store.php(f"$s = get_option( 'woo3d_plugin_settings', array() ); $s['gallery_position'] = '{position}';"
                   " update_option( 'woo3d_plugin_settings', $s ); return true;")
    try:
        page = requests.get(f"{real_store.url}/?p={products['with']}", timeout=30).text
    finally:
        real_store.php("$s = get_option( 'woo3d_plugin_settings', array() ); unset( $s['gallery_position'] );"
                       " update_option( 'woo3d_plugin_settings', $s ); return true;")
    slides = re.findall(r'<div[^>]*class="woocommerce-product-gallery__image( woo3d-gallery-item)?"', page)
    assert len(re.findall(r"<model-viewer\b", page)) == 1
    if position == "after":
        assert slides == ["", ""] and "woo3d-model--product" in page
    else:
        assert slides == ([" woo3d-gallery-item", "", ""] if position == "first" else ["", "", " woo3d-gallery-item"])


@pytest.fixture(scope="module")
def variable_jug(real_store: WooCommerceStore, products: dict[str, Any]) -> dict[str, Any]:
    """A variable product (Colour: Red, Blue) showing the gallery jug's model, Red with a model of its own
    (the plain jug's files, written for Red as the backend writes a variation's model)."""
    ids = real_store.variable_product("Variable jug", image_ids=tuple(image["id"] for image in products["images"]))
    for key, model in (("product", products["model"]), ("red", products["other"])):
        value = {**model.to_json(), "product_id": ids[key]}
        real_store.php(f"update_post_meta( {ids[key]}, '_woo3d_model', {php_value(value)} );"
                       f" wc_delete_product_transients( {ids['product']} ); return true;")
    return ids


def test_a_variation_swaps_the_gallery_items_model_before_and_after_it_is_opened(
    browser: Browser, real_store: WooCommerceStore, products: dict[str, Any], variable_jug: dict[str, Any], theme: str
) -> None:
    stem = Path(urlsplit(products["model"].glb).path).stem
    page, traffic = _visit(browser, real_store, variable_jug["product"], DESKTOP, stem)
    try:
        viewer = page.locator(".woo3d-gallery-item model-viewer")
        assert viewer.get_attribute("src") == products["model"].glb
        choose = page.locator("select[name='attribute_colour']")
        choose.select_option("Red")
        # Not opened yet: the inert element takes Red's model, and nothing of the 3D view loads.
        page.wait_for_function("(src) => document.querySelector('.woo3d-gallery-item model-viewer').getAttribute('src') === src",
                               arg=products["other"].glb)
        assert "model-viewer.min.js" not in traffic.names()

        page.locator(".flex-control-thumbs li.woo3d-thumb img").click()
        shown = ("(src) => { const v = document.querySelector('.woo3d-gallery-item model-viewer');"
                 " return !!(customElements.get('model-viewer') && v.src === src && v.loaded); }")
        page.wait_for_function(shown, arg=products["other"].glb, timeout=90_000)
        choose.select_option("Blue")  # shows the product's model, in place
        page.wait_for_function(shown, arg=products["model"].glb, timeout=90_000)
        assert page.locator("model-viewer").count() == 1
    finally:
        page.context.close()


@pytest.fixture
def no_slider(real_store: WooCommerceStore) -> Iterator[None]:
    """WooCommerce's gallery without FlexSlider, as on themes that do not declare `wc-product-gallery-slider`."""
    real_store.php("file_put_contents( WPMU_PLUGIN_DIR . '/woo3d-test-no-slider.php', '<?php "
                   "add_filter( \"woocommerce_single_product_flexslider_enabled\", \"__return_false\" );' );"
                   " return true;")
    yield
    real_store.php("unlink( WPMU_PLUGIN_DIR . '/woo3d-test-no-slider.php' ); return true;")


def test_without_the_slider_the_3d_thumbnail_opens_the_viewer_over_the_main_image(
    browser: Browser, real_store: WooCommerceStore, products: dict[str, Any], theme: str, no_slider: None
) -> None:
    stem = Path(urlsplit(products["model"].glb).path).stem
    page, traffic = _visit(browser, real_store, products["with"], DESKTOP, stem)
    try:
        assert page.locator(".flex-viewport").count() == 0
        main = _box(page, ".woocommerce-product-gallery__image")
        summary = _boxes(page, SUMMARY[theme])
        item = page.locator(".woo3d-gallery-item .woo3d-model__open")
        assert item.get_attribute("aria-label") == "View Gallery jug in 3D" and item.is_visible()
        assert "model-viewer.min.js" not in traffic.names()

        item.click()
        page.wait_for_function("() => { const v = document.querySelector('model-viewer');"
                               " return !!(customElements.get('model-viewer') && v.loaded); }", timeout=90_000)
        shown = _box(page, ".woo3d-model--over model-viewer")
        for key in ("x", "y", "width", "height"):
            assert abs(shown[key] - main[key]) <= 1, (shown, main)
        for box, before in zip(_boxes(page, SUMMARY[theme]), summary, strict=True):
            assert abs(box["x"] - before["x"]) <= 1 and abs(box["y"] - before["y"]) <= 2, (box, before)
        page.get_by_role("button", name="Back to the photo").click()
        assert not page.locator(".woo3d-model--over").is_visible()
    finally:
        page.context.close()
