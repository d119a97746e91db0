"""Read an HTTP body under a byte cap: refused from its Content-Length before a byte is read, else
as soon as the stream passes the cap, so a hostile or broken server never fills memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx


def read_capped(response: httpx.Response, limit: int, too_large: Callable[[str], Exception]) -> bytes:
    """The body of a streamed `response`. Raises `too_large(detail)`, detail saying how large, over `limit`."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(f"{declared} bytes, over the limit of {limit}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise too_large(f"over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
