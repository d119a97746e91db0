"""HuggingFace 3D stage 0 (the seed's names): Shap-E drafts for hints and a fast fallback, cached by content."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import structlog
import tenacity

from pipeline.generators.analysis import HF3DOptimizationHints, QualityComparison, compare_candidates, optimization_hints
from pipeline.generators.cache import ContentCache, content_key
from pipeline.config import HF3DModel, HuggingFace3DConfig, HuggingFace3DConfigError
from pipeline.generators.huggingface.transports import (
    DiffusersTransport,
    GradioSpaceTransport,
    HFTransport,
    HuggingFaceError,
    HuggingFacePermanentError,
    HuggingFaceRetryableError,
    InferenceEndpointTransport,
)
from pipeline.metrics import CACHE_HITS, PAID_API_CALLS
from pipeline.product import ProductInput

if TYPE_CHECKING:
    import trimesh

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class HF3DResult:
    """A stage-0 draft (the seed's name): the GLB, its mesh, metrics, hints and timings."""

    model: HF3DModel
    transport: str
    data: bytes
    mesh: trimesh.Trimesh
    metrics: dict[str, float]
    timings: dict[str, float]
    cache_key: str
    cached: bool = False
    hints: HF3DOptimizationHints | None = None
    metadata: dict[str, object] = field(default_factory=dict)


def transport_for(config: HuggingFace3DConfig) -> HFTransport:
    """The transport the settings choose. Raises HuggingFacePermanentError when one cannot be built."""
    if config.transport == "endpoint":
        if not config.endpoint_url:
            raise HuggingFacePermanentError("HF_3D_ENDPOINT_URL is not set")
        return InferenceEndpointTransport(config.endpoint_url, token=config.api_token, timeout_s=config.timeout_s)
    if config.transport == "selfhosted":
        try:
            return DiffusersTransport.from_pretrained()
        except ImportError as exc:
            raise HuggingFacePermanentError(
                "self-hosted Shap-E needs the `selfhosted` extra: pip install 'woo3d[selfhosted]'") from exc
    return GradioSpaceTransport(config.space_url, token=config.api_token, text_api=config.space_text_api,
                                image_api=config.space_image_api, timeout_s=config.timeout_s)


class HuggingFace3DClient:
    """Stage 0. Retries retryable faults with backoff, falls back to Point-E where configured, caches by content.

    Use as a context manager or call `close()`.
    """

    def __init__(
        self,
        config: HuggingFace3DConfig,
        *,
        transport: HFTransport | None = None,
        fallback: HFTransport | None = None,
        cache: ContentCache | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config = config
        self._transport = transport
        self._fallback = fallback
        if fallback is None and config.point_e_space_url and transport is None:
            self._fallback = GradioSpaceTransport(config.point_e_space_url, token=config.api_token,
                                                  text_api=config.space_text_api, image_api=config.space_image_api,
                                                  timeout_s=config.timeout_s)
        self.cache = cache if cache is not None else ContentCache(config.output_dir / "cache", 30 * 24 * 3600,
                                                                  enabled=config.cache_enabled)
        if not config.cache_enabled:
            self.cache = ContentCache(self.cache.root, self.cache.ttl_s, enabled=False)
        self._sleep = sleep
        self._closed = False

    @property
    def transport(self) -> HFTransport:
        if self._transport is None:
            self._transport = transport_for(self.config)
        return self._transport

    def close(self) -> None:
        """Close the transports; the client cannot be used afterwards."""
        for transport in (self._transport, self._fallback):
            if transport is not None:
                transport.close()
        self._closed = True

    def __enter__(self) -> HuggingFace3DClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cache_key(self, *, text: str = "", image: bytes | None = None, model: HF3DModel | None = None) -> str:
        """The content key of a request: inputs plus every setting that changes the draft."""
        chosen = model or (HF3DModel.SHAP_E_IMAGE if image is not None else self.config.default_model)
        return content_key(
            backend="huggingface",
            images=[image] if image is not None else [],
            text=text,
            settings={"model": chosen.value, "guidance_scale": self.config.guidance_scale,
                      "inference_steps": self.config.inference_steps, "seed": self.config.seed,
                      "transport": self.config.transport},
        )

    def generate_from_text(self, prompt: str, *, model: HF3DModel | None = None) -> HF3DResult:
        """A Shap-E draft from text. Raises HuggingFaceError subclasses (and ValueError for a blank prompt)."""
        if prompt is None or not prompt.strip():
            raise ValueError("generate_from_text needs a non-blank prompt")
        chosen = model or self.config.default_model
        if chosen is HF3DModel.SHAP_E_IMAGE:
            chosen = HF3DModel.SHAP_E_TEXT
        key = self.cache_key(text=prompt, model=chosen)
        return self._generate(key, chosen, lambda t: t.text_to_3d(prompt, self.config.params), {"prompt": prompt})

    def generate_from_image(self, image: bytes) -> HF3DResult:
        """A Shap-E draft from a product photo (JPEG, PNG or WebP, checked before any call).

        Raises pipeline.errors.ImageError for unusable bytes and HuggingFaceError subclasses.
        """
        from pipeline.photos.images import decode_image

        decode_image(image, "stage-0 image")
        key = self.cache_key(image=image, model=HF3DModel.SHAP_E_IMAGE)
        return self._generate(key, HF3DModel.SHAP_E_IMAGE, lambda t: t.image_to_3d(image, self.config.params), {})

    def get_optimization_hints(
        self, product: ProductInput, result: HF3DResult | None = None, optimized_prompt: str | None = None
    ) -> HF3DOptimizationHints:
        """Hints for Tripo from a draft (when there is one) and the product; pure, no I/O."""
        return optimization_hints(product, result.mesh if result is not None else None, optimized_prompt)

    def compare_quality(
        self, hf_result: HF3DResult, other: trimesh.Trimesh, other_name: str = "tripo", face_budget: int = 50_000
    ) -> QualityComparison:
        """Which of the draft and another model is better; a holey vertex-coloured draft loses to a clean
        textured model by construction of the score."""
        return compare_candidates({other_name: other, "huggingface": hf_result.mesh}, face_budget)

    def _generate(
        self, key: str, model: HF3DModel, call: Callable[[HFTransport], bytes], metadata: dict[str, object]
    ) -> HF3DResult:
        if self._closed:
            raise HuggingFacePermanentError("the HuggingFace client is closed")
        started = time.perf_counter()
        entry = self.cache.get(key)
        if entry is not None:
            CACHE_HITS.labels("huggingface").inc()
            mesh = _load(entry.data)
            return HF3DResult(model, str(entry.metadata.get("transport", "")), entry.data, mesh, _metrics(mesh),
                              {"total_s": time.perf_counter() - started}, key, True, metadata=dict(entry.metadata))
        transport_name = self.transport.name
        try:
            data = self._retrying()(lambda: call(self.transport))
        except HuggingFaceRetryableError as exc:
            if self._fallback is None:
                raise
            log.warning("hf_fallback_point_e", error=str(exc))
            model, transport_name = HF3DModel.POINT_E, f"{self._fallback.name}:point-e"
            data = self._retrying()(lambda: call(self._fallback))  # type: ignore[arg-type]
        generated = time.perf_counter()
        if transport_name == "endpoint":  # a Space and self-hosted Shap-E cost nothing per call
            PAID_API_CALLS.labels("huggingface").inc()
        mesh = _load(data)
        self.cache.put(key, data, "glb", {"transport": transport_name, "model": model.value, **metadata})
        timings = {"generate_s": generated - started, "total_s": time.perf_counter() - started}
        log.info("hf_draft_generated", model=model.value, transport=transport_name, faces=len(mesh.faces),
                 seconds=round(timings["total_s"], 3))
        return HF3DResult(model, transport_name, data, mesh, _metrics(mesh), timings, key, False,
                          metadata={"transport": transport_name, "model": model.value, **metadata})

    def _retrying(self) -> tenacity.Retrying:
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(HuggingFaceRetryableError),
            stop=tenacity.stop_after_attempt(self.config.max_retries),
            wait=tenacity.wait_exponential_jitter(multiplier=self.config.retry_delay_s,
                                                  max=self.config.retry_max_delay_s, jitter=1.0),
            sleep=self._sleep,
            reraise=True,
        )


def _load(data: bytes) -> trimesh.Trimesh:
    from pipeline.errors import MeshError
    from pipeline.stage2.mesh_io import load_mesh

    try:
        return load_mesh(data, "glb")
    except MeshError as exc:
        raise HuggingFacePermanentError(f"the stage-0 output is not a usable GLB: {exc}") from exc


def _metrics(mesh: trimesh.Trimesh) -> dict[str, float]:
    from pipeline.generators.analysis import analyze_mesh

    analysis = analyze_mesh(mesh)
    return {
        "vertices": float(len(mesh.vertices)),
        "faces": float(len(mesh.faces)),
        "watertight": float(analysis.watertight),
        "boundary_edge_ratio": analysis.boundary_edge_ratio,
        "vertex_colours": float(getattr(mesh.visual, "kind", None) == "vertex"),
        "hull_fill": analysis.hull_fill,
    }


__all__ = [
    "HF3DModel",
    "HF3DOptimizationHints",
    "HF3DResult",
    "HuggingFace3DClient",
    "HuggingFace3DConfig",
    "HuggingFace3DConfigError",
    "HuggingFaceError",
    "HuggingFacePermanentError",
    "HuggingFaceRetryableError",
    "transport_for",
]
