"""pipeline.stage2.export: every format is written, valid, and loads back with the same faces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trimesh

from pipeline.errors import ExportError
from pipeline.stage2.export import SUPPORTED_FORMATS, export_all, parse_formats
from pipeline.stage2.textures import optimize_textures
from tests.pipeline.meshes import textured_sphere
from tests.validators import validate_glb


@pytest.fixture(scope="module")
def mesh() -> trimesh.Trimesh:
    return optimize_textures(textured_sphere(3), 256)[0]


@pytest.fixture(scope="module")
def written(mesh: trimesh.Trimesh, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return export_all(mesh, tmp_path_factory.mktemp("export"), parse_formats(SUPPORTED_FORMATS))


def test_glb_comes_first_and_formats_are_normalised() -> None:
    assert parse_formats(" USDZ , .obj,usdz") == ("glb", "usdz", "obj")
    assert parse_formats(None) == ("glb", "usdz")
    assert parse_formats(["stl"], default=()) == ("glb", "stl")


def test_unknown_format_is_refused_by_name() -> None:
    with pytest.raises(ExportError, match="unknown format 'dwg': choose from glb, usdz"):
        parse_formats("glb,dwg")


def test_fbx_without_assimp_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.stage2.export.shutil.which", lambda name: None)
    with pytest.raises(ExportError, match="FBX needs the assimp command line tool: install Debian's assimp-utils"):
        parse_formats("glb,fbx")


def test_every_format_is_written(written: dict[str, Path]) -> None:
    assert set(written) == set(SUPPORTED_FORMATS)
    assert all(path.is_file() and path.stat().st_size > 0 for path in written.values())


def test_glb_is_valid_and_reloads_with_the_same_faces(mesh: trimesh.Trimesh, written: dict[str, Path]) -> None:
    assert validate_glb(written["glb"]) == []
    loaded = trimesh.load(written["glb"], file_type="glb", force="mesh")
    assert len(loaded.faces) == len(mesh.faces)
    assert loaded.visual.material.baseColorTexture is not None


def _glb_json(path: Path) -> dict:
    data = path.read_bytes()
    length = int.from_bytes(data[12:16], "little")
    return json.loads(data[20 : 20 + length])


def test_glb_material_is_not_metallic(written: dict[str, Path]) -> None:
    pbr = _glb_json(written["glb"])["materials"][0]["pbrMetallicRoughness"]
    assert pbr["metallicFactor"] == 0.0 and pbr["roughnessFactor"] == pytest.approx(0.7)


def test_glb_embeds_the_texture_as_jpeg(written: dict[str, Path]) -> None:
    assert [image["mimeType"] for image in _glb_json(written["glb"])["images"]] == ["image/jpeg"]


def test_gltf_is_one_json_and_one_bin_and_valid(mesh: trimesh.Trimesh, written: dict[str, Path]) -> None:
    document = json.loads(written["gltf"].read_text())
    assert [b["uri"] for b in document["buffers"]] == ["model.bin"]
    assert validate_glb(written["gltf"]) == []
    loaded = trimesh.load(written["gltf"], file_type="gltf", force="mesh")
    assert len(loaded.faces) == len(mesh.faces)


def test_obj_has_its_material_and_texture(mesh: trimesh.Trimesh, written: dict[str, Path]) -> None:
    folder = written["obj"].parent
    assert "mtllib model.mtl" in written["obj"].read_text()
    mtl = (folder / "model.mtl").read_text()
    texture = next(line.split()[-1] for line in mtl.splitlines() if line.startswith("map_Kd"))
    assert (folder / texture).is_file()
    loaded = trimesh.load(written["obj"], file_type="obj", force="mesh")
    assert len(loaded.faces) == len(mesh.faces)


@pytest.mark.parametrize("name", ["stl", "ply"])
def test_stl_and_ply_reload_with_the_same_faces(mesh: trimesh.Trimesh, written: dict[str, Path], name: str) -> None:
    loaded = trimesh.load(written[name], file_type=name, force="mesh")
    assert len(loaded.faces) == len(mesh.faces)


def test_ply_export_leaves_the_mesh_alone(mesh: trimesh.Trimesh, tmp_path: Path) -> None:
    export_all(mesh, tmp_path, ("glb", "ply"))
    assert "s" not in mesh.vertex_attributes and "t" not in mesh.vertex_attributes


def test_fbx_is_binary_with_the_texture_embedded(written: dict[str, Path]) -> None:
    data = written["fbx"].read_bytes()
    assert data.startswith(b"Kaydara FBX Binary")
    assert b"Geometry" in data and b"Video" in data
    assert b"\xff\xd8\xff" in data  # the JPEG texture itself


def test_failed_fbx_conversion_is_an_export_error(mesh: trimesh.Trimesh, tmp_path: Path) -> None:
    (tmp_path / "model.glb").write_bytes(b"not a glb")
    from pipeline.stage2.export import export_format

    with pytest.raises(ExportError, match="FBX export failed"):
        export_format(mesh, tmp_path, "fbx", {"glb": tmp_path / "model.glb"})
    assert not (tmp_path / "model.fbx").exists()
