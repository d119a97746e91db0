"""Stage-0 settings (the seed's `HuggingFace3DConfig`), light enough for the settings object to import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pipeline.huggingface_transports import GenerationParams

TransportName = Literal["space", "endpoint", "selfhosted"]
DEFAULT_SPACE_URL = "https://hysts-shap-e.hf.space"


class HF3DModel(str, Enum):
    """The seed's model choices; the value is the HuggingFace repository id."""

    SHAP_E_TEXT = "openai/shap-e"
    SHAP_E_IMAGE = "openai/shap-e-img2img"
    POINT_E = "openai/point-e"


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
        from pipeline.huggingface_transports import GenerationParams

        return GenerationParams(self.guidance_scale, self.inference_steps, self.seed)
