"""The hybrid orchestration: HF draft → hints → Tripo → compare; `pipeline.generate` runs Stage 2 after it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import structlog

from pipeline.generators.analysis import compare_candidates, optimization_hints
from pipeline.backends import GeneratedMesh, GeneratorBackend, Progress, no_progress
from pipeline.generators.cache import ContentCache, content_key
from pipeline.config import PipelineConfig
from pipeline.errors import PermanentPipelineError, PipelineError
from pipeline.metrics import CACHE_HITS
from pipeline.photos.views import read_gallery
from pipeline.product import ProductInput
from pipeline.progress import within

if TYPE_CHECKING:
    import trimesh
    from redis import Redis

    from pipeline.generators.huggingface.client import HF3DResult, HuggingFace3DClient
    from pipeline.generators.tripo import TripoClient

log = structlog.get_logger(__name__)

BackendName = Literal["local", "huggingface", "tripo", "hybrid"]
BACKEND_NAMES: tuple[BackendName, ...] = ("hybrid", "local", "huggingface", "tripo")
TIMEOUT_RETRIES = 2  # a timed-out stage is tried again this many times (Tripo resumes its task)


def _with_timeout_retries(call: Callable[[], object], sleep: Callable[[float], None], what: str) -> object:
    """Run `call`, retrying a timeout up to TIMEOUT_RETRIES times with exponential backoff (2 s, 4 s)."""
    from pipeline.generators.huggingface.transports import HuggingFaceRetryableError
    from pipeline.generators.tripo import TripoTimeoutError

    for attempt in range(TIMEOUT_RETRIES + 1):
        try:
            return call()
        except (TripoTimeoutError, HuggingFaceRetryableError) as exc:
            if attempt == TIMEOUT_RETRIES:
                raise
            log.warning("stage_timeout_retry", stage=what, attempt=attempt + 1, error=str(exc))
            sleep(2.0 * 2**attempt)
    raise AssertionError("unreachable")


class TripoBackend:
    """Stage 1 alone: one or two photos (image/multiview) or the product's words (text) to a Tripo model.

    The content cache answers repeats with no HTTP call; Redis (when given) keeps task ids and the cap.
    """

    name = "tripo"

    def __init__(self, config: PipelineConfig, *, connection: Redis | None = None, client: TripoClient | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        from pipeline.generators.tripo import TripoClient, TripoSettings

        if not config.tripo_api_key and client is None:
            raise PermanentPipelineError("the tripo backend needs TRIPO_API_KEY")
        self.config = config
        self.client = client or TripoClient(TripoSettings.from_config(config), connection=connection, sleep=sleep)
        self.cache = ContentCache(config.cache_dir, config.cache_ttl_s)
        self._sleep = sleep

    def close(self) -> None:
        self.client.close()

    def generate(self, product: ProductInput, progress: Progress = no_progress, prompt: str | None = None
                 ) -> GeneratedMesh:
        """Raises PipelineError subclasses (permanent ones mean: use another generator)."""
        from pipeline.generators.tripo import load_model

        hints = optimization_hints(product, optimized_prompt=prompt)
        # Tripo's multiview slots are front, left, back, right: each filled only by an image whose
        # view the gallery reading decided (a close-up or a worn shot is never sent as the back).
        gallery = read_gallery(product.images, max_pixels=self.config.max_image_pixels, title=product.title) \
            if len(product.images) > 1 else None
        slots = [product.images[0].data] if product.images else []
        if gallery is not None:
            # A side view goes to its slot only when its name says which side it shows.
            chosen = [gallery.used("back") if view == "back" else
                      next((d.index for d in gallery.decisions if d.view == view), None)
                      for view in ("left", "back", "right")]
            for view, index in zip(("left", "right"), (chosen[0], chosen[2])):
                if index is not None:
                    gallery = gallery.using(index, f"tripo {view} view", f"sent as Tripo's {view} view")
            slots += [None if index is None else product.images[index].data for index in chosen]
        images = [image for image in slots if image is not None]
        settings = {**self.client.settings.options.as_dict(), "api": self.client.adapter.version}
        key = content_key(backend="tripo", images=images, text="" if images else hints.suggested_prompt,
                          settings=settings)
        progress("tripo", 0.05)
        cached = self.cache.get(key)
        if cached is not None:
            CACHE_HITS.labels("tripo").inc()
            return GeneratedMesh(load_model(cached.data), "tripo", metadata={"tripo": {**cached.metadata, "cached": True}})

        def call() -> object:
            if len(images) >= 2:
                return self.client.multiview_to_model(slots, key=key)
            if images:
                return self.client.image_to_model(images[0], key=key)
            return self.client.text_to_model(hints.suggested_prompt, key=key, negative_prompt=hints.negative_prompt)

        model = _with_timeout_retries(call, self._sleep, "tripo")
        meta = {"task_id": model.task_id, "api": model.api_version, "resumed": model.resumed,  # type: ignore[attr-defined]
                "model_version": self.client.settings.model_version, "cached": False}
        self.cache.put(key, model.data, "glb", meta)  # type: ignore[attr-defined]
        progress("tripo", 1.0)
        views = {"gallery": gallery.as_list()} if gallery is not None else {}
        return GeneratedMesh(model.mesh, "tripo", metadata={"tripo": meta, **views})  # type: ignore[attr-defined]


class HuggingFaceBackend:
    """Stage 0 alone: a Shap-E draft (vertex-coloured, may have holes): a fast preview, not a final model."""

    name = "huggingface"

    def __init__(self, config: PipelineConfig, *, client: HuggingFace3DClient | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        from pipeline.generators.huggingface.client import HuggingFace3DClient

        self.client = client or HuggingFace3DClient(
            config.huggingface_config, cache=ContentCache(config.cache_dir, config.cache_ttl_s,
                                                          enabled=config.huggingface_config.cache_enabled))
        self._sleep = sleep

    def close(self) -> None:
        self.client.close()

    def draft(self, product: ProductInput) -> HF3DResult:
        """Raises PipelineError subclasses (and ValueError for a product with neither photo nor words)."""
        if product.images:
            return _with_timeout_retries(lambda: self.client.generate_from_image(product.images[0].data),
                                         self._sleep, "huggingface")  # type: ignore[return-value]
        prompt = optimization_hints(product).suggested_prompt
        return _with_timeout_retries(lambda: self.client.generate_from_text(prompt), self._sleep,
                                     "huggingface")  # type: ignore[return-value]

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        result = self.draft(product)
        progress("huggingface", 1.0)
        return GeneratedMesh(result.mesh, "huggingface", warnings=("Shap-E draft: vertex colours, may have holes",),
                             metadata={"huggingface": {"metrics": result.metrics, "cached": result.cached}})


class HybridBackend:
    """Stage 0 (optional) → hints → stage 1 → the better of the two, else the local generator.

    HF failing: a warning, Tripo alone. Tripo failing: the HF draft. Both failing or unconfigured: local.
    """

    name = "hybrid"

    def __init__(self, config: PipelineConfig, *, connection: Redis | None = None,
                 huggingface: HuggingFaceBackend | None = None, tripo: TripoBackend | None = None,
                 local: GeneratorBackend | None = None, sleep: Callable[[float], None] = time.sleep):
        from pipeline.generators.local_generator import LocalGenerator

        self.config = config
        self.huggingface = huggingface if huggingface is not None else (
            HuggingFaceBackend(config, sleep=sleep) if config.enable_huggingface_3d else None)
        self.tripo = tripo if tripo is not None else (
            TripoBackend(config, connection=connection, sleep=sleep)
            if config.enable_3d_generation and config.tripo_api_key else None)
        self.local = local or LocalGenerator.for_config(config)

    def close(self) -> None:
        """Close the HTTP clients of the stages that were built."""
        for stage in (self.huggingface, self.tripo):
            if stage is not None:
                stage.close()

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        warnings: list[str] = []
        timings: dict[str, float] = {}
        draft: HF3DResult | None = None
        if self.huggingface is not None:
            progress("huggingface", 0.0)
            started = time.perf_counter()
            try:
                draft = self.huggingface.draft(product)
            except (PipelineError, ValueError) as exc:
                warnings.append(f"HuggingFace stage 0 failed, continuing with Tripo alone: {exc}")
                log.warning("hybrid_hf_failed", error=str(exc))
            timings["huggingface"] = time.perf_counter() - started
        progress("analysis", 0.3)
        hints = optimization_hints(product, draft.mesh if draft is not None else None)
        candidates: dict[str, trimesh.Trimesh] = {}
        stage1: dict[str, object] = {}
        if self.tripo is not None:
            started = time.perf_counter()
            try:
                made = self.tripo.generate(product, within(progress, 0.3, 1.0), prompt=hints.suggested_prompt)
                candidates["tripo"] = made.mesh
                stage1 = dict(made.metadata.get("tripo", {}))  # type: ignore[arg-type]
            except PipelineError as exc:
                warnings.append(f"Tripo stage 1 failed: {exc}")
                log.warning("hybrid_tripo_failed", error=str(exc))
            timings["tripo"] = time.perf_counter() - started
        if draft is not None:
            candidates["huggingface"] = draft.mesh
        report: dict[str, object] = {
            "hints": {"geometry_type": hints.geometry_type, "shape_class": hints.shape_class,
                      "complexity": hints.complexity, "confidence": hints.confidence,
                      "prompt": hints.suggested_prompt, "reasons": list(hints.reasons)},
            "huggingface": {"metrics": draft.metrics, "cached": draft.cached, "transport": draft.transport}
            if draft is not None else None,
            "tripo": stage1 or None,
            "timings_s": timings,
        }
        if not candidates:
            if self.huggingface is None and self.tripo is None:
                warnings.append("no HuggingFace or Tripo configured: the local generator made the model")
            else:
                warnings.append("HuggingFace and Tripo both failed: the local generator made the model")
            local = self.local.generate(product, within(progress, 0.3, 1.0))
            report["winner"] = "local"
            report["reason"] = warnings[-1]
            return GeneratedMesh(local.mesh, local.generator, local.source_mask, tuple(warnings) + local.warnings,
                                 {**local.metadata, "hybrid": report}, real_size=local.real_size)
        comparison = compare_candidates(candidates, self.config.face_budget)
        report.update(winner=comparison.winner, reason=comparison.reason, scores=comparison.scores,
                      candidates=_quality_metrics(candidates))
        if comparison.winner == "huggingface":
            warnings.append("the published model is a Shap-E draft (vertex colours)")
        log.info("hybrid_winner", winner=comparison.winner, scores=comparison.scores)
        return GeneratedMesh(candidates[comparison.winner].copy(), comparison.winner, warnings=tuple(warnings),
                             metadata={"hybrid": report})


def _quality_metrics(candidates: dict[str, trimesh.Trimesh]) -> dict[str, dict[str, object]]:
    """Stage 2's own topology metrics for each candidate, for the report."""
    from dataclasses import asdict

    from pipeline.stage2.quality import mesh_metrics

    def plain(value: object) -> object:
        return value.item() if hasattr(value, "item") else value  # numpy scalars → JSON-ready Python values

    return {name: {k: plain(v) for k, v in asdict(mesh_metrics(mesh)).items()} for name, mesh in candidates.items()}


def backend_for(name: str, config: PipelineConfig, *, connection: Redis | None = None) -> GeneratorBackend:
    """The generator a `--backend` name chooses. Raises PermanentPipelineError for an unusable choice."""
    from pipeline.generators.local_generator import LocalGenerator

    if name == "local":
        return LocalGenerator.for_config(config)
    if name == "huggingface":
        return HuggingFaceBackend(config)
    if name == "tripo":
        return TripoBackend(config, connection=connection)
    if name == "hybrid":
        return HybridBackend(config, connection=connection)
    raise PermanentPipelineError(f"unknown backend {name!r}: use one of {', '.join(BACKEND_NAMES)}")
