"""Settings of the generation pipeline (the seed's `PipelineConfig`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.huggingface_config import HuggingFace3DConfig


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
    enable_huggingface_3d: bool = False
    enable_3d_generation: bool = True
    cache_ttl_s: int = 30 * 24 * 3600
    batch_concurrency: int = 4
    max_image_bytes: int = 20 * 1024 * 1024
    model_viewer_js: Path | None = None  # model-viewer's UMD build for preview.html (default: node_modules)
    image_timeout_s: float = 20.0
    huggingface_config: HuggingFace3DConfig = field(default_factory=HuggingFace3DConfig)
    # Tripo3D stage 1: v3 unless the base URL's path names v2; the model version is pinned.
    tripo_api_key: str | None = field(default=None, repr=False)
    tripo_api_base: str = "https://openapi.tripo3d.ai/v3"
    tripo_model_version: str = "v3.1-20260211"
    tripo_max_concurrency: int = 10
    tripo_task_timeout_s: float = 900.0
    tripo_webhook_secret: str | None = field(default=None, repr=False)
