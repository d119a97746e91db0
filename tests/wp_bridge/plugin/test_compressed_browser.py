"""Compressed GLBs on the storefront: model-viewer decodes them with the plugin's bundled decoders
(never a CDN) and draws the same picture as the uncompressed model."""

from __future__ import annotations

import base64
import io
import shutil
from collections.abc import Iterator

import numpy as np
import pytest
import trimesh
from PIL import Image
from playwright.sync_api import Browser, Page

from pipeline.config import PipelineConfig
from pipeline.generate import generate_assets
from pipeline.product import ProductInput, SourceImage
from pipeline.stage2.compress import compress_glb
from tests.conftest import PHOTOS
from tests.wp_bridge.plugin.conftest import VASE, set_model, upload
from tests.wp_bridge.plugin.rendering import ARTIFACTS, wait_until_rendered
from tests.wp_bridge.plugin.wordpress import WordPressSite
from woo3d.cli.plugin import PLUGIN_SLUG

pytestmark = pytest.mark.slow

# Mean absolute difference per channel (0–255) and share of pixels off by more than 24 that still
# read as "the same picture"; a wrong texture, a missing part or a moved camera is far above both.
MEAN_DIFFERENCE_LIMIT = 1.5
CHANGED_PIXELS_LIMIT = 0.01
DECODER_FILES = {"meshopt": "meshopt_decoder.js", "draco": "draco_decoder.wasm"}


@pytest.fixture(scope="module")
def models(wordpress: WordPressSite, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The generated mug uploaded uncompressed, as meshopt and as Draco (Stage 2's default), and a
    grey copy without its texture (what the difference measure must catch)."""
    out = tmp_path_factory.mktemp("compressed")
    photo = (PHOTOS / "ruby_mug.jpg").read_bytes()
    config = PipelineConfig(face_budget=20_000, formats=("glb",), glb_compression="meshopt")
    result = generate_assets(ProductInput(title="Mug", images=(SourceImage(photo, "mug.jpg"),)), out, config)
    assert result.uncompressed_glb is not None
    draco = out / "draco" / "model.glb"
    draco.parent.mkdir()
    shutil.copyfile(result.uncompressed_glb, draco)
    compress_glb(draco, "draco")
    grey = trimesh.load(result.uncompressed_glb, file_type="glb", force="mesh")
    grey.visual = trimesh.visual.ColorVisuals(grey, face_colors=[200, 200, 200, 255])
    untextured = out / "untextured.glb"
    untextured.write_bytes(grey.export(file_type="glb"))
    files = {"none": result.uncompressed_glb, "meshopt": result.files["glb"], "draco": draco, "untextured": untextured}
    return {
        name: upload(wordpress, f"mug-{name}.glb", path.read_bytes(), "model/gltf-binary")["source_url"]
        for name, path in files.items()
    }


@pytest.fixture
def shopper(browser: Browser, wordpress: WordPressSite) -> Iterator[tuple[Page, list[str]]]:
    """A fresh visitor (empty cache) and every URL its pages request."""
    context = browser.new_context(base_url=wordpress.url, viewport={"width": 900, "height": 900})
    context.set_default_timeout(60_000)
    # model-viewer lowers its render scale while frames are slow (SwiftShader on a busy machine),
    # which would shrink one screenshot and not the other: keep it at full resolution.
    context.add_init_script(
        "customElements.whenDefined('model-viewer').then(() => { customElements.get('model-viewer').minimumRenderScale = 1; });"
    )
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    yield page, requested
    context.close()


def render(page: Page, site: WordPressSite, glb_url: str, name: str) -> Image.Image:
    """The product page with this GLB, as model-viewer's canvas draws it (no poster or prompt overlay)."""
    product = site.product_ids[VASE]
    set_model(site, product, {"schema": 1, "fingerprint": f"sha256:{name}", "glb": glb_url, "alt": "mug"})
    page.goto(f"/?p={product}")
    wait_until_rendered(page)
    data_url = settled_frame(page)
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("RGB")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / f"compressed-{name}.png")
    return image


def settled_frame(page: Page, tries: int = 30) -> str:
    """The canvas as a PNG data URL once two frames 0.4 s apart are identical (camera and render scale settled)."""
    grab = "() => document.querySelector('model-viewer').toDataURL('image/png')"
    previous = page.evaluate(grab)
    for _ in range(tries):
        page.wait_for_timeout(400)
        current = page.evaluate(grab)
        if current == previous:
            return str(current)
        previous = current
    raise AssertionError("model-viewer's picture never settled")


def difference(a: Image.Image, b: Image.Image) -> tuple[float, float]:
    """Mean absolute difference per channel, and the share of pixels that changed visibly."""
    delta = np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16))
    return float(delta.mean()), float((delta.max(axis=2) > 24).mean())


@pytest.mark.parametrize("method", ["meshopt", "draco"])
def test_a_compressed_model_loads_with_the_bundled_decoder_and_looks_the_same(
    method: str, shopper: tuple[Page, list[str]], wordpress: WordPressSite, models: dict[str, str]
) -> None:
    page, requested = shopper
    reference = render(page, wordpress, models["none"], "none")
    requested.clear()
    compressed = render(page, wordpress, models[method], method)

    decoder = f"{wordpress.url}/wp-content/plugins/{PLUGIN_SLUG}/assets/vendor/"
    assert any(url.startswith(decoder) and url.endswith(DECODER_FILES[method]) for url in requested), requested
    # Textures decode into blob: URLs of the page itself; anything fetched over the network is the site's.
    assert [url for url in requested if url.startswith(("http:", "https:")) and not url.startswith(wordpress.url)] == []
    mean, changed = difference(reference, compressed)
    print(f"{method}: mean difference {mean:.3f}, changed pixels {changed:.4%}")
    assert mean < MEAN_DIFFERENCE_LIMIT and changed < CHANGED_PIXELS_LIMIT, (mean, changed)


def test_the_difference_measure_sees_a_different_model(
    shopper: tuple[Page, list[str]], wordpress: WordPressSite, models: dict[str, str]
) -> None:
    """The same measure fails the mug without its texture: the limits are tight enough to matter."""
    page, _ = shopper
    reference = render(page, wordpress, models["none"], "none")
    mean, changed = difference(reference, render(page, wordpress, models["untextured"], "untextured"))
    print(f"untextured: mean difference {mean:.3f}, changed pixels {changed:.4%}")
    assert mean >= MEAN_DIFFERENCE_LIMIT and changed >= CHANGED_PIXELS_LIMIT, (mean, changed)
