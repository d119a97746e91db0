"""The one rule for asking before a paid regeneration (pipeline/jobs/paid.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pipeline.config import HuggingFace3DConfig, PipelineConfig
from pipeline.jobs.paid import PaidCallNotConfirmed, confirm_regeneration


class MadeBefore:
    """Answers whether the product has a model, and counts how often it was asked (a store read)."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked = 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.answer


def test_the_product_is_looked_up_only_when_a_paid_call_is_unconfirmed() -> None:
    free, paid = PipelineConfig(), PipelineConfig(tripo_api_key="tsk_test")
    for config, confirmed in ((free, False), (paid, True)):
        lookup = MadeBefore(True)
        confirm_regeneration(config, confirmed=confirmed, made_before=lookup)
        assert lookup.asked == 0
    first = MadeBefore(False)
    confirm_regeneration(paid, confirmed=False, made_before=first)  # a first model: nothing paid twice
    assert first.asked == 1
    with pytest.raises(PaidCallNotConfirmed, match="^regenerating calls a paid generator: it costs a Tripo3D credit$"):
        confirm_regeneration(paid, confirmed=False, made_before=MadeBefore(True))


def test_a_huggingface_endpoint_names_its_own_cost_and_tripo_off_is_free() -> None:
    endpoint = PipelineConfig(enable_huggingface_3d=True, huggingface_config=replace(
        HuggingFace3DConfig(), transport="endpoint", endpoint_url="https://hf.example/endpoint"))
    with pytest.raises(PaidCallNotConfirmed, match="bills the HuggingFace Inference Endpoint's uptime"):
        confirm_regeneration(endpoint, confirmed=False)
    confirm_regeneration(PipelineConfig(tripo_api_key="tsk_test", enable_3d_generation=False), confirmed=False)
