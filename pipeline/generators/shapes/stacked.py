"""Round products stacked one on another (a mug set, one mug on the other): where the stack's
bodies meet, each body revolved about its own, possibly tipped, axis, with its own handle."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.generators.shapes.camera import Camera
from pipeline.generators.shapes.revolved import find_body, revolve
from pipeline.generators.shapes.surface import Surface

# Each body of a stack is at least this share of its height (a lid or a foot is not a body).
_MIN_BODY_ROWS_SHARE = 0.25
# A row's centre this far (mask pixels) off its body's centre line counts only as much as this:
# a handle's root widens a row on one side, which must not pull the line.
_CENTRE_OUTLIER_PX = 3.0
# Two centre lines explain the rows at most this share of the one line's misfit, and meet with
# their centres this share of the body's width apart or leaning this many degrees apart, before
# the silhouette is taken for a stack.
_SPLIT_GAIN = 0.5
_MIN_OFFSET_SHARE = 0.05
_MIN_LEAN_DIFFERENCE_DEG = 2.0
# A body's lean below this (degrees) is read as upright.
_UPRIGHT_DEG = 0.5


@dataclass(frozen=True)
class StackedBody:
    """One body of a stack: its rows of the mask (`first` to `stop`, exclusive) and its centre
    line, `column = centre + lean * (row - first)`, with the lean in columns per row."""

    first: int
    stop: int
    centre: float
    lean: float

    @property
    def lean_deg(self) -> float:
        """How far the body is tipped in the photo's plane, degrees: above 0 its top leans left."""
        return math.degrees(math.atan(self.lean))

    def describe(self) -> str:
        if self.lean == 0:
            return "upright"
        return f"tipped {abs(self.lean_deg):.1f}° to the {'left' if self.lean > 0 else 'right'}"


def find_stack(mask: np.ndarray) -> tuple[StackedBody, StackedBody] | None:
    """The two bodies of a stack when the centres of the silhouette's rows fall on two lines
    that break where the bodies meet (the upper one set off or tipped); None for one body.

    Each row's centre is that of its run around the silhouette's middle column; a handle beside
    the body is a separate run, and its roots, which widen a row on one side, are outliers the
    robust line fit discounts.
    """
    rows, centres, widths = _central_runs(mask)
    if len(rows) < 16:
        return None
    single = _line_misfit(rows, centres)
    lowest = int(math.ceil(_MIN_BODY_ROWS_SHARE * len(rows)))
    if len(rows) - 2 * lowest < 1:
        return None
    # Every few rows first, then each row around the best of those.
    step = max(1, len(rows) // 60)
    split = _best_split(rows, centres, range(lowest, len(rows) - lowest, step))
    split = _best_split(rows, centres, range(max(lowest, split - step), min(len(rows) - lowest, split + step + 1)))
    if _split_misfit(rows, centres, split) > _SPLIT_GAIN * single:
        return None
    upper, lower = (_body(rows[part], centres[part]) for part in (slice(0, split), slice(split, None)))
    at_split = float(rows[split])
    offset = abs(upper.centre + upper.lean * (at_split - upper.first) - lower.centre)
    width = float(np.median(widths))
    if offset < _MIN_OFFSET_SHARE * width and abs(upper.lean_deg - lower.lean_deg) < _MIN_LEAN_DIFFERENCE_DEG:
        return None
    return upper, lower


def _split_misfit(rows: np.ndarray, centres: np.ndarray, split: int) -> float:
    return _line_misfit(rows[:split], centres[:split]) + _line_misfit(rows[split:], centres[split:])


def _best_split(rows: np.ndarray, centres: np.ndarray, splits: range) -> int:
    """Of `splits`, the index where two centre lines explain the rows best."""
    return min(splits, key=lambda split: _split_misfit(rows, centres, split))


def _central_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row with any silhouette: the row, the centre and the width of its run around the
    silhouette's middle column (the median centre of each row's widest run)."""
    padded = np.pad(mask, ((0, 0), (1, 1)))
    edges = np.diff(padded.astype(np.int8), axis=1)
    found = []
    for row in np.nonzero(mask.any(axis=1))[0]:
        starts, ends = np.nonzero(edges[row] == 1)[0], np.nonzero(edges[row] == -1)[0]
        widest = int(np.argmax(ends - starts))
        found.append((row, starts, ends, (starts[widest] + ends[widest]) / 2))
    middle = float(np.median([centre for *_, centre in found]))
    rows, centres, widths = [], [], []
    for row, starts, ends, _ in found:
        around = np.nonzero((starts <= middle) & (ends > middle))[0]
        if len(around):
            rows.append(row)
            centres.append((starts[around[0]] + ends[around[0]]) / 2)
            widths.append(ends[around[0]] - starts[around[0]])
    return np.array(rows, dtype=float), np.array(centres, dtype=float), np.array(widths, dtype=float)


def _robust_line(rows: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The line through most of the centres: refitted on the rows within _CENTRE_OUTLIER_PX."""
    keep = np.ones(len(rows), dtype=bool)
    for _ in range(3):
        line = _least_squares_line(rows[keep], centres[keep])
        near = np.abs(line[0] * rows + line[1] - centres) <= _CENTRE_OUTLIER_PX
        if near.sum() < 2 or (near == keep).all():
            break
        keep = near
    return line


def _least_squares_line(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(slope, intercept) of the least-squares line; what np.polyfit(x, y, 1) gives, without its
    SVD (the split search fits some hundreds of lines)."""
    x_mean, y_mean = x.mean(), y.mean()
    spread = float(((x - x_mean) ** 2).sum())
    slope = float(((x - x_mean) * (y - y_mean)).sum()) / spread if spread > 0 else 0.0
    return np.array([slope, y_mean - slope * x_mean])


def _line_misfit(rows: np.ndarray, centres: np.ndarray) -> float:
    """How badly one straight centre line explains the rows: each row's distance, capped."""
    line = _robust_line(rows, centres)
    return float(np.minimum(np.abs(line[0] * rows + line[1] - centres), _CENTRE_OUTLIER_PX).sum())


def _body(rows: np.ndarray, centres: np.ndarray) -> StackedBody:
    lean, at_zero = _robust_line(rows, centres)
    if abs(math.degrees(math.atan(lean))) < _UPRIGHT_DEG:
        lean = 0.0
        at_zero = float(np.median(centres))
    first = int(rows[0])
    return StackedBody(first, int(rows[-1]) + 1, float(at_zero + lean * first), float(lean))


def revolve_stack(mask: np.ndarray, stack: tuple[StackedBody, StackedBody], centre_row: float, elevation_deg: float,
                  *, max_faces: int | None, open_top: bool = False) -> tuple[Surface, Camera]:
    """Each body of the stack revolved about its own axis (`revolve`, with its own handle), the
    tipped one built upright and tipped back as a whole; and the camera they were read through.

    The camera is read as one body's is (`camera_from_ends`), from the ends the stack shows: the
    top body's top and the bottom body's base, each found in its body's upright frame (a tipped
    mug's rim is an ellipse only there). The bodies meet at the row where their centre lines break.
    """
    from pipeline.generators.shapes.camera import camera_from_ends, flat_end

    upper, lower = stack
    pad = round(0.15 * max(mask.shape))
    framed = (_Upright(mask, upper, pad, keep_above=True), _Upright(mask, lower, pad, keep_above=False))
    ends = (flat_end(framed[0].mask, framed[0].body.half_widths, framed[0].body.centres, top=True),
            flat_end(framed[1].mask, framed[1].body.half_widths, framed[1].body.centres, top=False))
    camera = camera_from_ends(*ends, centre_row + pad, elevation_deg) or Camera.orthographic(
        elevation_deg, centre_row + pad)
    budget = (max_faces or 40_000) // 2
    surfaces = []
    for upright, end in zip(framed, ends):
        rows = np.nonzero(upright.body.half_widths)[0]
        if upright.keeps_above:
            start, stop = (end.row if end is not None else float(rows.min())), upright.pivot[0]
        else:
            start, stop = upright.pivot[0], (end.row if end is not None else float(rows.max() + 1))
        surface = revolve(upright.mask, upright.body, camera, start, stop, max_faces=budget, open_top=open_top)
        surfaces.append(upright.tipped_back(surface, camera))
    return Surface.joined(surfaces), Camera(camera.elevation_deg, camera.focal_px, centre_row)


class _Upright:
    """One body of a stack in a frame where it stands upright: the mask padded by `pad` and turned
    about the point where the body meets the other (its pivot), cut to the body's side of it."""

    def __init__(self, mask: np.ndarray, body: StackedBody, pad: int, keep_above: bool):
        from scipy import ndimage

        self.pad = pad
        self.keeps_above = keep_above
        self.shape = mask.shape
        meeting_row = body.stop if keep_above else body.first
        self.pivot = (float(meeting_row + pad), float(body.centre + body.lean * (meeting_row - body.first) + pad))
        angle = math.atan(body.lean)
        self.cos, self.sin = math.cos(angle), math.sin(angle)
        # The padded mask's point for each point of the upright frame: the pivot plus the offset turned.
        self.turn = np.array([[self.cos, -self.sin], [self.sin, self.cos]])
        pivot = np.array(self.pivot)
        padded = np.pad(mask, pad).astype(np.float32)
        turned = ndimage.affine_transform(padded, self.turn, offset=pivot - self.turn @ pivot, order=1) > 0.5
        rows = np.arange(turned.shape[0])[:, None]
        self.mask = turned & ((rows < meeting_row + pad) if keep_above else (rows >= meeting_row + pad))
        self.body = find_body(self.mask)

    def tipped_back(self, surface: Surface, camera: Camera) -> Surface:
        """The surface built in the upright frame, turned back about the pivot and moved to the
        crop's columns; its UV turned the same way into the cropped photo."""
        x_pivot, y_pivot, _ = camera.to_plane(np.array([self.pivot[1]]), np.array([self.pivot[0]]), self.pivot[1])
        positions = surface.positions.copy()
        dx, dy = positions[:, 0] - self.pivot[1], positions[:, 1] - y_pivot[0]
        positions[:, 0] = self.cos * dx - self.sin * dy + self.pivot[1] - self.pad
        positions[:, 1] = self.sin * dx + self.cos * dy + y_pivot[0]
        return Surface(positions, surface.faces, self._photo_uv(surface.uv), surface.plain_shade,
                       None if surface.plain_colour_uv is None else self._photo_uv(surface.plain_colour_uv))

    def _photo_uv(self, uv: np.ndarray) -> np.ndarray:
        """UV in the upright frame's padded image as UV in the cropped photo."""
        height, width = self.shape[0] + 2 * self.pad, self.shape[1] + 2 * self.pad
        points = np.column_stack([(1.0 - uv[:, 1]) * height, uv[:, 0] * width]) - self.pivot
        rows, columns = (points @ self.turn.T + self.pivot - self.pad).T
        return np.column_stack([columns / self.shape[1], 1.0 - rows / self.shape[0]]).clip(0, 1)

