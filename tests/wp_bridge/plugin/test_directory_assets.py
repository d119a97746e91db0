"""The WordPress.org directory's screenshots: one `.wordpress-org/screenshot-N.png` per caption of readme.txt's
`== Screenshots ==`, each a PNG the directory shows whole and small, made by `woo3d docs screenshots` and kept
out of the plugin zip (they go to the plugin's SVN assets/)."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from PIL import Image

from woo3d.cli.plugin import build_zip, plugin_source
from woo3d.docs.screenshots import CHOSEN, DIRECTORY, DIRECTORY_MAX_BYTES, DIRECTORY_WIDTH

REPO = Path(__file__).resolve().parents[3]
FOLDER = REPO / DIRECTORY
# Narrower than this and the directory shows a screenshot too small to read.
MIN_WIDTH = 600


def captions() -> dict[int, str]:
    """readme.txt's screenshot captions by number."""
    readme = (Path(str(plugin_source())) / "readme.txt").read_text()
    section = readme.split("== Screenshots ==", 1)[1].split("\n== ", 1)[0]
    return {int(number): text for number, text in re.findall(r"^(\d+)\. (.+)$", section, re.M)}


def screenshots() -> dict[int, Path]:
    found = {}
    for path in FOLDER.glob("screenshot-*"):
        match = re.fullmatch(r"screenshot-(\d+)\.png", path.name)
        assert match, f"{path.name}: the directory takes screenshot-N.png"
        found[int(match[1])] = path
    return found


def test_each_caption_has_its_screenshot_and_each_screenshot_its_caption() -> None:
    numbered = captions()
    assert numbered and sorted(numbered) == list(range(1, len(numbered) + 1)), numbered
    assert sorted(screenshots()) == sorted(numbered)


def test_woo3d_docs_screenshots_makes_every_one_of_them() -> None:
    made = {shot.target.name for shot in CHOSEN if shot.target.parent == DIRECTORY}
    assert made == {f"screenshot-{number}.png" for number in captions()}


def test_each_screenshot_is_a_png_the_directory_shows_whole_and_small() -> None:
    for path in screenshots().values():
        assert path.stat().st_size <= DIRECTORY_MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
        with Image.open(path) as image:
            assert image.format == "PNG", path.name
            assert MIN_WIDTH <= image.width <= DIRECTORY_WIDTH, f"{path.name}: {image.size}"
            image.verify()
        with Image.open(path) as image:
            image.load()  # the whole image decodes (verify() checks the chunks only)


def test_the_zip_ships_nothing_of_the_folder(tmp_path: Path) -> None:
    """Not the screenshots, nor a text file there that the shipped suffixes would take."""
    source = tmp_path / "plugin"
    shutil.copytree(Path(str(plugin_source())), source)
    (source / DIRECTORY.name / "notes.txt").write_text("for the SVN assets/ folder\n")
    out = tmp_path / "plugin.zip"
    build_zip(out, source)
    names = zipfile.ZipFile(out).namelist()
    assert names and not [name for name in names if DIRECTORY.name in name or name.endswith(".png")], names
