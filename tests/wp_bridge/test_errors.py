"""The status → error mapping and the retry policy."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

from tests.wp_bridge.recordings import recorded_response
from wp_bridge import (
    AuthenticationError,
    MediaTypeRejected,
    PermanentStoreError,
    ProductNotFound,
    ResourceNotFound,
    RetryableStoreError,
    RetryPolicy,
    store_error,
)


def response(status: int, body: str = "", headers: dict[str, str] | None = None, url: str = "http://s/wp-json/wc/v3/x") -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body.encode()
    answer.headers.update(headers or {})
    answer.url = url
    answer.request = requests.Request("GET", url).prepare()
    return answer


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_timeouts_conflicts_throttling_and_server_errors_are_retryable(status: int) -> None:
    error = store_error(response(status))
    assert isinstance(error, RetryableStoreError) and error.retryable
    assert error.status == status


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_permanent(status: int) -> None:
    error = store_error(response(status))
    assert isinstance(error, PermanentStoreError) and not error.retryable


def test_error_carries_code_request_id_and_a_body_excerpt() -> None:
    body = '{"code":"rest_invalid_param","message":"Invalid parameter(s): per_page","data":{"status":400}}' + " " * 2000
    error = store_error(response(400, body, {"X-Request-Id": "req-42"}))
    assert error.code == "rest_invalid_param"
    assert error.request_id == "req-42"
    assert len(error.body_excerpt) == 500
    assert "Invalid parameter(s): per_page" in str(error) and "req-42" in str(error)


def test_error_message_and_url_hide_oauth_parameters() -> None:
    error = store_error(response(500, url="http://s/wp-json/wc/v3/products?oauth_consumer_key=ck_secret"))
    assert "ck_secret" not in str(error) and error.url == "http://s/wp-json/wc/v3/products"


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert store_error(response(429, headers={"Retry-After": "12"})).retry_after == 12  # type: ignore[attr-defined]
    later = email.utils.formatdate(time.time() + 60, usegmt=True)
    waited = store_error(response(503, headers={"Retry-After": later})).retry_after  # type: ignore[attr-defined]
    assert 55 <= waited <= 60


def test_recorded_404_product_maps_to_product_not_found() -> None:
    assert isinstance(store_error(recorded_response("wc_products_get_404")), ProductNotFound)


def test_recorded_404_attachment_maps_to_resource_not_found_not_product() -> None:
    error = store_error(recorded_response("wp_media_delete_usdz_again_404"))
    assert isinstance(error, ResourceNotFound) and not isinstance(error, ProductNotFound)


def test_woocommerce_keys_on_wordpress_routes_get_the_wordpress_hint() -> None:
    error = store_error(recorded_response("wp_media_upload_glb_with_wc_oauth1"))
    assert isinstance(error, AuthenticationError)
    assert "WooCommerce consumer keys do not authenticate WordPress routes" in error.hint


def test_application_password_on_woocommerce_in_production_over_http_is_authentication_error() -> None:
    error = store_error(recorded_response("wc_products_get_app_password_production_env_http"))
    assert isinstance(error, AuthenticationError) and error.code == "woocommerce_rest_cannot_view"


def test_recorded_sideload_rejection_names_the_file_and_the_plugin() -> None:
    error = store_error(recorded_response("wp_media_upload_usdz_upload_mimes_only"))
    assert isinstance(error, MediaTypeRejected)
    assert "model.usdz" in str(error) and "companion plugin" in str(error)


def test_other_sideload_failures_stay_retryable() -> None:
    body = '{"code":"rest_upload_sideload_error","message":"The uploaded file could not be moved.","data":{"status":500}}'
    assert isinstance(store_error(response(500, body)), RetryableStoreError)


def test_forbidden_says_the_credentials_lack_permission() -> None:
    error = store_error(response(403, '{"code":"woocommerce_rest_cannot_edit","message":"Sorry, you are not allowed to edit this resource."}'))
    assert isinstance(error, AuthenticationError) and "Read/Write" in error.hint


def test_connection_refused_is_retryable_safe_to_resend_and_keeps_the_key_out_of_the_message() -> None:
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get("http://127.0.0.1:1/wp-json/wc/v3/products?oauth_consumer_key=ck_secret", timeout=2)
    error = store_error(caught.value)
    assert isinstance(error, RetryableStoreError) and error.safe_to_resend
    assert "ck_secret" not in str(error) and "ck_secret" not in (error.url or "")
    assert "127.0.0.1:1/wp-json/wc/v3/products" in str(error)


def test_read_timeout_is_retryable_but_not_safe_to_resend() -> None:
    error = store_error(requests.ReadTimeout("read timed out", request=requests.Request("POST", "http://s/x").prepare()))
    assert isinstance(error, RetryableStoreError) and not error.safe_to_resend


def test_retry_policy_does_not_retry_permanent_errors() -> None:
    calls: list[int] = []

    def fail() -> None:
        calls.append(1)
        raise PermanentStoreError("no")

    with pytest.raises(PermanentStoreError):
        RetryPolicy(sleep=lambda _: None).call(fail)
    assert len(calls) == 1


def test_retry_policy_backs_off_with_growing_capped_waits() -> None:
    slept: list[float] = []

    def fail() -> None:
        raise RetryableStoreError("busy")

    with pytest.raises(RetryableStoreError):
        RetryPolicy(attempts=6, initial_s=1, max_wait_s=4, sleep=slept.append).call(fail)
    assert len(slept) == 5 and all(0 <= s <= 4 for s in slept)
