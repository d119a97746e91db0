"""Settings of the generation pipeline: the seed's `PipelineConfig` and stage 0's `HuggingFace3DConfig`.

Both live here, in the shared vocabulary, so the settings object imports no generator code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Literal

TransportName = Literal["space", "endpoint", "selfhosted"]
# The default of WOO3D_PUBLISH_MIN_SCORE: a model scoring under it waits for the merchant's review.
# Calibrated on the labelled set (tests/pipeline/stage2/test_score_calibration.py,
# docs/how-it-works/score.md): every bad model there scores at most 65, every good one at least 87.
PUBLISH_MIN_SCORE = 75
# How Stage 2 compresses the GLB the storefront serves (the uncompressed one is kept beside it).
GLBCompression = Literal["meshopt", "draco", "none"]
GLB_COMPRESSIONS: tuple[GLBCompression, ...] = ("meshopt", "draco", "none")
DEFAULT_SPACE_URL = "https://hysts-shap-e.hf.space"
# The review gate (WOO3D_REVIEW): `auto` holds a model scoring under the threshold for the merchant's
# approval, `always` holds every new model, `never` publishes all (the behaviour before the gate).
ReviewMode = Literal["auto", "always", "never"]
REVIEW_MODES: tuple[ReviewMode, ...] = ("auto", "always", "never")


class HF3DModel(str, Enum):
    """The seed's model choices; the value is the HuggingFace repository id."""

    SHAP_E_TEXT = "openai/shap-e"
    SHAP_E_IMAGE = "openai/shap-e-img2img"
    POINT_E = "openai/point-e"


@dataclass(frozen=True)
class GenerationParams:
    """Output-changing parameters (all part of the cache key)."""

    guidance_scale: float
    num_inference_steps: int
    seed: int = 0


class HuggingFace3DConfigError(ValueError):
    """Raised by `from_env` with every bad HF_* value at once."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class HuggingFace3DConfig:
    """Stage-0 settings (the seed's names). The token never appears in `repr`."""

    api_token: str | None = field(default=None, repr=False)
    default_model: HF3DModel = HF3DModel.SHAP_E_TEXT
    guidance_scale: float = 15.0
    inference_steps: int = 64
    output_format: str = "glb"
    output_dir: Path = Path("var/output/hf3d")
    cache_enabled: bool = True
    transport: TransportName = "space"
    space_url: str = DEFAULT_SPACE_URL
    space_text_api: str = "/text-to-3d"
    space_image_api: str = "/image-to-3d"
    point_e_space_url: str | None = None
    endpoint_url: str | None = None
    timeout_s: float = 300.0
    max_retries: int = 3
    retry_delay_s: float = 2.0
    retry_max_delay_s: float = 30.0
    seed: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> HuggingFace3DConfig:
        """Read HUGGINGFACE_API_TOKEN, HF_3D_DEFAULT_MODEL, HF_GUIDANCE_SCALE, HF_INFERENCE_STEPS, HF_3D_FORMAT,
        HF_3D_OUTPUT_DIR, HF_3D_CACHE_ENABLED, HF_3D_TRANSPORT, HF_3D_SPACE_URL, HF_3D_SPACE_TEXT_API,
        HF_3D_SPACE_IMAGE_API, HF_3D_POINT_E_SPACE_URL, HF_3D_ENDPOINT_URL, HF_3D_TIMEOUT, HF_MAX_RETRIES,
        HF_RETRY_DELAY, HF_RETRY_MAX_DELAY, HF_3D_SEED (default: os.environ).

        Raises HuggingFace3DConfigError naming every bad value.
        """
        env = dict(os.environ if environ is None else environ)
        problems: list[str] = []
        default = cls()

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def number(name: str, fallback: float, kind: type = float, minimum: float = 0) -> float:
            raw = text(name)
            if raw is None:
                return fallback
            try:
                value = kind(raw)
            except ValueError:
                problems.append(f"{name}={raw!r} is not a{'n integer' if kind is int else ' number'}")
                return fallback
            if value < minimum:
                problems.append(f"{name}={raw} must be at least {minimum}")
            return value

        model = default.default_model
        if raw_model := text("HF_3D_DEFAULT_MODEL"):
            aliases = {m.value: m for m in HF3DModel} | {m.name.lower(): m for m in HF3DModel} | {
                "shap-e": HF3DModel.SHAP_E_TEXT, "shap-e-img2img": HF3DModel.SHAP_E_IMAGE, "point-e": HF3DModel.POINT_E}
            if raw_model.lower() not in aliases:
                problems.append(f"HF_3D_DEFAULT_MODEL={raw_model!r} is not one of {', '.join(m.value for m in HF3DModel)}")
            model = aliases.get(raw_model.lower(), model)
        transport = text("HF_3D_TRANSPORT") or ("endpoint" if text("HF_3D_ENDPOINT_URL") else default.transport)
        if transport not in ("space", "endpoint", "selfhosted"):
            problems.append(f"HF_3D_TRANSPORT={transport!r} must be space, endpoint or selfhosted")
            transport = default.transport
        if transport == "endpoint" and not text("HF_3D_ENDPOINT_URL"):
            problems.append("HF_3D_TRANSPORT=endpoint needs HF_3D_ENDPOINT_URL")
        output_format = (text("HF_3D_FORMAT") or default.output_format).lower()
        if output_format not in ("glb", "obj", "ply", "stl"):
            problems.append(f"HF_3D_FORMAT={output_format!r} must be glb, obj, ply or stl")
        cache_raw = (text("HF_3D_CACHE_ENABLED") or "true").lower()
        if cache_raw not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            problems.append(f"HF_3D_CACHE_ENABLED={cache_raw!r} is not a boolean (use true/false)")
        for name in ("HF_3D_SPACE_URL", "HF_3D_POINT_E_SPACE_URL", "HF_3D_ENDPOINT_URL"):
            if (value := text(name)) and not value.startswith(("http://", "https://")):
                problems.append(f"{name}={value!r} must start with http:// or https://")
        config = cls(
            api_token=text("HUGGINGFACE_API_TOKEN"),
            default_model=model,
            guidance_scale=float(number("HF_GUIDANCE_SCALE", default.guidance_scale)),
            inference_steps=int(number("HF_INFERENCE_STEPS", default.inference_steps, int, 1)),
            output_format=output_format,
            output_dir=Path(text("HF_3D_OUTPUT_DIR") or default.output_dir),
            cache_enabled=cache_raw in ("1", "true", "yes", "on"),
            transport=transport,  # type: ignore[arg-type]  # checked against the Literal above
            space_url=text("HF_3D_SPACE_URL") or default.space_url,
            space_text_api=text("HF_3D_SPACE_TEXT_API") or default.space_text_api,
            space_image_api=text("HF_3D_SPACE_IMAGE_API") or default.space_image_api,
            point_e_space_url=text("HF_3D_POINT_E_SPACE_URL"),
            endpoint_url=text("HF_3D_ENDPOINT_URL"),
            timeout_s=float(number("HF_3D_TIMEOUT", default.timeout_s, float, 1)),
            max_retries=int(number("HF_MAX_RETRIES", default.max_retries, int, 1)),
            retry_delay_s=float(number("HF_RETRY_DELAY", default.retry_delay_s)),
            retry_max_delay_s=float(number("HF_RETRY_MAX_DELAY", default.retry_max_delay_s)),
            seed=int(number("HF_3D_SEED", default.seed, int)),
        )
        if problems:
            raise HuggingFace3DConfigError(problems)
        return config

    @property
    def params(self) -> GenerationParams:
        return GenerationParams(self.guidance_scale, self.inference_steps, self.seed)


@dataclass(frozen=True)
class TripoModelVersion:
    """A model version Tripo V3 accepts, and what it lets a request ask for.

    The figures and their sources are in tests/pipeline/servers/README.md (Tripo3D V3, model versions).
    """

    name: str
    series: Literal["H", "P"]
    max_faces: int
    min_faces: int = 1  # the H series documents no floor
    refused_options: frozenset[str] = frozenset()  # V3 answers 1004 when these are sent at all, even as false
    concurrency: int = 10  # tasks at once per account by default; Tripo pools the H and P series apart

    def clamp_faces(self, faces: int | None) -> int | None:
        """`faces` moved into the range this version takes (None: Tripo picks the count)."""
        return None if faces is None else max(self.min_faces, min(self.max_faces, faces))


_P1_REFUSED = frozenset({"quad", "smart_low_poly", "generate_parts", "geometry_quality"})
TRIPO_MODEL_VERSIONS: dict[str, TripoModelVersion] = {v.name: v for v in (
    TripoModelVersion("v3.1-20260211", "H", 1_500_000),
    TripoModelVersion("v3.0-20250812", "H", 1_000_000),
    TripoModelVersion("v2.5-20250123", "H", 500_000),
    TripoModelVersion("P1-20260311", "P", 20_000, 48, _P1_REFUSED, concurrency=5),
    TripoModelVersion("P2-20260801", "P", 50_000, 48, _P1_REFUSED - {"quad"}, concurrency=5),
)}
TRIPO_V3_BASE = "https://openapi.tripo3d.ai/v3"
TRIPO_DEFAULT_MODEL_VERSION = "v3.1-20260211"


def tripo_problems(api_base: str, model_version: str, max_concurrency: int | None) -> list[str]:
    """What V3 would refuse about these TRIPO_* settings, in words a merchant can act on (empty: fine)."""
    problems: list[str] = []
    if "v2" in api_base.rstrip("/").split("/"):
        problems.append(f"TRIPO_API_BASE={api_base!r} is Tripo's V2 API, shut down on 1 November 2026: "
                        f"use {TRIPO_V3_BASE}")
    version = TRIPO_MODEL_VERSIONS.get(model_version)
    if version is None:
        problems.append(f"TRIPO_MODEL_VERSION={model_version!r} is not a model Tripo V3 accepts "
                        f"({', '.join(TRIPO_MODEL_VERSIONS)})")
    elif max_concurrency is not None and max_concurrency > version.concurrency:
        problems.append(f"TRIPO_MAX_CONCURRENCY={max_concurrency} is more than the {version.concurrency} tasks "
                        f"Tripo runs at once for a {version.series}-series model ({version.name}); leave it unset "
                        f"or set at most {version.concurrency}")
    return problems


@dataclass(frozen=True)
class PipelineConfig:
    """What the pipeline may do and where it writes.

    `enable_huggingface_3d` / `enable_3d_generation` keep the seed's names (stage 0 and stage 1);
    with both off, or without keys, the offline local generator runs.
    """

    output_dir: Path = Path("var/output")
    cache_dir: Path = Path("var/cache")
    allowed_image_hosts: tuple[str, ...] = ()
    face_budget: int = 50_000
    max_texture_size: int = 2048
    formats: tuple[str, ...] = ("glb", "usdz")
    # meshopt: a shopper's first view of a model costs the GLB plus its decoder, 288 KB with meshopt
    # against 414 KB with Draco (docs/how-it-works/compression.md).
    glb_compression: GLBCompression = "meshopt"
    enable_huggingface_3d: bool = False
    enable_3d_generation: bool = True
    cache_ttl_s: int = 30 * 24 * 3600
    batch_concurrency: int = 4
    max_image_bytes: int = 20 * 1024 * 1024
    max_image_pixels: int = 40_000_000  # checked from the header, before a photo is decoded
    model_viewer_js: Path | None = None  # model-viewer's UMD build for preview.html (default: node_modules)
    image_timeout_s: float = 20.0
    render_time_limit_s: float = 60.0  # a poster or front-view render is stopped after this long
    stage_time_limit_s: float = 900.0  # a job stuck this long in one stage is ended (watchdog)
    review: ReviewMode = "auto"
    publish_min_score: int = PUBLISH_MIN_SCORE
    huggingface_config: HuggingFace3DConfig = field(default_factory=HuggingFace3DConfig)
    # Tripo3D stage 1 (V3); the model version is pinned and sets the face range and the concurrency default.
    tripo_api_key: str | None = field(default=None, repr=False)
    tripo_api_base: str = TRIPO_V3_BASE
    tripo_model_version: str = TRIPO_DEFAULT_MODEL_VERSION
    tripo_max_concurrency: int | None = None  # None: the model version's default (H series 10, P series 5)
    tripo_task_timeout_s: float = 900.0
    tripo_webhook_secret: str | None = field(default=None, repr=False)

    @property
    def tripo_version(self) -> TripoModelVersion | None:
        """The pinned model version's limits (None for a version V3 does not know)."""
        return TRIPO_MODEL_VERSIONS.get(self.tripo_model_version)

    def hold_reason(self, score: int) -> str | None:
        """Why a new model with this quality score waits for the merchant's approval, in words for
        the merchant; None when it is published at once."""
        if self.review == "always":
            return "every new model waits for approval (WOO3D_REVIEW=always)"
        if self.review == "auto" and score < self.publish_min_score:
            return f"its quality score {score} is below {self.publish_min_score} (WOO3D_PUBLISH_MIN_SCORE)"
        return None

    @property
    def tripo_concurrency(self) -> int:
        """Tasks at once: TRIPO_MAX_CONCURRENCY, else the model version's default."""
        version = self.tripo_version
        return self.tripo_max_concurrency or (version.concurrency if version else 10)
