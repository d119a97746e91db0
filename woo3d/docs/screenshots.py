"""The docs' pictures: screenshots the real-browser tests take, and the overview made with woo3d's own renderer.

`woo3d docs screenshots` runs the plugin's browser tests (and, where WOO3D_WP_STACK names a WordPress stack
with WooCommerce, the real-store tests), then copies the chosen screenshots from test-artifacts/ into
docs/images/, shrunk to a width a page shows, and draws docs/images/overview.png: the sample photo, its
model from the front, at 45° and from the side, and the product page's viewer.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ARTIFACTS = Path("test-artifacts")
IMAGES = Path("docs/images")
PHOTO = Path("samples/ruby_mug.jpg")
BROWSER_TESTS = (
    "tests/wp_bridge/plugin/test_shape_browser.py",
    "tests/wp_bridge/plugin/test_review_browser.py",
    "tests/wp_bridge/plugin/test_full_job_browser.py",
    "tests/wp_bridge/plugin/test_storefront_browser.py",
)
REAL_STORE_TESTS = ("tests/real_store",)
# test-artifacts/<source> → docs/images/<name>, and the widest the page shows it.
CHOSEN: dict[str, tuple[str, int]] = {
    "wp-plugin/meta-box-shape.png": ("admin-meta-box.png", 560),
    "wp-plugin/review-meta-box.png": ("review-section.png", 720),
    "wp-plugin/review-products-list.png": ("review-products-list.png", 900),
    "wp-plugin/storefront-generated-mug.png": ("product-page-viewer.png", 560),
}
# The real-store tier photographs the product page on each theme as real-store/product-page-<theme>.png.
REAL_STORE_PATTERN = "real-store/product-page-*.png"
MAX_WIDTH = 900


def run_browser_tests(root: Path) -> int:
    """Run the tests that take the screenshots; the real-store tier only where WOO3D_WP_STACK is set."""
    tests = [*BROWSER_TESTS, *(REAL_STORE_TESTS if os.environ.get("WOO3D_WP_STACK") else ())]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], cwd=root).returncode


def _small_png(image: Image.Image, width: int) -> bytes:
    """The image at most `width` wide, in 256 colours (screenshots are flat: a few dozen KB each)."""
    image = image.convert("RGBA")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def copy_screenshots(root: Path) -> list[Path]:
    """Copy the chosen screenshots that exist into docs/images/; returns what was written."""
    written = []
    sources = {source: target for source, target in CHOSEN.items()}
    for found in sorted((root / ARTIFACTS).glob(REAL_STORE_PATTERN)):
        sources[str(found.relative_to(root / ARTIFACTS))] = (found.name, MAX_WIDTH)
    for source, (name, width) in sources.items():
        path = root / ARTIFACTS / source
        if path.is_file():
            (root / IMAGES).mkdir(parents=True, exist_ok=True)
            (root / IMAGES / name).write_bytes(_small_png(Image.open(path), width))
            written.append(IMAGES / name)
    return written


def model_views(root: Path, size: int = 320) -> list[Image.Image]:
    """The sample photo's model from the front, at 45° and from the side, drawn by woo3d's poster renderer."""
    import trimesh

    from pipeline.config import PipelineConfig
    from pipeline.generate import generate_assets
    from pipeline.product import ProductInput, SourceImage
    from pipeline.stage2.poster import render_turntable

    product = ProductInput(images=(SourceImage((root / PHOTO).read_bytes(), PHOTO.name),), title="Ruby mug")
    with tempfile.TemporaryDirectory() as folder:
        result = generate_assets(product, Path(folder), PipelineConfig(glb_compression="none"))
        mesh = trimesh.load(result.files["glb"], file_type="glb", force="mesh")
        views = render_turntable(mesh, size)
    return [views[name] for name in ("front", "45", "side")]


def _content(image: Image.Image) -> Image.Image:
    """The image cropped to what differs from its white or transparent background."""
    from PIL import ImageChops

    rgba = image.convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("RGB")
    box = ImageChops.difference(flat, Image.new("RGB", flat.size, "white")).point(lambda v: 255 if v > 12 else 0).getbbox()
    return rgba.crop(box) if box else rgba


def overview(root: Path, height: int = 220) -> Path:
    """docs/images/overview.png: photo → three views → the product page (the real store's, else the viewer)."""
    from PIL import ImageDraw

    pages = sorted((root / ARTIFACTS).glob(REAL_STORE_PATTERN)) or [root / ARTIFACTS / "wp-plugin/storefront-generated-mug.png"]
    panels = [("the product photo", Image.open(root / PHOTO))]
    panels += list(zip(("its model: front", "45°", "side"), model_views(root)))
    if pages[0].is_file():
        panels.append(("the product page", Image.open(pages[0])))
    gap, caption = 16, 22
    scaled = []
    for label, panel in panels:
        panel = _content(panel) if "page" not in label or not pages[0].match(REAL_STORE_PATTERN) else panel.convert("RGBA")
        panel = panel.resize((max(1, round(panel.width * height / panel.height)), height), Image.Resampling.LANCZOS)
        scaled.append((label, panel))
    width = sum(panel.width for _, panel in scaled) + gap * (len(scaled) + 1)
    canvas = Image.new("RGBA", (width, height + 2 * gap + caption), "white")
    draw = ImageDraw.Draw(canvas)
    x = gap
    for label, panel in scaled:
        canvas.alpha_composite(panel, (x, gap))
        draw.text((x + panel.width // 2, gap + height + caption // 2 + 2), label, fill=(90, 90, 90), anchor="mm")
        x += panel.width + gap
    target = root / IMAGES / "overview.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(_small_png(canvas, 1200))
    return IMAGES / "overview.png"
