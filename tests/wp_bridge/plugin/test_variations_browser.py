"""Variable products in a real WordPress and browser: the viewer follows WooCommerce's variation form
(`found_variation` → the variation's model, `reset_data` → the product's), each variation panel in the
editor shows its model with Generate/Regenerate, and the bulk action covers variations."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest
import trimesh
from playwright.sync_api import Page, expect

from tests.conftest import PHOTOS
from tests.wp_bridge.plugin.conftest import has_model, png_bytes, refuse_the_question, set_model, upload, usdz_bytes
from tests.wp_bridge.plugin.fake_backend import FakeBackend
from tests.wp_bridge.plugin.rendering import wait_until_rendered
from tests.wp_bridge.plugin.wordpress import WordPressSite

pytestmark = pytest.mark.slow


def variable_product(site: WordPressSite, name: str, photos: dict[str, int | None], featured: int | None) -> dict[str, Any]:
    """A published product with one `product_variation` per colour (`attribute_color`), each with its photo."""
    created: dict[str, Any] = site.php(f"""
        $parent = wp_insert_post( array( 'post_type' => 'product', 'post_status' => 'publish',
            'post_title' => {name!r}, 'post_content' => 'A cotton cap.' ) );
        if ( {featured or 0} ) {{ set_post_thumbnail( $parent, {featured or 0} ); }}
        $ids = array();
        foreach ( json_decode( '{json.dumps(photos)}', true ) as $colour => $photo ) {{
            $id = wp_insert_post( array( 'post_type' => 'product_variation', 'post_status' => 'publish',
                'post_parent' => $parent, 'post_title' => {name!r} . ' - ' . $colour, 'menu_order' => count( $ids ) ) );
            update_post_meta( $id, 'attribute_color', $colour );
            if ( $photo ) {{ set_post_thumbnail( $id, $photo ); }}
            $ids[ $colour ] = $id;
        }}
        return array( 'parent' => $parent, 'variations' => $ids );
    """)
    return created


def set_variation_model(site: WordPressSite, parent: int, variation: int, model: dict[str, Any] | None) -> None:
    """As the backend writes a variation's model: through its parent's variations route."""
    refused = site.rest("PUT", f"/wc/v3/products/{variation}", json={"meta_data": [{"key": "_woo3d_model", "value": model}]})
    assert refused.status_code == 404 and refused.json()["code"] == "woocommerce_rest_invalid_product_id"
    response = site.rest("PUT", f"/wc/v3/products/{parent}/variations/{variation}",
                         json={"meta_data": [{"key": "_woo3d_model", "value": model}]})
    assert response.status_code == 200, response.text


def photo(site: WordPressSite, name: str) -> int:
    return int(upload(site, name, (PHOTOS / "ruby_mug.jpg").read_bytes(), "image/jpeg")["id"])


@pytest.fixture(scope="module")
def red_model(wordpress: WordPressSite) -> dict[str, str]:
    """A second model (a red cylinder), so a switch is visible in the viewer's src."""
    cylinder = trimesh.creation.cylinder(radius=0.1, height=0.2)
    cylinder.visual.vertex_colors = [220, 30, 30, 255]
    return {
        "glb": upload(wordpress, "red-cap.glb", bytes(cylinder.export(file_type="glb")), "model/gltf-binary")["source_url"],
        "usdz": upload(wordpress, "red-cap.usdz", usdz_bytes(), "model/vnd.usdz+zip")["source_url"],
        "poster": upload(wordpress, "red-cap-poster.png", png_bytes((220, 30, 30)), "image/png")["source_url"],
    }


@pytest.fixture(scope="module")
def cap(wordpress: WordPressSite, uploaded_model: dict[str, str], red_model: dict[str, str]) -> dict[str, Any]:
    """A cap with its model; Red has a photo and a model of its own, Gray a photo but no model yet,
    Natural no photo (it shows the cap's model)."""
    featured = photo(wordpress, "cap.jpg")
    created = variable_product(wordpress, "Trucker Cap", {"Red": photo(wordpress, "cap-red.jpg"),
                                                          "Gray": photo(wordpress, "cap-gray.jpg"), "Natural": None},
                               featured)
    set_model(wordpress, created["parent"], {**uploaded_model, "schema": 1, "alt": "The cap"})
    set_variation_model(wordpress, created["parent"], created["variations"]["Red"],
                        {**red_model, "schema": 1, "alt": "The red cap"})
    return created


def viewer_src(page: Page) -> str:
    return str(page.locator("model-viewer").get_attribute("src"))


def test_choosing_a_variation_switches_the_viewer_and_clear_brings_the_product_back(
    visitor_page: Page, cap: dict[str, Any], uploaded_model: dict[str, str], red_model: dict[str, str]
) -> None:
    visitor_page.goto(f"/?p={cap['parent']}")
    viewer = visitor_page.locator("model-viewer")
    expect(viewer).to_have_attribute("src", uploaded_model["glb"])
    wait_until_rendered(visitor_page)
    visitor_page.evaluate("window.woo3dSamePage = true")  # gone if the page reloads

    visitor_page.select_option("#color", "Red")
    expect(viewer).to_have_attribute("src", red_model["glb"])
    expect(viewer).to_have_attribute("ios-src", red_model["usdz"])
    expect(viewer).to_have_attribute("poster", red_model["poster"])
    expect(viewer).to_have_attribute("alt", "The red cap")
    # model-viewer really loads the red model in place.
    visitor_page.wait_for_function(
        "(src) => { const v = document.querySelector('model-viewer'); return v.src === src && v.loaded; }",
        arg=red_model["glb"], timeout=60_000,
    )

    visitor_page.select_option("#color", "Gray")  # no model of its own: the cap's
    expect(viewer).to_have_attribute("src", uploaded_model["glb"])
    visitor_page.select_option("#color", "Red")
    expect(viewer).to_have_attribute("src", red_model["glb"])
    visitor_page.get_by_role("link", name="Clear").click()
    expect(viewer).to_have_attribute("src", uploaded_model["glb"])
    expect(viewer).to_have_attribute("poster", uploaded_model["poster"])
    expect(viewer).to_have_attribute("alt", "The cap")
    assert visitor_page.evaluate("window.woo3dSamePage") is True
    assert visitor_page.locator("model-viewer").count() == 1


def test_the_variation_data_carries_each_variations_model(
    visitor_page: Page, cap: dict[str, Any], uploaded_model: dict[str, str], red_model: dict[str, str]
) -> None:
    visitor_page.goto(f"/?p={cap['parent']}")
    data = visitor_page.locator(".variations_form").get_attribute("data-product_variations")
    models = {v["attributes"]["attribute_color"]: v["woo3d_model"] for v in json.loads(data or "[]")}
    # codec: "" as this meta names no attachments (woo3d cannot read the GLB): the loader then locates both decoders.
    assert models["Red"] == {"src": red_model["glb"], "ios_src": red_model["usdz"], "poster": red_model["poster"],
                             "alt": "The red cap", "codec": "", "own": True}
    assert models["Natural"]["src"] == uploaded_model["glb"] and models["Natural"]["own"] is False


def test_a_product_without_a_model_shows_a_variations_model_only_while_it_is_chosen(
    visitor_page: Page, wordpress: WordPressSite, red_model: dict[str, str]
) -> None:
    beanie = variable_product(wordpress, "Beanie", {"Red": photo(wordpress, "beanie-red.jpg"), "Blue": None}, None)
    set_variation_model(wordpress, beanie["parent"], beanie["variations"]["Red"], {**red_model, "schema": 1})
    visitor_page.goto(f"/?p={beanie['parent']}")
    expect(visitor_page.locator(".variations_form")).to_be_visible()
    assert visitor_page.locator("model-viewer").count() == 0
    visitor_page.select_option("#color", "Red")
    expect(visitor_page.locator("model-viewer")).to_have_attribute("src", red_model["glb"])
    expect(visitor_page.locator("model-viewer")).to_be_visible()
    visitor_page.select_option("#color", "Blue")
    expect(visitor_page.locator("model-viewer")).to_be_hidden()


def test_each_variation_panel_shows_its_model_and_generates_it(
    admin_page: Page, cap: dict[str, Any], backend: FakeBackend, red_model: dict[str, str]
) -> None:
    red, gray, natural = (cap["variations"][c] for c in ("Red", "Gray", "Natural"))
    backend.script(red, {"state": "done"})
    backend.script(gray, {"state": "queued", "job_id": "gen-g"}, {"state": "running", "stage": "meshing", "progress": 0.5},
                   {"state": "done"}, after_generate=True)
    admin_page.goto(f"/wp-admin/post.php?post={cap['parent']}&action=edit")
    red_panel = admin_page.locator(f'.woo3d-variation[data-product-id="{red}"]')
    gray_panel = admin_page.locator(f'.woo3d-variation[data-product-id="{gray}"]')
    natural_panel = admin_page.locator(f'.woo3d-variation[data-product-id="{natural}"]')
    expect(red_panel.locator(".woo3d-variation__status")).to_have_text("Done: the 3D model is ready.")
    expect(red_panel.get_by_role("link", name="Open the 3D model (GLB)")).to_have_attribute("href", red_model["glb"])
    expect(gray_panel.locator(".woo3d-variation__status")).to_have_text("No 3D model yet.")
    expect(natural_panel.locator(".woo3d-variation__inherits")).to_contain_text("shows the product’s model")

    gray_panel.get_by_role("button", name="Generate 3D model").click()
    # A generate and its polls are four WordPress requests in a row: more than 5 s on a loaded machine.
    expect(gray_panel.locator(".woo3d-variation__status")).to_have_text("Done: the 3D model is ready.", timeout=20_000)
    (call,) = backend.received("POST", f"/api/products/{gray}/generate")
    assert call.body == {"force": False}
    red_panel.get_by_role("button", name="Regenerate").click()
    expect(red_panel.locator(".woo3d-variation__status")).to_have_text("Done: the 3D model is ready.")
    assert backend.received("POST", f"/api/products/{red}/generate")[-1].body == {"force": True}
    assert backend.received("POST", f"/api/products/{cap['parent']}/generate") == []  # the product's own box is untouched


def test_a_variations_paid_regenerate_asks_and_a_no_changes_nothing(
    admin_page: Page, wordpress: WordPressSite, cap: dict[str, Any], backend: FakeBackend, red_model: dict[str, str]
) -> None:
    red = cap["variations"]["Red"]
    set_variation_model(wordpress, cap["parent"], red, {**red_model, "schema": 1, "fingerprint": "sha256:red"})
    backend.charge("costs a Tripo3D credit", partial(has_model, wordpress))
    backend.script(red, {"state": "done"})
    admin_page.goto(f"/wp-admin/post.php?post={cap['parent']}&action=edit")
    panel = admin_page.locator(f'.woo3d-variation[data-product-id="{red}"]')
    status = panel.locator(".woo3d-variation__status")
    expect(status).to_have_text("Done: the 3D model is ready.")

    asked = refuse_the_question(admin_page, panel.get_by_role("button", name="Regenerate"))
    assert asked == "Regenerating calls a paid generator: it costs a Tripo3D credit. Regenerate anyway?"
    expect(status).to_have_text("Done: the 3D model is ready.")
    expect(panel.get_by_role("button", name="Regenerate")).to_be_enabled()
    assert [r.body for r in backend.received("POST", f"/api/products/{red}/generate")] == [{"force": True}]

    admin_page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name="Regenerate").click()
    expect(status).to_have_text("Done: the 3D model is ready.")
    assert [r.body for r in backend.received("POST", f"/api/products/{red}/generate")] == [
        {"force": True}, {"force": True}, {"force": True, "confirm_paid": True}]  # asked again, then confirmed


def test_the_bulk_action_covers_the_variations_with_a_photo_of_their_own(
    admin_page: Page, cap: dict[str, Any], backend: FakeBackend
) -> None:
    admin_page.goto("/wp-admin/edit.php?post_type=product")
    admin_page.check(f"#cb-select-{cap['parent']}")
    admin_page.select_option("#bulk-action-selector-top", "woo3d_generate")
    admin_page.click("#doaction")
    expect(admin_page.locator(".woo3d-notice.notice-success p")).to_have_text(
        "3D model generation started for 3 products. A product whose 3D model already matches its photos and text "
        "keeps it: nothing is regenerated or charged again.")
    generated = {r.path for r in backend.requests if r.method == "POST"}
    assert generated == {f"/api/products/{i}/generate" for i in (cap["parent"], cap["variations"]["Red"],
                                                                   cap["variations"]["Gray"])}
