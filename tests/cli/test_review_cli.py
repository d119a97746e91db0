"""`woo3d review list|approve|discard`, the review settings, and the doctor's review row."""

from __future__ import annotations

import json

import pytest
from redis import Redis

from tests.cli.store_env import invoke
from tests.fake_store import FakeStore
from tests.webhooks.test_review_api import held_product
from woo3d.settings import Settings, SettingsError


def test_the_gate_defaults_to_auto_at_the_calibrated_threshold_and_reads_its_names() -> None:
    default = Settings.from_env({}).pipeline
    assert (default.review, default.publish_min_score) == ("auto", 75)
    assert default.hold_reason(74) == "its quality score 74 is below 75 (WOO3D_PUBLISH_MIN_SCORE)"
    assert default.hold_reason(75) is None
    always = Settings.from_env({"WOO3D_REVIEW": "Always", "WOO3D_PUBLISH_MIN_SCORE": "40"}).pipeline
    assert always.hold_reason(100) == "every new model waits for approval (WOO3D_REVIEW=always)"
    assert Settings.from_env({"WOO3D_REVIEW": "never"}).pipeline.hold_reason(0) is None


def test_bad_review_settings_are_reported_together() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"WOO3D_REVIEW": "sometimes", "WOO3D_PUBLISH_MIN_SCORE": "101"})
    assert caught.value.problems == ["WOO3D_REVIEW='sometimes' must be auto, always or never",
                                     "WOO3D_PUBLISH_MIN_SCORE=101 must be at most 100 (scores run 0–100)"]


def test_list_approve_and_discard_from_the_shell(store: FakeStore, env: dict[str, str], redis_conn: Redis) -> None:
    product_id, files = held_product(store, redis_conn)
    listed = invoke(env, "review", "list")
    assert listed.exit_code == 0
    assert f"{product_id:>8}  score  41  held: its quality score 41 is below 70" in listed.stdout
    assert "- the model is in 5 pieces" in listed.stdout
    [row] = [c for c in json.loads(invoke(env, "doctor", "--json").stdout) if c["name"] == "review"]
    assert row["status"] == "warn" and f"1 held: {product_id} (score 41)" in row["detail"]

    approved = invoke(env, "review", "approve", str(product_id))
    assert approved.exit_code == 0, approved.output
    assert f"product {product_id}: approved the model sha256:held; deleted 2 attachment(s)" in approved.stdout
    [meta] = store.meta_rows(product_id, "_woo3d_model")
    assert meta["value"]["glb"] == files["held"]["source_url"]
    assert invoke(env, "review", "list").stdout.strip() == "no model waits for review"
    nothing = invoke(env, "review", "discard", str(product_id))
    assert nothing.exit_code == 1 and f"product {product_id} has no model waiting for review" in nothing.output
    assert invoke(env, "review", "approve", "0").exit_code == 2  # refused before anything is asked
