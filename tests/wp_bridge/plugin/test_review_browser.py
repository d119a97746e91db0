"""The review gate in the real WordPress and browser, with the real `woo3d serve` behind the plugin:
a held model in the 3D meta box (poster, three views, score, reasons), Approve, Discard, Regenerate
that asks before a paid call, the products list's "3D: needs review" view and bulk Approve; and the
storefront, which never shows a held model."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Dialog, Page, expect

from redis import Redis

from pipeline.stage2.mesh_io import load_mesh
from pipeline.stage2.poster import render_poster, render_turntable
from tests.redis_server import free_port
from tests.wp_bridge.plugin.conftest import (
    MUG, TOTE, VASE, configure_plugin, glb_bytes, refuse_the_question, set_model, upload, whole_screen,
)
from tests.wp_bridge.plugin.rendering import ARTIFACTS
from tests.wp_bridge.plugin.wordpress import WordPressSite
from wp_bridge import AttachmentLedger, LedgerEntry

pytestmark = pytest.mark.slow

ADMIN_TOKEN = "review-admin-token"
PRICE = "it costs a Tripo3D credit"


@pytest.fixture
def review_backend(wordpress: WordPressSite, redis_url: str, tmp_path: Path) -> Iterator[str]:
    """`woo3d serve` for the test WordPress, with a Tripo key (so regenerating is a paid call) and
    no worker (a queued job stays queued: nothing is generated or paid for)."""
    port = free_port()
    env = {
        **os.environ, "WOO3D_REDIS_URL": redis_url, "WOO3D_ADMIN_TOKEN": ADMIN_TOKEN,
        "WC_WEBHOOK_SECRET": "review-webhook-secret", "WC_STORE_URL": wordpress.url,
        "WC_CONSUMER_KEY": wordpress.consumer_key, "WC_CONSUMER_SECRET": wordpress.consumer_secret,
        "WP_USERNAME": "admin", "WP_APPLICATION_PASSWORD": wordpress.app_password, "TRIPO_API_KEY": "tsk_review",
        "WOO3D_OUTPUT_DIR": str(tmp_path / "out"), "WOO3D_LOG_FORMAT": "console",
    }
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "woo3d", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still loading the app
                time.sleep(0.2)
        else:
            pytest.fail(f"woo3d serve did not start: {(tmp_path / 'serve.log').read_text()[-3000:]}")
        configure_plugin(wordpress, url, ADMIN_TOKEN)
        yield url
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def media(site: WordPressSite, name: str, data: bytes, mime: str, product_id: int) -> dict[str, Any]:
    """An upload attached to the product, as the backend's write-back leaves it."""
    made = upload(site, name, data, mime)
    assert site.rest("POST", f"/wp/v2/media/{made['id']}", json={"post": product_id}).status_code == 200
    return {"id": made["id"], "url": made["source_url"]}


def on_the_ledger(redis_url: str, product_id: int, fingerprint: str, files: dict[str, dict[str, Any]]) -> None:
    """Record the uploads in the backend's attachment ledger, as the write-back does: only what the
    ledger holds is ever deleted."""
    ledger = AttachmentLedger(Redis.from_url(redis_url))
    for role, file in files.items():
        ledger.record(product_id, LedgerEntry(file["id"], role, fingerprint, "", file["url"]).as_published())


def publish_live_and_hold(site: WordPressSite, product_id: int, redis_url: str, *, live: bool = True) -> dict[str, Any]:
    """What the backend leaves after holding a model: the live model (optional) and, under `pending`,
    the held one with real renders of its GLB (poster and the three turntable views)."""
    mesh = load_mesh(glb_bytes(), "glb")
    views = render_turntable(mesh, 256)
    held_files = {"glb": media(site, "held.glb", glb_bytes(), "model/gltf-binary", product_id),
                  "poster": media(site, "held-poster.png", png(render_poster(mesh, 256)), "image/png", product_id),
                  **{f"view_{angle}": media(site, f"held-view-{angle}.png", png(image), "image/png", product_id)
                     for angle, image in views.items()}}
    fingerprint = f"sha256:{product_id:064x}"
    held = {"fingerprint": fingerprint, "state": "review", "glb": held_files["glb"]["url"],
            "poster": held_files["poster"]["url"], "quality": {"score": 41},
            "views": {angle: held_files[f"view_{angle}"]["url"] for angle in views},
            "attachment_ids": {role: f["id"] for role, f in held_files.items()},
            "reasons": ["the model is in 5 pieces: 38% of it floats apart from the largest",
                        "the side view is 8× thinner than the photo suggests"],
            "held_because": "its quality score 41 is below 70 (WOO3D_PUBLISH_MIN_SCORE)"}
    live_files = {"glb": media(site, "live.glb", glb_bytes(), "model/gltf-binary", product_id),
                  "poster": media(site, "live-poster.png", png(render_poster(mesh, 128)), "image/png", product_id)} if live else {}
    value = {"fingerprint": "sha256:" + "1" * 64 if live else "", "state": "live",
             "glb": live_files["glb"]["url"] if live else None,
             "poster": live_files["poster"]["url"] if live else None, "schema": 1, "pending": held,
             "attachment_ids": {role: f["id"] for role, f in live_files.items()}}
    set_model(site, product_id, value)
    on_the_ledger(redis_url, product_id, fingerprint, held_files)
    on_the_ledger(redis_url, product_id, value["fingerprint"], live_files)
    return {"value": value, "held": held, "held_files": held_files, "live_files": live_files}


def page_showing(site: WordPressSite, product_id: int) -> int:
    """A published page with the product's model twice: the shortcode, then the block."""
    content = f'[woo3d_model id="{product_id}"]\n<!-- wp:woo3d/model {{"productId":{product_id}}} /-->'
    return int(site.php(
        "return wp_insert_post( array( 'post_type' => 'page', 'post_status' => 'publish', 'post_title' => 'Review',"
        f" 'post_content' => {json.dumps(content)} ) );"
    ))


def stored(site: WordPressSite, product_id: int) -> dict[str, Any]:
    product = site.rest("GET", f"/wc/v3/products/{product_id}").json()
    (model,) = [row["value"] for row in product["meta_data"] if row["key"] == "_woo3d_model"]
    return dict(model)


def backend_status(url: str, product_id: int) -> dict[str, Any]:
    answer = requests.get(f"{url}/api/products/{product_id}/status", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                          timeout=10)
    return dict(answer.json())


def exists(site: WordPressSite, attachment_id: int) -> bool:
    return site.rest("GET", f"/wp/v2/media/{attachment_id}").status_code == 200


def shape_of(site: WordPressSite, product_id: int) -> str:
    return str(site.php(f"return get_post_meta( {product_id}, '_woo3d_shape', true );"))


def test_the_meta_box_shows_the_held_model_and_approve_publishes_it(
    admin_page: Page, visitor_page: Page, wordpress: WordPressSite, review_backend: str, redis_url: str
) -> None:
    product = wordpress.product_ids[MUG]
    seeded = publish_live_and_hold(wordpress, product, redis_url)
    held = seeded["held"]

    # The storefront shows the live model only: none of the held model's files reach the page.
    visitor_page.goto(f"/?p={product}")
    expect(visitor_page.locator("model-viewer")).to_have_attribute("src", seeded["value"]["glb"])
    page_html = visitor_page.content()
    assert all(f["url"] not in page_html for f in seeded["held_files"].values())
    visitor_page.goto(f"/?page_id={page_showing(wordpress, product)}")
    expect(visitor_page.locator(".woo3d-model--shortcode model-viewer")).to_have_attribute("src", seeded["value"]["glb"])
    expect(visitor_page.locator(".woo3d-model--block model-viewer")).to_have_attribute("src", seeded["value"]["glb"])
    assert all(f["url"] not in visitor_page.content() for f in seeded["held_files"].values())

    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    review = admin_page.locator(".woo3d-review")
    expect(review.locator(".woo3d-review__title")).to_have_text("New model waiting for your review")
    expect(review.locator(".woo3d-review__score")).to_have_text("Quality score: 41 / 100")
    expect(review.locator(".woo3d-review__why")).to_have_text(
        "Held because its quality score 41 is below 70 (WOO3D_PUBLISH_MIN_SCORE).")
    expect(review.locator(".woo3d-review__reasons li")).to_have_text(held["reasons"])
    expect(review.locator(".woo3d-review__poster")).to_have_attribute("src", held["poster"])
    expect(review.locator(".woo3d-review__view figcaption")).to_have_text(["Front", "45°", "Side"])
    expect(review.locator(".woo3d-review__view img")).to_have_count(3)
    # The Shape choice says what each class is, in words translators can reach, not the slugs.
    expect(review.locator(".woo3d-review__shape option")).to_have_text([
        "Auto (decide from the photo and text)", "Round (mug, bottle, vase)", "Box (box, book, device)",
        "Flat (print, card, rug)", "Garment (shirt, hoodie, tote)", "Free-form"])
    for index, angle in enumerate(("front", "45", "side")):
        image = review.locator(".woo3d-review__view img").nth(index)
        expect(image).to_have_attribute("src", held["views"][angle])
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.complete && img.naturalWidth") == 256
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with whole_screen(admin_page, "#woo3d-model"):
        admin_page.locator("#woo3d-model").screenshot(path=str(ARTIFACTS / "review-meta-box.png"))
        admin_page.screenshot(path=str(ARTIFACTS / "review-editor.png"))

    admin_page.get_by_role("button", name="Approve").click()
    expect(admin_page.locator(".woo3d-review")).to_have_count(0)
    expect(admin_page.locator(".woo3d-box__link")).to_have_attribute("href", held["glb"])
    value = stored(wordpress, product)
    assert value["glb"] == held["glb"] and value["pending"] is None and value["state"] == "live"
    assert not exists(wordpress, seeded["live_files"]["glb"]["id"])  # the replaced model's file
    assert not any(exists(wordpress, seeded["held_files"][f"view_{a}"]["id"]) for a in ("front", "45", "side"))
    assert exists(wordpress, seeded["held_files"]["glb"]["id"])
    visitor_page.goto(f"/?p={product}")
    expect(visitor_page.locator("model-viewer")).to_have_attribute("src", held["glb"])


def test_discard_deletes_the_held_files_and_regenerate_asks_before_a_paid_call(
    admin_page: Page, visitor_page: Page, wordpress: WordPressSite, review_backend: str, redis_url: str
) -> None:
    product = wordpress.product_ids[VASE]
    seeded = publish_live_and_hold(wordpress, product, redis_url, live=False)
    wordpress.php(f"delete_post_meta( {product}, '_woo3d_shape' ); return true;")
    visitor_page.goto(f"/?p={product}")
    expect(visitor_page.locator(".woo3d-model")).to_have_count(0)  # held only: no model on the page
    assert seeded["held"]["glb"] not in visitor_page.content()
    visitor_page.goto(f"/?page_id={page_showing(wordpress, product)}")
    expect(visitor_page.get_by_role("heading", name="Review")).to_be_visible()
    expect(visitor_page.locator(".woo3d-model")).to_have_count(0)
    assert all(f["url"] not in visitor_page.content() for f in seeded["held_files"].values())

    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    asked: list[str] = []

    def refuse(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    admin_page.once("dialog", refuse)
    admin_page.select_option(".woo3d-review__shape", "round")
    admin_page.click(".woo3d-review__regenerate-button")
    expect(admin_page.locator(".woo3d-review__status")).to_have_text("")
    assert asked == [f"Regenerating calls a paid generator: {PRICE}. Regenerate anyway?"]
    assert shape_of(wordpress, product) == ""  # refused: nothing saved, nothing queued
    status = requests.get(f"{review_backend}/api/products/{product}/status",
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10).json()
    assert status["state"] == "none"

    admin_page.once("dialog", lambda dialog: dialog.accept())
    admin_page.click(".woo3d-review__regenerate-button")
    expect(admin_page.locator(".woo3d-review__status")).to_have_text("Queued…")
    assert shape_of(wordpress, product) == "round"
    status = requests.get(f"{review_backend}/api/products/{product}/status",
                          headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=10).json()
    assert status["state"] == "queued" and "-force-" in status["job_id"]

    admin_page.once("dialog", lambda dialog: dialog.accept())
    admin_page.get_by_role("button", name="Discard").click()
    expect(admin_page.locator(".woo3d-review")).to_have_count(0)
    # Discarding the held model leaves the regeneration just asked for queued, and the box says so.
    expect(admin_page.locator(".woo3d-box__status")).to_have_text("Queued…")
    value = stored(wordpress, product)
    assert value["pending"] is None and value["declined"] == seeded["held"]["fingerprint"]
    assert not any(exists(wordpress, f["id"]) for f in seeded["held_files"].values())


def test_the_products_list_filters_held_models_and_approves_them_in_bulk(
    admin_page: Page, wordpress: WordPressSite, review_backend: str, uploaded_model: dict[str, str],
    redis_url: str,
) -> None:
    mug, tote, vase = (wordpress.product_ids[i] for i in (MUG, TOTE, VASE))
    set_model(wordpress, mug, {**uploaded_model, "schema": 1})
    held = {product: publish_live_and_hold(wordpress, product, redis_url)["held"] for product in (tote, vase)}

    admin_page.goto("/wp-admin/edit.php?post_type=product")
    view = admin_page.locator(".subsubsub .woo3d_review a")
    expect(view).to_have_text("3D: needs review (2)")
    with admin_page.expect_response(lambda response: "/statuses" in response.url) as answered:
        view.click()
    assert answered.value.ok
    rows = admin_page.locator("#the-list tr")
    expect(rows).to_have_count(2)
    # Both have a live model too, but what the merchant has to do is review the new one.
    expect(admin_page.locator("#the-list .woo3d-column")).to_have_text(["Needs review", "Needs review"])
    assert {int(i.removeprefix("post-")) for i in rows.evaluate_all("rows => rows.map(r => r.id)")} == {tote, vase}

    admin_page.check("#cb-select-all-1")
    admin_page.select_option("#bulk-action-selector-top", "woo3d_approve")
    expect(admin_page.locator("#bulk-action-selector-top option:checked")).to_have_text("Approve 3D models")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with whole_screen(admin_page, ".tablenav.bottom"):
        admin_page.screenshot(path=str(ARTIFACTS / "review-products-list.png"))
    admin_page.click("#doaction")
    expect(admin_page.locator(".woo3d-notice.notice-success p")).to_have_text(
        "Approved the 3D models of 2 products: they are on the product pages now.")
    admin_page.screenshot(path=str(ARTIFACTS / "review-bulk-approved.png"))
    for product in (tote, vase):
        value = stored(wordpress, product)
        assert value["glb"] == held[product]["glb"] and value["pending"] is None
    expect(admin_page.locator(".subsubsub .woo3d_review a")).to_have_text("3D: needs review (0)")


def test_the_meta_box_regenerate_asks_the_real_backend_before_paying_again(
    admin_page: Page, wordpress: WordPressSite, review_backend: str, uploaded_model: dict[str, str]
) -> None:
    """The backend reads this WordPress: the mug has a model (a paid regeneration asks), the tote has none."""
    mug, tote = wordpress.product_ids[MUG], wordpress.product_ids[TOTE]
    set_model(wordpress, mug, {**uploaded_model, "schema": 1, "fingerprint": "sha256:" + "2" * 64})
    set_model(wordpress, tote, None)
    admin_page.goto(f"/wp-admin/post.php?post={mug}&action=edit")
    box_status = admin_page.locator(".woo3d-box__status")
    expect(box_status).to_have_text("Done: the 3D model is ready.")

    asked = refuse_the_question(admin_page, admin_page.get_by_role("button", name="Regenerate"))
    assert asked == f"Regenerating calls a paid generator: {PRICE}. Regenerate anyway?"
    expect(admin_page.get_by_role("button", name="Regenerate")).to_be_enabled()
    expect(box_status).to_have_text("Done: the 3D model is ready.")
    assert backend_status(review_backend, mug)["state"] == "none"  # refused: nothing queued
    assert stored(wordpress, mug)["glb"] == uploaded_model["glb"]

    admin_page.once("dialog", lambda dialog: dialog.accept())
    admin_page.get_by_role("button", name="Regenerate").click()
    expect(box_status).to_have_text("Queued…")
    status = backend_status(review_backend, mug)
    assert status["state"] == "queued" and "-force-" in status["job_id"]

    # A first generation costs nothing twice: no question.
    admin_page.goto(f"/wp-admin/post.php?post={tote}&action=edit")
    expect(box_status).to_have_text("No 3D model yet.")
    questions: list[str] = []
    admin_page.on("dialog", lambda dialog: questions.append(dialog.message))
    admin_page.get_by_role("button", name="Regenerate").click()
    expect(box_status).to_have_text("Queued…")
    assert questions == [] and "-force-" in backend_status(review_backend, tote)["job_id"]


def test_the_needs_review_count_is_kept_until_a_model_meta_changes(wordpress: WordPressSite) -> None:
    """The products list's "3D: needs review (N)" counts with a LIKE over serialized meta once, then
    reads the kept count until any product's `_woo3d_model` is added, changed or deleted."""
    kept = wordpress.php(
        "$id = wp_insert_post( array( 'post_type' => 'product', 'post_title' => 'count probe', 'post_status' => 'draft' ) );"
        "delete_transient( 'woo3d_review_count' ); Woo3D_Review::add_view( array() );"
        "$counted = get_transient( 'woo3d_review_count' );"
        "update_post_meta( $id, '_woo3d_model', array( 'schema' => 1 ) );"
        "$after_change = get_transient( 'woo3d_review_count' );"
        "Woo3D_Review::add_view( array() ); delete_post_meta( $id, '_woo3d_model' );"
        "$after_delete = get_transient( 'woo3d_review_count' ); wp_delete_post( $id, true );"
        "return array( $counted, $after_change, $after_delete );"
    )
    assert isinstance(kept[0], int) and kept[1:] == [False, False]
