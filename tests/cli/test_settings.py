"""Settings come from the environment once, with every problem reported together."""

from __future__ import annotations

from pathlib import Path

import pytest

from woo3d.settings import Settings, SettingsError


def test_defaults_need_nothing_but_give_an_offline_setup() -> None:
    settings = Settings.from_env({})
    assert settings.redis_url is None and not settings.store.configured
    assert settings.receiver.webhook_secret is None
    assert settings.pipeline.face_budget == 50_000 and settings.pipeline.formats == ("glb", "usdz")


def test_names_from_the_design_are_read() -> None:
    settings = Settings.from_env({
        "WOO3D_REDIS_URL": "redis://r:6379/2", "WC_WEBHOOK_SECRET": "s", "WOO3D_ADMIN_TOKEN": "t",
        "WC_STORE_URL": "https://shop.example/", "WC_CONSUMER_KEY": "ck", "WC_CONSUMER_SECRET": "cs",
        "WOO3D_ALLOWED_IMAGE_HOSTS": "cdn.example, img.example", "WOO3D_OUTPUT_DIR": "/tmp/o",
        "WOO3D_CACHE_DIR": "/tmp/c", "PIPELINE_ENABLE_HF_3D": "true", "PIPELINE_CACHE_TTL": "60",
    })
    assert settings.redis_url == "redis://r:6379/2"
    assert settings.store.url == "https://shop.example" and settings.store.host == "shop.example"
    assert settings.pipeline.allowed_image_hosts == ("cdn.example", "img.example")
    assert settings.pipeline.output_dir == Path("/tmp/o") and settings.pipeline.cache_dir == Path("/tmp/c")
    assert settings.pipeline.enable_huggingface_3d and settings.pipeline.cache_ttl_s == 60


def test_glb_compression_defaults_to_meshopt_and_is_checked() -> None:
    """meshopt: the smaller first view (GLB + decoder) for a shopper who opens the 3D item."""
    assert Settings.from_env({}).pipeline.glb_compression == "meshopt"
    assert Settings.from_env({"WOO3D_GLB_COMPRESSION": "draco"}).pipeline.glb_compression == "draco"
    assert Settings.from_env({"WOO3D_GLB_COMPRESSION": "MeshOpt"}).pipeline.glb_compression == "meshopt"
    assert Settings.from_env({"WOO3D_GLB_COMPRESSION": "none"}).pipeline.glb_compression == "none"
    with pytest.raises(SettingsError, match="WOO3D_GLB_COMPRESSION='zip' must be one of meshopt, draco, none"):
        Settings.from_env({"WOO3D_GLB_COMPRESSION": "zip"})


def test_every_bad_value_is_reported_at_once() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"WOO3D_FACE_BUDGET": "lots", "PIPELINE_ENABLE_3D": "maybe", "WC_STORE_URL": "shop.example"})
    problems = caught.value.problems
    assert len(problems) == 4, problems
    assert any("WOO3D_FACE_BUDGET" in p for p in problems) and any("PIPELINE_ENABLE_3D" in p for p in problems)


def test_secrets_never_appear_in_repr() -> None:
    settings = Settings.from_env({"WC_WEBHOOK_SECRET": "hush-1", "WOO3D_ADMIN_TOKEN": "hush-2", "WC_CONSUMER_SECRET": "hush-3",
                                  "WC_STORE_URL": "https://s.example", "WC_CONSUMER_KEY": "hush-4"})
    assert "hush" not in repr(settings)
