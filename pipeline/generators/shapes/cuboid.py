"""Box-like products: a cuboid with slightly rounded edges, the photo on the faces it shows."""

from __future__ import annotations

import math

import numpy as np

from pipeline.generators.shapes.surface import Surface, photo_uv

# Edges are rounded by this share of the box's smallest side (at most), in this many steps.
_EDGE_ROUNDING = 0.06
_BAND_STEPS = 3


def cuboid(mask: np.ndarray, depth_px: float, elevation_deg: float) -> Surface:
    """The box that, seen from `elevation_deg` above, covers the silhouette's bounding box.

    Its width is the silhouette's; its depth `depth_px`; its height what is left of the
    silhouette's height once the top (depth × sin e) is taken off, unsqueezed by cos e.
    """
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = float(xs.min()), float(xs.max() + 1), float(ys.min()), float(ys.max() + 1)
    radians = math.radians(elevation_deg)
    seen_height = y1 - y0
    height = max(0.3 * seen_height, (seen_height - depth_px * math.sin(radians)) / math.cos(radians))
    half = np.array([(x1 - x0) / 2, height / 2, max(depth_px, 1e-3) / 2])
    positions, faces = rounded_box(half, _EDGE_ROUNDING * 2 * half.min())
    # Centre it under the silhouette: its seen centre row is the silhouette's.
    positions += [(x0 + x1) / 2, -(y0 + y1) / 2 / math.cos(radians) if elevation_deg else -(y0 + y1) / 2, 0.0]
    return Surface(positions, faces, photo_uv(positions, (mask.shape[1], mask.shape[0]), elevation_deg))


def rounded_box(half: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """A closed box of half-extents `half` centred on the origin, edges rounded by `radius`.

    Each face is a grid whose outer cells lie in the rounding band; the grid points are pushed
    onto the rounded surface (the nearest point of the inner box plus `radius` along the way out).
    """
    import trimesh

    radius = float(min(radius, half.min() * 0.999))
    inner = half - radius
    steps = np.tan(np.linspace(0, np.pi / 4, _BAND_STEPS + 1))[1:]
    axes = [np.concatenate([-inner[i] - radius * steps[::-1], [-inner[i], inner[i]], inner[i] + radius * steps])
            for i in range(3)]
    vertices, faces = [], []
    for axis in range(3):
        u_axis, v_axis = [a for a in range(3) if a != axis]
        for sign in (-1.0, 1.0):
            u, v = np.meshgrid(axes[u_axis], axes[v_axis], indexing="ij")
            grid = np.zeros((*u.shape, 3))
            grid[..., u_axis], grid[..., v_axis], grid[..., axis] = u, v, sign * half[axis]
            n_u, n_v = u.shape
            index = np.arange(n_u * n_v).reshape(n_u, n_v) + sum(len(v_) for v_ in vertices)
            a, b, c, d = index[:-1, :-1], index[1:, :-1], index[:-1, 1:], index[1:, 1:]
            quads = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
            # (u, v, axis) is right-handed for axis 0 and 2 and left-handed for 1; flip to face outwards.
            outward = sign * (1.0 if axis != 1 else -1.0) > 0
            faces.append(quads if outward else quads[:, ::-1])
            vertices.append(grid.reshape(-1, 3))
    mesh = trimesh.Trimesh(np.vstack(vertices), np.vstack(faces), process=True)
    points = np.asarray(mesh.vertices)
    nearest = np.clip(points, -inner, inner)
    away = points - nearest
    length = np.linalg.norm(away, axis=1, keepdims=True)
    rounded = nearest + radius * away / np.maximum(length, 1e-12)
    return rounded, np.asarray(mesh.faces)
