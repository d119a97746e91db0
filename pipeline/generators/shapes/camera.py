"""Where a round product's photo was taken from: the camera's elevation and perspective, read from
the ellipses its flat top and bottom show, so the revolved profile loses the taper and the rims the
camera added."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pipeline.generators.shapes.surface import Surface

# A flat end seen from above shows half an ellipse no deeper than this share of its width (a camera
# at most 30° above); a deeper arc is a dome (a ball, a rounded lid), which says nothing of the camera.
_MAX_END_SAG = 0.5
# A flat end's rim is the body's widest row near that end, give or take this share.
_RIM_SHARE = 0.9
# An end's outline fits its ellipse to within this share of the ellipse's half-width (RMS).
_END_FIT_TOLERANCE = 0.02
# The camera is believed only within these bounds; outside them the photo is read as from the side.
_MAX_ELEVATION_DEG = 40.0
# The product spans at most this angle of view (a wide-angle phone shot close up).
_MAX_VIEW_ANGLE_RAD = math.radians(70.0)
_NO_PERSPECTIVE_PX = 1e9
# A model's outline is drawn this many times finer than the mask it is compared with (odd: one
# fine pixel's centre is the mask pixel's).
_SEEN_SUPERSAMPLING = 5


@dataclass(frozen=True)
class Camera:
    """A pinhole camera `elevation_deg` above the product, looking at the photo's centre row
    (`centre_row`, in mask rows) with a focal length of `focal_px` mask pixels (very large: no
    perspective). Its units are mask pixels at the distance of the photo's centre."""

    elevation_deg: float
    focal_px: float
    centre_row: float

    @classmethod
    def orthographic(cls, elevation_deg: float, centre_row: float) -> Camera:
        return cls(elevation_deg, _NO_PERSPECTIVE_PX, centre_row)

    @property
    def _sin_cos(self) -> tuple[float, float]:
        radians = math.radians(self.elevation_deg)
        return math.sin(radians), math.cos(radians)

    def rings(self, rows: np.ndarray, half_widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The circles (height above the centre row's point, radius) whose widest points the photo
        shows at `rows` with `half_widths`: the inverse of seeing a horizontal circle from this camera."""
        sin, cos = self._sin_cos
        f = self.focal_px
        seen_up = self.centre_row - rows
        heights = seen_up * f / (f * cos + seen_up * sin)
        radii = half_widths
        for _ in range(4):
            reach = f - heights * sin  # depth of the circle's centre
            radii = half_widths * reach / np.sqrt(f * f + (half_widths * cos) ** 2)
            near = radii * cos  # the widest points lie this much nearer than the centre, scaled by r/reach
            heights = (seen_up * (reach ** 2 - near ** 2) / f + radii * near * sin) / (reach * cos)
        return heights, radii

    def to_plane(self, columns: np.ndarray, rows: np.ndarray, axis: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Image points as points of the upright plane through the axis that faces the camera
        (where a mug's handle lies): (X from the axis, height, the scale from pixels there)."""
        sin, cos = self._sin_cos
        f = self.focal_px
        seen_up = self.centre_row - rows
        heights = seen_up * f / (f * cos + seen_up * sin)
        scale = (f - heights * sin) / f
        return (columns - axis) * scale, heights, scale

    def depression_rad(self, row: float) -> float:
        """How steeply the camera looks down at what the photo shows at `row`."""
        return math.radians(self.elevation_deg) + math.atan((row - self.centre_row) / self.focal_px)

    def project(self, points: np.ndarray, axis: float) -> tuple[np.ndarray, np.ndarray]:
        """Where points (X from the axis, height, Z towards the camera) appear: (column, row)."""
        sin, cos = self._sin_cos
        f = self.focal_px
        x, y, z = points[:, 0], points[:, 1], points[:, 2]
        depth = f - y * sin - z * cos
        return axis + f * x / depth, self.centre_row - f * (y * cos - z * sin) / depth


@dataclass(frozen=True)
class FlatEnd:
    """A flat top or bottom as the photo shows it: the row of its ellipse's centre, its half-width
    and half-height in mask pixels."""

    row: float
    half_width: float
    sag: float

    @property
    def depression_rad(self) -> float:
        """How steeply the camera looks down on it: the ellipse is sin(angle) as tall as wide."""
        return math.asin(min(1.0, self.sag / self.half_width))


def flat_end(mask: np.ndarray, half_widths: np.ndarray, centres: np.ndarray, top: bool) -> FlatEnd | None:
    """The top (or bottom) of the body when its outline is half an ellipse, as a flat disc
    photographed from above shows it; None for a dome or an outline no ellipse fits.

    Each row near the end where the body is (nearly) at its widest there is tried as the
    ellipse's centre row: the ellipse is then as wide as the body there and reaches the end's
    extreme row; the row whose ellipse fits the outline best wins.
    """
    rows = np.nonzero(half_widths)[0]
    end = int(rows.min()) if top else int(rows.max())
    reach = max(3, round(float(half_widths.max()) * _MAX_END_SAG))
    band_rows = np.arange(end, end + reach + 1) if top else np.arange(end - reach, end + 1)
    band_rows = band_rows[(band_rows >= 0) & (band_rows < mask.shape[0])]
    band = mask[band_rows]
    columns = np.arange(mask.shape[1])
    covered = band.any(axis=0)
    first = np.argmax(band, axis=0) if top else band.shape[0] - 1 - np.argmax(band[::-1], axis=0)
    # The outline's row in each column, at the pixel's edge.
    outline = first + band_rows[0] + (0.0 if top else 1.0)
    widest = float(half_widths[band_rows].max())
    best: FlatEnd | None = None
    best_error = math.inf
    for row in band_rows[half_widths[band_rows] >= _RIM_SHARE * widest]:
        half, centre = float(half_widths[row]), float(centres[row])
        inside = np.abs(columns + 0.5 - centre) < 0.85 * half
        if half < 4 or inside.sum() < 5 or not covered[inside].all():
            continue
        arc = np.sqrt(1 - ((columns[inside] + 0.5 - centre) / half) ** 2)
        rim = row + 0.5
        sag = abs(rim - (outline[inside].min() if top else outline[inside].max()))
        predicted = rim - sag * arc if top else rim + sag * arc
        error = float(np.sqrt(np.mean((predicted - outline[inside]) ** 2)))
        if error < best_error:
            best, best_error = FlatEnd(float(rim), half, float(sag)), error
    if best is None or best.sag > _MAX_END_SAG * best.half_width or best_error > (
            _END_FIT_TOLERANCE * best.half_width + 0.5):
        return None
    return best


def camera_from_ends(top: FlatEnd | None, bottom: FlatEnd | None, centre_row: float,
                     elevation_hint_deg: float = 0.0) -> Camera | None:
    """The camera both ends agree on: a nearer top looks flatter than the bottom under
    perspective, so the two depressions give the elevation and the focal length. One end gives
    the focal length with `elevation_hint_deg` (the camera's elevation at the photo's centre,
    when the store's size says it), else the elevation alone. None without a flat end or for a
    camera outside believable bounds."""
    ends = [end for end in (top, bottom) if end is not None]
    if not ends:
        return None
    camera: Camera | None = None
    if top is not None and bottom is not None and bottom.depression_rad > top.depression_rad:
        spread = bottom.depression_rad - top.depression_rad
        low, high = 0.0, math.log(_NO_PERSPECTIVE_PX)
        if _spread(top.row, bottom.row, centre_row, 1.0) >= spread:
            for _ in range(60):  # the spread shrinks as the focal length grows
                middle = (low + high) / 2
                low, high = (middle, high) if _spread(top.row, bottom.row, centre_row, math.exp(middle)) > spread else (
                    low, middle)
            focal = math.exp((low + high) / 2)
            elevation = top.depression_rad - math.atan((top.row - centre_row) / focal)
            camera = Camera(math.degrees(elevation), focal, centre_row)
    elif len(ends) == 1 and elevation_hint_deg > 0:
        (end,) = ends
        off = end.depression_rad - math.radians(elevation_hint_deg)
        if abs(off) > 1e-3 and (end.row - centre_row) / math.tan(off) > 0:
            camera = Camera(elevation_hint_deg, (end.row - centre_row) / math.tan(off), centre_row)
    if camera is None:
        camera = Camera.orthographic(math.degrees(float(np.mean([end.depression_rad for end in ends]))), centre_row)
    first, last = (top or bottom).row, (bottom or top).row  # type: ignore[union-attr]
    too_wide = (last - first) / camera.focal_px > 2 * math.tan(_MAX_VIEW_ANGLE_RAD / 2)
    if too_wide or not 0.0 <= camera.elevation_deg <= _MAX_ELEVATION_DEG:
        return None
    return camera


def _spread(top_row: float, bottom_row: float, centre_row: float, focal: float) -> float:
    """How much more steeply a camera of this focal length looks down on the bottom row than the top."""
    return math.atan((bottom_row - centre_row) / focal) - math.atan((top_row - centre_row) / focal)


def seen_iou(surface: Surface, camera: Camera, axis: float, mask: np.ndarray) -> float:
    """The surface's outline through `camera` (the one its builder read from the photo, looking at
    column `axis`) against the photo's silhouette, in the cropped photo's frame: how well the model
    explains the photo. Drawn _SEEN_SUPERSAMPLING times finer than the mask and read at each mask
    pixel's centre, so the drawing's own outline (PIL fills a polygon's edge pixels) hardly widens it."""
    from PIL import Image, ImageDraw

    columns, rows = camera.project(surface.positions - [axis, 0.0, 0.0], axis)
    scale = _SEEN_SUPERSAMPLING
    drawn = Image.new("L", (mask.shape[1] * scale, mask.shape[0] * scale), 0)
    draw = ImageDraw.Draw(drawn)
    points = np.column_stack([columns, rows]) * scale
    for triangle in surface.faces:
        draw.polygon([tuple(points[i]) for i in triangle], fill=255)
    # Mask pixel j spans [j, j + 1); the fine pixel at its centre is the middle one of its `scale`.
    middle = scale // 2
    seen = np.asarray(drawn)[middle::scale, middle::scale] > 127
    return float((seen & mask).sum() / max(int((seen | mask).sum()), 1))
