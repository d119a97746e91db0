"""Settings.from_env fills the pipeline's HF_* and TRIPO_* settings, with defaults and all problems at once."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.config import HuggingFace3DConfig
from woo3d.settings import Settings, SettingsError


def test_defaults_without_any_hf_or_tripo_names() -> None:
    pipeline = Settings.from_env({}, env_file=None).pipeline
    assert pipeline.huggingface_config == HuggingFace3DConfig()
    assert pipeline.tripo_api_key is None and pipeline.tripo_concurrency == 10
    assert pipeline.tripo_api_base == "https://openapi.tripo3d.ai/v3"
    assert pipeline.tripo_model_version == PipelineConfig().tripo_model_version == "v3.1-20260211"


def test_a_p_series_model_takes_its_own_concurrency_default() -> None:
    pipeline = Settings.from_env({"TRIPO_MODEL_VERSION": "P1-20260311"}, env_file=None).pipeline
    assert pipeline.tripo_max_concurrency is None and pipeline.tripo_concurrency == 5


def test_tripo_and_hf_names_are_read_and_secrets_stay_out_of_repr() -> None:
    env = {"TRIPO_API_KEY": "tsk_secret", "TRIPO_API_BASE": "https://openapi.tripo3d.ai/v3/",
           "TRIPO_MODEL_VERSION": "v2.5-20250123", "TRIPO_MAX_CONCURRENCY": "3", "TRIPO_WEBHOOK_SECRET": "whsec_x",
           "HUGGINGFACE_API_TOKEN": "hf_secret", "HF_INFERENCE_STEPS": "16", "PIPELINE_ENABLE_HF_3D": "true"}
    pipeline = Settings.from_env(env, env_file=None).pipeline
    assert pipeline.tripo_api_base == "https://openapi.tripo3d.ai/v3"
    assert pipeline.tripo_concurrency == 3 and pipeline.tripo_model_version == "v2.5-20250123"
    assert pipeline.huggingface_config.inference_steps == 16 and pipeline.enable_huggingface_3d
    assert not {"tsk_secret", "whsec_x", "hf_secret"} & set(repr(pipeline).replace("'", " ").split())
    assert "tsk_secret" not in repr(pipeline) and "hf_secret" not in repr(pipeline)


def test_bad_hf_and_tripo_values_are_reported_together() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"HF_GUIDANCE_SCALE": "high", "TRIPO_MAX_CONCURRENCY": "0", "TRIPO_API_BASE": "ftp://x"},
                          env_file=None)
    assert len(raised.value.problems) == 3


def test_tripo_settings_v3_would_refuse_are_reported_at_start_up_in_plain_words() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"TRIPO_API_BASE": "https://api.tripo3d.ai/v2/openapi", "TRIPO_MODEL_VERSION": "P1-20260311",
                           "TRIPO_MAX_CONCURRENCY": "10"}, env_file=None)
    assert len(raised.value.problems) == 2
    assert "V2 API, shut down on 1 November 2026" in raised.value.problems[0]
    assert "at most 5" in raised.value.problems[1]
    with pytest.raises(SettingsError, match="not a model Tripo V3 accepts"):
        Settings.from_env({"TRIPO_MODEL_VERSION": "v2.0-20240919"}, env_file=None)
