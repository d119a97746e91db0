"""The docs' pictures: screenshots the real-browser tests take, and the overview made with woo3d's own renderer.

`woo3d docs screenshots` runs the plugin's browser tests (and, where WOO3D_WP_STACK names a WordPress stack
with WooCommerce, the real-store tests), then copies the chosen screenshots from test-artifacts/ into
docs/images/, shrunk to a width a page shows, and into the plugin's .wordpress-org/ folder as the WordPress.org
directory's screenshot-N.png (what the plugin's SVN assets/ takes, numbered as readme.txt's captions), and
draws docs/images/overview.png: the sample photo, its model from the front, at 45° and from the side, and the
product page's viewer.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

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
# The WordPress.org directory's screenshots (kept out of the plugin zip: woo3d.cli.plugin skips the folder).
DIRECTORY = Path("wp_bridge/wordpress_plugin/.wordpress-org")
# The directory shows a screenshot at most this wide; each stays under DIRECTORY_MAX_BYTES.
DIRECTORY_WIDTH = 1200
DIRECTORY_MAX_BYTES = 400_000


@dataclass(frozen=True)
class Shot:
    """A screenshot kept from test-artifacts/<source>: where it goes, the widest it is kept, and the size under
    which it stays in full colour (the directory's; 0, the docs': always 256 colours)."""

    source: str
    target: Path
    width: int
    full_colour_under: int = 0


def _directory(number: int, source: str) -> Shot:
    return Shot(source, DIRECTORY / f"screenshot-{number}.png", DIRECTORY_WIDTH, DIRECTORY_MAX_BYTES)


CHOSEN: tuple[Shot, ...] = (
    Shot("wp-plugin/meta-box-model.png", IMAGES / "admin-meta-box.png", 560),
    Shot("wp-plugin/review-meta-box.png", IMAGES / "review-section.png", 720),
    Shot("wp-plugin/review-products-list.png", IMAGES / "review-products-list.png", 900),
    Shot("wp-plugin/storefront-generated-mug.png", IMAGES / "product-page-viewer.png", 560),
    # Numbered as the captions of readme.txt's == Screenshots ==.
    _directory(1, "real-store/product-page-storefront.png"),
    _directory(2, "wp-plugin/editor-model-box.png"),
    _directory(3, "wp-plugin/review-editor.png"),
    _directory(4, "wp-plugin/review-products-list.png"),
)
# The real-store tier photographs the product page on each theme as real-store/product-page-<theme>.png.
REAL_STORE_PATTERN = "real-store/product-page-*.png"
MAX_WIDTH = 900


def run_browser_tests(root: Path) -> int:
    """Run the tests that take the screenshots; the real-store tier only where WOO3D_WP_STACK is set."""
    tests = [*BROWSER_TESTS, *(REAL_STORE_TESTS if os.environ.get("WOO3D_WP_STACK") else ())]
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests], cwd=root).returncode


def _trimmed(image: Image.Image, width: int) -> Image.Image:
    """The image cut to `width` where its side margins are plain that far (a page centred in a wider
    window: columns alike to the outermost one, give or take a shade), so it needs no shrinking; else as
    it is."""
    left = (image.width - width) // 2
    right = image.width - width - left
    if left + right <= 0:
        return image
    rgb = image.convert("RGB")

    def plain(edge: int, step: int, count: int) -> bool:
        outer = rgb.crop((edge, 0, edge + 1, rgb.height))
        columns = (rgb.crop((x, 0, x + 1, rgb.height)) for x in range(edge, edge + step * count, step))
        return all(max(high for _, high in ImageChops.difference(column, outer).getextrema()) <= 16
                   for column in columns)

    if plain(0, 1, left) and plain(rgb.width - 1, -1, right):
        return image.crop((left, 0, image.width - right, image.height))
    return image


def _png(image: Image.Image, width: int, full_colour_under: int = 0) -> bytes:
    """The image at most `width` wide (plain side margins cut first), as an optimised PNG: in full colour
    while that stays under `full_colour_under` bytes, else in 256 colours (screenshots are flat: a few
    dozen KB each)."""
    image = _trimmed(image.convert("RGBA"), width)
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    if full_colour_under:
        buffer = io.BytesIO()
        opaque = image.getextrema()[3][0] == 255
        (image.convert("RGB") if opaque else image).save(buffer, "PNG", optimize=True)
        if buffer.tell() < full_colour_under:
            return buffer.getvalue()
    buffer = io.BytesIO()
    image.quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def copy_screenshots(root: Path) -> list[Path]:
    """Copy the chosen screenshots that exist into docs/images/ and the directory's folder; returns what
    was written."""
    written = []
    found = sorted((root / ARTIFACTS).glob(REAL_STORE_PATTERN))
    pages = [Shot(str(path.relative_to(root / ARTIFACTS)), IMAGES / path.name, MAX_WIDTH) for path in found]
    for shot in [*CHOSEN, *pages]:
        path = root / ARTIFACTS / shot.source
        if path.is_file():
            (root / shot.target).parent.mkdir(parents=True, exist_ok=True)
            (root / shot.target).write_bytes(_png(Image.open(path), shot.width, shot.full_colour_under))
            written.append(shot.target)
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
    target.write_bytes(_png(canvas, 1200))
    return IMAGES / "overview.png"
