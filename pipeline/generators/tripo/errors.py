"""Tripo3D's errors, mapped once from HTTP status and Tripo's own codes into permanent or retryable."""

from __future__ import annotations

import json

import httpx

from pipeline.errors import PermanentPipelineError, PipelineError, RetryablePipelineError

TRACE_HEADER = "X-Tripo-Trace-ID"

# Tripo's documented error codes (see tests/pipeline/servers/README.md for the source).
CODE_RATE_LIMIT = 2000
CODE_TASK_NOT_FOUND = 2001
CODE_CONTENT_POLICY = 2008
CODE_INSUFFICIENT_CREDIT = 2010
CODE_AUDIT_SERVICE = 2014


class TripoError(PipelineError):
    """Base of Tripo errors: carries the HTTP status, Tripo's code, its trace id and a body excerpt."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        trace_id: str | None = None,
        body: str = "",
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.trace_id = trace_id
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
    """The input violates Tripo's content policy (code 2008, or a task ending `banned`)."""


class TripoInsufficientCreditError(TripoPermanentError):
    """The account needs more credits (code 2010)."""


class TripoTaskFailedError(TripoPermanentError):
    """The task ended failed, expired or unknown; Tripo does not charge for it."""


class TripoTaskCancelledError(TripoPermanentError):
    """The task was cancelled (on Tripo's dashboard or by another client)."""


class TripoCorruptModelError(TripoPermanentError):
    """The downloaded model is not a loadable, non-empty mesh."""


class TripoRateLimitError(TripoRetryableError):
    """Too many requests or too many tasks at once (429 / code 2000); honour `retry_after`."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: int | None = None,
        trace_id: str | None = None,
        body: str = "",
    ):
        super().__init__(message, status=status, code=code, trace_id=trace_id, body=body)
        self.retry_after = retry_after


class TripoServerError(TripoRetryableError):
    """Tripo failed on its side (5xx, code 2014) or the connection broke."""


class TripoTimeoutError(TripoRetryableError):
    """A request or a task took too long. A task's id is kept, so a re-run resumes it."""


class TripoCreateUncertainError(TripoRetryableError):
    """A paid create may or may not have happened (it timed out, or another worker is creating the
    same content); it is not sent again until the marker expires."""


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (delta form only; an HTTP date is treated as absent)."""
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


def error_for_response(response: httpx.Response, what: str) -> TripoError:
    """The one place that maps a refused response (HTTP error, or 200 with a non-zero code) to an error."""
    trace_id = response.headers.get(TRACE_HEADER)
    text = response.text
    code: int | None = None
    message = ""
    try:
        body = json.loads(text)
        if isinstance(body, dict):
            raw_code = body.get("code")
            code = int(raw_code) if isinstance(raw_code, (int, str)) and str(raw_code).lstrip("-").isdigit() else None
            message = str(body.get("message") or body.get("error") or "")
            suggestion = body.get("suggestion")
            if suggestion:
                message = f"{message} ({suggestion})"
    except ValueError:
        pass
    status = response.status_code
    detail = f"{what}: Tripo answered {status}" + (f" code {code}" if code is not None else "") + (
        f": {message}" if message else "") + (f" [trace {trace_id}]" if trace_id else "")
    cls: type[TripoError]
    if code == CODE_INSUFFICIENT_CREDIT or status == 402:
        cls = TripoInsufficientCreditError
    elif code == CODE_CONTENT_POLICY:
        cls = TripoContentPolicyError
    elif status == 429 or code == CODE_RATE_LIMIT:
        return TripoRateLimitError(detail, retry_after=retry_after_seconds(response), status=status, code=code,
                                   trace_id=trace_id, body=text)
    elif status in (401, 403):
        cls = TripoAuthError
    elif status >= 500 or code == CODE_AUDIT_SERVICE or status in (408, 409):
        cls = TripoServerError
    else:
        cls = TripoBadRequestError
    return cls(detail, status=status, code=code, trace_id=trace_id, body=text)
