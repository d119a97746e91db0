"""Caps and hats: a domed crown revolved from the silhouette, and a visor or a ring brim at its base."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pipeline.generators.shapes.camera import Camera
from pipeline.generators.shapes.classify import HeadwearKind
from pipeline.generators.shapes.revolved import Body, find_body, revolve
from pipeline.generators.shapes.surface import Surface

# What sits at the crown's base: a cap's visor forward, a hat's brim all round, or nothing (a beanie).
Brim = Literal["visor", "ring", "none"]
# A row this much wider than the crown above it (within a few rows) is where the brim begins.
_BRIM_STEP = 1.03
_BRIM_STEP_SHARE = 0.04
# The brim is only believed when it reaches this far past the crown's widest row.
_MIN_BRIM_WIDTH = 1.05
# A knit hat's cuff is no brim: a band under the crown at least this share of the height, at most
# this much wider than the crown (a folded rib a few millimetres thick; a brim reaches out).
_CUFF_MIN_HEIGHT = 0.12
_CUFF_MAX_WIDEN = 1.2
# A dome: its top rows are much narrower than its base, its height a believable share of its width.
_DOME_TOP_SHARE = 0.15
_MAX_DOME_TOP_WIDTH = 0.75
_DOME_HEIGHT_RANGE = (0.3, 1.6)
# A cap's visor reaches this share of the crown's width in front of it (the photo, taken from the
# front, does not show its length); it is this share of the crown's width thick, and starts this
# far inside the crown, so no gap shows.
_VISOR_LENGTH = 0.6
_BRIM_THICKNESS = 0.025
_TUCK = 0.85
# How far a brim seen from straight ahead may tilt down forwards (a worn cap's visor) and curl
# down at its sides (a curved visor's tips).
_MAX_BRIM_TILT_DEG = 20.0
_MAX_BRIM_CURL_DEG = 45.0
# A hat's brim reaches at least this far past its crown's radius.
_MIN_RING_REACH = 1.1
_BRIM_RINGS = 10
# The crown takes this share of the face budget; the brim the rest.
_CROWN_SHARE = 0.8


@dataclass(frozen=True)
class HeadwearSilhouette:
    """The front silhouette read as a hat: the crown above `base_row` (mask rows), the brim band
    below it `brim_width` wide (0 when none shows) between the columns `brim_span`, and whether
    the crown is a dome."""

    crown: np.ndarray  # the mask with the brim band's rows cleared
    base_row: int
    brim_width: float
    brim_span: tuple[float, float]
    crown_width: float
    dome: bool
    why: str
    cuff: bool = False


def read_headwear(mask: np.ndarray, *, cuffed: bool = False) -> HeadwearSilhouette:
    """Split the silhouette into a crown and the brim band under it, and say whether the crown is
    a dome (narrow at the top, widest near its base, about as tall as it is wide or less).

    The brim begins where the rows widen suddenly below the crown, in the lower 60 % of the height;
    a silhouette that never does is all crown. `cuffed` (a hat or a beanie, not a cap): a band at
    least _CUFF_MIN_HEIGHT of the height and at most _CUFF_MAX_WIDEN the crown's width is a knit
    hat's cuff, part of the crown, not a brim. Raises ValueError for an empty mask.
    """
    rows = np.nonzero(mask.any(axis=1))[0]
    if not len(rows):
        raise ValueError("the mask is empty")
    top, bottom = int(rows.min()), int(rows.max()) + 1
    height = bottom - top
    widths = np.zeros(mask.shape[0])
    for row in rows:
        columns = np.nonzero(mask[row])[0]
        widths[row] = columns.max() + 1 - columns.min()
    step = max(2, round(_BRIM_STEP_SHARE * height))
    base = bottom
    for row in range(top + round(0.4 * height), bottom):
        if widths[row] > _BRIM_STEP * widths[top : row - step + 1].max(initial=0.0):
            base = row - step
            break
    crown_width = float(widths[top:base].max(initial=0.0))
    brim_width = float(widths[base:bottom].max(initial=0.0))
    cuff = ""
    if cuffed and base < bottom and brim_width and (bottom - base) >= _CUFF_MIN_HEIGHT * height \
            and brim_width <= _CUFF_MAX_WIDEN * crown_width:
        cuff = (f"a cuff {(bottom - base) / height:.0%} of its height, {brim_width / crown_width:.2f}× the crown's "
                "width, under it (no brim); ")
    if base == bottom or brim_width < _MIN_BRIM_WIDTH * crown_width or cuff:
        base, crown_width, brim_width = bottom, float(widths.max()), 0.0
    band_columns = np.nonzero(mask[base:bottom].any(axis=0))[0] if brim_width else np.array([0, -1])
    brim_span = (float(band_columns.min()), float(band_columns.max() + 1))
    crown = mask.copy()
    crown[base:] = False
    crown_height = base - top
    top_rows = widths[top : top + max(1, round(_DOME_TOP_SHARE * crown_height))]
    widest_row = top + int(np.argmax(widths[top:base]))
    low, high = _DOME_HEIGHT_RANGE
    if not low <= crown_height / max(crown_width, 1.0) <= high:
        dome, why = False, f"the crown is {crown_height / max(crown_width, 1.0):.2f} as tall as wide"
    elif top_rows.mean() > _MAX_DOME_TOP_WIDTH * crown_width:
        dome, why = False, f"its top is {top_rows.mean() / crown_width:.0%} as wide as its base, not a dome"
    elif widest_row < top + crown_height / 2:
        dome, why = False, "it is widest in its upper half, not at its base"
    else:
        dome, why = True, (f"a dome {crown_height / crown_width:.2f} as tall as wide, its top "
                           f"{top_rows.mean() / crown_width:.0%} as wide as its base")
    return HeadwearSilhouette(crown, base, brim_width, brim_span, crown_width, dome, cuff + why, bool(cuff))


def headwear(mask: np.ndarray, silhouette: HeadwearSilhouette, brim: Brim, camera: Camera, *,
             max_faces: int | None) -> Surface:
    """The crown revolved about its axis (as deep as it is wide, the photo wrapped round it, the
    back the front seen from behind) and the brim at its base: a visor reaching forward
    (towards the camera) `_VISOR_LENGTH` of the crown's width, a ring all round, or none.

    The brim is as wide as the photo's brim band (the crown's width, at least, for a visor) and
    takes its colour from that band: its top is the band read as seen from above, inner edge at
    the crown, outer edge at the silhouette's bottom. Its outer edge is as low as `camera`
    (orthographic: no perspective) saw it there: a brim the camera looked down on stays flat, one
    seen from straight ahead slopes down (as a worn cap's visor does) and curves at its tips as
    the band does.
    """
    budget = max_faces or 40_000
    body = find_body(silhouette.crown)
    rows = np.nonzero(body.half_widths)[0]
    crown = revolve(silhouette.crown, body, camera, float(rows.min()), float(silhouette.base_row),
                    max_faces=round(_CROWN_SHARE * budget))
    if brim == "none":
        return crown
    return Surface.joined([crown, _brim(mask, silhouette, brim, camera, body, budget)])


def _brim(mask: np.ndarray, silhouette: HeadwearSilhouette, brim: Brim, camera: Camera, body: Body,
          budget: int) -> Surface:
    """The visor or the ring brim at the crown's base, as `headwear` describes it: a closed slab."""
    rows = np.nonzero(body.half_widths)[0]
    stop = float(silhouette.base_row)
    base_half = float(body.half_widths[rows.max()])
    base_height, base_radius = (float(value[0]) for value in camera.rings(np.array([stop]), np.array([base_half])))
    scale = base_radius / base_half  # model units per mask pixel at the crown's base
    centre = float(body.centres[rows.max()])
    # Each side reaches as far from the axis as the band does there (a photo's brim may sit off
    # the crown's axis a little).
    least = base_radius if brim == "visor" else _MIN_RING_REACH * base_radius
    left, right = (max(reach_px * scale, least) for reach_px in (centre - silhouette.brim_span[0],
                                                                  silhouette.brim_span[1] - centre))
    reach = base_radius * (1 + 2 * _VISOR_LENGTH) if brim == "visor" else (left + right) / 2
    segments = int(np.clip(np.sqrt(budget * (1 - _CROWN_SHARE) / 4), 16, 96))
    angles = np.linspace(-np.pi / 2, np.pi / 2, segments) if brim == "visor" else np.linspace(
        0, 2 * np.pi, segments, endpoint=False)
    spread = np.linspace(0.0, 1.0, _BRIM_RINGS)
    inner = _TUCK * base_radius * np.column_stack([np.sin(angles), np.cos(angles)])
    half_width = np.where(np.sin(angles) < 0, left, right)
    outer = np.column_stack([half_width * np.sin(angles), reach * np.cos(angles)])
    planform = inner[:, None, :] + spread[None, :, None] * (outer - inner)[:, None, :]
    thickness = max(_BRIM_THICKNESS * 2 * base_radius, 1.0)
    # Each brim point's column in the photo (its tips' within the silhouette's).
    covered = np.nonzero(mask.any(axis=0))[0]
    columns = np.clip(np.round(centre + planform[..., 0] / scale).astype(int), covered.min(), covered.max())
    lowest = mask.shape[0] - np.argmax(mask[::-1], axis=0)  # the silhouette's bottom edge, per column
    highest = np.argmax(mask, axis=0)  # and its top edge: beside the crown, the brim's

    def height_seen_at(rows: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """The height of a point `depth` from the axis that the camera shows at `rows` (a brim
        behind the crown mirrored from the front's)."""
        radians = np.radians(camera.elevation_deg)
        return ((camera.centre_row - rows) * scale + np.abs(depth) * np.sin(radians)) / np.cos(radians)

    # Along each column the brim slopes from its back (at the crown, or beside it where the
    # band's top edge shows it) down to its outer edge, whose underside shows on the silhouette's
    # bottom edge; never above the crown's base.
    x, depth = planform[..., 0], np.abs(planform[..., 1])
    back = np.sqrt(np.maximum((_TUCK * base_radius) ** 2 - x**2, 0.0))
    front = reach * np.sqrt(np.maximum(1 - (x / half_width[:, None]) ** 2, 0.0))
    back_height = np.where(np.abs(x) > base_radius, height_seen_at(highest[columns], back), base_height)
    edge_height = height_seen_at(lowest[columns], front) + thickness
    along = np.clip((depth - back) / np.maximum(front - back, 1e-9), 0.0, 1.0)
    # Seen from straight ahead (no elevation known) the band is a brim tilting down, forwards by
    # _MAX_BRIM_TILT_DEG and a visor's tips by _MAX_BRIM_CURL_DEG at most (beside a hat's crown
    # the band's top edge is its brim's back); seen from above it is the brim's top, and the brim
    # is flat (a close camera's perspective makes a flat brim's band look deeper than the
    # elevation alone would).
    tilt, curl = (np.tan(np.radians(angle)) if camera.elevation_deg == 0 else 0.0
                  for angle in (_MAX_BRIM_TILT_DEG, _MAX_BRIM_CURL_DEG if brim == "visor" else 0.0))
    back_height = np.clip(back_height, base_height - curl * np.maximum(np.abs(x) - base_radius, 0.0), base_height)
    lowest_edge = back_height - tilt * np.maximum(front - back, 0.0)
    heights = back_height + along * (np.clip(edge_height, lowest_edge, back_height) - back_height)
    top = np.stack([centre + x, np.minimum(heights, base_height), planform[..., 1]], axis=-1)
    bottom = top - [0.0, thickness, 0.0]
    # The band under the crown, read as seen from above: inner edge at the crown's base row,
    # outer edge at the silhouette's bottom edge in that column.
    band_rows = stop + spread[None, :] * np.maximum(lowest[columns] - stop, 1.0)
    uv = np.column_stack([(columns.ravel() + 0.5) / mask.shape[1], 1.0 - band_rows.ravel() / mask.shape[0]])
    positions = np.vstack([top.reshape(-1, 3), bottom.reshape(-1, 3)])
    faces = _slab_faces(segments, _BRIM_RINGS, closed_round=brim == "ring")
    return Surface(positions, faces, np.vstack([uv, uv]).clip(0, 1))


def _slab_faces(segments: int, rings: int, *, closed_round: bool) -> np.ndarray:
    """Faces of a grid slab: `segments` × `rings` points on top, as many below (top first),
    wound outwards; its edges are walled, the segments wrap round when `closed_round`."""
    count = segments * rings
    index = np.arange(count).reshape(segments, rings)
    along = np.vstack([index, index[:1]]) if closed_round else index
    a, b = along[:-1, :-1], along[1:, :-1]
    c, d = along[1:, 1:], along[:-1, 1:]
    # With the segments turning clockwise seen from above and the rings outwards, (a, c, b) faces up.
    top = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
    below = top[:, ::-1] + count
    walls = [_wall(along[:, -1], count), _wall(along[::-1, 0], count)]
    if not closed_round:
        walls += [_wall(index[0], count), _wall(index[-1, ::-1], count)]
    return np.vstack([top, below, *walls])


def _wall(edge: np.ndarray, count: int) -> np.ndarray:
    """Quads joining a run of top points to the points under them, wound as the run goes."""
    a, b = edge[:-1], edge[1:]
    return np.concatenate([np.column_stack([a, a + count, b]), np.column_stack([b, a + count, b + count])])


def brim_for(kind: HeadwearKind, silhouette: HeadwearSilhouette) -> Brim:
    """The brim to build for the headwear the words name: a plain hat has a ring brim when the
    photo shows a brim band, else none."""
    if kind == "hat":
        return "ring" if silhouette.brim_width else "none"
    return kind


def headwear_depth(silhouette: HeadwearSilhouette, brim: Brim) -> float:
    """How deep (front to back, mask pixels) `headwear` builds it: the crown, plus a visor's reach."""
    if brim == "visor":
        return silhouette.crown_width * (1 + _VISOR_LENGTH)
    if brim == "ring":
        return max(silhouette.brim_width, _MIN_RING_REACH * silhouette.crown_width)
    return silhouette.crown_width
