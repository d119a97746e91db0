"""The one frozen settings object, read once from the environment (and an optional .env)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from pipeline.config import (
    GLB_COMPRESSIONS,
    PUBLISH_MIN_SCORE,
    REVIEW_MODES,
    TRIPO_DEFAULT_MODEL_VERSION,
    TRIPO_V3_BASE,
    GLBCompression,
    PipelineConfig,
    ReviewMode,
    tripo_problems,
)
from pipeline.config import HuggingFace3DConfig, HuggingFace3DConfigError
from webhooks.config import DEFAULT_PRODUCT_TYPES, ReceiverConfig
from wp_bridge.config import StoreConfig


class SettingsError(ValueError):
    """Raised with every bad or missing setting at once, so one restart fixes them all."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid settings:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class Settings:
    receiver: ReceiverConfig
    pipeline: PipelineConfig
    store: StoreConfig
    redis_url: str | None = None
    embedded_redis_path: Path = Path("var/redis.db")
    local_image_dir: Path | None = None
    log_format: str = "json"
    public_url: str | None = None
    sweep_minutes: int = 10
    sweep_reactivate_webhooks: bool = False
    metrics_dir: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: str | None = ".env") -> Settings:
        """Build settings from `environ` (default: os.environ over an optional .env file).

        Raises SettingsError naming every problem found.
        """
        values: dict[str, str] = {}
        if environ is None:
            if env_file and Path(env_file).is_file():
                values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
            values.update(os.environ)
        else:
            values.update(environ)
        return _Reader(values).settings()


class _Reader:
    """Collects problems while reading, instead of failing on the first one."""

    def __init__(self, values: Mapping[str, str]):
        self.values = values
        self.problems: list[str] = []

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name, "").strip()
        return value or default

    def integer(self, name: str, default: int, minimum: int = 0) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not an integer")
            return default
        if value < minimum:
            self.problems.append(f"{name}={value} must be at least {minimum}")
        return value

    def optional_integer(self, name: str, minimum: int = 0) -> int | None:
        """An integer when the name is set, None when it is not (a default that depends on other settings)."""
        return self.integer(name, 0, minimum) if self.text(name) is not None else None

    def flag(self, name: str, default: bool) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        self.problems.append(f"{name}={raw!r} is not a boolean (use true/false)")
        return default

    def words(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        raw = self.text(name)
        if raw is None:
            return default
        return tuple(w.strip() for w in raw.replace(";", ",").split(",") if w.strip())

    def review_mode(self) -> ReviewMode:
        raw = (self.text("WOO3D_REVIEW") or "auto").lower()
        for mode in REVIEW_MODES:
            if raw == mode:
                return mode
        self.problems.append(f"WOO3D_REVIEW={raw!r} must be auto, always or never")
        return "auto"
    def glb_compression(self) -> GLBCompression:
        raw = (self.text("WOO3D_GLB_COMPRESSION") or PipelineConfig.glb_compression).lower()
        for choice in GLB_COMPRESSIONS:
            if raw == choice:
                return choice
        self.problems.append(f"WOO3D_GLB_COMPRESSION={raw!r} must be one of {', '.join(GLB_COMPRESSIONS)}")
        return PipelineConfig.glb_compression

    def huggingface(self) -> HuggingFace3DConfig:
        try:
            return HuggingFace3DConfig.from_env(self.values)
        except HuggingFace3DConfigError as error:
            self.problems.extend(error.problems)
            return HuggingFace3DConfig()

    def settings(self) -> Settings:
        receiver = ReceiverConfig(
            webhook_secret=self.text("WC_WEBHOOK_SECRET"),
            admin_token=self.text("WOO3D_ADMIN_TOKEN"),
            metrics_token=self.text("WOO3D_METRICS_TOKEN"),
            max_body_bytes=self.integer("WOO3D_MAX_BODY_BYTES", 2 * 1024 * 1024, minimum=1024),
            delivery_retention_count=self.integer("WOO3D_DELIVERY_RETENTION_COUNT", 10_000, minimum=1),
            delivery_retention_days=self.integer("WOO3D_DELIVERY_RETENTION_DAYS", 14, minimum=1),
            unverified_log_size=self.integer("WOO3D_UNVERIFIED_LOG_SIZE", 500, minimum=1),
            unverified_log_per_minute=self.integer("WOO3D_UNVERIFIED_LOG_PER_MINUTE", 60, minimum=1),
            enabled_product_types=self.words("WOO3D_PRODUCT_TYPES", DEFAULT_PRODUCT_TYPES),
            queue_name=self.text("WOO3D_QUEUE", "woo3d") or "woo3d",
        )
        store = StoreConfig(
            url=(self.text("WC_STORE_URL") or "").rstrip("/") or None,
            consumer_key=self.text("WC_CONSUMER_KEY"),
            consumer_secret=self.text("WC_CONSUMER_SECRET"),
            wp_username=self.text("WP_USERNAME"),
            wp_application_password=self.text("WP_APPLICATION_PASSWORD"),
            timeout_s=float(self.integer("WOO3D_STORE_TIMEOUT_S", 30, minimum=1)),
        )
        if store.url and not store.url.startswith(("http://", "https://")):
            self.problems.append(f"WC_STORE_URL={store.url!r} must start with http:// or https://")
        if store.url and not (store.consumer_key and store.consumer_secret):
            self.problems.append("WC_STORE_URL is set but WC_CONSUMER_KEY / WC_CONSUMER_SECRET are not")
        pipeline = PipelineConfig(
            output_dir=Path(self.text("WOO3D_OUTPUT_DIR") or self.text("HF_3D_OUTPUT_DIR") or "var/output"),
            cache_dir=Path(self.text("WOO3D_CACHE_DIR", "var/cache") or "var/cache"),
            allowed_image_hosts=self.words("WOO3D_ALLOWED_IMAGE_HOSTS"),
            face_budget=self.integer("WOO3D_FACE_BUDGET", 50_000, minimum=100),
            max_texture_size=self.integer("WOO3D_MAX_TEXTURE_SIZE", 2048, minimum=64),
            formats=self.words("WOO3D_FORMATS", ("glb", "usdz")),
            glb_compression=self.glb_compression(),
            enable_huggingface_3d=self.flag("PIPELINE_ENABLE_HF_3D", False),
            enable_3d_generation=self.flag("PIPELINE_ENABLE_3D", True),
            cache_ttl_s=self.integer("PIPELINE_CACHE_TTL", 30 * 24 * 3600),
            batch_concurrency=self.integer("PIPELINE_BATCH_CONCURRENCY", 4, minimum=1),
            huggingface_config=self.huggingface(),
            tripo_api_key=self.text("TRIPO_API_KEY"),
            tripo_api_base=(self.text("TRIPO_API_BASE") or TRIPO_V3_BASE).rstrip("/"),
            tripo_model_version=self.text("TRIPO_MODEL_VERSION") or TRIPO_DEFAULT_MODEL_VERSION,
            tripo_max_concurrency=self.optional_integer("TRIPO_MAX_CONCURRENCY", minimum=1),
            tripo_task_timeout_s=float(self.integer("TRIPO_TASK_TIMEOUT_S", 900, minimum=30)),
            model_viewer_js=Path(js) if (js := self.text("WOO3D_MODEL_VIEWER_JS")) else None,
            tripo_webhook_secret=self.text("TRIPO_WEBHOOK_SECRET"),
            max_image_pixels=self.integer("WOO3D_MAX_IMAGE_PIXELS", 40_000_000, minimum=1_000_000),
            render_time_limit_s=float(self.integer("WOO3D_RENDER_TIME_LIMIT_S", 60, minimum=1)),
            stage_time_limit_s=float(self.integer("WOO3D_STAGE_TIME_LIMIT_S", 900, minimum=10)),
            review=self.review_mode(),
            publish_min_score=self.integer("WOO3D_PUBLISH_MIN_SCORE", PUBLISH_MIN_SCORE, minimum=0),
        )
        if pipeline.publish_min_score > 100:
            self.problems.append(f"WOO3D_PUBLISH_MIN_SCORE={pipeline.publish_min_score} must be at most 100 (scores run 0–100)")
        if not pipeline.tripo_api_base.startswith(("http://", "https://")):
            self.problems.append(f"TRIPO_API_BASE={pipeline.tripo_api_base!r} must start with http:// or https://")
        self.problems.extend(tripo_problems(pipeline.tripo_api_base, pipeline.tripo_model_version,
                                            pipeline.tripo_max_concurrency))
        log_format = self.text("WOO3D_LOG_FORMAT", "json") or "json"
        if log_format not in {"json", "console"}:
            self.problems.append(f"WOO3D_LOG_FORMAT={log_format!r} must be json or console")
        public_url = (self.text("WOO3D_PUBLIC_URL") or "").rstrip("/") or None
        if public_url and not public_url.startswith(("http://", "https://")):
            self.problems.append(f"WOO3D_PUBLIC_URL={public_url!r} must start with http:// or https://")
        sweep_minutes = self.integer("WOO3D_SWEEP_MINUTES", 10, minimum=0)
        sweep_reactivate = self.flag("WOO3D_SWEEP_REACTIVATE_WEBHOOKS", False)
        metrics_dir = self.text("PROMETHEUS_MULTIPROC_DIR")
        if self.problems:
            raise SettingsError(self.problems)
        return Settings(
            receiver=receiver,
            pipeline=pipeline,
            store=store,
            redis_url=self.text("WOO3D_REDIS_URL"),
            embedded_redis_path=Path(self.text("WOO3D_EMBEDDED_REDIS", "var/redis.db") or "var/redis.db"),
            log_format=log_format,
            local_image_dir=Path(self.text("WOO3D_LOCAL_IMAGE_DIR") or "samples"),
            public_url=public_url,
            sweep_minutes=sweep_minutes,
            sweep_reactivate_webhooks=sweep_reactivate,
            metrics_dir=Path(metrics_dir) if metrics_dir else None,
        )
