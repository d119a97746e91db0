"""Small textured meshes for Stage 2 tests, with UVs that are a known function of position."""

from __future__ import annotations

import io

import numpy as np
import trimesh
from PIL import Image


def gradient_texture(size: int = 256) -> Image.Image:
    """u in red, v in green: a texel's colour says where it is; re-read from JPEG like a photo."""
    ramp = np.linspace(0, 255, size, dtype=np.float64)
    pixels = np.zeros((size, size, 3), dtype=np.uint8)
    pixels[..., 0] = ramp[None, :]
    pixels[..., 1] = ramp[::-1, None]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=95)
    buffer.seek(0)
    image = Image.open(buffer)
    image.load()
    return image


def planar_uv(vertices: np.ndarray) -> np.ndarray:
    """Front projection: u from x, v from y, over the unit sphere's [-1, 1] square."""
    return (vertices[:, :2] + 1.0) / 2.0


def textured_sphere(subdivisions: int = 4, texture_size: int = 256) -> trimesh.Trimesh:
    """A unit icosphere with front-projected UVs and a PBR gradient texture."""
    sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
    material = trimesh.visual.material.PBRMaterial(
        baseColorTexture=gradient_texture(texture_size), metallicFactor=0.0, roughnessFactor=0.7
    )
    sphere.visual = trimesh.visual.TextureVisuals(uv=planar_uv(sphere.vertices), material=material)
    return sphere


def two_chart_sphere(subdivisions: int = 4) -> trimesh.Trimesh:
    """A sphere whose front (z ≥ 0) and back faces use the left and right halves of an atlas,
    with the seam vertices split, as a generator with a back photo makes it."""
    sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
    back = sphere.vertices[sphere.faces].mean(axis=1)[:, 2] < 0
    keys = sphere.faces * 2 + back[:, None]
    unique, inverse = np.unique(keys.ravel(), return_inverse=True)
    source, on_back = unique // 2, unique % 2
    vertices = sphere.vertices[source]
    uv = planar_uv(vertices)
    uv[:, 0] = uv[:, 0] / 2 + on_back * 0.5
    mesh = trimesh.Trimesh(vertices, inverse.reshape(-1, 3), process=False)
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=gradient_texture(), metallicFactor=0.0)
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return mesh
