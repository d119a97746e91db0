"""Round products stacked one on another (a mug set, one mug on the other): where the stack's
bodies meet, and each body revolved about its own, possibly tipped, axis with its own handle."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.generators.shapes.camera import Camera
from pipeline.generators.shapes.revolved import find_body, revolve, runs_about_axis
from pipeline.generators.shapes.surface import Surface

# Each body of a stack is at least this share of its height (a lid or a foot is not a body).
_MIN_BODY_ROWS_SHARE = 0.25
# Each body's centre line is read on at least this many rows.
_MIN_READ_ROWS = 8
# A row whose run is this much wider than the narrowest near it is widened by a handle; an end
# row narrower than this share of the rows just past it is in a rim's ellipse.
_HANDLE_WIDENING = 1.06
_END_WIDENING = 0.95
# A row's centre this far (mask pixels) off its body's centre line counts only as much as this:
# what is left of a handle's roots must not pull the line.
_CENTRE_OUTLIER_PX = 3.0
# Two centre lines explain the rows at most this share of the one line's misfit, and meet with
# their centres this share of the body's width apart or leaning this many degrees apart, before
# the silhouette is taken for a stack.
_SPLIT_GAIN = 0.5
_MIN_OFFSET_SHARE = 0.05
_MIN_LEAN_DIFFERENCE_DEG = 2.0
# A body's lean below this (degrees) is read as upright.
_UPRIGHT_DEG = 1.0


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

    Each row's centre is that of its run around the silhouette's middle column, read only on
    rows no handle widens (`_central_runs`); the robust line fit discounts what is left of a
    handle's roots.
    """
    rows, centres, widths = _central_runs(mask)
    silhouette_rows = np.nonzero(mask.any(axis=1))[0]
    first, stop = int(silhouette_rows[0]), int(silhouette_rows[-1]) + 1
    shortest = _MIN_BODY_ROWS_SHARE * (stop - first)
    # The splits (indices into the rows read) that leave each body tall enough and enough rows to read.
    splits = np.nonzero((rows >= first + shortest) & (rows <= stop - shortest))[0]
    splits = splits[(splits >= _MIN_READ_ROWS) & (splits <= len(rows) - _MIN_READ_ROWS)]
    if not len(splits):
        return None
    single = _line_misfit(rows, centres)
    # Every few rows first, then each row around the best of those.
    step = max(1, len(splits) // 60)
    split = _best_split(rows, centres, splits[::step])
    split = _best_split(rows, centres, splits[np.abs(splits - split) <= step])
    if _split_misfit(rows, centres, split) > _SPLIT_GAIN * single:
        return None
    meeting = int(round((rows[split - 1] + rows[split]) / 2))
    upper = _body(rows[:split], centres[:split], first, meeting)
    lower = _body(rows[split:], centres[split:], meeting, stop)
    offset = abs(upper.centre + upper.lean * (meeting - upper.first) - lower.centre)
    width = float(np.median(widths))
    if offset < _MIN_OFFSET_SHARE * width and abs(upper.lean_deg - lower.lean_deg) < _MIN_LEAN_DIFFERENCE_DEG:
        return None
    return upper, lower


def _central_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row that no handle widens: the row, the centre and the width of its run around the
    silhouette's middle column (the median centre of each row's widest run).

    A handle whose hole the cut-out filled widens its rows' run on one side: a row wider than
    _HANDLE_WIDENING times the narrowest run within a fifth of the height either side is left out.
    """
    from scipy import ndimage

    _, runs = runs_about_axis(mask)
    rows = list(runs)
    centres = [(left + right) / 2 for left, right in runs.values()]
    width = np.array([right - left for left, right in runs.values()], dtype=float)
    # The rows at either end where the run still widens are a rim's ellipse, whose centre is not
    # the body's when it is tipped.
    ahead = max(2, len(width) // 20)
    top, bottom = 0, len(width)
    while top < bottom and width[top] < _END_WIDENING * width[top : top + ahead].max():
        top += 1
    while bottom > top and width[bottom - 1] < _END_WIDENING * width[max(top, bottom - ahead) : bottom].max():
        bottom -= 1
    body = slice(top, bottom)
    if bottom - top < 3:
        return np.empty(0), np.empty(0), np.empty(0)
    window = max(3, int(0.4 * len(width)) | 1)
    clean = width[body] <= _HANDLE_WIDENING * ndimage.minimum_filter1d(width[body], window, mode="nearest")
    return np.array(rows, dtype=float)[body][clean], np.array(centres, dtype=float)[body][clean], width[body][clean]


def _split_misfit(rows: np.ndarray, centres: np.ndarray, split: int) -> float:
    return _line_misfit(rows[:split], centres[:split]) + _line_misfit(rows[split:], centres[split:])


def _best_split(rows: np.ndarray, centres: np.ndarray, splits: np.ndarray) -> int:
    """Of `splits`, the index where two centre lines explain the rows best."""
    return int(min(splits, key=lambda split: _split_misfit(rows, centres, int(split))))


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


def _body(rows: np.ndarray, centres: np.ndarray, first: int, stop: int) -> StackedBody:
    """The body between mask rows `first` and `stop` whose centres were read at `rows`."""
    lean, at_zero = _robust_line(rows, centres)
    if abs(math.degrees(math.atan(lean))) < _UPRIGHT_DEG:
        lean, at_zero = 0.0, float(np.median(centres))
    return StackedBody(first, stop, float(at_zero + lean * first), float(lean))


def revolve_stack(mask: np.ndarray, stack: tuple[StackedBody, StackedBody], centre: tuple[float, float],
                  elevation_deg: float, *, max_faces: int | None, open_top: bool = False) -> tuple[Surface, Camera]:
    """Each body of the stack revolved about its own axis (`revolve`, with its own handle), the
    tipped one built upright and tipped back as a whole; and the camera they were read through,
    looking at the mask's point `centre` (row, column: the photo's centre).

    The camera is read as one body's is (`camera_from_ends`), from the ends the stack shows: the
    top body's top and the bottom body's base, each found in its body's upright frame (a tipped
    mug's rim is an ellipse only there). The bodies meet at the row where their centre lines break.
    """
    from pipeline.generators.shapes.camera import FlatEnd, camera_from_ends, flat_end

    upper, lower = stack
    framed = (_Upright(mask, upper, keep_above=True), _Upright(mask, lower, keep_above=False))
    ends = (flat_end(framed[0].mask, framed[0].body.half_widths, framed[0].body.centres, top=True),
            flat_end(framed[1].mask, framed[1].body.half_widths, framed[1].body.centres, top=False))
    # Both ends in the photo's rows, where the camera looks at `centre`.
    in_photo = [None if end is None else FlatEnd(
        float(upright.photo_points(np.array([end.row]), np.array([upright.body.axis]))[0][0]), end.half_width, end.sag)
        for upright, end in zip(framed, ends)]
    centre_row, centre_column = centre
    camera = camera_from_ends(*in_photo, centre_row, elevation_deg) or Camera.orthographic(elevation_deg, centre_row)
    budget = (max_faces or 40_000) // 2
    surfaces = []
    for upright, end in zip(framed, ends):
        rows = np.nonzero(upright.body.half_widths)[0]
        if upright.keeps_above:
            start, stop = (end.row if end is not None else float(rows.min())), upright.pivot[0]
        else:
            start, stop = upright.pivot[0], (end.row if end is not None else float(rows.max() + 1))
        # The photo's centre as this frame sees it.
        seen_row, seen_column = upright.upright_point(centre_row, centre_column)
        seen_by = Camera(camera.elevation_deg, camera.focal_px, seen_row)
        surface = revolve(upright.mask, upright.body, seen_by, start, stop, max_faces=budget, open_top=open_top,
                          principal_column=seen_column)
        surfaces.append(upright.tipped_back(surface, seen_by))
    # In the photo the upper body hides the lower one's top (and what lies just below its rim):
    # the lower body takes its colour from the rows below the upper one's lowest.
    _, upper_rows = camera.project(surfaces[0].positions - [centre_column, 0.0, 0.0], centre_column)
    surfaces[1] = _coloured_below(surfaces[1], float(upper_rows.max()) + 1.0, mask.shape[0])
    return Surface.joined(surfaces), camera


def _coloured_below(surface: Surface, row: float, height: int) -> Surface:
    """The surface with every texel it reads above photo row `row` read on that row instead."""

    def below(uv: np.ndarray) -> np.ndarray:
        return np.column_stack([uv[:, 0], np.minimum(uv[:, 1], 1.0 - row / height)])

    return Surface(surface.positions, surface.faces, below(surface.uv), surface.plain_shade,
                   None if surface.plain_colour_uv is None else below(surface.plain_colour_uv))


class _Upright:
    """One body of a stack in a frame where it stands upright: the mask turned about the point
    where the body meets the other (its pivot), cut to the body's side of it and to its rows
    (so a handle is built on as fine a grid as a single body's)."""

    def __init__(self, mask: np.ndarray, body: StackedBody, keep_above: bool):
        from scipy import ndimage

        self.keeps_above = keep_above
        self.shape = mask.shape
        angle = math.atan(body.lean)
        self.cos, self.sin = math.cos(angle), math.sin(angle)
        # Room for the turn: no point of the mask moves farther than this.
        self.pad = math.ceil(abs(self.sin) * math.hypot(*mask.shape)) + 2
        meeting_row = body.stop if keep_above else body.first
        pivot = np.array([meeting_row + self.pad, body.centre + body.lean * (meeting_row - body.first) + self.pad])
        # The padded mask's point for each point of the upright frame: the pivot plus the offset turned.
        self.turn = np.array([[self.cos, -self.sin], [self.sin, self.cos]])
        padded = np.pad(mask, self.pad).astype(np.float32)
        turned = ndimage.affine_transform(padded, self.turn, offset=pivot - self.turn @ pivot, order=1) > 0.5
        rows = np.arange(turned.shape[0])[:, None]
        turned &= (rows < pivot[0]) if keep_above else (rows >= pivot[0])
        kept = np.nonzero(turned.any(axis=1))[0]
        # The frame's first row in the padded mask.
        self.first_row = max(0, int(kept.min()) - 2)
        self.mask = turned[self.first_row : int(kept.max()) + 3]
        self.pivot = (float(pivot[0] - self.first_row), float(pivot[1]))
        # The body's axis is its centre line, upright through the pivot in this frame (the median
        # row centre find_body would take is pulled aside by a handle whose hole the cut-out filled).
        self.body = find_body(self.mask, axis=self.pivot[1])

    def upright_point(self, row: float, column: float) -> tuple[float, float]:
        """Where the mask's point (row, column) lies in this frame."""
        pivot = np.array([self.pivot[0] + self.first_row, self.pivot[1]])
        upright_row, upright_column = pivot + self.turn.T @ (np.array([row, column]) + self.pad - pivot)
        return float(upright_row - self.first_row), float(upright_column)

    def photo_points(self, rows: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where this frame's points lie in the mask (rows, columns)."""
        pivot = np.array([self.pivot[0] + self.first_row, self.pivot[1]])
        points = np.column_stack([rows + self.first_row, columns]) - pivot
        photo = points @ self.turn.T + pivot - self.pad
        return photo[:, 0], photo[:, 1]

    def tipped_back(self, surface: Surface, camera: Camera) -> Surface:
        """The surface built in this frame (seen by `camera`), turned back about the pivot and
        moved to the mask's columns; its UV turned the same way into the cropped photo."""
        _, y_pivot, _ = camera.to_plane(np.array([self.pivot[1]]), np.array([self.pivot[0]]), self.pivot[1])
        positions = surface.positions.copy()
        dx, dy = positions[:, 0] - self.pivot[1], positions[:, 1] - y_pivot[0]
        positions[:, 0] = self.cos * dx - self.sin * dy + self.pivot[1] - self.pad
        positions[:, 1] = self.sin * dx + self.cos * dy + y_pivot[0]
        return Surface(positions, surface.faces, self._photo_uv(surface.uv), surface.plain_shade,
                       None if surface.plain_colour_uv is None else self._photo_uv(surface.plain_colour_uv))

    def _photo_uv(self, uv: np.ndarray) -> np.ndarray:
        """UV in this frame's image as UV in the cropped photo."""
        height, width = self.mask.shape
        rows, columns = self.photo_points((1.0 - uv[:, 1]) * height, uv[:, 0] * width)
        return np.column_stack([columns / self.shape[1], 1.0 - rows / self.shape[0]]).clip(0, 1)
