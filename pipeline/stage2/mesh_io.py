"""Read a mesh from untrusted bytes (a remote generator's output): explicit type, nothing remote."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from pipeline.errors import MeshError

if TYPE_CHECKING:
    import trimesh

# Self-contained formats only: a .gltf's external buffers would need a resolver (file or URL).
READABLE_TYPES = ("glb", "obj", "ply", "stl", "off")
MAX_MESH_BYTES = 256 * 1024 * 1024


def load_mesh(data: bytes, file_type: str) -> trimesh.Trimesh:
    """Parse `data` as `file_type` into one mesh (a scene's parts concatenated, textures packed).

    No resolver is given and remote loading is off, so a file cannot make trimesh read other
    files or URLs. Raises MeshError for an unsupported type, oversize or unreadable data, or an
    empty or non-finite result; validation and repair are Stage 2's (pipeline.stage2.mesh_repair).
    """
    import numpy as np
    import trimesh

    kind = file_type.lower().lstrip(".")
    if kind not in READABLE_TYPES:
        raise MeshError(f"cannot read {file_type!r} meshes: use one of {', '.join(READABLE_TYPES)}")
    if not data:
        raise MeshError(f"the {kind.upper()} data is empty")
    if len(data) > MAX_MESH_BYTES:
        raise MeshError(f"the {kind.upper()} data is too large ({len(data):,} bytes; at most {MAX_MESH_BYTES:,})")
    try:
        loaded = trimesh.load(io.BytesIO(data), file_type=kind, force="mesh", resolver=None, allow_remote=False)
    except Exception as exc:  # parsers raise anything from ValueError to struct.error on bad bytes
        raise MeshError(f"cannot read the {kind.upper()} data: {exc.__class__.__name__}: {exc}") from exc
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise MeshError(f"the {kind.upper()} data holds no triangles")
    if not np.isfinite(loaded.vertices).all():
        raise MeshError(f"the {kind.upper()} data has non-finite vertices")
    return loaded
