"""GLB and USDZ uploads are checked for their real structure on every WordPress upload path (issue 13, H).

The review got HTML, SVG and PHP into the media library as `.usdz`/`.glb` through the REST media
route (first bytes only were checked) and through `wp_upload_bits`, XML-RPC's path (not checked
at all). Each payload here goes through the real routes and must be refused, leaving nothing behind.
"""

from __future__ import annotations

import io
import json
import struct
import xmlrpc.client
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from tests.wp_bridge.plugin.apache import StaticApache, missing_apache
from tests.wp_bridge.plugin.conftest import glb_bytes, png_bytes, upload
from tests.wp_bridge.plugin.wordpress import ADMIN_PASSWORD, WordPressSite
from woo3d.cli.plugin import PLUGIN_BASENAME

pytestmark = pytest.mark.slow

GLB_MIME = "model/gltf-binary"
USDZ_MIME = "model/vnd.usdz+zip"
JSON_CHUNK, BIN_CHUNK = 0x4E4F534A, 0x004E4942


def glb(chunks: list[tuple[int, bytes]], *, version: int = 2, length_delta: int = 0) -> bytes:
    """A GLB container with the given chunks (padded to 4 bytes), header fields adjustable."""
    body = b""
    for kind, data in chunks:
        padded = data + (b" " if kind == JSON_CHUNK else b"\0") * (-len(data) % 4)
        body += struct.pack("<II", len(padded), kind) + padded
    return struct.pack("<4sII", b"glTF", version, 12 + len(body) + length_delta) + body


GLTF_JSON = json.dumps({"asset": {"version": "2.0"}, "buffers": [{"byteLength": 4}]}).encode()


def zip_of(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


USDC = b"PXR-USDC" + bytes(88)


def real_usdz(folder: Path) -> bytes:
    """A USDZ package made by usd-core (Pixar's own writer): a cube in a .usdc layer."""
    from pxr import Usd, UsdGeom, UsdUtils

    layer = folder / "cube.usdc"
    stage = Usd.Stage.CreateNew(str(layer))
    UsdGeom.Cube.Define(stage, "/Cube")
    stage.GetRootLayer().Save()
    package = folder / "cube.usdz"
    assert UsdUtils.CreateNewUsdzPackage(str(layer), str(package))
    return package.read_bytes()


# name, bytes, Content-Type, the reason WordPress must give.
REFUSED = {
    # The review's payloads.
    "html behind zip magic": ("x.usdz", b"PK\x03\x04<html><script>alert(document.cookie)</script></html>", USDZ_MIME,
        "Not a USDZ file: it is not a zip archive."),
    "svg behind zip magic": ("x.svg.usdz", b"PK\x03\x04<svg onload=alert(1)>", USDZ_MIME,
        "x.svg.usdz has more than one extension: rename it (for example model.usdz)"),
    "php behind glTF magic": ("evil.php.glb", b"glTF<?php system($_GET['c']); ?>", GLB_MIME,
        "evil.php.glb has more than one extension: rename it (for example model.glb)"),
    # A valid file under a double extension.
    "valid glb, double extension": ("evil.php.glb", glb_bytes(), GLB_MIME,
        "evil.php.glb has more than one extension"),
    "valid usdz, double extension": ("x.svg.usdz", zip_of([("model.usdc", USDC)]), USDZ_MIME,
        "x.svg.usdz has more than one extension"),
    # GLB structure.
    "glb version 1": ("v1.glb", glb([(JSON_CHUNK, GLTF_JSON), (BIN_CHUNK, bytes(4))], version=1), GLB_MIME,
        "Not a glTF 2.0 GLB: the header gives another version."),
    "glb length too long": ("long.glb", glb([(JSON_CHUNK, GLTF_JSON)], length_delta=8), GLB_MIME,
        "Broken GLB: the length in its header is not the file's size."),
    "glb length too short": ("short.glb", glb([(JSON_CHUNK, GLTF_JSON)], length_delta=-4), GLB_MIME,
        "Broken GLB: the length in its header is not the file's size."),
    "glb first chunk binary": ("bin.glb", glb([(BIN_CHUNK, bytes(8)), (JSON_CHUNK, GLTF_JSON)]), GLB_MIME,
        "Broken GLB: it must hold a JSON chunk, then at most one BIN chunk, and nothing else."),
    "glb json chunk not json": ("html.glb", glb([(JSON_CHUNK, b"<html><body>hi</body></html>")]), GLB_MIME,
        "Broken GLB: its JSON chunk is not a glTF 2.0 asset."),
    "glb json without asset version": ("noasset.glb", glb([(JSON_CHUNK, b'{"scenes": []}')]), GLB_MIME,
        "Broken GLB: its JSON chunk is not a glTF 2.0 asset."),
    "glb extra chunk": ("extra.glb", glb([(JSON_CHUNK, GLTF_JSON), (BIN_CHUNK, bytes(4)),
                                          (0x4C4D5448, b"<html></html>")]), GLB_MIME,
        "Broken GLB: it must hold a JSON chunk, then at most one BIN chunk, and nothing else."),
    "glb chunk overruns file": ("overrun.glb", struct.pack("<4sIIII", b"glTF", 2, 20 + 64, 64 + 64, JSON_CHUNK)
                                + GLTF_JSON.ljust(64), GLB_MIME,
        "Broken GLB: a chunk runs past the end of the file"),
    # USDZ structure.
    "usdz compressed": ("deflated.usdz", zip_of([("model.usdc", USDC * 20)], zipfile.ZIP_DEFLATED), USDZ_MIME,
        "Broken USDZ: model.usdc is compressed or encrypted"),
    "usdz image first": ("image.usdz", zip_of([("texture.png", png_bytes()), ("model.usdc", USDC)]), USDZ_MIME,
        "Broken USDZ: its first file must be a USD layer (.usd, .usda or .usdc)."),
    "usdz html entry": ("page.usdz", zip_of([("model.usdc", USDC), ("index.html", b"<script>alert(1)</script>")]),
                        USDZ_MIME,
        "Broken USDZ: index.html is not a USD layer, image or sound"),
    "usdz usdc entry that is not usdc": ("fake.usdz", zip_of([("model.usdc", b"<html></html>")]), USDZ_MIME,
        "Broken USDZ: model.usdc is not the kind of file its name says."),
    "usdz empty zip": ("empty.usdz", zip_of([]), USDZ_MIME,
        "Not a USDZ file: it is not a zip archive."),
}


def media_count(site: WordPressSite) -> int:
    return int(site.php("return (int) wp_count_posts( 'attachment' )->inherit;"))


def uploaded_files(site: WordPressSite) -> set[str]:
    uploads = site.docroot / "wp-content" / "uploads"
    return {str(path.relative_to(uploads)) for path in uploads.rglob("*") if path.is_file()}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_rest_media_upload_refuses_what_is_not_a_real_glb_or_usdz(wordpress: WordPressSite, case: str) -> None:
    filename, data, mime, reason = REFUSED[case]
    count, files = media_count(wordpress), uploaded_files(wordpress)
    response = wordpress.rest("POST", "/wp/v2/media", data=data, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Content-Type": mime})
    assert response.status_code in (400, 500), response.text
    assert response.json()["code"] == "rest_upload_sideload_error"
    assert reason in response.json()["message"]
    assert (media_count(wordpress), uploaded_files(wordpress)) == (count, files)


@pytest.mark.parametrize("case", ["html behind zip magic", "php behind glTF magic", "valid glb, double extension",
                                  "glb json chunk not json", "usdz compressed", "usdz html entry"])
def test_xmlrpc_upload_refuses_what_is_not_a_real_glb_or_usdz(wordpress: WordPressSite, case: str) -> None:
    """metaWeblog.newMediaObject stores through wp_upload_bits, which never runs the upload checks."""
    filename, data, mime, reason = REFUSED[case]
    files = uploaded_files(wordpress)
    client = xmlrpc.client.ServerProxy(f"{wordpress.url}/xmlrpc.php")
    with pytest.raises(xmlrpc.client.Fault) as refused:
        client.metaWeblog.newMediaObject(1, "admin", ADMIN_PASSWORD, {
            "name": filename, "type": mime, "bits": xmlrpc.client.Binary(data)})
    # XML-RPC passes the name through sanitize_file_name() first, which marks the inner extension.
    expected = reason.replace("evil.php.glb", "evil.php_.glb")
    assert "Could not write file" in refused.value.faultString and expected in refused.value.faultString
    assert uploaded_files(wordpress) == files


def test_wp_upload_bits_refuses_html_named_glb(wordpress: WordPressSite) -> None:
    """The review's exact call: no magic bytes at all, stored as x.glb."""
    result = wordpress.php("wp_set_current_user( 1 ); return wp_upload_bits( 'x.glb', null, '<html><script>alert(1)</script></html>' );")
    assert result["error"] and not Path(str(result.get("file") or "/nonexistent")).exists()


def test_real_glb_and_usdz_are_accepted_on_both_paths(wordpress: WordPressSite, tmp_path: Path) -> None:
    usdz = real_usdz(tmp_path)
    for filename, data, mime in (("chair.glb", glb_bytes(), GLB_MIME), ("chair.usdz", usdz, USDZ_MIME),
                                 ("minimal.glb", glb([(JSON_CHUNK, GLTF_JSON), (BIN_CHUNK, bytes(4))]), GLB_MIME)):
        response = wordpress.rest("POST", "/wp/v2/media", data=data, headers={
            "Content-Disposition": f'attachment; filename="{filename}"', "Content-Type": mime})
        assert response.status_code == 201, (filename, response.text)
        assert response.json()["mime_type"] == mime
    client = xmlrpc.client.ServerProxy(f"{wordpress.url}/xmlrpc.php")
    stored = client.metaWeblog.newMediaObject(1, "admin", ADMIN_PASSWORD, {
        "name": "xmlrpc-chair.usdz", "type": USDZ_MIME, "bits": xmlrpc.client.Binary(usdz)})
    assert stored["url"].endswith(".usdz") and stored["type"] == USDZ_MIME


@pytest.fixture(scope="module")
def apache(wordpress: WordPressSite) -> Iterator[StaticApache]:
    missing = missing_apache()
    if missing:
        pytest.skip(f"the Apache test needs {', '.join(missing)}: run deploy/setup.sh")
    server = StaticApache(wordpress.docroot).start()
    yield server
    server.stop()


def test_apache_serves_uploaded_models_with_their_type_and_nosniff(
    wordpress: WordPressSite, apache: StaticApache, tmp_path: Path
) -> None:
    """The uploads .htaccess the plugin writes on activation: browsers never sniff a model as HTML."""
    for filename, data, mime in (("served.glb", glb_bytes(), GLB_MIME), ("served.usdz", real_usdz(tmp_path), USDZ_MIME)):
        path = urlsplit(upload(wordpress, filename, data, mime)["source_url"]).path
        served = requests.get(apache.url + path, timeout=10)
        assert served.status_code == 200 and served.content == data
        assert served.headers["Content-Type"] == mime
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    poster = requests.get(apache.url + urlsplit(upload(wordpress, "served.png", png_bytes(), "image/png")["source_url"]).path,
                          timeout=10)
    assert "X-Content-Type-Options" not in poster.headers  # the plugin marks its own types only


def test_deactivation_removes_only_woo3ds_htaccess_lines(wordpress: WordPressSite) -> None:
    htaccess = wordpress.docroot / "wp-content" / "uploads" / ".htaccess"
    htaccess.write_text("Options -Indexes\n" + htaccess.read_text())
    toggle = ("require_once ABSPATH . 'wp-admin/includes/plugin.php'; {action};"
              f" return file_get_contents( {json.dumps(str(htaccess))} );")
    try:
        after_deactivation = wordpress.php(toggle.format(action=f"deactivate_plugins( '{PLUGIN_BASENAME}' )"))
    finally:
        after_activation = wordpress.php(toggle.format(action=f"activate_plugin( '{PLUGIN_BASENAME}' )"))
    assert "Options -Indexes" in after_deactivation and "nosniff" not in after_deactivation
    assert "Options -Indexes" in after_activation and after_activation.count("nosniff") == 1
