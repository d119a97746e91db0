"""One eligibility rule: a delivery's payload and the store's typed product get the same answer."""

from __future__ import annotations

import pytest

from pipeline.jobs.eligibility import ProductFacts, judge, skip_reason
from pipeline.jobs.fingerprint import product_fingerprint
from tests.recorded import recorded_payload, webhook_files
from webhooks.config import DEFAULT_PRODUCT_TYPES
from wp_bridge import META_KEY, Product

PAYLOADS = [p.stem for p in webhook_files() if not p.stem.startswith("ping")]


@pytest.mark.parametrize("name", PAYLOADS)
def test_payload_and_typed_product_agree_on_every_recorded_delivery(name: str) -> None:
    payload = recorded_payload(name)
    from_payload = skip_reason(ProductFacts.from_payload(payload), DEFAULT_PRODUCT_TYPES)
    from_product = skip_reason(ProductFacts.from_product(Product.from_api(payload)), DEFAULT_PRODUCT_TYPES)
    assert from_payload == from_product


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "draft"}, "not published (status: draft)"),
        ({"type": "grouped"}, "product type 'grouped' is not enabled (WOO3D_PRODUCT_TYPES)"),
        ({"meta_data": [{"id": 1, "key": "_woo3d_disabled", "value": "yes"}]}, "opted out (_woo3d_disabled is set)"),
        ({"meta_data": [{"id": 1, "key": "_woo3d_disabled", "value": "0"}]}, None),
        ({"images": [], "description": "<p> </p>", "short_description": ""}, "no images and no description"),
        ({"images": [], "description": "", "short_description": "A blue vase."}, None),
    ],
)
def test_skip_reasons(change: dict[str, object], reason: str | None) -> None:
    payload = {**recorded_payload("product_created__publish_with_media_ids"), **change}
    types = ("simple", "variable")
    assert skip_reason(ProductFacts.from_payload(payload), types) == reason
    assert skip_reason(ProductFacts.from_product(Product.from_api(payload)), types) == reason


def test_judge_compares_the_stored_model_with_the_current_fingerprint() -> None:
    payload = recorded_payload("product_created__publish_with_media_ids")
    fresh = judge(Product.from_api(payload), DEFAULT_PRODUCT_TYPES)
    assert (fresh.action, fresh.fingerprint) == ("enqueue", product_fingerprint(payload))
    stored = {**payload, "meta_data": [{"id": 9, "key": META_KEY, "value": {"fingerprint": fresh.fingerprint}}]}
    assert judge(Product.from_api(stored), DEFAULT_PRODUCT_TYPES).action == "current"
    stale = {**stored, "name": "Green Ceramic Mug"}
    assert judge(Product.from_api(stale), DEFAULT_PRODUCT_TYPES).action == "enqueue"
    draft = {**payload, "status": "draft"}
    assert judge(Product.from_api(draft), DEFAULT_PRODUCT_TYPES).reason == "not published (status: draft)"
