"""pipeline.stage2.compress: the served GLB shrinks, stays valid, and decodes to the same model."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from pipeline.errors import ExportError
from pipeline.stage2.compress import UNCOMPRESSED_NAME, check_compression, compress_glb, glb_json, start_compression
from pipeline.stage2.export import export_glb
from tests.pipeline.meshes import textured_sphere
from tests.validators import ROOT, validate_glb

REQUIRED = {
    "meshopt": {"EXT_meshopt_compression", "KHR_mesh_quantization", "EXT_texture_webp"},
    "draco": {"KHR_draco_mesh_compression", "EXT_texture_webp"},
}


def decode(glb: Path, out: Path) -> trimesh.Trimesh:
    """What a viewer sees: the compressed GLB decoded by glTF Transform's decoders, loaded by trimesh."""
    subprocess.run(["node", str(ROOT / "tests" / "decode_glb.mjs"), str(glb), str(out)], check=True, timeout=120)
    return trimesh.load(out, file_type="glb", force="mesh")


@pytest.fixture
def glb(tmp_path: Path) -> Path:
    path = tmp_path / "model.glb"
    path.write_bytes(export_glb(textured_sphere(5, texture_size=512)))
    return path


@pytest.mark.parametrize("method", ["meshopt", "draco"])
def test_compressed_glb_is_smaller_valid_and_declares_what_it_needs(method: str, glb: Path) -> None:
    original = glb.read_bytes()
    compressed = compress_glb(glb, check_compression(method))  # type: ignore[arg-type]
    assert compressed is not None and compressed.method == method
    assert compressed.uncompressed == glb.with_name(UNCOMPRESSED_NAME)
    assert compressed.uncompressed.read_bytes() == original
    assert compressed.bytes_after == glb.stat().st_size < len(original) / 2
    assert validate_glb(glb) == []
    document = glb_json(glb.read_bytes())
    assert set(document["extensionsRequired"]) == REQUIRED[method]  # type: ignore[arg-type]
    assert set(compressed.extensions_required) == REQUIRED[method]
    assert [image["mimeType"] for image in document["images"]] == ["image/webp"]  # type: ignore[union-attr]


@pytest.mark.parametrize("method", ["meshopt", "draco"])
def test_compressed_glb_decodes_to_the_same_model(method: str, glb: Path, tmp_path: Path) -> None:
    compress_glb(glb, method)  # type: ignore[arg-type]
    before = trimesh.load(glb.with_name(UNCOMPRESSED_NAME), file_type="glb", force="mesh")
    after = decode(glb, tmp_path / "decoded.glb")
    assert len(after.faces) == len(before.faces)
    # Quantization moves a vertex by well under a thousandth of the model's size, in either direction.
    tolerance = 1e-3 * float(before.extents.max())
    assert cKDTree(before.vertices).query(after.vertices)[0].max() < tolerance
    assert cKDTree(after.vertices).query(before.vertices)[0].max() < tolerance
    texture_before = np.asarray(before.visual.material.baseColorTexture.convert("RGB"), dtype=float)
    texture_after = np.asarray(after.visual.material.baseColorTexture.convert("RGB"), dtype=float)
    assert texture_after.shape == texture_before.shape
    assert np.abs(texture_after - texture_before).mean() < 3.0


def test_none_leaves_the_glb_as_it_is(glb: Path) -> None:
    original = glb.read_bytes()
    assert compress_glb(glb, check_compression("none")) is None
    assert glb.read_bytes() == original and not glb.with_name(UNCOMPRESSED_NAME).exists()


def test_an_unknown_method_is_refused_by_name() -> None:
    with pytest.raises(ExportError, match="unknown GLB compression 'zip': choose from meshopt, draco, none"):
        check_compression("zip")


def test_a_broken_glb_gives_a_clear_error_and_is_left_under_its_name(tmp_path: Path) -> None:
    broken = tmp_path / "model.glb"
    broken.write_bytes(b"glTF not really")
    with pytest.raises(ExportError, match=r"GLB compression failed: .*model-uncompressed\.glb: .*not valid JSON"):
        compress_glb(broken, "draco")
    assert broken.read_bytes() == b"glTF not really" and not (tmp_path / UNCOMPRESSED_NAME).exists()


def test_without_node_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert shutil.which("node") is not None
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExportError, match="run deploy/setup.sh"):
        check_compression("meshopt")
    assert check_compression("none") == "none"


def test_a_compression_given_up_puts_the_uncompressed_glb_back(glb: Path) -> None:
    """Stage 2 compresses beside its renders; a job that fails meanwhile leaves the GLB as it was."""
    original = glb.read_bytes()
    running = start_compression(glb, "draco")
    assert running is not None and not glb.exists()
    running.cancel()
    assert glb.read_bytes() == original and not (glb.parent / UNCOMPRESSED_NAME).exists()
