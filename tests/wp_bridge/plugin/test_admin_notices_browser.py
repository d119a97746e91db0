"""The bulk action's notice shows only what the server stored for this user, never text from the URL
(issue 13, I)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.redis_server import free_port
from tests.wp_bridge.plugin.conftest import MUG, VASE, configure_plugin, log_in
from tests.wp_bridge.plugin.fake_backend import TOKEN, FakeBackend
from tests.wp_bridge.plugin.wordpress import WordPressSite

pytestmark = pytest.mark.slow

PRODUCTS_LIST = "/wp-admin/edit.php?post_type=product"
PHISHING = "Your licence expired. Call +1 555 0100 or visit evil.example to renew"


def notices(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(".notice").all_text_contents()]


def test_text_in_the_address_never_reaches_a_notice(admin_page: Page, backend: FakeBackend) -> None:
    """The review's link: any admin page with woo3d_error= printed the attacker's text in a red notice."""
    for page_url in (PRODUCTS_LIST, "/wp-admin/index.php", "/wp-admin/edit.php"):
        separator = "&" if "?" in page_url else "?"
        admin_page.goto(f"{page_url}{separator}woo3d_queued=3&woo3d_failed=1&woo3d_error={quote(PHISHING)}"
                        "&woo3d_bulk=forged-key")
        expect(admin_page.locator("#wpbody-content")).to_be_visible()
        assert not any(PHISHING in text or "woo3d" in text.lower() for text in notices(admin_page)), notices(admin_page)
        assert admin_page.locator(".woo3d-notice").count() == 0


def test_an_array_in_the_address_is_no_result_key(wordpress: WordPressSite) -> None:
    """?woo3d_bulk[]=x (and the review's ?woo3d_approved[]=x) is no key, and no "Array to string
    conversion" warning either: every PHP notice is turned into an exception here."""
    for arg in ("woo3d_bulk", "woo3d_approved"):
        taken = wordpress.php(
            "set_error_handler( static function ( $level, $text ) { throw new ErrorException( $text, 0, $level ); } );"
            f"$_GET['{arg}'] = array( str_repeat( 'a', 32 ) ); return Woo3D_Bulk_Result::take( '{arg}' );"
        )
        assert taken is None


def select_and_generate(page: Page, site: WordPressSite) -> str:
    """Runs the bulk action on two products; returns the address it redirected to."""
    page.goto(PRODUCTS_LIST)
    for index in (MUG, VASE):
        page.check(f"#cb-select-{site.product_ids[index]}")
    page.select_option("#bulk-action-selector-top", "woo3d_generate")
    with page.expect_navigation() as navigation:
        page.click("#doaction")
    response = navigation.value
    assert response is not None
    return response.url


def test_the_bulk_result_is_shown_once_to_the_user_who_ran_it(
    admin_page: Page, browser: Browser, wordpress: WordPressSite, backend: FakeBackend
) -> None:
    configure_plugin(wordpress, f"http://127.0.0.1:{free_port()}", TOKEN)  # nothing listens there
    result_url = select_and_generate(admin_page, wordpress)
    expect(admin_page.locator(".woo3d-notice.notice-error p")).to_have_text(
        "3D model generation could not start for 2 products. Could not reach the woo3d backend.")
    assert "woo3d_error" not in result_url and "Could" not in result_url

    # The notice is not repeated on reload, nor shown to another user given the same address.
    admin_page.reload()
    assert admin_page.locator(".woo3d-notice").count() == 0
    context = log_in(browser, wordpress, "shop_manager")
    other = context.new_page()
    other.goto(result_url)
    assert other.locator(".woo3d-notice").count() == 0
    context.close()


def test_a_successful_bulk_run_still_reports_its_count(admin_page: Page, wordpress: WordPressSite, backend: FakeBackend) -> None:
    select_and_generate(admin_page, wordpress)
    expect(admin_page.locator(".woo3d-notice.notice-success p")).to_have_text(
        "3D model generation started for 2 products. A product whose 3D model already matches its photos and text "
        "keeps it: nothing is regenerated or charged again.")
    assert len(backend.received("POST", f"/api/products/{wordpress.product_ids[MUG]}/generate")) == 1
