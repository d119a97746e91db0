"""Cut-out benchmark: the learned cut-out's time on a 1024 px photo, and its share of `generate`.

    python -m benchmarks.cutout [--repeats 7]

In one fresh process (as a worker's job runs): the model's one-time load, then medians over
`--repeats` runs of what the local generator does with the main photo (scale to 512 px, cut out)
with the learned model and with the classical method (the baseline), and of the whole
`generate_assets` (local generator + Stage 2 with GLB, USDZ and the poster) on the same photo,
and on the same photo as a transparent PNG (the alpha path: no model) for comparison.
The photo is the hoodie fixture flattened onto white, so the learned model runs (a transparent
PNG would take the alpha path). Wall and CPU seconds are both reported: on a shared machine the
CPU time is the steadier figure. Prints the numbers; writes benchmarks/out/cutout.json.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
PHOTO = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "photos" / "solidus_hoodie_black_1.png"
PHOTO_SIDE = 1024
MASK_SIDE = 512  # the local generator cuts out a copy of this size


def _photo_1024(on_white: bool = True) -> bytes:
    """The hoodie fixture scaled so its longer side is 1024 px: on white as a JPEG, or as its
    transparent PNG (which takes the alpha path: no model)."""
    from PIL import Image

    image = Image.open(PHOTO).convert("RGBA")
    scale = PHOTO_SIDE / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if not on_white:
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    white.alpha_composite(image)
    white.convert("RGB").save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _time(run: Callable[[], object], repeats: int) -> dict[str, Any]:
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return {"seconds": round(statistics.median(wall), 4), "cpu_seconds": round(statistics.median(cpu), 4),
            "runs_s": [round(s, 4) for s in wall]}


def _measure(repeats: int) -> dict[str, Any]:
    from pipeline.config import PipelineConfig
    from pipeline.generate import generate_assets
    from pipeline.photos import cutout
    from pipeline.photos.images import decode_image, fit_within
    from pipeline.photos.segmentation import classical_mask, product_mask
    from pipeline.product import ProductInput, SourceImage

    data = _photo_1024()
    started = time.perf_counter()
    cutout._session()
    load_s = time.perf_counter() - started

    def learned() -> None:
        found = product_mask(fit_within(decode_image(data), MASK_SIDE))
        assert found.method == "learned", found

    def classical() -> None:
        classical_mask(fit_within(decode_image(data), MASK_SIDE))

    small = fit_within(decode_image(data), MASK_SIDE)
    on_white = ProductInput(title="Hoodie", images=(SourceImage(data, "hoodie.jpg"),))
    transparent = ProductInput(title="Hoodie", images=(SourceImage(_photo_1024(on_white=False), "hoodie.png"),))
    with tempfile.TemporaryDirectory() as tmp:
        config = PipelineConfig(output_dir=Path(tmp), cache_dir=Path(tmp) / "cache")

        def generate(product: ProductInput) -> Callable[[], None]:
            return lambda: generate_assets(product, Path(tmp) / "out", config)

        generate(on_white)()  # warm-up: imports, caches, the EGL context
        results = {
            "model_load_s": round(load_s, 4),
            "saliency_only": _time(lambda: cutout.saliency(small), repeats),
            "learned_cutout": _time(learned, repeats),
            "classical_cutout": _time(classical, repeats),
            "generate": _time(generate(on_white), repeats),
            "generate_alpha_photo": _time(generate(transparent), repeats),
        }
    results["learned_share_of_generate"] = round(results["learned_cutout"]["seconds"] / results["generate"]["seconds"], 3)
    results["learned_share_of_generate_cpu"] = round(
        results["learned_cutout"]["cpu_seconds"] / results["generate"]["cpu_seconds"], 3)
    results["ratio_learned_to_classical"] = round(
        results["learned_cutout"]["seconds"] / results["classical_cutout"]["seconds"], 2)
    return results


def _child(repeats: int, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(_measure(repeats))


def run(repeats: int = 7) -> dict[str, Any]:
    """Measure in a fresh process; returns (and writes) the results."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(repeats, queue))
    process.start()
    measured = queue.get()
    process.join()
    results = {"machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "cpus": multiprocessing.cpu_count()},
               "repeats": repeats, "photo_side_px": PHOTO_SIDE, **measured}
    OUT.mkdir(exist_ok=True)
    (OUT / "cutout.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of each measurement (median reported)")
    results = run(parser.parse_args().repeats)
    for name in ("saliency_only", "learned_cutout", "classical_cutout", "generate", "generate_alpha_photo"):
        print(f"{name:<21} {results[name]['seconds']:.3f} s wall, {results[name]['cpu_seconds']:.3f} s CPU (median)")
    print(f"model load            {results['model_load_s']:.3f} s, once per process")
    print(f"learned share of generate: {results['learned_share_of_generate']:.1%} wall, "
          f"{results['learned_share_of_generate_cpu']:.1%} CPU; learned / classical {results['ratio_learned_to_classical']}×")


if __name__ == "__main__":
    main()
