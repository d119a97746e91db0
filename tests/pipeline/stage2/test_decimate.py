"""pipeline.stage2.decimate: meshes reach the face budget and keep a texture that still lines up."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from pipeline.stage2.decimate import MAX_FACE_BUDGET, MIN_FACE_BUDGET, check_face_budget, closest_triangles, decimate
from pipeline.errors import PermanentPipelineError
from pipeline.stage2.mesh_repair import geometry_only
from tests.pipeline.meshes import planar_uv, textured_sphere, two_chart_sphere


@pytest.mark.parametrize("budget", [0, -5, 10, MIN_FACE_BUDGET - 1, MAX_FACE_BUDGET + 1, 10**12])
def test_absurd_face_budget_is_refused_with_the_range(budget: int) -> None:
    with pytest.raises(PermanentPipelineError, match=r"face budget .* is out of range: use 100 to 2,000,000"):
        check_face_budget(budget)


@pytest.mark.parametrize("budget", [True, 5000.0, "5000"])
def test_non_integer_face_budget_is_refused(budget: object) -> None:
    with pytest.raises(PermanentPipelineError, match="not a whole number"):
        check_face_budget(budget)  # type: ignore[arg-type]


def test_mesh_under_budget_is_returned_unchanged_as_a_copy() -> None:
    sphere = textured_sphere(2)
    result = decimate(sphere, 5000)
    assert result is not sphere and len(result.faces) == len(sphere.faces)


def test_decimation_reaches_the_budget_and_stays_closed() -> None:
    sphere = textured_sphere(5)  # 20,480 faces
    result = decimate(sphere, 2000)
    assert 1900 <= len(result.faces) <= 2000
    assert geometry_only(result).is_watertight


def test_reprojected_uvs_still_map_position_to_texture() -> None:
    result = decimate(textured_sphere(5), 2000)
    # The sphere's UVs are a planar projection of position: the new ones must be too.
    error = np.abs(result.visual.uv - planar_uv(result.vertices))
    assert error.max() < 0.01
    assert result.visual.material.baseColorTexture is not None


def test_faces_along_a_uv_seam_take_one_chart() -> None:
    result = decimate(two_chart_sphere(5), 2000)
    corner_u = result.visual.uv[result.faces][:, :, 0]
    on_one_side = (corner_u <= 0.5 + 1e-6).all(axis=1) | (corner_u >= 0.5 - 1e-6).all(axis=1)
    assert on_one_side.all()
    assert geometry_only(result).is_watertight


def test_untextured_mesh_is_decimated_without_uvs() -> None:
    result = decimate(trimesh.creation.icosphere(5), 1000)
    assert len(result.faces) <= 1000


def test_closest_triangles_agrees_with_trimesh_exact_query() -> None:
    sphere = trimesh.creation.icosphere(4)
    rng = np.random.default_rng(3)
    points = np.vstack([rng.normal(size=(300, 3)) * 0.6, rng.normal(size=(20, 3)) * 5])  # near and far
    closest, index = closest_triangles(sphere.vertices[sphere.faces], points)
    expected, distance, _ = trimesh.proximity.closest_point(sphere, points)
    np.testing.assert_allclose(np.linalg.norm(closest - points, axis=1), distance, atol=1e-9)
    assert index.shape == (len(points),)
