"""pipeline.stage2.preview: a model-viewer page with AR attributes that works from disk and when served."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from pipeline.stage2 import preview
from pipeline.stage2.preview import MODEL_VIEWER_FILE, write_preview
from woo3d.settings import Settings


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    (tmp_path / "model.glb").write_bytes(b"glTF\x02\x00\x00\x00fake")
    (tmp_path / "model.usdz").write_bytes(b"PK")
    (tmp_path / "poster.png").write_bytes(b"\x89PNG")
    return tmp_path


def _write(outputs: Path, **overrides: object) -> str:
    arguments: dict[str, object] = {
        "title": 'Mug "Ruby" <red>',
        "glb": outputs / "model.glb",
        "usdz": outputs / "model.usdz",
        "poster": outputs / "poster.png",
        "ar_scale": "fixed",
        "placement": "floor",
        "summary": {"Quality score": "99 / 100"},
    }
    arguments.update(overrides)
    page = write_preview(outputs, **arguments)  # type: ignore[arg-type]
    return page.path.read_text()


def test_page_has_model_viewer_with_ar_attributes(outputs: Path) -> None:
    html = _write(outputs)
    tag = re.search(r"<model-viewer [^>]*>", html)
    assert tag is not None
    for attribute in ('ios-src="model.usdz"', 'poster="poster.png"', " ar ", 'ar-modes="webxr scene-viewer quick-look"',
                      "camera-controls", 'ar-scale="fixed"', 'ar-placement="floor"'):
        assert attribute in tag.group(0)


def test_a_wall_piece_is_hung_on_a_wall_in_ar(outputs: Path) -> None:
    assert 'ar-placement="wall"' in _write(outputs, placement="wall")


def test_title_is_escaped(outputs: Path) -> None:
    html = _write(outputs)
    assert "<red>" not in html and "Mug &quot;Ruby&quot; &lt;red&gt;" in html


def test_model_viewer_is_copied_beside_the_page(outputs: Path) -> None:
    html = _write(outputs)
    assert f'<script src="{MODEL_VIEWER_FILE}"></script>' in html
    assert (outputs / MODEL_VIEWER_FILE).stat().st_size > 100_000
    assert 'type="module"' not in html  # browsers refuse module scripts from file:// pages


def test_page_embeds_the_glb_for_file_urls(outputs: Path) -> None:
    html = _write(outputs)
    embedded = re.search(r'"data:model/gltf-binary;base64,([A-Za-z0-9+/=]+)"', html)
    assert embedded is not None
    assert base64.b64decode(embedded.group(1)) == (outputs / "model.glb").read_bytes()
    assert '"model.glb"' in html  # served over HTTP it loads the file


def test_unknown_size_lets_ar_scale_freely_and_no_usdz_means_no_ios_src(outputs: Path) -> None:
    html = _write(outputs, ar_scale="auto", usdz=None)
    assert 'ar-scale="auto"' in html and "ios-src" not in html


def test_without_model_viewer_installed_the_page_says_so(outputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview, "find_model_viewer", lambda configured=None: None)
    page = write_preview(outputs, title="x", glb=outputs / "model.glb", usdz=None, poster=outputs / "poster.png",
                         ar_scale="auto", placement="floor", summary={})
    assert "unpkg.com/@google/model-viewer@" in page.path.read_text()
    assert "CDN" in page.warnings[0]


def test_model_viewer_location_can_be_set(tmp_path: Path) -> None:
    script = tmp_path / "mv.js"
    script.write_text("/* model-viewer */")
    assert preview.find_model_viewer(script) == script
    assert Settings.from_env({"WOO3D_MODEL_VIEWER_JS": str(script)}).pipeline.model_viewer_js == script
