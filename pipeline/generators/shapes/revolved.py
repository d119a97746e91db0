"""Round products: a surface of revolution from the silhouette's profile, and what sticks out as its own part."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.generators.shapes.camera import Camera, camera_from_ends, flat_end
from pipeline.generators.shapes.inflated import inflate_within
from pipeline.generators.shapes.surface import Surface, photo_uv

# A part outside the body smaller than this share of the silhouette is a fringe, not a handle.
_MIN_PART_SHARE = 0.01
# A part (a handle) is inflated on a grid this many cells along its own box's longer side.
_PART_CELLS = 96
# A round product's upright body explains at least this share of its silhouette.
MIN_BODY_SHARE = 0.7
# One side of a row reaching this much farther from the axis than the other is a handle's root.
_ATTACHED_PART = 1.08
_MAX_PROFILE_ROWS = 120
# A silhouette's edge lies anywhere within its pixel: the profile may move this far (RMS, mask
# pixels) to become smooth, and never more than _MAX_PROFILE_SHIFT, so a real corner stays.
_PROFILE_JITTER = 0.3
_MAX_PROFILE_SHIFT = 0.5
_STEEP_PX_PER_ROW = 1.0
_STEEP_WEIGHT = 10.0
# An open vessel's wall and floor, as shares of its widest radius (a mug 8.5 cm across: 3.4 mm
# wall, 6.8 mm floor); its inside never narrows below this share of the outside.
_WALL_SHARE = 0.08
_FLOOR_SHARE = 0.16
_MIN_OPENING_SHARE = 0.3
# The body's texture is read from the photo this share of the radius inside the outline.
_EDGE_INSET = 0.025
# The photo's colour is read this far down from the rim (share of the height), on the front.
_RIM_BAND_SHARE = 0.08
# The rim in the product's colour; the inside a little darker, as it is in the shade.
_RIM_SHADE = 1.0
_INSIDE_SHADE = 0.8


@dataclass(frozen=True)
class Body:
    """The revolved body as the photo shows it: its axis column, and per mask row the centre and
    half-width of its cross-section (the centre follows a slight lean or perspective)."""

    axis: float
    half_widths: np.ndarray  # per mask row, 0 outside the body
    centres: np.ndarray  # per mask row

    @property
    def diameter(self) -> float:
        return 2.0 * float(self.half_widths.max())

    def share_of(self, mask: np.ndarray) -> float:
        """How much of the silhouette the upright body explains (a tilted bottle: little)."""
        columns = np.arange(mask.shape[1])[None, :] + 0.5
        inside = np.abs(columns - self.centres[:, None]) <= self.half_widths[:, None]
        return float((inside & mask).sum() / max(int(mask.sum()), 1))


def find_body(mask: np.ndarray, axis: float | None = None) -> Body:
    """The axis (the median centre of each row's widest run, unless the caller knows it) and, per
    row, the run around it; where one side reaches more than 8 % farther from the axis than the
    other (a handle's root) the side without the handle is mirrored about the centre of the
    body's rows around it, so the handle does not widen the body and a lean carries through."""
    from scipy import ndimage

    axis, runs = runs_about_axis(mask, axis)
    half = np.zeros(mask.shape[0])
    middle = np.full(mask.shape[0], axis)
    attached = {row: max(axis - left, right - axis) > _ATTACHED_PART * min(axis - left, right - axis)
                for row, (left, right) in runs.items()}
    # Rows next to a handle's root are widened by it a little without counting as attached:
    # the centre is read from rows farther off.
    flagged = np.zeros(mask.shape[0], dtype=bool)
    flagged[[row for row in runs if attached[row]]] = True
    margin = max(1, round(0.1 * max(right - left for left, right in runs.values())))
    near_root = ndimage.binary_dilation(flagged, iterations=margin) if flagged.any() else flagged
    clean = np.array([row for row in runs if not near_root[row]])
    for row, (left, right) in runs.items():
        if not near_root[row]:
            half[row], middle[row] = (right - left) / 2, (left + right) / 2
    for row, (left, right) in runs.items():
        if near_root[row]:
            # A handle's root and the rows its fillet widens: the body is the side without it,
            # mirrored about the centre the clean rows around it have (which follows a lean),
            # not the whole body's axis.
            centre = float(np.interp(row, clean, middle[clean])) if len(clean) else axis
            half[row] = min(centre - left, right - centre)
            middle[row] = centre
    # The body is one piece: keep its longest stretch of rows, and smooth the pixel steps.
    labels, count = ndimage.label(half > 0)
    if count > 1:
        longest = 1 + int(np.argmax(ndimage.sum(np.ones_like(half), labels, range(1, count + 1))))
        half[labels != longest] = 0
    rows = np.nonzero(half > 0)[0]
    body = slice(int(rows.min()), int(rows.max()) + 1)
    # Smoothed within the body only, so its ends keep their width.
    middle[body] = ndimage.gaussian_filter1d(ndimage.median_filter(middle[body], size=5, mode="nearest"), 1.0,
                                             mode="nearest")
    half[body] = smooth_profile(ndimage.median_filter(half[body], size=5, mode="nearest"))
    return Body(axis, np.where(half > 0, np.maximum(half, 0.5), 0.0), middle)


def runs_about_axis(mask: np.ndarray, axis: float | None = None) -> tuple[float, dict[int, tuple[float, float]]]:
    """The silhouette's axis (the median centre of each row's widest run, unless the caller knows
    it) and, for each row the axis crosses, the run (left, right columns) around it, top down."""
    padded = np.pad(mask, ((0, 0), (1, 1)))
    edges = np.diff(padded.astype(np.int8), axis=1)
    if axis is None:
        centres = []
        for row in np.nonzero(mask.any(axis=1))[0]:
            starts, ends = np.nonzero(edges[row] == 1)[0], np.nonzero(edges[row] == -1)[0]
            widest = int(np.argmax(ends - starts))
            centres.append((starts[widest] + ends[widest]) / 2)
        axis = float(np.median(centres))
    column = min(mask.shape[1] - 1, int(axis))
    runs = {}
    for row in np.nonzero(mask[:, column])[0]:
        starts, ends = np.nonzero(edges[row] == 1)[0], np.nonzero(edges[row] == -1)[0]
        run = np.nonzero((starts <= column) & (ends > column))[0][0]
        runs[int(row)] = (float(starts[run]), float(ends[run]))
    return axis, runs


def smooth_profile(half_widths: np.ndarray) -> np.ndarray:
    """The half-widths along the height without the pixel staircase of the silhouette's edge
    (which a revolved body shows as horizontal shading bands): a cubic smoothing spline that may
    move each row by a fraction of a pixel, kept within _MAX_PROFILE_SHIFT of the rows, so a
    base's edge, a rim or a bottle's shoulder keeps its corner."""
    from scipy import ndimage
    from scipy.interpolate import UnivariateSpline

    if len(half_widths) < 8:
        return half_widths
    rows = np.arange(len(half_widths), dtype=float)
    # Where the width changes fast (the rims' ellipses, a shoulder) the rows are held close, so
    # the widest row next to a rim, which sets the model's size, keeps its width.
    steep = ndimage.binary_dilation(np.abs(np.gradient(half_widths)) > _STEEP_PX_PER_ROW, iterations=2)
    weights = np.where(steep, _STEEP_WEIGHT, 1.0)
    spline = UnivariateSpline(rows, half_widths, w=weights, k=3, s=len(rows) * _PROFILE_JITTER**2)
    return np.clip(spline(rows), half_widths - _MAX_PROFILE_SHIFT, half_widths + _MAX_PROFILE_SHIFT)


def view_of(mask: np.ndarray, body: Body, centre_row: float, elevation_deg: float) -> tuple[Camera, float, float]:
    """The camera the photo was taken with and the rows between which the silhouette is the
    body's side (beyond them it shows the top's and bottom's ellipses).

    Flat ends give the camera (`camera_from_ends`, with `elevation_deg`, the size match's, as a
    hint); without one, the photo is read without perspective from `elevation_deg` above. An end
    that is not a flat disc is trimmed by the ellipse a rim of its width would show from there.
    """
    top = flat_end(mask, body.half_widths, body.centres, top=True)
    bottom = flat_end(mask, body.half_widths, body.centres, top=False)
    rows = np.nonzero(body.half_widths)[0]
    first, last = int(rows.min()), int(rows.max()) + 1
    camera = camera_from_ends(top, bottom, centre_row, elevation_deg)
    if camera is None:
        top = bottom = None
        camera = Camera.orthographic(elevation_deg, centre_row)
    # The rims' ellipses reach radius × sin(depression) past the body's ends.
    edge = max(1, round(body.diameter / 2 * math.sin(math.radians(elevation_deg))))
    start = top.row if top is not None else (
        first + body.half_widths[min(last - 1, first + 2 * edge)] * max(0.0, math.sin(camera.depression_rad(first))))
    stop = bottom.row if bottom is not None else (
        last - body.half_widths[max(first, last - 1 - 2 * edge)] * max(0.0, math.sin(camera.depression_rad(last))))
    if stop - start < 2:
        start, stop = float(first), float(last)
    return camera, float(start), float(stop)


def revolve(mask: np.ndarray, body: Body, camera: Camera, start: float, stop: float, *,
            max_faces: int | None, open_top: bool = False, principal_column: float | None = None) -> Surface:
    """The body between rows `start` and `stop` revolved about its axis and capped top and
    bottom, plus the parts outside it, each photo row read back through `camera` to the height
    and radius of the circle it shows (so a nearer, wider-looking top is not a taper). Parts (a
    handle, a spout) are inflated with a round cross-section in the upright plane through the axis.

    `open_top` hollows the body into a vessel (`_vessel`): a rim, an inner wall and a floor
    instead of the top cap, still one closed surface. The camera looks at the mask's column
    `principal_column` (default: the body's axis, a product photographed in the middle).
    """
    budget = max_faces or 40_000
    segments = int(np.clip(np.sqrt(budget / 6), 24, 72))
    # An open vessel has a wall inside as well as out: half the rings each.
    walls = 2 if open_top else 1
    count = int(np.clip(stop - start, 4, min(_MAX_PROFILE_ROWS, budget // (3 * walls * segments))))
    seen_rows = np.linspace(start, stop, count)
    seen_half = np.maximum(np.interp(seen_rows, np.arange(len(body.half_widths)) + 0.5, body.half_widths), 0.5)
    seen_centres = np.interp(seen_rows, np.arange(len(body.centres)) + 0.5, body.centres)
    heights, radii = camera.rings(seen_rows, seen_half)
    principal = body.axis if principal_column is None else principal_column
    centres = principal + (seen_centres - principal) * radii / seen_half
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    outer = _rings(centres, heights, radii, angles)
    positions = np.vstack([outer, [[centres[0], heights[0], 0.0], [centres[-1], heights[-1], 0.0]]])
    faces = _ring_faces(count, segments)
    # The photo is read a little inside the outline: its outermost texels are the edge's
    # shading and staircase, which the sides, seen edge-on in the photo, would show as streaks.
    seen = np.vstack([_rings(centres, heights, radii * (1 - _EDGE_INSET), angles), positions[-2:]])
    uv = _seen_uv(seen, camera, principal, mask.shape)
    surfaces = [Surface(positions, faces, uv) if not open_top else
                _vessel(positions[:-2], faces, uv[:-2], centres, heights, radii, angles)]
    parts = _parts(mask, body)
    if parts is not None:
        # Inflated on a grid over the parts' own box, so a thin handle is some cells across.
        rows, columns = np.nonzero(parts)
        top, left = max(0, int(rows.min()) - 2), max(0, int(columns.min()) - 2)
        box = parts[top : int(rows.max()) + 3, left : int(columns.max()) + 3]
        part = inflate_within(box, _PART_CELLS, max(2_000, budget // 4), max(box.shape), "pillow")
        drawn = part.positions + [left, -top, 0.0]
        # The part was drawn in photo pixels (Y = -row): put it where the camera saw it.
        x, y, scale = camera.to_plane(drawn[:, 0], -drawn[:, 1], principal)
        placed = np.column_stack([principal + x, y, drawn[:, 2] * scale])
        surfaces.append(Surface(placed, part.faces, photo_uv(drawn, (mask.shape[1], mask.shape[0]))))
    return Surface.joined(surfaces)


def _rings(centres: np.ndarray, heights: np.ndarray, radii: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """One horizontal circle of points per (centre, height, radius), ring after ring."""
    ring_x = centres[:, None] + radii[:, None] * np.sin(angles)[None, :]
    ring_z = radii[:, None] * np.cos(angles)[None, :]
    ring_y = np.repeat(heights[:, None], len(angles), axis=1)
    return np.column_stack([ring_x.ravel(), ring_y.ravel(), ring_z.ravel()])


def _vessel(outer: np.ndarray, faces: np.ndarray, uv: np.ndarray, centres: np.ndarray, heights: np.ndarray,
            radii: np.ndarray, angles: np.ndarray) -> Surface:
    """The revolved body (its rings `outer`, top ring first, then its bottom centre: `faces` from
    `_ring_faces`) opened at the top: a flat rim `_WALL_SHARE` of the widest radius wide, an inner
    wall following the outside inset by as much, and a floor `_FLOOR_SHARE` above the base.

    The rim and the inside are shaded plainly in the colour the photo shows just below the rim
    on the front (no photo stretched inside); the rim's outer edge shares the outside's top ring
    and the inside's top ring is the rim's inner edge, so the surface stays closed.
    """
    segments, count = len(angles), len(heights)
    widest = float(radii.max())
    # A vessel too shallow for its floor (a saucer-like bowl) has it halfway up.
    wall = _WALL_SHARE * widest
    floor = heights[-1] + min(_FLOOR_SHARE * widest, (heights[0] - heights[-1]) / 2)
    # The inside: the outside's rings above the floor (not one as good as on it), then one at the floor.
    above = heights > floor + 1e-3 * (heights[0] - heights[-1])
    inner_heights = np.append(heights[above], floor)

    def outer_at(values: np.ndarray) -> np.ndarray:
        return np.interp(inner_heights, heights[::-1], values[::-1])  # np.interp needs rising heights

    inner_radii = np.maximum(outer_at(radii) - wall, _MIN_OPENING_SHARE * outer_at(radii))
    inner_centres = outer_at(centres)
    inner = _rings(inner_centres, inner_heights, inner_radii, angles)
    # Vertices: outside rings | bottom centre | rim (outer edge, inner edge) | inside rings | floor centre.
    rim_outer, rim_inner = outer[:segments], inner[:segments]
    floor_centre = [[inner_centres[-1], floor, 0.0]]
    bottom = count * segments
    rim_start = bottom + 1
    inside_start = rim_start + 2 * segments
    floor_index = inside_start + len(inner)
    positions = np.vstack([outer, [[centres[-1], heights[-1], 0.0]], rim_outer, rim_inner, inner, floor_centre])
    here = np.arange(segments)
    after = (here + 1) % segments
    # `_ring_faces` ends with the top fan and then the bottom fan: keep the sides and the bottom.
    sides, bottom_fan = faces[: -2 * segments], faces[-segments:].copy()
    bottom_fan[:, 0] = bottom
    a, b = rim_start + here, rim_start + after  # rim's outer edge
    c, d = a + segments, b + segments  # rim's inner edge
    rim = np.concatenate([np.column_stack([c, a, b]), np.column_stack([c, b, d])])
    # The inside faces the axis: its quads wound the other way round from the outside's.
    inside = _ring_faces(len(inner_heights), segments)[: -2 * segments][:, [0, 2, 1]] + inside_start
    last = inside_start + (len(inner_heights) - 1) * segments
    floor_fan = np.column_stack([np.full(segments, floor_index), last + here, last + after])
    plain_shade = np.concatenate([np.zeros(bottom + 1), np.full(2 * segments, _RIM_SHADE),
                                  np.full(len(inner) + 1, _INSIDE_SHADE)])
    uv_all = np.vstack([uv, np.full((len(positions) - len(uv), 2), 0.5)])
    # The colour near the rim, on the half facing the camera (the photo's side).
    near_rim = (heights[0] - outer[:, 1] <= _RIM_BAND_SHARE * (heights[0] - heights[-1])) & (
        outer[:, 2] > 0.5 * np.repeat(radii, segments))
    return Surface(positions, np.vstack([sides, bottom_fan, rim, inside, floor_fan]), uv_all, plain_shade,
                   uv[: len(outer)][near_rim])


def _seen_uv(positions: np.ndarray, camera: Camera, axis: float, shape: tuple[int, int]) -> np.ndarray:
    """Where each point of the body appears in the cropped photo, as UV (v up)."""
    columns, rows = camera.project(positions - [axis, 0.0, 0.0], axis)
    return np.column_stack([columns / shape[1], 1.0 - rows / shape[0]]).clip(0, 1)


def _ring_faces(rings: int, segments: int) -> np.ndarray:
    """Quads between consecutive rings and fans to the two cap centres, wound outwards."""
    ring = np.arange(rings - 1)[:, None] * segments
    here = np.arange(segments)[None, :]
    after = (here + 1) % segments
    a, b = ring + here, ring + after
    c, d = a + segments, b + segments
    sides = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3), np.stack([b, c, d], -1).reshape(-1, 3)])
    top_centre, bottom_centre = rings * segments, rings * segments + 1
    top = np.column_stack([np.full(segments, top_centre), here.ravel(), after.ravel()])
    last = (rings - 1) * segments
    bottom = np.column_stack([np.full(segments, bottom_centre), last + after.ravel(), last + here.ravel()])
    return np.vstack([sides, top, bottom])


def _parts(mask: np.ndarray, body: Body) -> np.ndarray | None:
    """The silhouette outside the revolved body (a handle, a spout), reaching a little into it
    so the part is anchored; None when nothing sizeable sticks out."""
    from scipy import ndimage

    columns = np.arange(mask.shape[1])[None, :] + 0.5
    inside_body = np.abs(columns - body.centres[:, None]) <= body.half_widths[:, None]
    outside = mask & ~ndimage.binary_dilation(inside_body, iterations=2)
    labels, count = ndimage.label(outside)
    if count == 0:
        return None
    sizes = ndimage.sum(outside, labels, range(1, count + 1))
    keep = np.isin(labels, 1 + np.nonzero(sizes >= _MIN_PART_SHARE * mask.sum())[0])
    if not keep.any():
        return None
    reach = max(2, round(body.diameter * 0.04))
    return ndimage.binary_dilation(keep, iterations=reach) & mask
