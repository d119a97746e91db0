"""End to end with the real woo3d backend: the merchant presses "Generate 3D model" in WP admin, a
`woo3d serve` process receives the authenticated trigger, a `woo3d worker` process fetches the product
over wc/v3, generates, uploads GLB/USDZ/poster to the media library and writes `_woo3d_model`; the
product page then draws the model."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from pipeline.stage2.compress import glb_json
from tests.wp_bridge.plugin.conftest import MUG, SETTINGS_PAGE, set_model, whole_screen
from tests.wp_bridge.plugin.rendering import ARTIFACTS, assert_not_blank, screenshot_model, wait_until_rendered
from tests.redis_server import free_port
from tests.wp_bridge.plugin.wordpress import WordPressSite

pytestmark = pytest.mark.slow

ADMIN_TOKEN = "e2e-admin-token"


@pytest.fixture
def real_backend(wordpress: WordPressSite, redis_url: str, tmp_path: Path) -> Iterator[str]:
    """`woo3d serve` and `woo3d worker` as separate processes, configured for the test WordPress."""
    port = free_port()
    env = {
        **os.environ, "WOO3D_REDIS_URL": redis_url, "WOO3D_ADMIN_TOKEN": ADMIN_TOKEN,
        "WC_WEBHOOK_SECRET": "e2e-webhook-secret", "WC_STORE_URL": wordpress.url,
        "WC_CONSUMER_KEY": wordpress.consumer_key, "WC_CONSUMER_SECRET": wordpress.consumer_secret,
        "WP_USERNAME": "admin", "WP_APPLICATION_PASSWORD": wordpress.app_password,
        "WOO3D_OUTPUT_DIR": str(tmp_path / "out"), "WOO3D_CACHE_DIR": str(tmp_path / "cache"),
        "WOO3D_FACE_BUDGET": "8000", "WOO3D_MAX_TEXTURE_SIZE": "512", "WOO3D_LOG_FORMAT": "console",
    }
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in ("serve", "worker")}
    processes = [
        subprocess.Popen([sys.executable, "-m", "woo3d", "serve", "--port", str(port)], env=env,
                         stdout=logs["serve"], stderr=subprocess.STDOUT),
        subprocess.Popen([sys.executable, "-m", "woo3d", "worker"], env=env,
                         stdout=logs["worker"], stderr=subprocess.STDOUT),
    ]
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # gunicorn still starting its workers
                time.sleep(0.2)
        else:
            pytest.fail(f"woo3d serve did not start: {(tmp_path / 'serve.log').read_text()[-3000:]}")
        yield url
    finally:
        for process in processes:
            process.terminate()
            process.wait(20)
        for log in logs.values():
            log.close()
        worker_log = (tmp_path / "worker.log").read_text(errors="replace")
        print(f"--- woo3d worker log (tail) ---\n{worker_log[-4000:]}")


def stored_model(site: WordPressSite, product_id: int) -> dict[str, Any]:
    product = site.rest("GET", f"/wc/v3/products/{product_id}").json()
    (model,) = [row["value"] for row in product["meta_data"] if row["key"] == "_woo3d_model"]
    return dict(model)


def test_generate_button_runs_the_real_job_and_the_product_page_draws_its_model(
    admin_page: Page, browser: Browser, wordpress: WordPressSite, real_backend: str
) -> None:
    product = wordpress.product_ids[MUG]
    set_model(wordpress, product, None)

    admin_page.goto(SETTINGS_PAGE)
    admin_page.fill("#woo3d-backend-url", real_backend)
    admin_page.fill("#woo3d-admin-token", ADMIN_TOKEN)
    admin_page.click("#submit")
    admin_page.click("#woo3d-test-connection")
    expect(admin_page.locator("#woo3d-test-result")).to_have_text(
        "Connected: the backend is up and accepted the admin token.")

    admin_page.goto(f"/wp-admin/post.php?post={product}&action=edit")
    admin_page.get_by_role("button", name="Generate 3D model").click()
    status = admin_page.locator(".woo3d-box__status")
    expect(status).not_to_have_text("No 3D model yet.")
    expect(status).to_have_text("Done: the 3D model is ready.", timeout=200_000)

    model = stored_model(wordpress, product)
    for key in ("glb", "usdz", "poster"):
        assert model[key].startswith(f"{wordpress.url}/wp-content/uploads/"), model
    # The write-back published the compressed GLB (meshopt, the default), which the page below decodes with
    # the bundled decoder.
    served = requests.get(model["glb"], timeout=30).content
    assert "EXT_meshopt_compression" in glb_json(served)["extensionsRequired"]  # type: ignore[operator]
    expect(admin_page.locator(".woo3d-box__poster")).to_have_attribute("src", model["poster"])
    # The box as the merchant finds it: the generated mug's poster, its status, the Shape and the buttons.
    admin_page.wait_for_function("() => { const i = document.querySelector('.woo3d-box__poster');"
                                 " return !!(i && i.complete && i.naturalWidth); }")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with whole_screen(admin_page, "#woo3d-model"):
        admin_page.locator("#woo3d-model").screenshot(path=str(ARTIFACTS / "meta-box-model.png"))
        admin_page.screenshot(path=str(ARTIFACTS / "editor-model-box.png"))

    context = browser.new_context(base_url=wordpress.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"/?p={product}")
    viewer = page.locator("model-viewer")
    expect(viewer).to_have_attribute("src", model["glb"])
    expect(viewer).to_have_attribute("ios-src", model["usdz"])
    # The poster at the column's size: the media library's copy (or the file, when it is no larger).
    expect(viewer).to_have_attribute("poster", re.compile(re.escape(model["poster"].rsplit(".", 1)[0]) + r"(-\d+x\d+)?\.png$"))
    wait_until_rendered(page)
    assert_not_blank(screenshot_model(page, "storefront-generated-mug"))
    context.close()
