"""The store side's one error tree, and the one function that maps a failed call onto it."""

from __future__ import annotations

import email.utils
import json
import re
import time
from typing import TypeVar
from urllib.parse import urlsplit

import requests

_EXCERPT_CHARS = 500
_RETRYABLE_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# Statuses where the server says it did not act on the request, so even a create may be resent.
_REFUSED_STATUSES = frozenset({429, 503})
_REQUEST_ID_HEADERS = ("X-Request-Id", "X-Request-ID", "X-Correlation-Id", "CF-Ray", "X-Amzn-Trace-Id")
_FILENAME = re.compile(r'filename="?([^";]+)"?')
_QUERY = re.compile(r"\?[^\s)'\"]*")
_PERMISSION_HINT = (
    "The credentials work but lack permission: WooCommerce keys need Read/Write, the WordPress "
    "user must be able to upload files and edit products."
)

PLUGIN_HINT = (
    "Stock WordPress refuses GLB and USDZ uploads. Activate the companion plugin, \"3D and AR Models for "
    "WooCommerce\", in WordPress (build it with `woo3d wp-plugin --out plugin.zip`, then Plugins → Add New → "
    "Upload Plugin), "
    "which allows the model/gltf-binary and model/vnd.usdz+zip types."
)
WOOCOMMERCE_AUTH_HINT = (
    "Check WC_CONSUMER_KEY / WC_CONSUMER_SECRET (WooCommerce → Settings → Advanced → REST API, "
    "permissions Read/Write). Over plain http WooCommerce accepts the keys only as OAuth 1.0a, "
    "which woo3d uses; over https it uses HTTP Basic."
)
WORDPRESS_AUTH_HINT = (
    "Check WP_USERNAME / WP_APPLICATION_PASSWORD (Users → Profile → Application Passwords). "
    "WooCommerce consumer keys do not authenticate WordPress routes (/wp/v2/*). WordPress offers "
    "application passwords only over https, or over http when WP_ENVIRONMENT_TYPE is 'local'."
)


_E = TypeVar("_E", bound="StoreError")


class StoreError(Exception):
    """A call to the store (WooCommerce or WordPress) failed.

    `status` is the HTTP status (None when no answer came), `code` the WooCommerce/WordPress
    error code (`woocommerce_rest_product_invalid_id`, `rest_upload_sideload_error`, …),
    `request_id` a server or proxy request id when one was sent, `body_excerpt` the start of
    the answer, `url` the address without its query (which may carry OAuth parameters).
    """

    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        body_excerpt: str = "",
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.body_excerpt = body_excerpt
        self.url = url

    def __str__(self) -> str:
        details = [f"status {self.status}" if self.status is not None else None, self.code, self.request_id]
        shown = ", ".join(d for d in details if d)
        return f"{self.message} ({shown})" if shown else self.message


class RetryableStoreError(StoreError):
    """Worth trying again later: no answer, a timeout, 408/409/429 or a 5xx.

    `retry_after` is the server's `Retry-After` in seconds, if it sent one. `safe_to_resend`
    says whether the server surely did not act on the request (it was never connected, or it
    answered 429/503), so that even a non-idempotent create may be sent again.
    """

    retryable = True

    retry_after: float | None = None
    safe_to_resend: bool = False


class PermanentStoreError(StoreError):
    """Trying again will not help until someone changes something: 400/401/403/404/422 and the like."""


class ResourceNotFound(PermanentStoreError):
    """The store answered 404 for this resource."""


class ProductNotFound(ResourceNotFound):
    """No product (`woocommerce_rest_product_invalid_id`) or no such variation of this product
    (`woocommerce_rest_product_variation_invalid_id`) with this id."""


class AuthenticationError(PermanentStoreError):
    """The store refused woo3d's credentials (401) or their permissions (403); `hint` says what to fix."""

    hint: str = WOOCOMMERCE_AUTH_HINT


class FileTypeRefused(PermanentStoreError):
    """woo3d itself refused to upload a file whose extension is not a model or image type (nothing was sent)."""


class MediaTypeRejected(PermanentStoreError):
    """WordPress refused the file type (stock WordPress: 500 `rest_upload_sideload_error` for GLB/USDZ)."""

    hint = PLUGIN_HINT


def store_error(failure: requests.Response | requests.RequestException) -> StoreError:
    """Map a failed HTTP answer, or a request that got none, to the matching StoreError."""
    if isinstance(failure, requests.RequestException):
        return _from_exception(failure)
    return _from_response(failure)


def _from_exception(exc: requests.RequestException) -> StoreError:
    url = _where(str(exc.request.url)) if exc.request is not None and exc.request.url else None
    where = url or "the store"
    # urllib3's messages quote the URL, whose query carries the OAuth consumer key.
    said = _QUERY.sub("", str(exc))
    if isinstance(exc, requests.ConnectTimeout):
        error = RetryableStoreError(f"timed out connecting to {where}", url=url)
        error.safe_to_resend = True
        return error
    if isinstance(exc, requests.Timeout):
        return RetryableStoreError(f"{where} did not answer in time", url=url)
    if isinstance(exc, requests.ConnectionError):
        error = RetryableStoreError(f"could not reach {where}: {said}", url=url)
        # Only a connection that was never established proves a create did not reach the server.
        error.safe_to_resend = "failed to establish" in said.lower()
        return error
    return PermanentStoreError(f"request to {where} could not be sent: {said}", url=url)


def _from_response(response: requests.Response) -> StoreError:
    status = response.status_code
    text = response.text or ""
    code, message = _code_and_message(text)
    request_id = _request_id(response)

    def make(cls: type[_E], message: str) -> _E:
        return cls(
            message,
            status=status,
            code=code,
            request_id=request_id,
            body_excerpt=text[:_EXCERPT_CHARS],
            url=_where(response.url),
        )

    what = f"{response.request.method if response.request is not None else 'request'} {_where(response.url)}"
    said = f": {message}" if message else ""
    wordpress = "/wp/v2/" in urlsplit(response.url or "").path

    if code == "rest_upload_sideload_error" and "file type" in (message or "").lower():
        filename = _upload_filename(response)
        return make(MediaTypeRejected, f"WordPress refused to store {filename}{said}. {PLUGIN_HINT}")
    if status in (401, 403):
        hint = WORDPRESS_AUTH_HINT if wordpress else WOOCOMMERCE_AUTH_HINT
        if status == 403:
            hint = f"{_PERMISSION_HINT} {hint}"
        error = make(AuthenticationError, f"{what} was refused{said}. {hint}")
        error.hint = hint
        return error
    if status == 404:
        if code in ("woocommerce_rest_product_invalid_id", "woocommerce_rest_product_variation_invalid_id"):
            return make(ProductNotFound, f"{what} found no such product{said}")
        return make(ResourceNotFound, f"{what} found nothing{said}")
    if status in _RETRYABLE_STATUSES:
        retryable = make(RetryableStoreError, f"{what} failed{said}")
        retryable.retry_after = _retry_after(response.headers.get("Retry-After"))
        retryable.safe_to_resend = status in _REFUSED_STATUSES
        return retryable
    return make(PermanentStoreError, f"{what} was rejected{said}")


def _code_and_message(text: str) -> tuple[str | None, str | None]:
    try:
        body = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    code, message = body.get("code"), body.get("message")
    return (code if isinstance(code, str) else None), (message if isinstance(message, str) else None)


def _request_id(response: requests.Response) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        if value := response.headers.get(name):
            return value
    return None


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds from now: either delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _upload_filename(response: requests.Response) -> str:
    disposition = response.request.headers.get("Content-Disposition", "") if response.request is not None else ""
    match = _FILENAME.search(str(disposition))
    return match.group(1) if match else "the file"


def _where(url: str | None) -> str:
    """The URL without its query string, which may carry OAuth parameters."""
    if not url:
        return "the store"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
