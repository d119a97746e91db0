"""Checks that a product page's <model-viewer> really drew the model, keeping a screenshot as evidence."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageStat
from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "wp-plugin"


def wait_until_rendered(page: Page, timeout_ms: int = 60_000) -> None:
    """Waits until model-viewer has loaded the GLB and drawn it (not only its poster).

    woo3d loads model-viewer only when the viewer comes near the screen (or, in the gallery, when the
    shopper opens the 3D item): scroll it there first, as a shopper would, and open it.
    """
    page.locator(".woo3d-model").first.scroll_into_view_if_needed()
    page.wait_for_function("() => !!window.woo3d")
    page.evaluate("() => window.woo3d.open(document.querySelector('.woo3d-model'))")
    page.wait_for_function(
        """() => {
            const viewer = document.querySelector('model-viewer');
            return !!(viewer && customElements.get('model-viewer') && viewer.loaded && viewer.modelIsVisible);
        }""",
        timeout=timeout_ms,
    )
    # model-viewer fades the poster out after the first frame; give it that moment.
    page.wait_for_timeout(1200)


def screenshot_model(page: Page, name: str) -> Image.Image:
    """Screenshots the viewer into test-artifacts/wp-plugin/<name>.png and returns the image."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = page.locator("model-viewer").screenshot(path=str(ARTIFACTS / f"{name}.png"))
    return Image.open(io.BytesIO(data)).convert("RGB")


def assert_not_blank(image: Image.Image) -> None:
    """A rendered model has many colours and visible contrast; a blank or flat canvas has neither."""
    colours = image.getcolors(maxcolors=1 << 20) or []
    spread = max(ImageStat.Stat(image).stddev)
    assert len(colours) > 50, f"only {len(colours)} colours: the viewer looks blank"
    assert spread > 8, f"pixel spread {spread:.1f}: the viewer looks blank"
