"""Who may point the plugin at a backend, and what the connection test tells them (issue 13, B).

A shop manager must not be able to send the saved admin token to a host of their choosing, and the
connection test must not turn WordPress into a port scanner: it says "connected", "no woo3d
backend here" or "token refused", never the HTTP library's transport error.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.redis_server import free_port
from tests.wp_bridge.plugin.conftest import SETTINGS_PAGE, configure_plugin, log_in
from tests.wp_bridge.plugin.fake_backend import TOKEN, FakeBackend
from tests.wp_bridge.plugin.wordpress import WordPressSite

pytestmark = pytest.mark.slow

NO_BACKEND = "No woo3d backend answers at this URL: check the backend URL, and that woo3d serve runs there."
# What a MariaDB server says first on its port: the kind of non-HTTP answer the review probed with.
DATABASE_GREETING = b"J\x00\x00\x00\n11.0.2-MariaDB\x00\x08\x00\x00\x00abcdefgh\x00"


class GreetingListener:
    """A TCP port that greets every client with a database handshake and records what it was sent."""

    def __init__(self) -> None:
        self.received = bytearray()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def start(self) -> GreetingListener:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept(), which close() alone does not
        self._server.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with client:
                client.sendall(DATABASE_GREETING)
                client.settimeout(2)
                try:
                    self.received += client.recv(65536)
                except OSError:
                    pass


class HtmlSite:
    """An ordinary web server: every path answers 200 with an HTML page."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                page = b"<!doctype html><title>Router admin</title><h1>Welcome</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> HtmlSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def impostor() -> Iterator[FakeBackend]:
    """A listener that answers /healthz exactly like woo3d and records every Authorization header."""
    server = FakeBackend().start()
    yield server
    server.stop()


def saved_settings(site: WordPressSite) -> dict[str, object]:
    return dict(site.php("return get_option( 'woo3d_plugin_settings' );"))


def tokens_received(listener: FakeBackend) -> list[str]:
    return [r.authorization for r in listener.requests if TOKEN in r.authorization]


def test_a_shop_manager_cannot_redirect_the_saved_token_to_their_own_listener(
    browser: Browser, wordpress: WordPressSite, backend: FakeBackend, impostor: FakeBackend
) -> None:
    """The review's attack: options.php with a new backend URL and a blank token, then Test connection."""
    context = log_in(browser, wordpress, "shop_manager")
    page = context.new_page()
    page.goto(SETTINGS_PAGE)
    # The attacker edits the form (a read-only field is no protection) and submits it as it is.
    page.evaluate("""(url) => {
        const field = document.querySelector('#woo3d-backend-url');
        field.removeAttribute('readonly');
        field.value = url;
    }""", impostor.url)
    page.click("#submit")
    # Waits for the page options.php sends back (reading the notices at once raced the navigation).
    expect(page.locator(".notice-error").filter(has_text="Only administrators can change the backend URL")).to_be_visible()
    page.click("#woo3d-test-connection")
    expect(page.locator("#woo3d-test-result")).not_to_have_text("")
    expect(page.locator("#woo3d-test-result")).not_to_have_text("Testing…")
    context.close()

    assert tokens_received(impostor) == [] and impostor.requests == []
    assert saved_settings(wordpress) == {"backend_url": backend.url, "admin_token": TOKEN, "delete_data_on_uninstall": False,
                                         "gallery_position": "second"}
    assert backend.received("GET", "/api/products/0/status")[0].authorization == f"Bearer {TOKEN}"


def test_a_shop_manager_sees_the_backend_url_read_only(
    browser: Browser, wordpress: WordPressSite, backend: FakeBackend
) -> None:
    context = log_in(browser, wordpress, "shop_manager")
    page = context.new_page()
    page.goto(SETTINGS_PAGE)
    expect(page.locator("#woo3d-backend-url")).to_have_value(backend.url)
    expect(page.locator("#woo3d-backend-url")).to_have_attribute("readonly", "")
    expect(page.locator(".woo3d-settings")).to_contain_text("Only administrators can change the backend URL.")
    context.close()


def test_an_admin_changing_the_url_drops_the_saved_token_until_it_is_entered_again(
    admin_page: Page, wordpress: WordPressSite, backend: FakeBackend, impostor: FakeBackend
) -> None:
    admin_page.goto(SETTINGS_PAGE)
    admin_page.fill("#woo3d-backend-url", impostor.url)
    admin_page.click("#submit")
    expect(admin_page.locator(".woo3d-settings")).to_contain_text(
        "The backend URL changed, so the saved admin token was removed: enter the token for the new backend.")
    assert saved_settings(wordpress)["admin_token"] == ""
    admin_page.click("#woo3d-test-connection")
    expect(admin_page.locator("#woo3d-test-result")).to_contain_text("woo3d is not configured")
    assert tokens_received(impostor) == []

    # Entering the token with the new URL is what an admin who means it does.
    admin_page.fill("#woo3d-backend-url", backend.url)
    admin_page.fill("#woo3d-admin-token", TOKEN)
    admin_page.click("#submit")
    assert saved_settings(wordpress)["admin_token"] == TOKEN
    admin_page.click("#woo3d-test-connection")
    expect(admin_page.locator("#woo3d-test-result")).to_have_text(
        "Connected: the backend is up and accepted the admin token.")


def test_the_connection_test_answers_the_same_for_any_host_that_is_not_a_woo3d_backend(
    wordpress: WordPressSite, backend: FakeBackend
) -> None:
    """A closed port, a database port and a web page all read "no woo3d backend": no port scanning."""
    greeting, html_site = GreetingListener().start(), HtmlSite().start()
    try:
        answers = {}
        for name, url in (("closed port", f"http://127.0.0.1:{free_port()}"), ("database", greeting.url),
                          ("web page", html_site.url)):
            configure_plugin(wordpress, url, TOKEN)
            answers[name] = wordpress.rest("POST", "/woo3d/v1/connection").json()
    finally:
        greeting.stop()
        html_site.stop()
    assert answers == {name: {"ok": False, "message": NO_BACKEND} for name in answers}
    assert TOKEN.encode() not in greeting.received


def test_the_connection_test_tells_a_refused_token_from_a_missing_backend(
    wordpress: WordPressSite, backend: FakeBackend
) -> None:
    configure_plugin(wordpress, backend.url, "not-the-token")
    refused = wordpress.rest("POST", "/woo3d/v1/connection").json()
    assert refused == {"ok": False,
                       "message": "The woo3d backend refused the admin token: check it in the woo3d settings."}


def test_the_settings_page_loads_its_styles_in_the_head_and_its_script_in_the_footer(admin_page: Page) -> None:
    """admin_enqueue_scripts for the settings page only: admin.css in <head>, not printed late in the footer."""
    admin_page.goto(SETTINGS_PAGE)
    assert admin_page.locator("head link#woo3d-admin-css").count() == 1
    assert admin_page.locator("body script#woo3d-settings-js").count() == 1
    admin_page.goto("/wp-admin/index.php")
    assert admin_page.locator("#woo3d-admin-css, #woo3d-settings-js").count() == 0
