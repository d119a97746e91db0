"""Property: no body and no headers make the receiver answer 5xx."""

from __future__ import annotations

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.recorded import RIG_SECRET, recorded_payload, signed_delivery
from tests.webhooks.conftest import post_delivery

header_names = st.sampled_from(
    ["X-WC-Webhook-Signature", "X-WC-Webhook-Topic", "X-WC-Webhook-Delivery-ID", "X-WC-Webhook-Resource",
     "X-WC-Webhook-Event", "Content-Type", "X-Other"]
)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2048), headers=st.lists(st.tuples(header_names, header_values), max_size=6))
def test_arbitrary_bodies_and_headers_never_5xx(app: Flask, body: bytes, headers: list[tuple[str, str]]) -> None:
    response = post_delivery(app.test_client(), tuple(headers), body)
    assert response.status_code < 500


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(
    st.sampled_from(["id", "status", "type", "images", "meta_data", "description", "dimensions", "attributes", "name"]),
    json_values, max_size=4,
), topic=st.sampled_from(["product.created", "product.updated", "product.deleted", "product.restored", "x"]))
def test_validly_signed_odd_products_never_5xx(app: Flask, changes: dict, topic: str) -> None:
    payload = {**recorded_payload("product_created__publish_with_media_ids"), **changes}
    response = post_delivery(app.test_client(), *signed_delivery(payload, topic=topic, secret=RIG_SECRET))
    assert response.status_code < 500
