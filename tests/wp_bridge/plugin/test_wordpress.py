"""The plugin inside a real WordPress, without a browser: uploads, REST permissions, rendering, uninstall."""

from __future__ import annotations

import html
import json
import re
import shutil
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.wp_bridge.plugin.conftest import MUG, TOTE, VASE, configure_plugin, glb_bytes, set_model, upload, usdz_bytes
from tests.wp_bridge.plugin.fake_backend import TOKEN, FakeBackend
from tests.wp_bridge.plugin.wordpress import HARNESS, WordPressSite, php_value
from woo3d.cli.plugin import PLUGIN_BASENAME, PLUGIN_SLUG

pytestmark = pytest.mark.slow

# A classic theme (harness/woo3d-test-theme) that filters the viewer's placement.
THEME = "woo3d-test-theme"
HOSTILE_ALT = '"><script>alert("alt")</script><img src=x onerror=alert(1)>'


def customer_app_password(site: WordPressSite) -> str:
    return str(site.php(
        f"return WP_Application_Passwords::create_new_application_password( {site.users['customer']}, "
        "array( 'name' => 'test-' . wp_generate_password( 6, false ) ) )[0];"
    ))


def model_for(site: WordPressSite, product_id: int, **overrides: Any) -> dict[str, Any]:
    base = f"{site.url}/wp-content/uploads/models/{product_id}"
    return {"glb": f"{base}/model.glb", "usdz": f"{base}/model.usdz", "poster": f"{base}/poster.png",
            "alt": "", "ar_modes": "webxr scene-viewer quick-look", "camera_orbit": "30deg 75deg 105%",
            "shadow_intensity": 1, "attachment_ids": {"glb": 1}, "fingerprint": "abc", "generator": "local",
            "schema": 1, **overrides}


def viewer_tags(page_html: str) -> list[str]:
    return re.findall(r"<model-viewer\b[^>]*>", page_html)


# uploads


def test_admin_uploads_glb_and_usdz_to_the_media_library(wordpress: WordPressSite) -> None:
    glb = upload(wordpress, "chair.glb", glb_bytes(), "model/gltf-binary")
    usdz = upload(wordpress, "chair.usdz", usdz_bytes(), "model/vnd.usdz+zip")
    assert glb["mime_type"] == "model/gltf-binary" and glb["source_url"].endswith(".glb")
    assert usdz["mime_type"] == "model/vnd.usdz+zip" and usdz["source_url"].endswith(".usdz")


def test_a_file_named_glb_that_is_not_gltf_is_refused(wordpress: WordPressSite) -> None:
    response = wordpress.rest("POST", "/wp/v2/media", data=b"<?php echo 1; ?>", headers={
        "Content-Disposition": 'attachment; filename="evil.glb"', "Content-Type": "model/gltf-binary"})
    assert response.status_code in (400, 500), response.text
    assert response.json()["code"] == "rest_upload_sideload_error"


def test_3d_types_are_only_allowed_for_users_who_may_upload(wordpress: WordPressSite) -> None:
    allowed = wordpress.php(
        f"return array( 'admin' => array_values( array_intersect( array( 'glb', 'usdz' ), array_keys( get_allowed_mime_types( 1 ) ) ) ),"
        f" 'customer' => array_values( array_intersect( array( 'glb', 'usdz' ), array_keys( get_allowed_mime_types( {wordpress.users['customer']} ) ) ) ) );"
    )
    assert allowed == {"admin": ["glb", "usdz"], "customer": []}
    refused = wordpress.rest("POST", "/wp/v2/media", user="customer", password=customer_app_password(wordpress),
                             data=glb_bytes(), headers={"Content-Disposition": 'attachment; filename="c.glb"',
                                                        "Content-Type": "model/gltf-binary"})
    assert refused.status_code == 403


# the plugin's REST routes


def test_generate_route_calls_the_backend_with_the_token_server_side(wordpress: WordPressSite, backend: FakeBackend) -> None:
    product = wordpress.product_ids[TOTE]
    response = wordpress.rest("POST", f"/woo3d/v1/products/{product}/generate", json={"force": True})
    assert response.status_code == 202, response.text
    assert response.json()["status"]["state"] == "queued"
    assert TOKEN not in response.text
    (call,) = backend.received("POST", f"/api/products/{product}/generate")
    assert call.authorization == f"Bearer {TOKEN}" and call.body == {"force": True}


def test_customers_and_anonymous_visitors_cannot_trigger(wordpress: WordPressSite, backend: FakeBackend) -> None:
    product = wordpress.product_ids[TOTE]
    as_customer = wordpress.rest("POST", f"/woo3d/v1/products/{product}/generate", user="customer",
                                 password=customer_app_password(wordpress))
    anonymous = requests.post(f"{wordpress.url}/wp-json/woo3d/v1/products/{product}/generate", timeout=10)
    status = requests.get(f"{wordpress.url}/wp-json/woo3d/v1/products/{product}/status", timeout=10)
    assert (as_customer.status_code, anonymous.status_code, status.status_code) == (403, 401, 401)
    assert backend.requests == []


def test_a_post_that_is_not_a_product_is_refused(wordpress: WordPressSite, backend: FakeBackend) -> None:
    page_id = wordpress.php("return wp_insert_post( array( 'post_type' => 'page', 'post_title' => 'About', 'post_status' => 'publish' ) );")
    response = wordpress.rest("POST", f"/woo3d/v1/products/{page_id}/generate")
    assert response.status_code == 403
    assert backend.requests == []


def test_wrong_token_is_reported_not_leaked(wordpress: WordPressSite, backend: FakeBackend) -> None:
    wordpress.php("$s = get_option( 'woo3d_plugin_settings' ); $s['admin_token'] = 'wrong-token'; update_option( 'woo3d_plugin_settings', $s ); return true;")
    response = wordpress.rest("POST", f"/woo3d/v1/products/{wordpress.product_ids[TOTE]}/generate")
    assert response.status_code == 502
    assert response.json()["code"] == "woo3d_unauthorized"
    assert "wrong-token" not in response.text
    test = wordpress.rest("POST", "/woo3d/v1/connection").json()
    assert test["ok"] is False and "refused the admin token" in test["message"]


def test_unreachable_backend_is_reported(wordpress: WordPressSite, backend: FakeBackend) -> None:
    wordpress.php("$s = get_option( 'woo3d_plugin_settings' ); $s['backend_url'] = 'http://127.0.0.1:9'; update_option( 'woo3d_plugin_settings', $s ); return true;")
    test = wordpress.rest("POST", "/woo3d/v1/connection").json()
    assert test["ok"] is False and test["message"].startswith("No woo3d backend answers at this URL")
    generate = wordpress.rest("POST", f"/woo3d/v1/products/{wordpress.product_ids[TOTE]}/generate")
    assert generate.status_code == 502
    assert generate.json()["message"] == "Could not reach the woo3d backend."  # not the transport's own error


def test_connection_test_checks_health_and_the_token(wordpress: WordPressSite, backend: FakeBackend) -> None:
    test = wordpress.rest("POST", "/woo3d/v1/connection").json()
    assert test == {"ok": True, "message": "Connected: the backend is up and accepted the admin token."}
    assert [r.path for r in backend.requests] == ["/healthz", "/api/products/0/status"]
    assert backend.requests[0].authorization == ""


def test_status_route_translates_each_backend_state(wordpress: WordPressSite, backend: FakeBackend) -> None:
    product = wordpress.product_ids[TOTE]
    backend.script(product, {"state": "queued", "job_id": "gen-1"},
                   {"state": "running", "stage": "texturing", "progress": 0.4},
                   {"state": "failed", "reason": "no usable product photo <b>"})
    messages = [wordpress.rest("GET", f"/woo3d/v1/products/{product}/status").json()["status"]["message"] for _ in range(3)]
    assert messages == ["Queued…", "Running: texturing (40%)", "Failed: no usable product photo"]


def test_list_statuses_keep_a_saved_model_when_the_backend_forgot_the_job(
    wordpress: WordPressSite, backend: FakeBackend
) -> None:
    mug, tote = wordpress.product_ids[MUG], wordpress.product_ids[TOTE]
    set_model(wordpress, mug, model_for(wordpress, mug))
    set_model(wordpress, tote, None)
    backend.script(tote, {"state": "running", "stage": "meshing"})
    body = wordpress.rest("GET", "/woo3d/v1/statuses", params={"ids[]": [mug, tote]}).json()
    assert body["statuses"][str(mug)]["state"] == "done"
    assert body["statuses"][str(tote)]["message"] == "Running: meshing"


def test_list_statuses_of_fifty_products_cost_one_short_call_when_the_backend_hangs(
    wordpress: WordPressSite, backend: FakeBackend
) -> None:
    """The products list asks on every load: a backend that takes connections and never answers holds
    the request for one short timeout (was: 10 s per product, 50 per page), and each product shows
    what its meta says, with the reason."""
    ids = [int(i) for i in wordpress.php(
        "$ids = array(); for ( $n = 0; $n < 50; $n++ ) { $ids[] = wp_insert_post( array( 'post_type' => 'product',"
        " 'post_status' => 'publish', 'post_title' => 'Listed ' . $n ) ); } return $ids;"
    )]
    set_model(wordpress, ids[0], model_for(wordpress, ids[0]))
    with socket.create_server(("127.0.0.1", 0), backlog=128) as hung:
        configure_plugin(wordpress, f"http://127.0.0.1:{hung.getsockname()[1]}", TOKEN)
        started = time.monotonic()
        answer = wordpress.rest("GET", "/woo3d/v1/statuses", params={"ids[]": ids}, timeout=60)
        elapsed = time.monotonic() - started
    assert answer.status_code == 200, answer.text[:500]
    statuses = answer.json()["statuses"]
    assert elapsed < 10, f"{elapsed:.1f} s"
    assert set(statuses) == {str(i) for i in ids}
    assert statuses[str(ids[0])]["state"] == "done" and statuses[str(ids[1])]["state"] == "none"
    assert {s["message"] for s in statuses.values()} == {"Could not reach the woo3d backend."}


def test_list_statuses_ask_the_backend_once_for_the_page(wordpress: WordPressSite, backend: FakeBackend) -> None:
    mug, tote, vase = (wordpress.product_ids[k] for k in (MUG, TOTE, VASE))
    backend.script(tote, {"state": "running", "stage": "meshing"})
    body = wordpress.rest("GET", "/woo3d/v1/statuses", params={"ids[]": [mug, tote, vase]}).json()
    assert body["statuses"][str(tote)]["message"] == "Running: meshing"
    assert [r.path for r in backend.requests] == [f"/api/products/statuses?ids={mug},{tote},{vase}"]


# storefront rendering


def test_a_variable_product_page_reads_its_variations_models_in_one_query(wordpress: WordPressSite) -> None:
    """Every anonymous view of a product page asks whether a variation has a model: one query, not one a variation."""
    live = json.dumps(json.dumps(model_for(wordpress, 1)))
    held = json.dumps(json.dumps({"pending": {**model_for(wordpress, 1), "state": "review"}}))
    product = int(wordpress.php(f"""
        $product = wp_insert_post( array( 'post_type' => 'product', 'post_status' => 'publish', 'post_title' => 'Sixty colours' ) );
        for ( $n = 0; $n < 60; $n++ ) {{
            $v = wp_insert_post( array( 'post_type' => 'product_variation', 'post_status' => 'publish', 'post_parent' => $product ) );
            update_post_meta( $v, '_woo3d_model', json_decode( 59 === $n ? {live} : {held}, true ) );
        }}
        return $product;
    """))

    def page_view() -> dict[str, Any]:
        return dict(wordpress.php(f"""
            global $wp_query, $wp_the_query, $wpdb;
            $wp_the_query = $wp_query = new WP_Query( array( 'p' => {product}, 'post_type' => 'product' ) );
            $before = $wpdb->num_queries;
            Woo3D_Variations::enqueue_storefront();
            return array( 'queries' => $wpdb->num_queries - $before, 'enqueued' => wp_script_is( 'woo3d-variations' ) );
        """))

    assert page_view() == {"queries": 1, "enqueued": True}
    wordpress.php(f"""
        foreach ( get_posts( array( 'post_type' => 'product_variation', 'post_parent' => {product}, 'fields' => 'ids',
            'numberposts' => 1, 'order' => 'DESC', 'orderby' => 'ID' ) ) as $v ) {{ delete_post_meta( $v, '_woo3d_model' ); }}
        return true;
    """)
    assert page_view() == {"queries": 1, "enqueued": False}, "a held model is not shown: no script"
    set_model(wordpress, product, model_for(wordpress, product))
    assert page_view() == {"queries": 1, "enqueued": True}, "the product's model shows for every variation"


def test_product_page_renders_model_viewer_from_the_meta(wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[MUG]
    model = model_for(wordpress, product, ar_scale="fixed", ar_placement="wall")
    set_model(wordpress, product, model)
    page = requests.get(f"{wordpress.url}/?p={product}", timeout=30).text
    (tag,) = viewer_tags(page)
    attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
    assert attributes["src"] == model["glb"]
    assert attributes["ar-scale"] == "fixed" and attributes["ar-placement"] == "wall"
    assert attributes["ios-src"] == model["usdz"]
    assert attributes["poster"] == model["poster"]
    assert attributes["alt"] == "3D model of Red Ceramic Mug"
    assert attributes["ar-modes"] == "webxr scene-viewer quick-look"
    assert attributes["touch-action"] == "pan-y"
    assert attributes["camera-orbit"] == "30deg 75deg 105%"
    assert attributes["shadow-intensity"] == "1"
    assert re.search(r"\sar[\s>]", tag) and " camera-controls" in tag
    # Only woo3d's small loader is a script of the page; it imports model-viewer when the viewer is wanted.
    assert re.search(rf'<script[^>]* src=["\'][^"\']*{PLUGIN_SLUG}/assets/js/viewer\.js', page)
    assert not re.search(r'<script[^>]* src=["\'][^"\']*model-viewer\.min\.js', page)
    assert re.search(r'"script":"[^"]*assets/vendor/model-viewer\.min\.js"', page)


def test_html_in_the_meta_is_escaped(wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[VASE]
    set_model(wordpress, product, model_for(
        wordpress, product, alt=HOSTILE_ALT, poster='https://x.test/p.png" onload="alert(1)',
        camera_orbit='0deg" onclick="alert(1)', ar_modes="quick-look <script>", shadow_intensity="9; x",
        ar_scale='fixed" onclick="x', ar_placement="ceiling"))
    page = requests.get(f"{wordpress.url}/?p={product}", timeout=30).text
    (tag,) = viewer_tags(page)
    assert "<script>alert" not in page and "onerror=alert" not in page
    assert " onload=" not in tag and " onclick=" not in tag
    attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))
    assert attributes["alt"] == "&quot;&gt;" and html.unescape(attributes["alt"]) == '">'  # tags stripped, rest escaped
    assert attributes["ar-modes"] == "quick-look"
    assert "camera-orbit" not in attributes and "ar-scale" not in attributes and "ar-placement" not in attributes
    assert attributes["shadow-intensity"] == "1"


def test_a_model_without_a_usable_glb_renders_nothing(wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[VASE]
    set_model(wordpress, product, model_for(wordpress, product, glb="javascript:alert(1)"))
    assert viewer_tags(requests.get(f"{wordpress.url}/?p={product}", timeout=30).text) == []
    set_model(wordpress, product, None)
    page = requests.get(f"{wordpress.url}/?p={product}", timeout=30).text
    assert viewer_tags(page) == [] and "model-viewer.min.js" not in page


def test_meta_stored_as_json_text_renders_too(wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[VASE]
    model = model_for(wordpress, product, alt="A vase")
    wordpress.php(f"update_post_meta( {product}, '_woo3d_model', wp_slash( {json.dumps(json.dumps(model))} ) ); return true;")
    (tag,) = viewer_tags(requests.get(f"{wordpress.url}/?p={product}", timeout=30).text)
    assert f'src="{model["glb"]}"' in tag and 'alt="A vase"' in tag


def test_shortcode_and_block_render_a_products_model(wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[MUG]
    set_model(wordpress, product, model_for(wordpress, product))
    rendered = wordpress.php(
        f"return array( do_shortcode( '[woo3d_model id=\"{product}\"]' ), do_shortcode( '[woo3d_model id=\"999999\"]' ),"
        f" render_block( array( 'blockName' => 'woo3d/model', 'attrs' => array( 'productId' => {product} ), 'innerHTML' => '', 'innerBlocks' => array() ) ) );"
    )
    shortcode, missing, block = rendered
    assert 'class="woo3d-model woo3d-model--shortcode"' in shortcode and "<model-viewer" in shortcode
    assert missing == ""
    assert 'woo3d-model--block' in block and "<model-viewer" in block


def test_draft_products_models_are_not_shown_by_shortcode(wordpress: WordPressSite) -> None:
    draft = wordpress.php("return wp_insert_post( array( 'post_type' => 'product', 'post_title' => 'Secret', 'post_status' => 'draft' ) );")
    set_model(wordpress, draft, model_for(wordpress, draft))
    assert wordpress.php(f"return do_shortcode( '[woo3d_model id=\"{draft}\"]' );") == ""


@pytest.fixture
def placement_theme(wordpress: WordPressSite) -> Iterator[None]:
    """The harness's classic theme active (it filters the placement from `init`, with the option
    `woo3d_test_placement`) and the viewer set to go under the gallery; both undone afterwards."""
    folder = wordpress.docroot / "wp-content" / "themes" / THEME
    shutil.copytree(HARNESS / THEME, folder)
    previous = wordpress.php(
        f"$before = get_stylesheet(); switch_theme( '{THEME}' );"
        " $s = get_option( 'woo3d_plugin_settings', array() ); $s['gallery_position'] = 'after';"
        " update_option( 'woo3d_plugin_settings', $s ); return $before;")
    try:
        yield
    finally:
        wordpress.php(
            f"switch_theme( {json.dumps(previous)} ); delete_option( 'woo3d_test_placement' );"
            " $s = get_option( 'woo3d_plugin_settings', array() ); unset( $s['gallery_position'] );"
            " update_option( 'woo3d_plugin_settings', $s ); return true;")
        shutil.rmtree(folder)


def placed(site: WordPressSite, product_id: int, placement: Any) -> list[str]:
    """The test theme's marks and the viewer, in page order, with the theme filtering the placement to `placement`."""
    site.php(f"update_option( 'woo3d_test_placement', {php_value(placement)} ); return true;")
    page = requests.get(f"{site.url}/?p={product_id}", timeout=30).text
    assert len(viewer_tags(page)) == 1
    marks = {"<!--default-->": "default", "<!--theme-->": "theme", "<!--spot-5-->": "5", "<!--spot-15-->": "15",
             "<!--content-->": "content", 'class="woo3d-model woo3d-model--product"': "VIEWER"}
    return [name for _, name in sorted((page.index(mark), name) for mark, name in marks.items())]


def test_a_theme_moves_the_viewer_under_the_gallery_with_the_placement_filter(
    wordpress: WordPressSite, placement_theme: None
) -> None:
    """`woo3d_single_product_placement` is for themes, whose functions.php loads after the plugins:
    a filter it adds (here from `init`) moves the viewer, at its priority; a value that is no placement
    leaves it where WooCommerce's template fires the default hook."""
    product = wordpress.product_ids[MUG]
    set_model(wordpress, product, model_for(wordpress, product))
    spot = "woo3d_test_theme_spot"
    assert placed(wordpress, product, {"hook": spot, "priority": 10}) == ["default", "theme", "5", "VIEWER", "15", "content"]
    assert placed(wordpress, product, {"hook": spot, "priority": 20}) == ["default", "theme", "5", "15", "VIEWER", "content"]
    default = ["default", "VIEWER", "theme", "5", "15", "content"]
    for wrong in (spot, [spot, 10], {"priority": 10}, {"hook": "", "priority": 10}, {"hook": " ", "priority": 10},
                  {"hook": spot}, {"hook": spot, "priority": "late"}, {"hook": spot, "priority": 10.5},
                  {"hook": ["x"], "priority": 10}):
        assert placed(wordpress, product, wrong) == default, wrong


# uninstall


def test_uninstall_keeps_models_unless_asked(wordpress: WordPressSite) -> None:
    product = wordpress.product_ids[TOTE]
    uninstall = (
        f"define( 'WP_UNINSTALL_PLUGIN', '{PLUGIN_BASENAME}' ); include WP_PLUGIN_DIR . '/{PLUGIN_SLUG}/uninstall.php';"
        f" return array( get_option( 'woo3d_plugin_settings', 'gone' ), (bool) get_post_meta( {product}, '_woo3d_model', true ) );"
    )
    set_model(wordpress, product, model_for(wordpress, product))
    wordpress.php("update_option( 'woo3d_plugin_settings', array( 'backend_url' => 'http://b', 'admin_token' => 't' ) ); return true;")
    assert wordpress.php(uninstall) == ["gone", True]
    wordpress.php("update_option( 'woo3d_plugin_settings', array( 'delete_data_on_uninstall' => true ) ); return true;")
    assert wordpress.php(uninstall) == ["gone", False]


def test_plugin_left_no_php_notices(wordpress: WordPressSite) -> None:
    requests.get(f"{wordpress.url}/?p={wordpress.product_ids[MUG]}", timeout=30)
    log = wordpress.debug_log.read_text() if wordpress.debug_log.exists() else ""
    assert [line for line in log.splitlines() if f"/plugins/{PLUGIN_SLUG}/" in line] == []
