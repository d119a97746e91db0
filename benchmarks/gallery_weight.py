"""Gallery weight benchmark: what a product page downloads for its 3D view before and after the shopper
opens it, and how long the shopper waits for an interactive viewer, with the plugin's old eager viewer
("before": model-viewer, both decoders and the model with the page) and its gallery item ("after":
woo3d's loader, then model-viewer, the one decoder and the model when the shopper opens the item).

    python -m benchmarks.gallery_weight [--photo ruby_mug.jpg] [--network slow4g|none] [--repeats 1]

One fixture photo goes through `generate_assets` at the default settings, its uncompressed GLB is
compressed with meshopt and with Draco (as benchmarks.page_weight does). Headless Chromium (Debian's,
SwiftShader) on a 390×844 phone viewport, a fresh context each time (nothing cached), over `--network`
(slow4g: Lighthouse's mobile network, 1.6 Mbit/s down, 150 ms RTT; no CPU throttling) opens two pages
per codec from a local server with the plugin's own files: "before", the markup and inline config the
plugin printed before the gallery item (model-viewer as a module script, both decoder locations set);
"after", the gallery item's markup with `assets/js/viewer.js` and `assets/css/frontend.css`, where the
benchmark then clicks the item's button as a shopper would. Bytes are woo3d's scripts, decoders and
models as the browser received them (responseBodySize; the poster and the page are left out); times
are model-viewer's `load` event from navigation (before) or from the click (after).

Prints a table, writes benchmarks/out/gallery_weight.json and rewrites the gallery table in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.page_weight import NETWORKS, build_models, launch, recorded, serve, throttle

OUT = Path(__file__).resolve().parent / "out"
CODECS = ("meshopt", "draco")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
BEGIN, END = "<!-- gallery-weight:begin -->", "<!-- gallery-weight:end -->"
# A format template, as the pages it ends: braces doubled.
_LOADED = """<script>
  document.querySelector("model-viewer").addEventListener("load", () => {{ window.loadedAt = performance.now(); }});
</script>"""
# What the plugin printed before the gallery item: the viewer with the page.
_BEFORE = """<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<script>self.ModelViewerElement = Object.assign( self.ModelViewerElement || {{}}, {{"meshoptDecoderLocation":"/vendor/meshopt_decoder.js","dracoDecoderLocation":"/vendor/draco/"}} );</script>
<script type="module" src="/vendor/model-viewer.min.js"></script>
<div class="woo3d-model woo3d-model--product"><model-viewer class="woo3d-model__viewer" src="{src}" ar camera-controls
  touch-action="pan-y" style="display:block;width:100%;height:420px"></model-viewer></div>
""" + _LOADED
# The gallery item as Woo3D_Frontend::render prints it (the poster left out: both pages would load it).
_AFTER = """<!doctype html>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/plugin/css/frontend.css">
<script>var woo3dViewer = {{"script":"/vendor/model-viewer.min.js","meshopt":"/vendor/meshopt_decoder.js","draco":"/vendor/draco/","ktx2":"data:,","lottie":"data:text/javascript,"}};</script>
<div class="woocommerce-product-gallery"><div class="woocommerce-product-gallery__wrapper">
<div class="woocommerce-product-gallery__image woo3d-gallery-item">
<div class="woo3d-model woo3d-model--gallery" data-woo3d-codec="{codec}" data-woo3d-label="View in 3D" style="aspect-ratio: 1 / 1">
<button type="button" class="woo3d-model__open" aria-label="View in 3D"><span class="woo3d-model__badge" aria-hidden="true">3D</span></button>
<model-viewer class="woo3d-model__viewer" src="{src}" ar camera-controls touch-action="pan-y" hidden>
<button type="button" slot="ar-button" class="woo3d-model__ar">View in your space</button></model-viewer>
</div></div></div></div>
<script src="/plugin/js/viewer.js"></script>
""" + _LOADED


def _is_woo3d(url: str) -> bool:
    path = url.split("?")[0]
    return "/vendor/" in path or "/plugin/" in path or path.endswith(".glb")


def _one(browser: Any, url: str, network: str | None, click: bool) -> dict[str, float]:
    """Bytes of woo3d before the touch and after it, and ms to model-viewer's load (from the click, if any)."""
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        received: list[tuple[str, int]] = []
        page.on("requestfinished", lambda request: received.append((request.url, int(request.sizes()["responseBodySize"]))))
        throttle(context, page, network)
        page.goto(url, wait_until="load")
        started = 0.0
        if click:
            page.wait_for_load_state("networkidle")
            before = sum(size for u, size in received if _is_woo3d(u))
            started = float(page.evaluate("() => performance.now()"))
            page.locator(".woo3d-model__open").click()
        page.wait_for_function("() => window.loadedAt !== undefined", timeout=300_000)
        loaded = float(page.evaluate("() => window.loadedAt")) - started
        page.wait_for_load_state("networkidle")
        total = sum(size for u, size in received if _is_woo3d(u))
        return {"before_touch_bytes": before if click else total, "after_open_bytes": total, "interactive_ms": loaded}
    finally:
        context.close()


def measure(network: str, repeats: int, photo: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="woo3d-gallery-weight-") as tmp:
        work = Path(tmp)
        print(f"generating the model of {photo}", flush=True)
        (model,) = build_models(work, only=(photo,))
        server, base = serve(work)
        rows: dict[str, Any] = {}
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    for codec in CODECS:
                        src = html.escape("/" + model["files"][codec])
                        for mode, template in (("before", _BEFORE), ("after", _AFTER)):
                            page = work / f"{mode}-{codec}.html"
                            page.write_text(template.format(src=src, codec=codec))
                            samples = [_one(browser, f"{base}/{page.name}", None if network == "none" else network,
                                            mode == "after") for _ in range(repeats)]
                            rows[f"{mode}-{codec}"] = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
                            print(f"  {mode} {codec}: {rows[f'{mode}-{codec}']}", flush=True)
                finally:
                    browser.close()
        finally:
            server.shutdown()
    return {"photo": photo, "glb_bytes": model["glb_bytes"], "network": network, "repeats": repeats, "rows": rows}


def table(results: dict[str, Any]) -> str:
    head = ["page", "GLB", "woo3d bytes before the first touch", "after opening the 3D view",
            f"interactive viewer ({results['network']})"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for key, row in results["rows"].items():
        mode, codec = key.split("-")
        when = "from navigation" if mode == "before" else "from the touch"
        lines.append(f"| {mode} ({'viewer with the page' if mode == 'before' else 'gallery item'}) | {codec} | "
                     f"{row['before_touch_bytes'] / 1000:,.1f} KB | {row['after_open_bytes'] / 1000:,.0f} KB | "
                     f"{row['interactive_ms'] / 1000:,.1f} s {when} |")
    return "\n".join(lines)


def write_readme(results: dict[str, Any]) -> str:
    """Rewrite the gallery block of benchmarks/README.md from `results`; returns the block."""
    block = (f"{BEGIN}\nOn {results['machine']}, {results['date']} (`python -m benchmarks.gallery_weight`, "
             f"{results['total_s']:.0f} s), the model of `{results['photo']}` at the default settings, a 390×844 "
             f"phone viewport, median of {results['repeats']}:\n\n{table(results)}\n{END}")
    readme = Path(__file__).resolve().parent / "README.md"
    text = readme.read_text()
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n## Gallery weight\n\n" + block + "\n"
    readme.write_text(text)
    return block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photo", default="ruby_mug.jpg", help="the fixture photo whose model is measured")
    parser.add_argument("--network", choices=sorted(NETWORKS), default="slow4g", help="throttled network (none: loopback)")
    parser.add_argument("--repeats", type=int, default=1, help="loads per page (median)")
    args = parser.parse_args()
    results = recorded("gallery_weight", lambda: measure(args.network, args.repeats, args.photo))
    print(write_readme(results))


if __name__ == "__main__":
    main()
