"""WooCommerceClient against the recorded WooCommerce 10 traffic."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from tests.conftest import WOOCOMMERCE_FIXTURES
from tests.wp_bridge.recordings import STORE_URL, load, recorded_clients, replay
from wp_bridge import (
    AuthenticationError,
    PermanentStoreError,
    Product,
    ProductNotFound,
    RetryableStoreError,
    RetryPolicy,
    WooCommerceClient,
)
from wp_bridge.errors import WOOCOMMERCE_AUTH_HINT


def test_get_product_parses_images_dimensions_and_meta(mock: responses.RequestsMock) -> None:
    replay(mock, "wc_products_get")
    product = recorded_clients().woocommerce.get_product(14)

    assert (product.id, product.name, product.slug, product.type, product.status) == (
        14,
        "Red Ceramic Mug (350 ml)",
        "red-ceramic-mug",
        "simple",
        "publish",
    )
    assert [(i.id, i.name) for i in product.images] == [(12, "red-mug"), (13, "red-mug-side")]
    assert product.images[0].src == "http://127.0.0.1:8080/wp-content/uploads/2026/11/red-mug.jpg"
    assert (product.dimensions.length, product.dimensions.width, product.dimensions.height) == ("12", "9", "10")
    assert [c.slug for c in product.categories] == ["uncategorized"]
    assert product.meta["_woo3d_model"]["fingerprint"] == "sha256:bbbb"
    assert product.meta_ids == {"_woo3d_model": 93}
    assert product.date_modified == datetime(2026, 11, 24, 13, 26, 12, tzinfo=timezone.utc)
    assert product.description.startswith("<p>A glossy red ceramic mug")


def test_product_from_a_webhook_delivery_body_parses_like_the_rest_answer() -> None:
    delivery = json.loads((WOOCOMMERCE_FIXTURES / "webhooks" / "product_created__variation.json").read_text())
    product = Product.from_api(json.loads(delivery["request"]["body_text"]))
    assert product.type == "variation"
    assert product.parent_id == 21
    assert [(a.name, a.options) for a in product.attributes] == [("Color", ("Red",))]


def test_a_variable_products_attribute_lists_its_options() -> None:
    delivery = json.loads((WOOCOMMERCE_FIXTURES / "webhooks" / "product_created__variable_parent.json").read_text())
    product = Product.from_api(json.loads(delivery["request"]["body_text"]))
    assert [(a.name, a.options) for a in product.attributes] == [("Color", ("Red", "Blue"))]


def test_product_from_api_rejects_a_body_without_an_id() -> None:
    with pytest.raises(PermanentStoreError, match="not a WooCommerce product"):
        Product.from_api({"code": "x"})


def test_missing_product_raises_product_not_found(mock: responses.RequestsMock) -> None:
    replay(mock, "wc_products_get_404")
    with pytest.raises(ProductNotFound) as caught:
        recorded_clients().woocommerce.get_product(999999)
    assert caught.value.status == 404
    assert caught.value.code == "woocommerce_rest_product_invalid_id"
    assert not caught.value.retryable


def test_bad_oauth_signature_raises_authentication_error_with_a_hint(mock: responses.RequestsMock) -> None:
    replay(mock, "wc_products_get_oauth1_bad_signature")
    with pytest.raises(AuthenticationError) as caught:
        recorded_clients(consumer_secret="cs_wrong").woocommerce.list_products(per_page=10)
    assert caught.value.code == "woocommerce_rest_authentication_error"
    assert caught.value.hint == WOOCOMMERCE_AUTH_HINT
    assert "WC_CONSUMER_KEY" in str(caught.value)


def test_keys_as_basic_over_http_are_refused_as_authentication_error(mock: responses.RequestsMock) -> None:
    """What a client that sends the keys as Basic over http gets; ours signs with OAuth1 instead."""
    refused = load("wc_products_get_basic_ck_over_http")["response"]["body_text"]
    mock.add(responses.GET, f"{STORE_URL}/wp-json/wc/v3/products/14", status=401, body=refused)
    with pytest.raises(AuthenticationError, match="OAuth 1.0a"):
        recorded_clients().woocommerce.get_product(14)


def test_https_store_uses_basic_auth_and_no_oauth_parameters(mock: responses.RequestsMock) -> None:
    body = load("wc_products_get")["response"]["body_text"]
    mock.add(responses.GET, "https://shop.example/wp-json/wc/v3/products/14", body=body)
    recorded_clients(url="https://shop.example").woocommerce.get_product(14)

    sent = mock.calls[0].request
    assert "oauth_signature" not in (sent.url or "")
    assert str(sent.headers["Authorization"]).startswith("Basic ")


def test_listing_follows_pages_by_number_signing_each_page_anew(mock: responses.RequestsMock) -> None:
    first = replay(mock, "wc_products_list_page1")
    second = replay(mock, "wc_products_list_page2")
    pages = list(recorded_clients().woocommerce.iter_products(per_page=2))

    assert [[p.id for p in page.products] for page in pages] == [[11, 14], [16, 17]]
    assert (pages[0].total, pages[0].total_pages) == (4, 2)
    nonce = [dict(parse_qsl(urlsplit(r.url or "").query))["oauth_nonce"] for r in (first[0], second[0])]
    assert nonce[0] != nonce[1], "the second page must not reuse the Link header's old nonce"


def test_listing_modified_after_sends_the_time_in_gmt(mock: responses.RequestsMock) -> None:
    replay(mock, "wc_products_list_modified_after")
    page = recorded_clients().woocommerce.list_products(
        modified_after=datetime(2020, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))), status="publish"
    )
    sent = dict(parse_qsl(urlsplit(mock.calls[0].request.url or "").query))
    assert sent["dates_are_gmt"] == "true"
    assert [p.id for p in page.products] == [16, 14, 11]


def test_update_product_meta_is_one_put_of_meta_data_by_key(mock: responses.RequestsMock) -> None:
    recorded = load("wc_products_put_meta_add")["request"]["body_json"]["meta_data"]
    replay(mock, "wc_products_put_meta_add")
    product = recorded_clients().woocommerce.update_product_meta(14, {row["key"]: row["value"] for row in recorded})

    assert len(mock.calls) == 1
    assert product.meta_ids == {"_woo3d_model": 93, "woo3d_fingerprint": 94}
    assert product.meta["woo3d_fingerprint"] == "sha256:aaaa"


def test_second_meta_write_by_key_keeps_the_same_meta_row(mock: responses.RequestsMock) -> None:
    recorded = load("wc_products_put_meta_same_key_no_id")["request"]["body_json"]["meta_data"]
    replay(mock, "wc_products_put_meta_same_key_no_id")
    product = recorded_clients().woocommerce.update_product_meta(14, {row["key"]: row["value"] for row in recorded})
    assert product.meta_ids["_woo3d_model"] == 93
    assert product.meta["_woo3d_model"]["fingerprint"] == "sha256:bbbb"


def test_dimension_unit_is_read_once_from_the_settings_endpoint(mock: responses.RequestsMock) -> None:
    mock.add(
        responses.GET,
        f"{STORE_URL}/wp-json/wc/v3/settings/products/woocommerce_dimension_unit",
        json={"id": "woocommerce_dimension_unit", "type": "select", "default": "cm", "value": "in", "group_id": "products"},
    )
    client = recorded_clients().woocommerce
    assert client.dimension_unit() == "in"
    assert client.dimension_unit() == "in"
    assert len(mock.calls) == 1


def test_webhooks_are_created_listed_and_reactivated(mock: responses.RequestsMock) -> None:
    replay(mock, "wc_webhooks_create_product_created")
    replay(mock, "wc_webhooks_list")
    replay(mock, "wc_webhooks_get_3_disabled")
    replay(mock, "wc_webhooks_reactivate_3")
    client = recorded_clients().woocommerce

    created = client.create_webhook(
        name="woo3d product.created",
        topic="product.created",
        delivery_url="http://127.0.0.1:9000/hook",
        secret="woo3d-rig-webhook-secret",
    )
    assert (created.id, created.status, created.topic) == (2, "active", "product.created")
    assert [(w.id, w.topic) for w in client.list_webhooks()] == [(3, "product.updated"), (2, "product.created")]
    assert client.get_webhook(3).status == "disabled"
    assert client.update_webhook(3, status="active").status == "active"


def test_deleting_a_webhook_forces_it(mock: responses.RequestsMock) -> None:
    replay(mock, "wc_webhooks_delete_1")
    recorded_clients().woocommerce.delete_webhook(1)


def test_system_status_reports_versions(mock: responses.RequestsMock) -> None:
    replay(mock, "wc_system_status")
    status = recorded_clients().woocommerce.system_status()
    assert (status.woocommerce_version, status.wordpress_version) == ("10.0.2", "6.8.3")
    assert status.home_url == STORE_URL
    assert status.max_upload_size == 67108864


def test_server_errors_are_retried_with_backoff_honouring_retry_after(mock: responses.RequestsMock) -> None:
    url = f"{STORE_URL}/wp-json/wc/v3/products/14"
    mock.add(responses.GET, url, status=503, headers={"Retry-After": "7"}, json={"code": "busy", "message": "Busy"})
    mock.add(responses.GET, url, body=load("wc_products_get")["response"]["body_text"])
    slept: list[float] = []
    client = WooCommerceClient(STORE_URL, "ck", "cs", retry=RetryPolicy(sleep=slept.append))

    assert client.get_product(14).id == 14
    assert len(slept) == 1 and slept[0] >= 7
    first, second = (dict(parse_qsl(urlsplit(c.request.url or "").query)) for c in mock.calls)
    assert first["oauth_nonce"] != second["oauth_nonce"]


def test_retries_stop_after_the_policy_attempts(mock: responses.RequestsMock) -> None:
    mock.add(responses.GET, f"{STORE_URL}/wp-json/wc/v3/products/14", status=502, body="<html>Bad gateway</html>")
    client = WooCommerceClient(STORE_URL, "ck", "cs", retry=RetryPolicy(attempts=3, sleep=lambda _: None))
    with pytest.raises(RetryableStoreError) as caught:
        client.get_product(14)
    assert caught.value.status == 502
    assert caught.value.body_excerpt == "<html>Bad gateway</html>"
    assert len(mock.calls) == 3


def test_a_non_json_answer_is_a_permanent_error(mock: responses.RequestsMock) -> None:
    mock.add(responses.GET, f"{STORE_URL}/wp-json/wc/v3/products/14", body="<html>maintenance</html>")
    with pytest.raises(PermanentStoreError, match="no JSON"):
        recorded_clients().woocommerce.get_product(14)


def test_repr_does_not_show_the_keys() -> None:
    client = recorded_clients().woocommerce
    assert "cs_" not in repr(client) and "ck_" not in repr(client)


def test_listing_without_pagination_headers_continues_while_pages_are_full(mock: responses.RequestsMock) -> None:
    products = load("wc_products_list_page1")["response"]["body_json"]
    url = f"{STORE_URL}/wp-json/wc/v3/products"
    mock.add(responses.GET, url, json=products)
    mock.add(responses.GET, url, json=products[:1])
    pages = list(recorded_clients().woocommerce.iter_products(per_page=2))
    assert [len(page.products) for page in pages] == [2, 1]
