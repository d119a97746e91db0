"""Fetching product photos safely: allowed hosts only, no redirects elsewhere, bounded size and time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from pipeline.capped import read_capped
from pipeline.errors import ImageError, RetryablePipelineError

MAX_REDIRECTS = 3
_DEFAULT_PORTS = {"http": 80, "https": 443}


def allowed_origins(hosts: Iterable[str], store_url: str | None = None) -> frozenset[str]:
    """`host:port` pairs images may come from: the store's own origin, and each allowed host on the
    standard web ports (or on the port it names, `cdn.example:8443`). A host alone never opens its
    other ports: `http://shop.example:6379/` is not the shop."""
    origins = set()
    for entry in (e.strip().lower() for e in hosts):
        origins.update({entry} if _has_port(entry) else {f"{entry}:80", f"{entry}:443"})
    if store_url:
        parts = urlsplit(store_url)
        origins.add(f"{(parts.hostname or '').lower()}:{parts.port or _DEFAULT_PORTS.get(parts.scheme, 443)}")
    return frozenset(origins)


def _has_port(entry: str) -> bool:
    """`cdn.example:8443` names a port; `cdn.example` and a bare IPv6 address (`::1`) do not."""
    host, sep, port = entry.rpartition(":")
    return bool(sep and host and port.isdigit() and ":" not in host)


class ImageNotAllowed(ImageError):
    """A URL outside the store's host and WOO3D_ALLOWED_IMAGE_HOSTS, or not http(s)."""


@dataclass(frozen=True)
class ImageFetcher:
    """Downloads product images from the hosts woo3d trusts, and local sample files.

    `local_dir`, when set, serves `file:` URLs and relative paths found in deliveries that arrive
    with no store configured (the shipped sample); nothing outside it is read.
    """

    allowed: frozenset[str]  # `host:port` origins, from allowed_origins()
    max_bytes: int = 20 * 1024 * 1024
    timeout_s: float = 20.0
    local_dir: Path | None = None
    transport: httpx.BaseTransport | None = None

    def fetch(self, url: str) -> bytes:
        """The image's bytes. Every redirect is checked against the allowed origins before it is
        followed; the bytes may be of any type, so callers check them (open_image a photo,
        file_checks a copied model's files). Raises ImageNotAllowed, ImageError (too large, HTTP
        4xx) or RetryablePipelineError (timeouts, connection errors, HTTP 5xx)."""
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
        try:
            port = parts.port or _DEFAULT_PORTS[parts.scheme]
        except ValueError as error:
            raise ImageNotAllowed(f"image URL {url!r} has an invalid port") from error
        if f"{host}:{port}" not in self.allowed:
            raise ImageNotAllowed(
                f"image host {host!r} is not the store's host nor in WOO3D_ALLOWED_IMAGE_HOSTS (port {port}: {url})"
            )

    def _read_body(self, url: str, response: httpx.Response) -> bytes:
        if response.status_code >= 500:
            raise RetryablePipelineError(f"HTTP {response.status_code} downloading {url}")
        if response.status_code != 200:
            raise ImageError(f"HTTP {response.status_code} downloading {url}")
        return read_capped(response, self.max_bytes, lambda detail: ImageError(f"image {url} is {detail}"))

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
