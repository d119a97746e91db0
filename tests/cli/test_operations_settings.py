"""The operating settings: the sweep, the public URL, the metrics token and directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from woo3d.settings import Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert (settings.sweep_minutes, settings.sweep_reactivate_webhooks) == (10, False)
    assert settings.public_url is None and settings.metrics_dir is None
    assert settings.receiver.metrics_token is None


def test_values_are_read_and_the_token_stays_out_of_repr() -> None:
    settings = Settings.from_env({
        "WOO3D_SWEEP_MINUTES": "0", "WOO3D_SWEEP_REACTIVATE_WEBHOOKS": "yes", "WOO3D_PUBLIC_URL": "https://w.example/",
        "WOO3D_METRICS_TOKEN": "scrape-secret", "PROMETHEUS_MULTIPROC_DIR": "/run/woo3d-metrics",
    })
    assert (settings.sweep_minutes, settings.sweep_reactivate_webhooks) == (0, True)
    assert settings.public_url == "https://w.example" and settings.metrics_dir == Path("/run/woo3d-metrics")
    assert settings.receiver.metrics_token == "scrape-secret" and "scrape-secret" not in repr(settings)


def test_bad_values_are_all_reported_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"WOO3D_SWEEP_MINUTES": "-1", "WOO3D_PUBLIC_URL": "woo3d.example",
                           "WOO3D_SWEEP_REACTIVATE_WEBHOOKS": "maybe"})
    assert len(raised.value.problems) == 3
