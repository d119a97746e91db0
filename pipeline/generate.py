"""The pipeline's one entry point for a product: generate a mesh with a backend, then Stage 2.

`generate_assets` is what jobs and `woo3d generate` call; `ProductAssetPipeline` is the seed's facade over it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.backends import GeneratorBackend, Progress, no_progress
from pipeline.config import PipelineConfig
from pipeline.errors import NeedsImageError
from pipeline.product import ProductInput, SourceImage
from pipeline.progress import MonotonicProgress, within
from pipeline.result import GenerationResult

if TYPE_CHECKING:
    from redis import Redis

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
    from pipeline.stage2.decimate import check_face_budget
    from pipeline.stage2.export import parse_formats
    from pipeline.generators.local_generator import LocalGenerator
    from pipeline.stage2.finish import TIMINGS_KEY, finish

    check_face_budget(config.face_budget)
    wanted = parse_formats(formats if formats is not None else config.formats)
    generator = backend if backend is not None else LocalGenerator.for_config(config)
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


@dataclass(frozen=True)
class ProductAssetResult:
    """The seed's result: the 3D assets (Stage 2's result), the hybrid report and stage timings."""

    generation: GenerationResult
    hybrid: dict[str, object]

    @property
    def files(self) -> dict[str, Path]:
        return self.generation.files

    @property
    def generator(self) -> str:
        return self.generation.generator


class ProductAssetPipeline:
    """The seed's entry point: `ProductAssetPipeline(config).process_product(...)`."""

    def __init__(self, config: PipelineConfig, *, connection: Redis | None = None,
                 backend: GeneratorBackend | None = None):
        from pipeline.generators.hybrid import HybridBackend

        self.config = config
        self.backend = backend or HybridBackend(config, connection=connection)

    def close(self) -> None:
        """Close the backend's HTTP clients (when it has any)."""
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> ProductAssetPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def process_product(
        self,
        product_id: int | None,
        title: str,
        description: str = "",
        images: Sequence[bytes] = (),
        category: str = "",
        collection: str = "",
        garment_type: str = "",
        *,
        out_dir: Path | None = None,
        progress: Progress = no_progress,
    ) -> ProductAssetResult:
        """Generate and finish the product's model into `out_dir` (default: output_dir/<product id>).

        Raises PipelineError subclasses (NeedsImageError when there is neither a photo nor a title).
        """
        if not images and not (title or "").strip():
            raise NeedsImageError("a product needs a photo or at least a title")
        product = ProductInput(title=title or "", description=description or "",
                               images=tuple(SourceImage(data, f"image-{i}") for i, data in enumerate(images)),
                               product_id=product_id, category=category or "", collection=collection or "",
                               garment_type=garment_type or "")
        target = out_dir or self.config.output_dir / str(product_id or "product")
        result = generate_assets(product, target, self.config, backend=self.backend, progress=progress)
        details = result.report.get("generator_details")
        hybrid = details.get("hybrid") if isinstance(details, dict) else None
        return ProductAssetResult(result, hybrid if isinstance(hybrid, dict) else {})
