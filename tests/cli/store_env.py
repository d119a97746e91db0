"""The environment a CLI test gives `woo3d` to talk to a fake store and the test's Redis."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from tests.fake_store import FakeStore
from woo3d.cli import main

SECRET = "cli-webhook-secret"


def store_env(store: FakeStore, redis_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "WOO3D_REDIS_URL": redis_url, "WC_WEBHOOK_SECRET": SECRET, "WOO3D_LOG_FORMAT": "console",
        "WC_STORE_URL": store.url, "WC_CONSUMER_KEY": store.consumer_key, "WC_CONSUMER_SECRET": store.consumer_secret,
        "WP_USERNAME": store.username, "WP_APPLICATION_PASSWORD": store.application_password,
        "WOO3D_OUTPUT_DIR": str(tmp_path / "out"), "WOO3D_CACHE_DIR": str(tmp_path / "cache"),
        "TRIPO_API_KEY": "", "PIPELINE_ENABLE_HF_3D": "false", "WOO3D_PUBLIC_URL": "",
        "PROMETHEUS_MULTIPROC_DIR": "", **extra,
    }


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)
