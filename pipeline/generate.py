"""The pipeline's one entry point for a product: generate a mesh with a backend, then Stage 2."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pipeline.backends import GeneratorBackend, Progress, no_progress
from pipeline.config import PipelineConfig
from pipeline.product import ProductInput
from pipeline.progress import MonotonicProgress, within
from pipeline.result import GenerationResult

# Share of the progress bar the generator gets; Stage 2 has the rest.
_GENERATE_SHARE = 0.4


def generate_assets(
    product: ProductInput,
    out_dir: Path,
    config: PipelineConfig,
    *,
    backend: GeneratorBackend | None = None,
    formats: str | Iterable[str] | None = None,
    progress: Progress = no_progress,
) -> GenerationResult:
    """Turn a product into model.glb (+ model.usdz, …), poster.png, preview.html and report.json.

    `backend` defaults to the offline LocalGenerator; `formats` ("glb,usdz" or names) to `config.formats`. A plain
    function with no Redis: the RQ job and `woo3d generate` both call it. Raises PipelineError
    subclasses (bad options are refused before any generation work). `progress` only ever rises
    and ends at 1.0 on success.
    """
    from pipeline.decimate import check_face_budget
    from pipeline.export import parse_formats
    from pipeline.local_generator import LocalGenerator
    from pipeline.stage2 import TIMINGS_KEY, finish

    check_face_budget(config.face_budget)
    wanted = parse_formats(formats if formats is not None else config.formats)
    generator = backend if backend is not None else LocalGenerator(max_faces=config.face_budget)
    progress = MonotonicProgress(progress)
    started = time.perf_counter()
    generated = generator.generate(product, progress=within(progress, 0.0, _GENERATE_SHARE))
    own = generated.metadata.get(TIMINGS_KEY)
    timings = {**(own if isinstance(own, dict) else {}), "generate": time.perf_counter() - started}
    generated = replace(generated, metadata={**generated.metadata, TIMINGS_KEY: timings})
    return finish(
        generated,
        product,
        out_dir,
        config,
        formats=wanted,
        progress=within(progress, _GENERATE_SHARE, 1.0),
    )
