"""Settings.from_env fills the pipeline's HF_* and TRIPO_* settings, with defaults and all problems at once."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.config import HuggingFace3DConfig
from pipeline.generators.tripo import adapter_for
from woo3d.settings import Settings, SettingsError


def test_defaults_without_any_hf_or_tripo_names() -> None:
    pipeline = Settings.from_env({}, env_file=None).pipeline
    assert pipeline.huggingface_config == HuggingFace3DConfig()
    assert pipeline.tripo_api_key is None and pipeline.tripo_max_concurrency == 10
    assert adapter_for(pipeline.tripo_api_base).version == "v3"
    assert pipeline.tripo_model_version == PipelineConfig().tripo_model_version == "v3.1-20260211"


def test_tripo_and_hf_names_are_read_and_secrets_stay_out_of_repr() -> None:
    env = {"TRIPO_API_KEY": "tsk_secret", "TRIPO_API_BASE": "https://api.tripo3d.ai/v2/openapi/",
           "TRIPO_MODEL_VERSION": "v2.5-20250123", "TRIPO_MAX_CONCURRENCY": "3", "TRIPO_WEBHOOK_SECRET": "whsec_x",
           "HUGGINGFACE_API_TOKEN": "hf_secret", "HF_INFERENCE_STEPS": "16", "PIPELINE_ENABLE_HF_3D": "true"}
    pipeline = Settings.from_env(env, env_file=None).pipeline
    assert adapter_for(pipeline.tripo_api_base).version == "v2" and pipeline.tripo_api_base.endswith("/openapi")
    assert pipeline.tripo_max_concurrency == 3 and pipeline.tripo_model_version == "v2.5-20250123"
    assert pipeline.huggingface_config.inference_steps == 16 and pipeline.enable_huggingface_3d
    assert not {"tsk_secret", "whsec_x", "hf_secret"} & set(repr(pipeline).replace("'", " ").split())
    assert "tsk_secret" not in repr(pipeline) and "hf_secret" not in repr(pipeline)


def test_bad_hf_and_tripo_values_are_reported_together() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"HF_GUIDANCE_SCALE": "high", "TRIPO_MAX_CONCURRENCY": "0", "TRIPO_API_BASE": "ftp://x"},
                          env_file=None)
    assert len(raised.value.problems) == 3
