"""Validate a generator's mesh (non-empty, finite, bounded) and repair what can be repaired."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import MeshError

if TYPE_CHECKING:
    import trimesh

MAX_INPUT_FACES = 5_000_000
MAX_INPUT_VERTICES = 5_000_000


@dataclass(frozen=True)
class RepairReport:
    """What repair changed, for report.json."""

    faces_before: int
    faces_after: int
    vertices_before: int
    vertices_after: int
    degenerate_faces_removed: int
    duplicate_faces_removed: int
    normals_fixed: bool

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def validate(mesh: trimesh.Trimesh) -> None:
    """Refuse meshes no repair can save. Raises MeshError naming the problem."""
    faces, vertices = len(mesh.faces), len(mesh.vertices)
    if faces == 0 or vertices < 3:
        raise MeshError(f"the mesh is empty ({vertices} vertices, {faces} faces)")
    if faces > MAX_INPUT_FACES or vertices > MAX_INPUT_VERTICES:
        raise MeshError(
            f"the mesh is too large ({faces:,} faces, {vertices:,} vertices; "
            f"at most {MAX_INPUT_FACES:,} of each)"
        )
    if not np.isfinite(mesh.vertices).all():
        raise MeshError("the mesh has non-finite (NaN or infinite) vertex coordinates")
    if mesh.faces.min() < 0 or mesh.faces.max() >= vertices:
        raise MeshError("the mesh has faces that point at vertices it does not have")
    if float(np.ptp(mesh.vertices, axis=0).max()) <= 0:
        raise MeshError("the mesh has no extent (every vertex is at one point)")


def repair(mesh: trimesh.Trimesh) -> tuple[trimesh.Trimesh, RepairReport]:
    """A validated, repaired copy: vertices merged (UV seams kept), degenerate and duplicate faces
    dropped, unreferenced vertices removed, winding made consistent and normals pointing out.

    Raises MeshError (see `validate`), also when nothing is left after repair.
    """
    import trimesh

    validate(mesh)
    fixed = mesh.copy()
    faces_before, vertices_before = len(fixed.faces), len(fixed.vertices)
    fixed.merge_vertices()
    nondegenerate = fixed.nondegenerate_faces()
    fixed.update_faces(nondegenerate)
    unique = fixed.unique_faces()
    fixed.update_faces(unique)
    fixed.remove_unreferenced_vertices()
    if len(fixed.faces) == 0:
        raise MeshError("the mesh is empty after removing degenerate faces")
    # Winding and normals are a property of the surface, not of UV seams: fix them on a copy
    # with seams merged, then carry the result back face by face.
    geometry = trimesh.Trimesh(fixed.vertices, fixed.faces, process=False)
    geometry.merge_vertices(merge_tex=True, merge_norm=True)
    before = _face_directions(geometry)
    trimesh.repair.fix_normals(geometry, multibody=True)
    flipped = np.einsum("ij,ij->i", before, _face_directions(geometry)) < 0
    normals_fixed = bool(flipped.any())
    if normals_fixed:
        faces = fixed.faces.copy()
        faces[flipped] = faces[flipped][:, ::-1]
        fixed.faces = faces
    report = RepairReport(
        faces_before=faces_before,
        faces_after=len(fixed.faces),
        vertices_before=vertices_before,
        vertices_after=len(fixed.vertices),
        degenerate_faces_removed=int((~nondegenerate).sum()),
        duplicate_faces_removed=int((~unique).sum()),
        normals_fixed=normals_fixed,
    )
    return fixed, report


def geometry_only(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """The bare surface with UV-seam copies of a vertex (exactly equal positions) merged, for
    topology checks and decimation. Distinct vertices stay distinct, however close."""
    return _seams_merged(mesh)[0]


def seamless_vertex_normals(mesh: trimesh.Trimesh) -> np.ndarray:
    """Vertex normals averaged across UV seams, so a seam does not show as a shading crease."""
    surface, merged_index = _seams_merged(mesh)
    return np.asarray(surface.vertex_normals)[merged_index]


def _seams_merged(mesh: trimesh.Trimesh) -> tuple[trimesh.Trimesh, np.ndarray]:
    """`geometry_only`'s surface and, for each of the mesh's vertices, its vertex there."""
    import trimesh

    position, inverse = np.unique(mesh.vertices, axis=0, return_index=True, return_inverse=True)[1:]
    merged_index = inverse.reshape(-1)
    return trimesh.Trimesh(mesh.vertices[position], merged_index[mesh.faces], process=False), merged_index


def _face_directions(mesh: trimesh.Trimesh) -> np.ndarray:
    triangles = mesh.vertices[mesh.faces]
    return np.cross(triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0])


