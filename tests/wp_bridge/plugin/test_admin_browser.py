"""WP admin in a real browser: settings and "Test connection", the product meta box with live status,
the products list column and bulk action, and who may press the buttons."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.wp_bridge.plugin.conftest import (
    MUG, SETTINGS_PAGE, TOTE, VASE, configure_plugin, has_model, log_in, refuse_the_question, set_model,
)
from tests.wp_bridge.plugin.fake_backend import TOKEN, FakeBackend
from tests.wp_bridge.plugin.wordpress import WordPressSite

pytestmark = pytest.mark.slow


def watch_status(page: Page) -> None:
    """Records every text the meta box's status line shows (polling is faster than assertions)."""
    page.evaluate("""() => {
        const line = document.querySelector('.woo3d-box__status');
        window.woo3dSeen = [line.textContent];
        new MutationObserver(() => window.woo3dSeen.push(line.textContent))
            .observe(line, {childList: true, characterData: true, subtree: true});
    }""")


def seen(page: Page) -> list[str]:
    texts: list[str] = page.evaluate("window.woo3dSeen")
    return [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]


def test_settings_are_saved_server_side_and_the_connection_tested(
    admin_page: Page, wordpress: WordPressSite, backend: FakeBackend
) -> None:
    configure_plugin(wordpress, "", "")
    admin_page.goto(SETTINGS_PAGE)
    admin_page.fill("#woo3d-backend-url", backend.url + "/")
    admin_page.fill("#woo3d-admin-token", TOKEN)
    admin_page.click("#submit")
    expect(admin_page.locator("#setting-error-settings_updated")).to_be_visible()
    expect(admin_page.locator("#woo3d-backend-url")).to_have_value(backend.url)
    expect(admin_page.locator("#woo3d-admin-token")).to_have_value("")
    assert TOKEN not in admin_page.content()
    saved = wordpress.php("return get_option( 'woo3d_plugin_settings' );")
    assert saved["admin_token"] == TOKEN and saved["backend_url"] == backend.url

    admin_page.click("#woo3d-test-connection")
    expect(admin_page.locator("#woo3d-test-result")).to_have_text(
        "Connected: the backend is up and accepted the admin token.")
    assert backend.received("GET", "/api/products/0/status")[0].authorization == f"Bearer {TOKEN}"

    # A blank token field keeps the saved token.
    admin_page.fill("#woo3d-backend-url", backend.url)
    admin_page.click("#submit")
    assert wordpress.php("return get_option( 'woo3d_plugin_settings' )['admin_token'];") == TOKEN


def test_a_wrong_token_is_refused_by_the_backend(admin_page: Page, backend: FakeBackend) -> None:
    admin_page.goto(SETTINGS_PAGE)
    admin_page.fill("#woo3d-admin-token", "not-the-token")
    admin_page.click("#submit")
    admin_page.click("#woo3d-test-connection")
    expect(admin_page.locator("#woo3d-test-result")).to_have_text(
        "The woo3d backend refused the admin token: check it in the woo3d settings.")
    expect(admin_page.locator("#woo3d-test-result")).to_have_class("woo3d-test-result is-error")


def test_generate_shows_queued_running_done_and_the_poster(
    admin_page: Page, wordpress: WordPressSite, backend: FakeBackend, uploaded_model: dict[str, str]
) -> None:
    product = wordpress.product_ids[TOTE]
    set_model(wordpress, product, None)
    backend.script(product, {"state": "queued", "job_id": "gen-x"},
                   {"state": "running", "stage": "texturing", "progress": 0.4}, after_generate=True)
    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    status = admin_page.locator(".woo3d-box__status")
    expect(status).to_have_text("No 3D model yet.")
    expect(admin_page.locator(".woo3d-box__model")).to_be_hidden()
    watch_status(admin_page)

    admin_page.get_by_role("button", name="Generate 3D model").click()
    expect(status).to_have_text("Running: texturing (40%)")
    expect(admin_page.get_by_role("button", name="Regenerate")).to_be_disabled()
    set_model(wordpress, product, {**uploaded_model, "schema": 1})
    backend.script(product, {"state": "done", "job_id": "gen-x"})
    expect(status).to_have_text("Done: the 3D model is ready.")

    assert seen(admin_page)[:4] == ["No 3D model yet.", "Starting…", "Queued…", "Running: texturing (40%)"]
    expect(admin_page.locator(".woo3d-box__poster")).to_have_attribute("src", uploaded_model["poster"])
    expect(admin_page.locator(".woo3d-box__link")).to_have_attribute("href", uploaded_model["glb"])
    expect(admin_page.get_by_role("button", name="Regenerate")).to_be_enabled()
    (call,) = backend.received("POST", f"/api/products/{product}/generate")
    assert call.authorization == f"Bearer {TOKEN}" and call.body == {"force": False}
    assert TOKEN not in admin_page.content()

    admin_page.get_by_role("button", name="Regenerate").click()
    expect(status).to_have_text("Done: the 3D model is ready.")
    assert backend.received("POST", f"/api/products/{product}/generate")[-1].body == {"force": True}


def test_a_paid_regenerate_asks_and_a_no_changes_nothing(
    admin_page: Page, wordpress: WordPressSite, backend: FakeBackend, uploaded_model: dict[str, str]
) -> None:
    product = wordpress.product_ids[MUG]
    set_model(wordpress, product, {**uploaded_model, "schema": 1, "fingerprint": "sha256:mug"})
    backend.charge("costs a Tripo3D credit", partial(has_model, wordpress))
    backend.script(product, {"state": "queued", "job_id": "gen-forced"}, after_generate=True)
    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    status = admin_page.locator(".woo3d-box__status")
    expect(status).to_have_text("Done: the 3D model is ready.")
    watch_status(admin_page)

    asked = refuse_the_question(admin_page, admin_page.get_by_role("button", name="Regenerate"))
    assert asked == "Regenerating calls a paid generator: it costs a Tripo3D credit. Regenerate anyway?"
    admin_page.wait_for_function("window.woo3dSeen.length >= 3")
    assert seen(admin_page) == ["Done: the 3D model is ready.", "Starting…", "Done: the 3D model is ready."]
    expect(admin_page.get_by_role("button", name="Regenerate")).to_be_enabled()
    (refused,) = backend.received("POST", f"/api/products/{product}/generate")
    assert refused.body == {"force": True}
    assert has_model(wordpress, product)

    admin_page.once("dialog", lambda dialog: dialog.accept())
    admin_page.get_by_role("button", name="Regenerate").click()
    expect(status).to_have_text("Queued…")
    assert [r.body for r in backend.received("POST", f"/api/products/{product}/generate")] == [
        {"force": True}, {"force": True}, {"force": True, "confirm_paid": True}]  # asked again, then confirmed


def test_a_failed_job_shows_its_reason(admin_page: Page, wordpress: WordPressSite, backend: FakeBackend) -> None:
    product = wordpress.product_ids[VASE]
    backend.script(product, {"state": "failed", "reason": "no usable product photo"}, after_generate=True)
    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    admin_page.get_by_role("button", name="Generate 3D model").click()
    expect(admin_page.locator(".woo3d-box__status")).to_have_text("Failed: no usable product photo")


def test_products_list_has_a_live_column_and_a_bulk_action(
    admin_page: Page, wordpress: WordPressSite, backend: FakeBackend, uploaded_model: dict[str, str]
) -> None:
    mug, tote, vase = (wordpress.product_ids[i] for i in (MUG, TOTE, VASE))
    set_model(wordpress, mug, {**uploaded_model, "schema": 1, "fingerprint": "sha256:mug"})
    set_model(wordpress, vase, None)
    backend.script(tote, {"state": "running", "stage": "meshing"}, {"state": "done"})
    admin_page.goto("/wp-admin/edit.php?post_type=product")
    expect(admin_page.locator(f'.woo3d-column[data-product-id="{mug}"]')).to_have_text("Ready")
    expect(admin_page.locator(f'.woo3d-column[data-product-id="{vase}"]')).to_have_text("None")
    # Live: the backend's running job shows, then its end (the list keeps polling while busy).
    expect(admin_page.locator(f'.woo3d-column[data-product-id="{tote}"]')).to_have_text("Ready")

    # The bulk action never forces: with a paid generator it asks nothing, and a product whose model
    # is current (the mug) stands down in the backend at no cost.
    backend.charge("costs a Tripo3D credit", partial(has_model, wordpress))
    asked: list[str] = []
    admin_page.on("dialog", lambda dialog: asked.append(dialog.message))
    admin_page.check(f"#cb-select-{mug}")
    admin_page.check(f"#cb-select-{vase}")
    admin_page.select_option("#bulk-action-selector-top", "woo3d_generate")
    admin_page.click("#doaction")
    expect(admin_page.locator(".woo3d-notice.notice-success p")).to_have_text(
        "3D model generation started for 2 products. A product whose 3D model already matches its photos and text "
        "keeps it: nothing is regenerated or charged again.")
    expect(admin_page.locator(".woo3d-notice.notice-error")).to_have_count(0)
    assert asked == []
    generated = {r.path: r.body for r in backend.requests if r.method == "POST"}
    assert generated == {f"/api/products/{mug}/generate": {"force": False}, f"/api/products/{vase}/generate": {"force": False}}


def test_customers_cannot_reach_the_editor_or_the_routes(
    browser: Browser, wordpress: WordPressSite, backend: FakeBackend
) -> None:
    context = log_in(browser, wordpress, "customer")
    page = context.new_page()
    product = wordpress.product_ids[TOTE]
    page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    expect(page.locator("body")).to_contain_text("Sorry, you are not allowed")
    page.goto(SETTINGS_PAGE)
    expect(page.locator("body")).to_contain_text("Sorry, you are not allowed")
    nonce = page.evaluate("() => window.wpApiSettings ? wpApiSettings.nonce : null")
    statuses: dict[str, Any] = page.evaluate("""async ([product, nonce]) => {
        const post = (headers) => fetch(`/wp-json/woo3d/v1/products/${product}/generate`,
            {method: 'POST', credentials: 'same-origin', headers}).then(r => r.status);
        return {withoutNonce: await post({}), withNonce: nonce ? await post({'X-WP-Nonce': nonce}) : 403};
    }""", [product, nonce])
    context.close()
    assert statuses == {"withoutNonce": 401, "withNonce": 403}
    assert backend.received("POST", f"/api/products/{product}/generate") == []


def test_admin_cookie_without_the_rest_nonce_is_refused(admin_page: Page, wordpress: WordPressSite, backend: FakeBackend) -> None:
    admin_page.goto("/wp-admin/")
    status = admin_page.evaluate("""(product) => fetch(`/wp-json/woo3d/v1/products/${product}/generate`,
        {method: 'POST', credentials: 'same-origin'}).then(r => r.status)""", wordpress.product_ids[TOTE])
    assert status == 401
    assert backend.received("POST", f"/api/products/{wordpress.product_ids[TOTE]}/generate") == []
