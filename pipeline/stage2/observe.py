"""Gather what the quality score judges: the photo's own cut-outs, renders of the final model, its pieces."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pipeline.stage2.evidence import ModelViews, PhotoCutouts

if TYPE_CHECKING:
    import trimesh
    from PIL import Image

    from pipeline.stage2.bounded import BoundedCall, BoundedCalls

__all__ = ["mesh_pieces", "photo_cutouts", "render_views", "view_calls", "views_from"]

# The cut-outs are made at this size; the score compares shapes, not fine detail.
CUTOUT_SIDE = 512
# A connected part with fewer than this share of the faces is debris, not a piece.
_PIECE_FACE_SHARE = 0.005
# Rotations that bring the side (+X) and the top (+Y) to face the front camera (+Z).
_TO_SIDE = np.array([[0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
_TO_TOP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
_TO_BACK = np.array([[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]])


def photo_cutouts(image: Image.Image, name: str = "image") -> PhotoCutouts:
    """Cut the product out of the photo twice, independently of any generator: learned and classical.

    A transparent photo is laid over white first, so both methods see a studio shot. A method
    that cannot cut the photo (the model is not installed; a busy background) leaves its mask
    None and a note why. Raises ImageError (as the cut-outs do) only when neither finds a product.
    """
    from PIL import Image

    from pipeline.errors import ImageError
    from pipeline.photos.cutout import CutoutUnavailable
    from pipeline.photos.images import fit_within
    from pipeline.photos.segmentation import classical_mask, learned_mask

    small = fit_within(image, CUTOUT_SIDE).convert("RGBA")
    flat = Image.new("RGBA", small.size, (255, 255, 255, 255))
    flat.alpha_composite(small)
    rgb = flat.convert("RGB")
    notes: list[str] = []
    learned: np.ndarray | None = None
    classical: np.ndarray | None = None
    errors: list[ImageError] = []
    try:
        learned = learned_mask(rgb, name).mask
    except CutoutUnavailable as exc:
        notes.append(f"the learned cut-out is unavailable ({exc})")
    except ImageError as exc:
        notes.append(f"the learned cut-out found no product ({exc})")
        errors.append(exc)
    try:
        found = classical_mask(rgb, name)
        if found.warnings:  # a busy background: the "cut-out" is the whole photo
            notes.extend(found.warnings)
        else:
            classical = found.mask
    except ImageError as exc:
        notes.append(f"the classical cut-out found no product ({exc})")
        errors.append(exc)
    if learned is None and classical is None and errors:
        raise errors[0]
    return PhotoCutouts(np.asarray(rgb), learned, classical, tuple(notes))


def render_views(mesh: trimesh.Trimesh, *, time_limit_s: float) -> ModelViews:
    """Unlit orthographic renders of the model from the front, the side (+X), above (+Y) and behind.

    Raises ExportError when no headless EGL context can be made, StageTimeoutError when a render
    does not finish within `time_limit_s`.
    """
    from pipeline.stage2.bounded import BoundedCalls

    with BoundedCalls(view_calls(mesh), limit_s=time_limit_s) as renders:
        return views_from(renders)


def view_calls(mesh: trimesh.Trimesh) -> list[BoundedCall]:
    """The four renders `render_views` makes, as calls for a render child shared with others
    (bounded.BoundedCalls); `views_from` reads their results. Raises ExportError for a mesh
    with non-finite coordinates."""
    from pipeline.stage2.poster import front_view_call

    return [
        front_view_call(mesh),
        front_view_call(mesh, turned=_TO_SIDE, what="the side view render"),
        front_view_call(mesh, turned=_TO_TOP, what="the top view render"),
        front_view_call(mesh, turned=_TO_BACK, what="the back view render"),
    ]


def views_from(renders: BoundedCalls, first: int = 0) -> ModelViews:
    """The views from `view_calls`' results, placed in `renders` from index `first`.

    Raises what a render raised (ExportError, StageTimeoutError).
    """
    front, side, top, back = (renders.result(first + index) for index in range(4))
    return ModelViews(front_rgb=front.rgb, front=front.mask, side=side.mask, top=top.mask, back_rgb=back.rgb,
                      back=back.mask)


def mesh_pieces(mesh: trimesh.Trimesh) -> int:
    """Connected parts of the surface (UV seams merged), not counting debris."""
    import trimesh

    from pipeline.stage2.mesh_repair import geometry_only

    surface = geometry_only(mesh)
    if len(surface.faces) == 0:
        return 0
    labels = trimesh.graph.connected_component_labels(surface.face_adjacency, node_count=len(surface.faces))
    sizes = np.bincount(labels)
    return int((sizes >= _PIECE_FACE_SHARE * len(surface.faces)).sum())
