"""Product photos are fetched only from trusted hosts, within size limits, without following redirects away."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.jobs.download import ImageFetcher, ImageNotAllowed, allowed_origins
from pipeline.errors import ImageError, RetryablePipelineError
from tests.conftest import PHOTOS
from tests.http_server import serve

PHOTO = (PHOTOS / "ruby_mug.jpg").read_bytes()


def _fetcher(base: str = "http://127.0.0.1", **options) -> ImageFetcher:
    """Images allowed from the store at `base` (a test server's URL, port included)."""
    return ImageFetcher(allowed_origins((), store_url=base), **options)


def test_image_from_an_allowed_host_is_downloaded() -> None:
    with serve({"/mug.jpg": lambda _: (200, {"Content-Type": "image/jpeg"}, PHOTO)}) as base:
        assert _fetcher(base).fetch(f"{base}/mug.jpg") == PHOTO


def test_other_ports_of_an_allowed_host_are_refused() -> None:
    with serve({"/mug.jpg": lambda _: (200, {}, PHOTO)}) as base:
        with pytest.raises(ImageNotAllowed, match=r"\(port \d+: "):
            _fetcher("http://127.0.0.1").fetch(f"{base}/mug.jpg")
        with pytest.raises(ImageNotAllowed):
            _fetcher(base).fetch("http://127.0.0.1:6379/")


def test_allowed_hosts_open_the_web_ports_or_the_port_they_name() -> None:
    origins = allowed_origins(["CDN.example", "img.example:8443", "::1"], store_url="https://shop.example")
    assert origins == {"cdn.example:80", "cdn.example:443", "img.example:8443", "::1:80", "::1:443", "shop.example:443"}
    assert "shop.example:8080" in allowed_origins([], store_url="http://shop.example:8080/")


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x.jpg", "http://192.168.1.1/x.jpg",
     "http://localhost/x.jpg", "http://[::1]/x.jpg", "https://evil.example/x.jpg", "ftp://127.0.0.1/x.jpg",
     "gopher://127.0.0.1/x"],
)
def test_urls_outside_the_allowed_hosts_are_refused_without_a_request(url: str) -> None:
    with pytest.raises(ImageNotAllowed):
        _fetcher().fetch(url)


def test_a_redirect_to_another_host_is_refused() -> None:
    routes = {"/r": lambda _: (302, {"Location": "http://localhost:1/secret"}, b"")}
    with serve(routes) as base, pytest.raises(ImageNotAllowed, match="'localhost' is not the store's host"):
        _fetcher(base).fetch(f"{base}/r")


def test_a_redirect_within_the_allowed_host_is_followed() -> None:
    routes = {"/r": lambda _: (301, {"Location": "/mug.jpg"}, b""), "/mug.jpg": lambda _: (200, {}, PHOTO)}
    with serve(routes) as base:
        assert _fetcher(base).fetch(f"{base}/r") == PHOTO


def test_redirect_loops_stop() -> None:
    with serve({"/r": lambda _: (302, {"Location": "/r"}, b"")}) as base, pytest.raises(ImageError, match="too many redirects"):
        _fetcher(base).fetch(f"{base}/r")


def test_oversized_images_are_refused_by_header_and_by_stream() -> None:
    big = b"\xff" * 5000
    chunked = {"Transfer-Encoding": "chunked", "Content-Length": ""}
    routes = {"/big": lambda _: (200, {}, big), "/stream": lambda _: (200, chunked, b"1388\r\n" + big + b"\r\n0\r\n\r\n")}
    with serve(routes) as base:
        with pytest.raises(ImageError, match="is 5000 bytes, over the limit"):
            _fetcher(base, max_bytes=1000).fetch(f"{base}/big")
        with pytest.raises(ImageError, match="over the limit of 1000 bytes"):
            _fetcher(base, max_bytes=1000).fetch(f"{base}/stream")


def test_server_errors_are_retryable_and_missing_images_permanent() -> None:
    with serve({"/down": lambda _: (503, {}, b"")}) as base:
        with pytest.raises(RetryablePipelineError):
            _fetcher(base).fetch(f"{base}/down")
        with pytest.raises(ImageError, match="HTTP 404"):
            _fetcher(base).fetch(f"{base}/missing.jpg")


def test_local_files_only_inside_the_sample_folder_and_only_when_allowed(tmp_path: Path) -> None:
    (tmp_path / "mug.jpg").write_bytes(PHOTO)
    assert _fetcher(local_dir=tmp_path).fetch("mug.jpg") == PHOTO
    assert _fetcher(local_dir=tmp_path).fetch(f"file://{tmp_path}/mug.jpg") == PHOTO
    with pytest.raises(ImageNotAllowed, match="outside"):
        _fetcher(local_dir=tmp_path).fetch("file:///etc/passwd")
    with pytest.raises(ImageNotAllowed, match="outside"):
        _fetcher(local_dir=tmp_path).fetch("../../etc/passwd")
    with pytest.raises(ImageNotAllowed, match="no store configured"):
        _fetcher().fetch("mug.jpg")
