"""Fetching product photos safely: allowed hosts only, no redirects elsewhere, bounded size and time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from pipeline.errors import ImageError, RetryablePipelineError

MAX_REDIRECTS = 3


class ImageNotAllowed(ImageError):
    """A URL outside the store's host and WOO3D_ALLOWED_IMAGE_HOSTS, or not http(s)."""


@dataclass(frozen=True)
class ImageFetcher:
    """Downloads product images from the hosts woo3d trusts, and local sample files.

    `local_dir`, when set, serves `file:` URLs and relative paths found in deliveries that arrive
    with no store configured (the shipped sample); nothing outside it is read.
    """

    allowed_hosts: frozenset[str]
    max_bytes: int = 20 * 1024 * 1024
    timeout_s: float = 20.0
    local_dir: Path | None = None
    transport: httpx.BaseTransport | None = None

    def fetch(self, url: str) -> bytes:
        """The image's bytes. Raises ImageNotAllowed, ImageError (too large, HTTP 4xx) or
        RetryablePipelineError (timeouts, connection errors, HTTP 5xx)."""
        parts = urlsplit(url)
        if parts.scheme in ("", "file"):
            return self._read_local(unquote(parts.path))
        with httpx.Client(timeout=self.timeout_s, follow_redirects=False, transport=self.transport) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                self._check_allowed(url)
                try:
                    with client.stream("GET", url, headers={"Accept": "image/*"}) as response:
                        if response.is_redirect:
                            url = urljoin(url, response.headers.get("location", ""))
                            continue
                        return self._read_body(url, response)
                except httpx.TimeoutException as error:
                    raise RetryablePipelineError(f"timed out downloading {url}") from error
                except httpx.TransportError as error:
                    raise RetryablePipelineError(f"cannot download {url}: {error}") from error
        raise ImageError(f"too many redirects downloading {url}")

    def _check_allowed(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ImageNotAllowed(f"image URL {url!r} is not http(s)")
        host = (parts.hostname or "").lower()
        if host not in self.allowed_hosts:
            raise ImageNotAllowed(
                f"image host {host!r} is not the store's host nor in WOO3D_ALLOWED_IMAGE_HOSTS ({url})"
            )

    def _read_body(self, url: str, response: httpx.Response) -> bytes:
        if response.status_code >= 500:
            raise RetryablePipelineError(f"HTTP {response.status_code} downloading {url}")
        if response.status_code != 200:
            raise ImageError(f"HTTP {response.status_code} downloading {url}")
        declared = int(response.headers.get("content-length") or 0)
        if declared > self.max_bytes:
            raise ImageError(f"image {url} is {declared} bytes, over the limit of {self.max_bytes}")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise ImageError(f"image {url} is over the limit of {self.max_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_local(self, path: str) -> bytes:
        if self.local_dir is None:
            raise ImageNotAllowed(f"local image {path!r} refused: local files are read only with no store configured")
        root = self.local_dir.resolve()
        candidate = (root / path.lstrip("/")).resolve() if not Path(path).is_absolute() else Path(path).resolve()
        if not candidate.is_relative_to(root):
            raise ImageNotAllowed(f"local image {path!r} is outside {root}")
        try:
            if candidate.stat().st_size > self.max_bytes:
                raise ImageError(f"image {candidate} is over the limit of {self.max_bytes} bytes")
            return candidate.read_bytes()
        except OSError as error:
            raise ImageError(f"cannot read image {candidate}: {error.strerror}") from error
