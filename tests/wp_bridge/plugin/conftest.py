"""Fixtures for the plugin tests: one WordPress per session, a scripted backend, Playwright on Debian's chromium."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Dialog, Locator, Page

from tests.conftest import PHOTOS
from tests.wp_bridge.plugin.fake_backend import TOKEN, FakeBackend
from tests.wp_bridge.plugin.wordpress import (
    ADMIN_PASSWORD, ProductSeed, WordPressSite, missing_requirements, php_value,
)
from woo3d.cli.plugin import build_zip
from wp_bridge import ModelMeta

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "wp-plugin"
PRODUCTS = (
    ProductSeed("Red Ceramic Mug", "A glazed red ceramic mug with a handle.",
                {"length": "12", "width": "9", "height": "10"}, PHOTOS / "ruby_mug.jpg"),
    ProductSeed("Canvas Tote", "A cotton tote bag."),
    ProductSeed("Glass Vase", "A tall blue glass vase."),
)
MUG, TOTE, VASE = range(3)
# Under WooCommerce's menu, as on a real store (the test store stands in for WooCommerce).
SETTINGS_PAGE = "/wp-admin/admin.php?page=woo3d"
# The widest the WordPress.org directory shows a screenshot: admin screens kept for it are taken this wide.
SCREEN_WIDTH = 1200


@pytest.fixture(scope="session")
def plugin_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plugin") / "woo3d.zip"
    build_zip(out)
    return out


@pytest.fixture(scope="session")
def wordpress(plugin_zip: Path) -> Iterator[WordPressSite]:
    missing = missing_requirements()
    if missing:
        pytest.skip(f"the WordPress tests need {', '.join(missing)}: run deploy/setup.sh")
    site = WordPressSite(plugin_zip, PRODUCTS)
    try:
        site.start()
        yield site
    finally:
        site.stop()


@pytest.fixture(scope="session")
def backend_server() -> Iterator[FakeBackend]:
    server = FakeBackend().start()
    yield server
    server.stop()


@pytest.fixture
def backend(wordpress: WordPressSite, backend_server: FakeBackend) -> FakeBackend:
    """The scripted backend, emptied, with the plugin's saved settings pointing at it."""
    backend_server.reset()
    configure_plugin(wordpress, backend_server.url, TOKEN)
    return backend_server


def configure_plugin(site: WordPressSite, backend_url: str, token: str) -> None:
    settings = {"backend_url": backend_url, "admin_token": token, "delete_data_on_uninstall": False}
    site.php(f"update_option( 'woo3d_plugin_settings', {php_value(settings)} ); return true;")


def set_model(site: WordPressSite, product_id: int, model: dict[str, Any] | None) -> None:
    """Writes (None: deletes) `_woo3d_model` the way the backend does: one meta_data PUT over wc/v3."""
    response = site.rest("PUT", f"/wc/v3/products/{product_id}",
                         json={"meta_data": [{"key": "_woo3d_model", "value": model}]})
    assert response.status_code == 200, response.text


def has_model(site: WordPressSite, product_id: int) -> bool:
    """Whether the product or variation has a `_woo3d_model` as the backend reads it (wp_bridge.ModelMeta)."""
    return ModelMeta.from_meta(site.php(f"return get_post_meta( {int(product_id)}, '_woo3d_model', true );")) is not None


def glb_bytes() -> bytes:
    """A small, colourful GLB (a vertex-coloured box) that model-viewer renders."""
    box = trimesh.creation.box(extents=(0.3, 0.2, 0.25))
    rng = np.random.default_rng(7)
    box.visual.vertex_colors = rng.integers(60, 255, size=(len(box.vertices), 4), dtype=np.uint8)
    box.visual.vertex_colors[:, 3] = 255
    return bytes(box.export(file_type="glb"))


def usdz_bytes() -> bytes:
    """A zip with a .usdc entry: enough for the media library's USDZ check (the page only links it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("model.usdc", b"PXR-USDC" + bytes(64))
    return buffer.getvalue()


def png_bytes(colour: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(site: WordPressSite, filename: str, data: bytes, mime: str, **auth: Any) -> dict[str, Any]:
    """POST /wp/v2/media as the backend does; returns the attachment JSON (asserting 201)."""
    response = site.rest("POST", "/wp/v2/media", data=data, **auth, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Type": mime})
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture(scope="session")
def uploaded_model(wordpress: WordPressSite) -> dict[str, str]:
    """GLB, USDZ and poster in the media library, uploaded once for the session."""
    return {
        "glb": upload(wordpress, "box.glb", glb_bytes(), "model/gltf-binary")["source_url"],
        "usdz": upload(wordpress, "box.usdz", usdz_bytes(), "model/vnd.usdz+zip")["source_url"],
        "poster": upload(wordpress, "box-poster.png", png_bytes(), "image/png")["source_url"],
    }


@pytest.fixture(scope="session")
def browser(wordpress: WordPressSite, session_chromium: Browser) -> Browser:
    return session_chromium


def refuse_the_question(page: Page, button: Locator, timeout_s: float = 20.0) -> str:
    """Click `button`, dismiss the confirm() it opens, and return the question's text.

    The question comes after a round trip to the backend, so it can open while Playwright is still
    finishing the click; a dialog nobody answers stalls that click. So a handler answers it whenever
    it opens, rather than waiting for it around the click.
    """
    asked: list[str] = []

    def refuse(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    button.click()
    deadline = time.monotonic() + timeout_s
    while not asked:
        assert time.monotonic() < deadline, "the click asked nothing"
        page.wait_for_timeout(50)  # lets Playwright deliver the dialog event
    return asked[0]


# The line under a screenshot: `margin` below what it must hold, moved below every meta box it would cut.
SCREEN_BOTTOM = """([holding, margin]) => {
    const top = e => e.getBoundingClientRect().top + window.scrollY;
    const bottom = e => e.getBoundingClientRect().bottom + window.scrollY;
    let line = Math.max(...holding.map(s => bottom(document.querySelector(s)))) + margin;
    const boxes = [...document.querySelectorAll('.postbox')].filter(box => box.offsetParent);
    for (let moved = true; moved;) {
        moved = false;
        for (const box of boxes) {
            if (top(box) < line && bottom(box) + margin > line) { line = bottom(box) + margin; moved = true; }
        }
    }
    return Math.ceil(line);
}"""


@contextmanager
def whole_screen(page: Page, *holding: str, width: int = SCREEN_WIDTH) -> Iterator[None]:
    """The window `width` wide and just tall enough to show the admin menu and each `holding` selector
    whole, cutting no meta box in two, scrolled to the top: a screenshot taken inside cuts nothing off,
    and the fixed admin bar covers nothing of a tall meta box. The window is put back afterwards."""
    before = page.viewport_size
    assert before is not None
    page.set_viewport_size({"width": width, "height": before["height"]})
    height = page.evaluate(SCREEN_BOTTOM, [["#adminmenuwrap", *holding], 12])
    page.set_viewport_size({"width": width, "height": height})
    page.evaluate("() => window.scrollTo(0, 0)")
    try:
        yield
    finally:
        page.set_viewport_size(before)


def log_in(browser: Browser, site: WordPressSite, user: str) -> BrowserContext:
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/wp-login.php")
    page.fill("#user_login", user)
    page.fill("#user_pass", ADMIN_PASSWORD)
    page.click("#wp-submit")
    page.wait_for_url("**/wp-admin/**")
    page.close()
    return context


@pytest.fixture(scope="session")
def admin_state(browser: Browser, wordpress: WordPressSite, tmp_path_factory: pytest.TempPathFactory) -> Path:
    context = log_in(browser, wordpress, "admin")
    path = tmp_path_factory.mktemp("browser") / "admin.json"
    context.storage_state(path=str(path))
    context.close()
    return path


@pytest.fixture
def admin_page(browser: Browser, wordpress: WordPressSite, admin_state: Path) -> Iterator[Page]:
    context = browser.new_context(base_url=wordpress.url, storage_state=str(admin_state),
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def visitor_page(browser: Browser, wordpress: WordPressSite) -> Iterator[Page]:
    context = browser.new_context(base_url=wordpress.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    yield page
    context.close()
