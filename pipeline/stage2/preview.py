"""Write preview.html: a <model-viewer> page with AR attributes that opens straight from disk."""

from __future__ import annotations

import base64
import html
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

MODEL_VIEWER_VERSION = "4.4.0"
MODEL_VIEWER_FILE = "model-viewer.min.js"
# The UMD build is a classic script: browsers refuse ES modules from file:// pages.
_DIST = Path("node_modules/@google/model-viewer/dist/model-viewer-umd.min.js")
_CDN = f"https://unpkg.com/@google/model-viewer@{MODEL_VIEWER_VERSION}/dist/model-viewer-umd.min.js"


@dataclass(frozen=True)
class PreviewPage:
    """The written page and anything a reader should know about it."""

    path: Path
    warnings: tuple[str, ...] = ()


def find_model_viewer(configured: Path | None = None) -> Path | None:
    """model-viewer's UMD build: `configured` (WOO3D_MODEL_VIEWER_JS), else node_modules of the checkout or cwd."""
    candidates = [configured] if configured else []
    candidates += [Path(__file__).resolve().parent.parent / _DIST, Path.cwd() / _DIST]
    return next((path for path in candidates if path.is_file()), None)


def write_preview(
    out_dir: Path,
    *,
    title: str,
    glb: Path,
    usdz: Path | None,
    poster: Path | None,
    ar_scale: str,
    placement: str,
    summary: dict[str, str],
    model_viewer_js: Path | None = None,
) -> PreviewPage:
    """Write `out_dir/preview.html` with model-viewer beside it.

    Served over HTTP the page loads model.glb (and offers AR: WebXR, Scene Viewer, Quick Look
    with the USDZ); opened as a file, where browsers refuse to fetch files, it uses a copy of
    the GLB embedded in the page. `ar_scale` ("fixed": life-size, or "auto") and `placement`
    ("floor" or "wall") are model-viewer's `ar-scale` and `ar-placement`.
    """
    warnings: list[str] = []
    script = find_model_viewer(model_viewer_js)
    if script is not None:
        target = out_dir / MODEL_VIEWER_FILE
        if not target.is_file() or target.stat().st_size != script.stat().st_size:
            shutil.copyfile(script, target)
        script_src = MODEL_VIEWER_FILE
    else:
        script_src = _CDN
        warnings.append(
            "model-viewer is not installed (npm install in the woo3d checkout): preview.html loads it from a CDN"
        )
    attributes = {
        "id": "model",
        "alt": f"3D model of {title}" if title else "3D model of the product",
        "camera-controls": None,
        "touch-action": "pan-y",
        "shadow-intensity": "1",
        "ar": None,
        "ar-modes": "webxr scene-viewer quick-look",
        "ar-scale": ar_scale,
        "ar-placement": placement,
    }
    if poster is not None:
        attributes["poster"] = poster.name
    if usdz is not None:
        attributes["ios-src"] = usdz.name
    rendered = " ".join(
        html.escape(name) if value is None else f'{html.escape(name)}="{html.escape(value)}"'
        for name, value in attributes.items()
    )
    embedded = "data:model/gltf-binary;base64," + base64.b64encode(glb.read_bytes()).decode("ascii")
    rows = "\n".join(
        f"      <dt>{html.escape(key)}</dt><dd>{html.escape(value)}</dd>" for key, value in summary.items()
    )
    page = _TEMPLATE.format(
        title=html.escape(title or "Product"),
        script=html.escape(script_src),
        attributes=rendered,
        glb=json.dumps(glb.name),
        embedded=json.dumps(embedded),
        rows=rows,
    )
    path = out_dir / "preview.html"
    path.write_text(page, encoding="utf-8")
    return PreviewPage(path, tuple(warnings))


_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · woo3d preview</title>
  <script src="{script}"></script>
  <style>
    body {{ margin: 0; font: 15px/1.5 system-ui, sans-serif; background: #f4f4f2; color: #222; }}
    main {{ max-width: 960px; margin: 0 auto; padding: 24px; }}
    h1 {{ font-size: 22px; font-weight: 600; margin: 0 0 16px; }}
    model-viewer {{ width: 100%; height: min(70vh, 720px); background: #fff; border-radius: 12px; }}
    dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 16px 0 0; }}
    dt {{ color: #666; }}
    dd {{ margin: 0; }}
  </style>
</head>
<body>
  <main>
    <h1>{title}</h1>
    <model-viewer {attributes}></model-viewer>
    <script>
      // Browsers do not fetch files for a page opened from disk: use the embedded copy there.
      document.getElementById("model").src = location.protocol === "file:" ? {embedded} : {glb};
    </script>
    <dl>
{rows}
    </dl>
  </main>
</body>
</html>
"""
