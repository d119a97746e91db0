"""Page weight benchmark: what a product page downloads, and how soon model-viewer shows the model.

    python -m benchmarks.page_weight [--network slow4g|none] [--repeats 1]

Every fixture photo (tests/fixtures/photos) goes through `generate_assets` at the default settings
(50,000-face budget); the uncompressed GLB Stage 2 keeps beside the served one is compressed with
meshopt and with Draco (the default's copy is checked to be the served GLB). Per model this records
the bytes of the USDZ and of the GLB uncompressed, with meshopt and with Draco, and how long each
compression took.

Then headless Chromium (Debian's, SwiftShader for WebGL, as the plugin tests run it) opens a page
with the plugin's bundled model-viewer and decoders for each model and variant, from a local HTTP
server, in a fresh browser context each time (a first visit: nothing cached), and measures the time
from navigation to model-viewer's `load` event: over loopback, where only decoding and drawing
count, and over `--network` (slow4g: Lighthouse's mobile profile, 1.6 Mbit/s down, 150 ms RTT),
where the bytes do. "First-visit bytes" add the decoder files the browser fetches for that codec.

Prints a table of medians over the models and ratios against the uncompressed GLB, writes
benchmarks/out/page_weight.json and rewrites the page weight table in benchmarks/README.md.
Aim: median GLB ≤ 250 KB at default settings, a faster first frame.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import re
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.run_all import machine
from pipeline.config import PipelineConfig

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
PLUGIN_ASSETS = ROOT / "wp_bridge" / "wordpress_plugin" / "assets"
VENDOR = PLUGIN_ASSETS / "vendor"
CHROMIUM = Path("/usr/bin/chromium")
VARIANTS = ("none", "meshopt", "draco")
# What a first visit fetches besides the GLB: model-viewer loads the meshopt decoder on every page that
# names its location (the plugin's pages do), the Draco decoder only for a Draco-compressed model.
_MESHOPT = ("meshopt_decoder.js",)
DECODERS = {"none": _MESHOPT, "meshopt": _MESHOPT, "draco": (*_MESHOPT, "draco/draco_wasm_wrapper.js", "draco/draco_decoder.wasm")}
# Lighthouse's simulated mobile network ("slow 4G"): what Core Web Vitals are judged on.
NETWORKS = {"slow4g": {"download_kbit": 1638.4, "upload_kbit": 675.0, "latency_ms": 150.0}, "none": None}
AIM_MEDIAN_GLB_BYTES = 250_000
BEGIN, END = "<!-- page-weight:begin -->", "<!-- page-weight:end -->"
_PAGE = """<!doctype html>
<meta charset="utf-8">
<script>self.ModelViewerElement = {{meshoptDecoderLocation: "/vendor/meshopt_decoder.js", dracoDecoderLocation: "/vendor/draco/"}};</script>
<script type="module" src="/vendor/model-viewer.min.js"></script>
<model-viewer src="{src}" loading="eager" camera-controls style="width: 800px; height: 600px"></model-viewer>
<script>
  document.querySelector("model-viewer").addEventListener("load", () => {{ window.loadedAt = performance.now(); }});
</script>
"""


def build_models(work: Path, only: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Generate every fixture photo's model (or those named in `only`) and compress its uncompressed GLB
    both ways; files and sizes."""
    from pipeline.config import PipelineConfig
    from pipeline.generate import generate_assets
    from pipeline.product import ProductInput, SourceImage
    from pipeline.stage2.compress import compress_glb

    config = PipelineConfig(output_dir=work, cache_dir=work / "cache")
    models = []
    for photo in sorted(p for p in PHOTOS.iterdir() if p.suffix.lower() in {".jpg", ".png"} and (not only or p.name in only)):
        folder = work / photo.name.replace(".", "-")
        product = ProductInput(title=photo.stem, images=(SourceImage(photo.read_bytes(), photo.name),))
        result = generate_assets(product, folder, config, formats=("glb", "usdz"))
        assert result.uncompressed_glb is not None, "the default settings compress the served GLB"
        files = {"none": result.uncompressed_glb}
        seconds = {}
        for method in ("meshopt", "draco"):
            files[method] = folder / method / "model.glb"
            files[method].parent.mkdir()
            shutil.copyfile(result.uncompressed_glb, files[method])
            started = time.perf_counter()
            compress_glb(files[method], method)  # type: ignore[arg-type]  # a GLBCompression
            seconds[method] = round(time.perf_counter() - started, 3)
        assert files[config.glb_compression].read_bytes() == result.files["glb"].read_bytes()
        sizes = {name: path.stat().st_size for name, path in files.items()}
        models.append({
            "photo": photo.name,
            "faces": result.quality.faces,
            "texture": list(result.quality.texture_size) if result.quality.texture_size else None,
            "usdz_bytes": result.files["usdz"].stat().st_size,
            "glb_bytes": sizes,
            "compress_s": seconds,
            "files": {name: str(path.relative_to(work)) for name, path in files.items()},
        })
        print(f"  {photo.name}: GLB {sizes['none']:,} → meshopt {sizes['meshopt']:,}, draco {sizes['draco']:,} bytes; "
              f"USDZ {models[-1]['usdz_bytes']:,}", flush=True)
    return models


def serve(work: Path) -> tuple[ThreadingHTTPServer, str]:
    """A static server on 127.0.0.1 for `work` (models and pages) with the plugin's vendor folder at /vendor
    and its storefront script and CSS under /plugin/js and /plugin/css."""
    shutil.copytree(VENDOR, work / "vendor", dirs_exist_ok=True)
    for folder in ("js", "css"):
        shutil.copytree(PLUGIN_ASSETS / folder, work / "plugin" / folder, dirs_exist_ok=True)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  # the base class's name
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(work)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def time_to_load(models: list[dict[str, Any]], work: Path, base: str, network: str | None, repeats: int) -> None:
    """Add `load_ms[network or 'loopback'][variant]` to each model: navigation → model-viewer's load event."""
    from playwright.sync_api import sync_playwright

    label = network or "loopback"
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for model in models:
                times = model.setdefault("load_ms", {}).setdefault(label, {})
                for variant in VARIANTS:
                    page_path = work / f"{model['photo'].replace('.', '-')}-{variant}.html"
                    page_path.write_text(_PAGE.format(src=html.escape("/" + model["files"][variant])))
                    samples = [_one_load(browser, f"{base}/{page_path.name}", network) for _ in range(repeats)]
                    times[variant] = round(statistics.median(samples), 1)
                print(f"  {model['photo']} ({label}): " + ", ".join(f"{v} {times[v]:.0f} ms" for v in VARIANTS), flush=True)
        finally:
            browser.close()


def launch(playwright: Any) -> Any:
    """Debian's Chromium, headless, with WebGL from SwiftShader (as the plugin tests run it)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
    )


def throttle(context: Any, page: Any, network: str | None) -> None:
    """Emulate `network` (a NETWORKS profile) for the page; nothing for None (loopback)."""
    if network is None:
        return
    profile = NETWORKS[network]
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": profile["latency_ms"],
        "downloadThroughput": profile["download_kbit"] * 1024 / 8,
        "uploadThroughput": profile["upload_kbit"] * 1024 / 8,
    })


def _one_load(browser: Any, url: str, network: str | None) -> float:
    context = browser.new_context(viewport={"width": 900, "height": 700})
    try:
        page = context.new_page()
        throttle(context, page, network)
        page.goto(url)
        page.wait_for_function("() => window.loadedAt !== undefined", timeout=120_000)
        return float(page.evaluate("() => window.loadedAt"))
    finally:
        context.close()


def summarize(models: list[dict[str, Any]], networks: list[str]) -> dict[str, Any]:
    """Medians over the models, per variant, with ratios against the uncompressed GLB."""
    decoder_bytes = {v: sum((VENDOR / f).stat().st_size for f in files) for v, files in DECODERS.items()}
    summary: dict[str, Any] = {"usdz_bytes": statistics.median(m["usdz_bytes"] for m in models), "variants": {}}
    for variant in VARIANTS:
        glb = statistics.median(m["glb_bytes"][variant] for m in models)
        row: dict[str, Any] = {
            "glb_bytes": glb,
            "ratio_glb_bytes": round(glb / statistics.median(m["glb_bytes"]["none"] for m in models), 3),
            "decoder_bytes": decoder_bytes[variant],
            "first_visit_bytes": glb + decoder_bytes[variant],
            "compress_s": statistics.median(m["compress_s"][variant] for m in models) if variant != "none" else 0.0,
        }
        for label in networks:
            load = statistics.median(m["load_ms"][label][variant] for m in models)
            row[f"load_ms_{label}"] = load
            row[f"ratio_load_{label}"] = round(load / statistics.median(m["load_ms"][label]["none"] for m in models), 3)
        summary["variants"][variant] = row
    summary["default"] = PipelineConfig.glb_compression
    summary["default_meets_aim"] = summary["variants"][PipelineConfig.glb_compression]["glb_bytes"] <= AIM_MEDIAN_GLB_BYTES
    return summary


def table(results: dict[str, Any]) -> str:
    """The Markdown table of medians over the fixture photos' models."""
    networks = results["networks"]
    head = ["GLB", "median GLB", "× uncompressed", "decoders", "GLB + decoders", "compress"]
    head += [f"navigation → load, {label}" for label in networks]
    rows = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    names = {"none": "uncompressed", "meshopt": "meshopt + WebP", "draco": "Draco + WebP"}
    names[results["summary"]["default"]] += " (default)"
    for variant, row in results["summary"]["variants"].items():
        cells = [names[variant], f"{row['glb_bytes'] / 1000:,.0f} KB", f"{row['ratio_glb_bytes']:.2f}",
                 f"{row['decoder_bytes'] / 1000:,.0f} KB", f"{row['first_visit_bytes'] / 1000:,.0f} KB",
                 f"{row['compress_s']:.2f} s"]
        cells += [f"{row[f'load_ms_{label}']:,.0f} ms ({row[f'ratio_load_{label}']:.2f}×)" for label in networks]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def run(network: str = "slow4g", repeats: int = 1) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="woo3d-page-weight-") as tmp:
        work = Path(tmp)
        print("generating a model per fixture photo", flush=True)
        models = build_models(work)
        server, base = serve(work)
        try:
            networks = ["loopback"] + ([network] if network != "none" else [])
            for label in networks:
                print(f"timing navigation → load ({label})", flush=True)
                time_to_load(models, work, base, None if label == "loopback" else label, repeats)
        finally:
            server.shutdown()
    for model in models:
        del model["files"]
    results = {"models": models, "networks": networks, "repeats": repeats, "summary": summarize(models, networks)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--network", choices=sorted(NETWORKS), default="slow4g",
                        help="throttled network for the second timing (none: loopback only)")
    parser.add_argument("--repeats", type=int, default=1, help="loads per model and variant (median)")
    args = parser.parse_args()
    results = recorded("page_weight", lambda: run(args.network, args.repeats))
    print(write_readme(results))
    print(f"wrote {OUT / 'page_weight.json'} and the page weight table in benchmarks/README.md")


def recorded(name: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`measure()`'s results stamped with the machine, the date and the run's seconds, kept in out/<name>.json."""
    started = time.perf_counter()
    results = {"machine": machine(), "date": datetime.now(UTC).isoformat(timespec="seconds"), **measure()}
    results["total_s"] = round(time.perf_counter() - started, 1)
    OUT.mkdir(exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def write_readme(results: dict[str, Any]) -> str:
    """Rewrite the page weight block of benchmarks/README.md from `results`; returns the block."""
    summary = results["summary"]
    block = (f"{BEGIN}\nOn {results['machine']}, {results['date']} (`python -m benchmarks.page_weight`, "
             f"{results['total_s']:.0f} s in all); medians over the {len(results['models'])} fixture photos' models, "
             f"ratios against the uncompressed GLB:\n\n{table(results)}\n\nMedian USDZ (uncompressed, for AR Quick Look): "
             f"{summary['usdz_bytes'] / 1000:,.0f} KB. Default GLB within the {AIM_MEDIAN_GLB_BYTES / 1000:.0f} KB aim: "
             f"{'yes' if summary['default_meets_aim'] else 'no'}.\n{END}")
    readme = Path(__file__).resolve().parent / "README.md"
    text = readme.read_text()
    readme.write_text(re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S))
    return block


if __name__ == "__main__":
    main()
