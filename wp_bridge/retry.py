"""In-call retries for store requests: tenacity, retryable errors only, backoff with jitter, Retry-After."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from wp_bridge.errors import RetryableStoreError, store_error

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one store call is retried. `sleep` is injectable so tests don't wait."""

    attempts: int = 4
    initial_s: float = 0.5
    max_wait_s: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def call(self, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        """Run `fn`, retrying RetryableStoreError; the last error is re-raised.

        For a call that is not idempotent (a create such as a media upload) only errors where
        the server surely did not act (`safe_to_resend`) are retried.
        """

        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, RetryableStoreError):
                return False
            return idempotent or exc.safe_to_resend

        backoff = wait_random_exponential(multiplier=self.initial_s, max=self.max_wait_s)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome is not None else None
            asked = exc.retry_after if isinstance(exc, RetryableStoreError) else None
            return max(backoff(state), min(asked or 0.0, self.max_wait_s))

        retrying = Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(fn)


def send(session: requests.Session, method: str, url: str, **kwargs: Any) -> requests.Response:
    """One HTTP request; raises the mapped StoreError for no answer or a status of 400 and above."""
    try:
        response = session.request(method, url, **kwargs)
    except requests.RequestException as exc:
        raise store_error(exc) from exc
    if response.status_code >= 400:
        raise store_error(response)
    return response
