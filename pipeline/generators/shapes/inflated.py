"""Shapes grown from the silhouette by marching cubes: the free-form pillow, the garment shell, the flat slab."""

from __future__ import annotations

from typing import Literal

import numpy as np

from pipeline.generators.shapes.surface import Surface, photo_uv

# How the thickness rises from the rim inwards: a pillow's rounded edge, a garment's thin one, a slab's flat faces.
Profile = Literal["pillow", "shell", "slab"]
# Marching cubes makes about this many faces per grid cell the product covers (front, back, rim).
FACES_PER_CELL = 9.0
MIN_RESOLUTION = 48
_SHELL_REACH = 0.35


def inflate(mask: np.ndarray, resolution: int, half_depth_px: float, profile: Profile) -> Surface:
    """Marching cubes over |z| < height(x, y) on a grid `resolution` cells along the mask's longer side.

    `half_depth_px` is half the thickness at the thickest point, in mask pixels. The rim is the
    silhouette: a pillow's height rises elliptically over the distance to the rim; a shell's
    rises the same way over a third of it (thin at the edges, evenly full inside); a slab's is
    flat but for a cell-wide rounding at its rim.
    """
    from PIL import Image
    from scipy import ndimage
    from skimage.measure import marching_cubes

    grid_scale = resolution / max(mask.shape)
    # Area-averaged coverage keeps sub-pixel rim positions; 0.5 is the silhouette.
    coverage = np.asarray(
        Image.fromarray(mask.astype(np.float32)).resize(
            (max(2, round(mask.shape[1] * grid_scale)), max(2, round(mask.shape[0] * grid_scale))),
            Image.Resampling.BOX,
        )
    )
    coverage = np.pad(coverage, 2)
    inside = coverage >= 0.5
    signed = ndimage.distance_transform_edt(inside) - ndimage.distance_transform_edt(~inside)
    signed = ndimage.gaussian_filter(signed + (coverage - 0.5), 0.8)
    rim = max(float(signed.max()), 1.0)
    half_depth = half_depth_px * grid_scale
    if profile == "slab":
        half_depth = max(1.0, half_depth)
        t = np.clip(signed / min(rim, 1.5), 0, 1)
        height = np.where(signed > 0, half_depth * np.sqrt(t * (2 - t)), signed)
        z_step = max(0.25, 2 * half_depth / 12)
    else:
        half_depth = max(1.0, min(rim, half_depth))
        # A pillow swells all the way to its middle; a shell reaches its thickness a third of the way in.
        reach = rim if profile == "pillow" else max(1.0, _SHELL_REACH * rim)
        t = np.clip(signed / reach, 0, 1)
        height = np.where(signed > 0, half_depth * np.sqrt(t * (2 - t)), signed)
        z_step = max(1.0, 2 * half_depth / 48)
    z = np.arange(-half_depth - 2 * z_step, half_depth + 2 * z_step + 1e-9, z_step)
    volume = height[:, :, None] - np.abs(z)[None, None, :]
    verts, faces, _, _ = marching_cubes(
        volume.astype(np.float32), 0.0, spacing=(1.0, 1.0, z_step), allow_degenerate=False
    )
    # Grid cell centres back to mask pixels; Y up from the crop's top edge.
    cols = (verts[:, 1] - 2 + 0.5) / grid_scale
    rows = (verts[:, 0] - 2 + 0.5) / grid_scale
    positions = np.column_stack([cols, -rows, (verts[:, 2] + z[0]) / grid_scale])
    crop = (mask.shape[1], mask.shape[0])
    return Surface(positions, faces, photo_uv(positions, crop))


def resolution_for(mask: np.ndarray, max_faces: int | None, ceiling: int) -> int:
    """The grid size that should keep marching cubes within `max_faces` (None: `ceiling`)."""
    if max_faces is None:
        return ceiling
    cells = max_faces / FACES_PER_CELL / max(float(mask.mean()), 0.05)
    aspect = max(mask.shape) / min(mask.shape)
    return int(np.clip(np.sqrt(cells * aspect), MIN_RESOLUTION, ceiling))


def inflate_within(mask: np.ndarray, resolution: int, max_faces: int | None, half_depth_px: float,
                   profile: Profile) -> Surface:
    """`inflate`, refining the grid down until the face budget is met (the estimate is rough for thin shapes)."""
    surface = inflate(mask, resolution, half_depth_px, profile)
    while max_faces is not None and len(surface.faces) > max_faces and resolution > MIN_RESOLUTION:
        resolution = max(MIN_RESOLUTION, int(resolution * 0.97 * np.sqrt(max_faces / len(surface.faces))))
        surface = inflate(mask, resolution, half_depth_px, profile)
    return surface
