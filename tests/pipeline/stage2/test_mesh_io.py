"""pipeline.stage2.mesh_io: untrusted mesh bytes are read with an explicit type and nothing remote."""

from __future__ import annotations

import pytest
import trimesh

from pipeline.errors import MeshError
from pipeline.stage2.mesh_io import load_mesh
from tests.pipeline.meshes import textured_sphere


@pytest.mark.parametrize("kind", ["glb", "obj", "ply", "stl"])
def test_reads_each_self_contained_format(kind: str) -> None:
    sphere = textured_sphere(2)
    exported = sphere.export(file_type=kind)
    loaded = load_mesh(exported.encode() if isinstance(exported, str) else exported, kind)
    assert len(loaded.faces) == len(sphere.faces)


def test_glb_keeps_its_texture() -> None:
    loaded = load_mesh(textured_sphere(2).export(file_type="glb"), ".GLB")
    assert loaded.visual.material.baseColorTexture is not None


def test_unsupported_type_is_refused() -> None:
    with pytest.raises(MeshError, match="cannot read 'gltf' meshes"):
        load_mesh(b"{}", "gltf")


@pytest.mark.parametrize(("data", "message"), [(b"", "empty"), (b"glTF garbage", "cannot read the GLB data")])
def test_bad_bytes_are_a_mesh_error(data: bytes, message: str) -> None:
    with pytest.raises(MeshError, match=message):
        load_mesh(data, "glb")


def test_a_file_with_no_triangles_is_refused() -> None:
    points = trimesh.PointCloud([[0, 0, 0], [1, 0, 0], [0, 1, 0]])
    with pytest.raises(MeshError):
        load_mesh(points.export(file_type="ply"), "ply")


def test_oversized_data_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.stage2.mesh_io.MAX_MESH_BYTES", 10)
    with pytest.raises(MeshError, match="too large"):
        load_mesh(b"x" * 11, "stl")
