"""Decimate to a face budget with fast-simplification, re-projecting UVs onto the original surface."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import PermanentPipelineError
from pipeline.stage2.mesh_repair import geometry_only

if TYPE_CHECKING:
    import trimesh
    from scipy.spatial import cKDTree

MIN_FACE_BUDGET = 100
MAX_FACE_BUDGET = 2_000_000
# fast-simplification's collapse schedules, tried in turn until one keeps a closed surface closed.
_AGGRESSIVENESS = (7, 9, 5, 3)
# Nearest triangle centroids examined per point, in rounds, before the exact r-tree query.
_CANDIDATES = (16, 64)


def check_face_budget(face_budget: int) -> int:
    """Return the budget if usable. Raises PermanentPipelineError naming the allowed range."""
    if isinstance(face_budget, bool) or not isinstance(face_budget, int):
        raise PermanentPipelineError(f"face budget {face_budget!r} is not a whole number")
    if not MIN_FACE_BUDGET <= face_budget <= MAX_FACE_BUDGET:
        raise PermanentPipelineError(
            f"face budget {face_budget:,} is out of range: use {MIN_FACE_BUDGET:,} to {MAX_FACE_BUDGET:,} faces"
        )
    return face_budget


def decimate(mesh: trimesh.Trimesh, face_budget: int) -> trimesh.Trimesh:
    """A copy with at most about `face_budget` faces, keeping its texture.

    fast-simplification collapses edges on the bare surface (UV seams merged, so no cracks open;
    a closed surface is kept closed, trying other collapse schedules if one pinches it) and drops UVs; every new vertex is then projected onto the original surface and takes the
    barycentric UV there. Each new face belongs to the UV chart (island) under its centroid, and
    its corners take UVs from that chart, so faces along a seam do not smear across the atlas.
    Raises PermanentPipelineError for an unusable budget.
    """
    import fast_simplification
    import trimesh

    check_face_budget(face_budget)
    if len(mesh.faces) <= face_budget:
        return mesh.copy()
    surface = geometry_only(mesh)
    reduction = 1.0 - face_budget / len(surface.faces)
    closed = _bad_edges(surface.faces, len(surface.vertices)) == 0
    for aggressiveness in _AGGRESSIVENESS:
        points, faces = fast_simplification.simplify(
            surface.vertices.astype(np.float32), surface.faces, target_reduction=reduction, agg=aggressiveness
        )
        # Edge collapses can pinch two sheets of a thin part into a non-manifold edge; another
        # collapse order usually does not. A closed surface must stay closed.
        if not closed or _bad_edges(faces, len(points)) == 0:
            break
    points = points.astype(np.float64)
    uv = getattr(mesh.visual, "uv", None)
    if uv is None or len(uv) != len(mesh.vertices):
        return trimesh.Trimesh(points, faces, process=False)
    vertices, faces, new_uv = _reproject_uv(mesh, np.asarray(uv, dtype=np.float64), points, faces)
    result = trimesh.Trimesh(vertices, faces, process=False)
    result.visual = trimesh.visual.TextureVisuals(uv=new_uv, material=getattr(mesh.visual, "material", None))
    return result


def _reproject_uv(
    original: trimesh.Trimesh, uv: np.ndarray, points: np.ndarray, faces: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from scipy.spatial import cKDTree

    triangles = original.vertices[original.faces]
    charts = _uv_charts(original)
    centroid_tree = cKDTree(triangles.mean(axis=1))
    _, nearest = centroid_tree.query(points[faces].mean(axis=1))
    face_chart = charts[nearest]
    on_surface, vertex_triangle = closest_triangles(triangles, points, centroid_tree)
    # A corner whose vertex projects into another chart than its face's gets its own vertex,
    # projected onto that chart alone.
    corner_vertex = faces.ravel()
    corner_chart = np.repeat(face_chart, 3)
    keys = corner_vertex.astype(np.int64) * (int(charts.max()) + 1) + corner_chart
    unique_keys, corner_index = np.unique(keys, return_inverse=True)
    key_vertex = unique_keys // (int(charts.max()) + 1)
    key_chart = unique_keys % (int(charts.max()) + 1)
    key_point = on_surface[key_vertex]
    key_triangle = vertex_triangle[key_vertex]
    for chart in np.unique(key_chart[charts[key_triangle] != key_chart]):
        wanted = np.nonzero((key_chart == chart) & (charts[key_triangle] != key_chart))[0]
        members = np.nonzero(charts == chart)[0]
        point, local = closest_triangles(triangles[members], points[key_vertex[wanted]])
        key_point[wanted] = point
        key_triangle[wanted] = members[local]
    corners = original.faces[key_triangle]
    weights = np.nan_to_num(_barycentric(triangles[key_triangle], key_point), nan=1 / 3)
    new_uv = np.einsum("ij,ijk->ik", weights, uv[corners])
    return points[key_vertex], corner_index.reshape(faces.shape), new_uv


def closest_triangles(
    triangles: np.ndarray, points: np.ndarray, centroid_tree: cKDTree | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """For each point, the closest point on any of `triangles` (n, 3, 3) and that triangle's index.

    Candidates are the triangles with the nearest centroids (a k-d tree). The answer is exact
    when the bound |p - centroid| - radius rules out every triangle not examined; points where it
    cannot are asked again with more candidates, and finally of trimesh's exact r-tree query.
    """
    import trimesh
    from scipy.spatial import cKDTree

    centroids = triangles.mean(axis=1)
    tree = centroid_tree if centroid_tree is not None else cKDTree(centroids)
    radius = float(np.linalg.norm(triangles - centroids[:, None, :], axis=2).max())
    closest = np.empty_like(points)
    index = np.empty(len(points), dtype=np.int64)
    todo = np.arange(len(points))
    for k in _CANDIDATES:
        k = min(k, len(triangles))
        centre_distance, candidates = tree.query(points[todo], k=k)
        candidates = candidates.reshape(len(todo), k)
        repeated = np.repeat(points[todo], k, axis=0)
        flat = trimesh.triangles.closest_point(triangles[candidates.ravel()], repeated)
        distance = np.linalg.norm(flat - repeated, axis=1).reshape(len(todo), k)
        best = distance.argmin(axis=1)
        rows = np.arange(len(todo))
        closest[todo] = flat.reshape(len(todo), k, 3)[rows, best]
        index[todo] = candidates[rows, best]
        if k == len(triangles):
            return closest, index
        sure = distance[rows, best] <= np.reshape(centre_distance, (len(todo), k))[:, -1] - radius
        todo = todo[~sure]
        if len(todo) == 0:
            return closest, index
    exact = trimesh.Trimesh(triangles.reshape(-1, 3), np.arange(len(triangles) * 3).reshape(-1, 3), process=False)
    closest[todo], _, index[todo] = trimesh.proximity.closest_point(exact, points[todo])
    return closest, index


def _barycentric(triangles: np.ndarray, points: np.ndarray) -> np.ndarray:
    import trimesh

    with np.errstate(divide="ignore", invalid="ignore"):
        return trimesh.triangles.points_to_barycentric(triangles, points)


def _bad_edges(faces: np.ndarray, vertex_count: int) -> int:
    """Edges not shared by exactly two faces (open or non-manifold)."""
    edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1).astype(np.int64)
    _, counts = np.unique(edges[:, 0] * vertex_count + edges[:, 1], return_counts=True)
    return int((counts != 2).sum())


def _uv_charts(mesh: trimesh.Trimesh) -> np.ndarray:
    """Label each face with its UV chart: faces that share a vertex (seams are split) share a chart."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    faces = len(mesh.faces)
    rows = np.repeat(np.arange(faces), 3)
    cols = faces + mesh.faces.ravel()
    size = faces + len(mesh.vertices)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    _, charts = np.unique(labels[:faces], return_inverse=True)
    return charts
