"""A file copied from the store is written only under its role's own name, and only when its bytes are what the role says."""

from __future__ import annotations

import io
import shutil
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import trimesh

from pipeline.jobs.download import ImageFetcher, allowed_origins
from pipeline.jobs.file_checks import EXTRA_FORMATS, MODEL_ROLES, NotWhatItClaims, file_name
from pipeline.jobs.variations import copy_files
from pipeline.stage2.export import export_format
from tests.conftest import PHOTOS
from tests.http_server import serve
from wp_bridge import ModelMeta

PAGE = b"<!doctype html><script>fetch('/wp-admin/user-new.php')</script>"
PNG = (PHOTOS / "solidus_tote.png").read_bytes()
JPEG = (PHOTOS / "ruby_mug.jpg").read_bytes()
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(28)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each format as woo3d's own exporter writes it (FBX only where assimp is installed)."""
    out = tmp_path_factory.mktemp("export")
    written: dict[str, Path] = {}
    for name in MODEL_ROLES:
        if name != "fbx" or shutil.which("assimp"):
            written[name] = export_format(trimesh.creation.box(extents=(0.1, 0.2, 0.3)), out, name, written)
    return {name: path.read_bytes() for name, path in written.items()}


def test_every_format_woo3d_exports_passes_its_own_check_under_its_roles_name(exported: dict[str, bytes]) -> None:
    assert set(MODEL_ROLES) == {"glb", "usdz", *EXTRA_FORMATS} >= {"gltf", "obj", "stl", "ply", "fbx"}
    for role, data in exported.items():
        assert file_name(role, data) == f"model.{role}"


def test_no_format_passes_for_a_web_page_or_for_another_format(exported: dict[str, bytes]) -> None:
    for role in MODEL_ROLES:
        for other, data in [("html", PAGE), ("png", PNG), *exported.items()]:
            if other != role:
                with pytest.raises(NotWhatItClaims):
                    file_name(role, data)


@pytest.mark.parametrize(
    ("tamper", "why"),
    [
        (lambda glb: glb[:4] + struct.pack("<I", 1) + glb[8:], "version 1"),
        (lambda glb: glb + PAGE, "the file has"),  # the header's length no longer matches
        (lambda glb: glb[:8] + struct.pack("<I", len(glb) + len(PAGE)) + glb[12:] + PAGE, "more than its JSON"),
        (lambda glb: b"glTF" + struct.pack("<II", 2, 20 + len(PAGE)) + struct.pack("<I4s", len(PAGE), b"JSON") + PAGE,
         "does not parse"),
    ],
)
def test_a_glb_must_be_one_glTF_2_binary_and_nothing_else(exported: dict[str, bytes], tamper, why: str) -> None:
    with pytest.raises(NotWhatItClaims, match=why):
        file_name("glb", tamper(exported["glb"]))


def _zip(*entries: tuple[str, bytes], compress: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compress) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (_zip(("index.html", PAGE), ("model.usdc", b"PXR-USDC")), "does not begin with a USD layer"),
        (_zip(("model.usda", b"#usda 1.0"), ("x.html", PAGE)), "which a USDZ may not"),
        (_zip(("model.usda", b"#usda 1.0" * 20), compress=zipfile.ZIP_DEFLATED), "compressed"),
        (b"PK\x03\x04" + PAGE, "not a readable zip"),
    ],
)
def test_a_usdz_must_be_a_stored_zip_opening_with_a_usd_layer(data: bytes, why: str) -> None:
    with pytest.raises(NotWhatItClaims, match=why):
        file_name("usdz", data)


def test_a_poster_or_view_is_named_by_the_image_type_its_bytes_prove() -> None:
    assert [file_name("poster", data) for data in (PNG, JPEG, WEBP)] == ["poster.png", "poster.jpg", "poster.webp"]
    assert file_name("view_45", PNG) == "view-45.png"
    with pytest.raises(NotWhatItClaims, match="not a PNG, JPEG or WebP"):
        file_name("view_front", PAGE)


@pytest.mark.parametrize("role", ["../../etc/cron.d/x", "/tmp/x", "html", "preview", "view_top"])
def test_a_role_woo3d_never_wrote_has_no_file_name(role: str) -> None:
    with pytest.raises(ValueError, match="not a role"):
        file_name(role, PNG)


@pytest.fixture
def twin_server(exported: dict[str, bytes]) -> Iterator[str]:
    page = (200, {"Content-Type": "text/html"}, PAGE)
    routes = {"/page.html": lambda _: page, "/model.glb": lambda _: (200, {}, exported["glb"]),
              "/poster.png": lambda _: (200, {}, PNG), "/model.stl": lambda _: (200, {}, exported["stl"])}
    with serve(routes) as base:
        yield base


def test_copy_files_takes_only_woo3ds_roles_under_their_own_names(twin_server: str, tmp_path: Path) -> None:
    base, out = twin_server, tmp_path / "job"
    out.mkdir()
    twin = ModelMeta(fingerprint="sha256:1", glb=f"{base}/model.glb", poster=f"{base}/poster.png", formats={
        "stl": f"{base}/model.stl", f"../../{tmp_path.name}/escaped": f"{base}/page.html",
        str(tmp_path / "absolute"): f"{base}/page.html", "html": f"{base}/page.html",
    })
    files = copy_files(twin, ImageFetcher(allowed_origins((), base)), out)
    assert {role: path.name for role, path in files.items()} == {"glb": "model.glb", "poster": "poster.png",
                                                                 "stl": "model.stl"}
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["job", "model.glb", "model.stl", "poster.png"]


@pytest.mark.parametrize("role", ["glb", "poster", "stl"])
def test_copy_files_refuses_a_twin_whose_file_is_not_what_its_role_says(twin_server: str, tmp_path: Path,
                                                                        role: str) -> None:
    base = twin_server
    urls = {"glb": f"{base}/model.glb", "poster": f"{base}/poster.png", "stl": f"{base}/model.stl", role: f"{base}/page.html"}
    twin = ModelMeta(fingerprint="sha256:1", glb=urls["glb"], poster=urls["poster"], formats={"stl": urls["stl"]})
    with pytest.raises(NotWhatItClaims):
        copy_files(twin, ImageFetcher(allowed_origins((), base)), tmp_path)
    assert not [p for p in tmp_path.iterdir() if PAGE in p.read_bytes()]
