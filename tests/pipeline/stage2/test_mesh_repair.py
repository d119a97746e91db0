"""pipeline.stage2.mesh_repair: unusable meshes are refused by name; fixable ones are repaired on a copy."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from pipeline.errors import MeshError
from pipeline.stage2.mesh_repair import geometry_only, repair, seamless_vertex_normals, validate
from tests.pipeline.meshes import textured_sphere, two_chart_sphere


def test_empty_mesh_is_refused() -> None:
    with pytest.raises(MeshError, match="empty"):
        validate(trimesh.Trimesh())


def test_non_finite_vertices_are_refused() -> None:
    box = trimesh.creation.box()
    vertices = box.vertices.copy()
    vertices[0, 1] = np.nan
    with pytest.raises(MeshError, match="non-finite"):
        validate(trimesh.Trimesh(vertices, box.faces, process=False))


def test_faces_pointing_past_the_vertices_are_refused() -> None:
    with pytest.raises(MeshError, match="vertices it does not have"):
        validate(trimesh.Trimesh([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 7]], process=False, validate=False))


def test_a_mesh_without_extent_is_refused() -> None:
    with pytest.raises(MeshError, match="no extent"):
        validate(trimesh.Trimesh(np.zeros((3, 3)), [[0, 1, 2]], process=False))


def test_oversized_mesh_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pipeline.stage2.mesh_repair.MAX_INPUT_FACES", 10)
    with pytest.raises(MeshError, match="too large"):
        validate(trimesh.creation.box())


def test_inside_out_mesh_is_turned_outward() -> None:
    box = trimesh.creation.box()
    inverted = trimesh.Trimesh(box.vertices, box.faces[:, ::-1], process=False)
    fixed, report = repair(inverted)
    assert report.normals_fixed and fixed.volume > 0
    assert inverted.volume < 0  # the input is untouched


def test_degenerate_and_duplicate_faces_are_dropped() -> None:
    box = trimesh.creation.box()
    faces = np.vstack([box.faces, box.faces[:2], [[0, 0, 1]]])
    fixed, report = repair(trimesh.Trimesh(box.vertices, faces, process=False))
    assert len(fixed.faces) == 12
    assert report.degenerate_faces_removed == 1 and report.duplicate_faces_removed == 2


def test_duplicate_vertices_are_merged_but_uv_seams_kept() -> None:
    mesh = two_chart_sphere(2)
    fixed, _ = repair(mesh)
    assert len(fixed.vertices) == len(mesh.vertices)  # seam copies differ in UV: kept
    assert geometry_only(fixed).is_watertight
    np.testing.assert_allclose(fixed.visual.uv.min(), 0, atol=1e-9)


def test_repair_keeps_the_texture() -> None:
    fixed, _ = repair(textured_sphere(2))
    assert fixed.visual.material.baseColorTexture is not None


def test_seamless_normals_agree_across_a_seam() -> None:
    mesh = two_chart_sphere(3)
    normals = seamless_vertex_normals(mesh)
    np.testing.assert_allclose(normals, mesh.vertices / np.linalg.norm(mesh.vertices, axis=1)[:, None], atol=0.05)
