"""Tripo3D's errors, mapped once from HTTP status and Tripo's own codes into permanent or retryable."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx

from pipeline.errors import PermanentPipelineError, PipelineError, RetryablePipelineError

TRACE_HEADER = "X-Tripo-Trace-ID"

# Tripo's documented error codes (see tests/pipeline/servers/README.md for the sources).
CODE_REQUEST_RATE = 1007  # requests per minute for the key
CODE_RATE_LIMIT = 2000  # tasks at once for the account
CODE_TASK_NOT_FOUND = 2001
CODE_CONTENT_POLICY = 2008
CODE_INSUFFICIENT_CREDIT = 2010
CODE_AUDIT_SERVICE = 2014
CODE_EXPIRED = 2018  # a task's `error_code` when it waited too long in Tripo's queue
_EPOCH_FLOOR = 1_000_000_000  # an X-RateLimit-Reset above this is a Unix time, below it a number of seconds

CONTENT_POLICY_WORDS = ("Tripo declined to make a 3D model from this product's photos or description because "
                        "it considers them against its content rules (Tripo code 2008). Different photos may "
                        "be accepted.")
EXPIRED_WORDS = ("Tripo was too busy and dropped the task before it ran (Tripo code 2018); nothing was charged "
                 "and a later run tries again.")


class TripoError(PipelineError):
    """Base of Tripo errors: carries the HTTP status, Tripo's code, its trace and request ids and a body excerpt."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        trace_id: str | None = None,
        request_id: str | None = None,
        body: str = "",
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.trace_id = trace_id
        self.request_id = request_id
        self.body = body[:500]


class TripoPermanentError(TripoError, PermanentPipelineError):
    """Sending the same request again cannot help."""


class TripoRetryableError(TripoError, RetryablePipelineError):
    """A passing fault; the same request may succeed later."""


class TripoAuthError(TripoPermanentError):
    """The API key is missing, wrong or not allowed (401/403)."""


class TripoBadRequestError(TripoPermanentError):
    """Tripo refused the parameters (400/404/422, unsupported file, bad model version)."""


class TripoContentPolicyError(TripoPermanentError):
    """Tripo's moderation refused the input (code 2008, on the create or as a failed task's `error_code`).

    Its message is written for the merchant: it is what the product's status shows.
    """


class TripoInsufficientCreditError(TripoPermanentError):
    """The account needs more credits (code 2010)."""


class TripoTaskFailedError(TripoPermanentError):
    """The task ended failed; Tripo does not charge for it."""


class TripoTaskExpiredError(TripoRetryableError):
    """The task waited too long in Tripo's queue (`error_code` 2018); a new task may well run."""


class TripoTaskCancelledError(TripoPermanentError):
    """The task was cancelled (on Tripo's dashboard or by another client)."""


class TripoCorruptModelError(TripoPermanentError):
    """The downloaded model is not a loadable, non-empty mesh."""


class TripoRateLimitError(TripoRetryableError):
    """Too many requests (code 1007) or too many tasks at once (code 2000), both 429; honour `retry_after`."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: int | None = None,
        trace_id: str | None = None,
        request_id: str | None = None,
        body: str = "",
    ):
        super().__init__(message, status=status, code=code, trace_id=trace_id, request_id=request_id, body=body)
        self.retry_after = retry_after


class TripoServerError(TripoRetryableError):
    """Tripo failed on its side (5xx, code 2014) or the connection broke."""


class TripoTimeoutError(TripoRetryableError):
    """A request or a task took too long. A task's id is kept, so a re-run resumes it."""


class TripoCreateUncertainError(TripoRetryableError):
    """A paid create may or may not have happened (it timed out, or another worker is creating the
    same content); it is not sent again until the marker expires."""


def retry_after_seconds(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    """How long Tripo asks to wait: `Retry-After` (seconds), else `X-RateLimit-Reset` (a Unix time, or
    seconds when small); None when neither says (an HTTP date is treated as absent)."""
    for header in ("Retry-After", "X-RateLimit-Reset"):
        try:
            value = float(response.headers.get(header, ""))
        except ValueError:
            continue
        if value > _EPOCH_FLOOR:
            value -= now()
        return max(0.0, value)
    return None


def error_for_response(response: httpx.Response, what: str, now: Callable[[], float] = time.time) -> TripoError:
    """The one place that maps a refused response (HTTP error, or 200 with a non-zero code) to an error."""
    trace_id = response.headers.get(TRACE_HEADER)
    text = response.text
    code: int | None = None
    message = ""
    request_id: str | None = None
    try:
        body = json.loads(text)
        if isinstance(body, dict):
            raw_code = body.get("code")
            code = int(raw_code) if isinstance(raw_code, (int, str)) and str(raw_code).lstrip("-").isdigit() else None
            message = str(body.get("message") or body.get("error") or "")
            suggestion = body.get("suggestion")
            if suggestion:
                message = f"{message} ({suggestion})"
            request_id = str(body["request_id"]) if body.get("request_id") else None
    except ValueError:
        pass
    status = response.status_code
    ids = ", ".join(f"{name} {value}" for name, value in (("trace", trace_id), ("request", request_id)) if value)
    detail = f"{what}: Tripo answered {status}" + (f" code {code}" if code is not None else "") + (
        f": {message}" if message else "") + (f" [{ids}]" if ids else "")
    cls: type[TripoError]
    if code == CODE_INSUFFICIENT_CREDIT or status == 402:
        cls = TripoInsufficientCreditError
    elif code == CODE_CONTENT_POLICY:
        return TripoContentPolicyError(f"{CONTENT_POLICY_WORDS} [{detail}]", status=status, code=code,
                                       trace_id=trace_id, request_id=request_id, body=text)
    elif status == 429 or code in (CODE_RATE_LIMIT, CODE_REQUEST_RATE):
        return TripoRateLimitError(detail, retry_after=retry_after_seconds(response, now), status=status, code=code,
                                   trace_id=trace_id, request_id=request_id, body=text)
    elif status in (401, 403):
        cls = TripoAuthError  # V3 says code 2 (V2 said 1002): the status is what to trust
    elif status >= 500 or code == CODE_AUDIT_SERVICE or status in (408, 409):
        cls = TripoServerError
    else:
        cls = TripoBadRequestError
    return cls(detail, status=status, code=code, trace_id=trace_id, request_id=request_id, body=text)
