"""GLB bytes the fake services return: a clean textured model, a holey vertex-coloured draft, junk."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image


def textured_box_glb(size: float = 0.2) -> bytes:
    """A closed box with UVs and a small texture image, like a Tripo model."""
    box = trimesh.creation.box((size, size * 1.5, size))
    uv = (box.vertices[:, :2] - box.vertices[:, :2].min(axis=0)) / np.ptp(box.vertices[:, :2], axis=0)
    texture = Image.fromarray((np.random.default_rng(1).random((16, 16, 3)) * 255).astype(np.uint8))
    box.visual = trimesh.visual.TextureVisuals(uv=uv, image=texture)
    return box.export(file_type="glb")


def holey_vertex_coloured_glb() -> bytes:
    """A cylinder with its caps cut off and vertex colours, like a Shap-E draft."""
    mesh = trimesh.creation.cylinder(radius=0.05, height=0.12, sections=32)
    normals_z = np.abs(mesh.face_normals[:, 2])
    mesh.update_faces(normals_z < 0.9)  # drop the caps: the tube has two holes
    mesh.remove_unreferenced_vertices()
    colours = np.tile(np.array([[200, 80, 40, 255]], dtype=np.uint8), (len(mesh.vertices), 1))
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=colours)
    return mesh.export(file_type="glb")


CORRUPT_GLB = b"glTF\x02\x00\x00\x00" + b"\x00" * 12 + b"this is not a model"
