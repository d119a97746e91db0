"""Replays the recorded store traffic with `responses`, checking that our request matches the recorded one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import responses
from requests import PreparedRequest

from tests.conftest import WOOCOMMERCE_FIXTURES
from tests.fake_store import APPLICATION_PASSWORD, CONSUMER_KEY, CONSUMER_SECRET, WP_USERNAME, oauth1_signature
from wp_bridge import RetryPolicy, StoreClients, StoreConfig

STORE_URL = "http://127.0.0.1:8080"
_HOP_HEADERS = {"content-length", "connection", "host", "transfer-encoding", "content-encoding", "date"}


def no_sleep(_: float) -> None:
    """Retries in tests don't wait."""


def recorded_config(**overrides: Any) -> StoreConfig:
    """The recorded rig's URL and credentials."""
    values: dict[str, Any] = {
        "url": STORE_URL,
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "wp_username": WP_USERNAME,
        "wp_application_password": APPLICATION_PASSWORD,
    }
    values.update(overrides)
    return StoreConfig(**values)


def recorded_clients(**overrides: Any) -> StoreClients:
    return StoreClients.from_config(recorded_config(**overrides), retry=RetryPolicy(sleep=no_sleep))


@cache
def load(name: str) -> dict[str, Any]:
    return json.loads((WOOCOMMERCE_FIXTURES / "rest" / f"{name}.json").read_text())


def response_headers(name: str) -> dict[str, str]:
    return {k: v for k, v in load(name)["response"]["headers"] if k.lower() not in _HOP_HEADERS}


def recorded_response(name: str) -> requests.Response:
    """The recorded answer as a `requests.Response` (its request with the recorded method, URL, headers)."""
    recording = load(name)
    response = requests.Response()
    response.status_code = recording["response"]["status"]
    response._content = recording["response"]["body_text"].encode()
    response.headers.update(response_headers(name))
    response.url = recording["request"]["url"]
    response.request = requests.Request(
        recording["request"]["method"], recording["request"]["url"], headers=dict(recording["request"]["headers"])
    ).prepare()
    return response


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _plain(params: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if not k.startswith("oauth_")}


def replay(
    mock: responses.RequestsMock,
    name: str,
    *,
    check_body: Callable[[PreparedRequest, dict[str, Any]], None] | None = None,
) -> list[PreparedRequest]:
    """Answer the next matching request with the recording `name`, after asserting that it has the
    recorded method and path, the recorded non-OAuth query parameters (ours may add some), the
    recorded credentials (a valid OAuth 1.0a signature, or the same Basic header) and the
    recorded JSON body (or `check_body`'s checks). Returns the requests it answered."""
    recording = load(name)
    recorded_request = recording["request"]
    recorded_url = urlsplit(recorded_request["url"])
    seen: list[PreparedRequest] = []

    def answer(request: PreparedRequest) -> tuple[int, Mapping[str, str], str]:
        url = urlsplit(request.url or "")
        assert request.method == recorded_request["method"]
        assert url.path == recorded_url.path
        ours = _query(request.url or "")
        for key, value in _plain(_query(recorded_request["url"])).items():
            assert ours.get(key) == value, f"query parameter {key}: ours {ours.get(key)!r}, recorded {value!r}"
        if recording["auth_mode"] == "oauth1":
            expected = oauth1_signature(str(request.method), f"{url.scheme}://{url.netloc}{url.path}", ours, CONSUMER_SECRET)
            assert ours.get("oauth_consumer_key") == CONSUMER_KEY
            assert ours.get("oauth_signature") == expected, "OAuth 1.0a signature does not verify"
        if recording["auth_mode"] == "app":
            recorded_auth = dict(recorded_request["headers"]).get("Authorization")
            assert request.headers.get("Authorization") == recorded_auth
        if check_body is not None:
            check_body(request, recorded_request)
        elif recorded_request.get("body_json") is not None:
            assert isinstance(request.body, bytes | str)
            assert json.loads(request.body) == recorded_request["body_json"]
        seen.append(request)
        return recording["response"]["status"], response_headers(name), recording["response"]["body_text"]

    mock.add_callback(recorded_request["method"], re.compile(re.escape(f"{STORE_URL}{recorded_url.path}") + r"(\?.*)?$"), callback=answer)
    return seen
