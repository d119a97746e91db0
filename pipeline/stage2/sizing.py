"""True size without distortion: which of the store's three numbers is the width, the height, the depth."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from pipeline.product import Dimensions, ListedSize

# An assignment whose front proportions are within this factor of the photo's is the product's size.
MATCH_TOLERANCE = 1.15
# A catalogue shot looks down on the product by up to this angle: its top then adds to its visible height.
MAX_CAMERA_ELEVATION_DEG = 30.0
_ELEVATION_STEPS = 61
# Among assignments that fit, prefer the one that needs less of the product's top to explain the
# photo, and the one that keeps the store's "height" upright (WooCommerce's own meaning of it).
_TOP_SHARE_COST = 0.3
_HEIGHT_FIELD_COST = 0.05
_AXES = ("width", "height", "depth")


@dataclass(frozen=True)
class SizeMatch:
    """The size a model gets and how it was read from the store's numbers.

    `front_stretch` is the factor by which the visible shape's proportions had to change (1.0:
    not at all); `uniform` says no assignment fitted, so the shape was scaled as a whole to the
    best one. `elevation_deg` is the camera angle above the product that explains the photo.
    """

    dimensions: Dimensions
    assignment: dict[str, str]  # axis → the store field it came from ("length", "width", "height", "shape")
    front_stretch: float
    uniform: bool
    elevation_deg: float = 0.0
    warning: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "dimensions_m": self.dimensions.as_dict(),
            "assignment": dict(self.assignment),
            "front_stretch": round(self.front_stretch, 4),
            "uniform": self.uniform,
            "elevation_deg": round(self.elevation_deg, 1),
            "warning": self.warning,
        }


def match_size(
    listed: ListedSize,
    visible_width: float,
    visible_height: float,
    *,
    depth: float | None = None,
    default_depth_ratio: float = 0.25,
    max_elevation_deg: float = 0.0,
) -> SizeMatch:
    """Assign the store's numbers to (width, height, depth) by the shape the model shows.

    `visible_width`/`visible_height` are the front's extents in any unit (the photo's
    silhouette, or a mesh's front); `depth`, in the same unit, when the shape knows it (a
    revolved body, a remote mesh), is matched too, else the leftover number is the depth. A
    photo taken from up to `max_elevation_deg` above shows the product's top as extra height.
    Every assignment is tried; when none fits within MATCH_TOLERANCE the shape keeps its own
    proportions and is scaled as a whole to the best one, with a warning. A missing number is
    taken from the shape (`default_depth_ratio` of the front's longer side when it is the depth).
    Raises ValueError for a non-positive visible size.
    """
    if min(visible_width, visible_height) <= 0 or (depth is not None and depth <= 0):
        raise ValueError(f"the visible size must be positive, got {visible_width} × {visible_height} × {depth}")
    fields = [(name, value) for name, value in zip(("length", "width", "height"), _values(listed)) if value is not None]
    if not fields:
        raise ValueError("no dimension was given")
    own_depth = depth if depth is not None else default_depth_ratio * max(visible_width, visible_height)
    own = (visible_width, visible_height, own_depth)
    if len(fields) == 1:
        return _one_number(fields[0], own)
    candidates = []
    for axes in itertools.permutations(range(3), len(fields)):
        size: list[float | None] = [None, None, None]
        source = {}
        for (name, value), axis in zip(fields, axes):
            size[axis] = value
            source[_AXES[axis]] = name
        if size[0] is None or size[1] is None:
            continue  # with two numbers, both must be the front; the depth then comes from the shape
        error, elevation, top_share = _front_error(
            size[0], size[1], size[2] or 0.0, visible_width, visible_height, max_elevation_deg
        )
        if depth is not None and size[2] is not None:
            error = max(error, abs(math.log(size[2] / size[0] / (depth / visible_width))))
        cost = error + _TOP_SHARE_COST * top_share + _HEIGHT_FIELD_COST * (source.get("height") != "height")
        candidates.append((error, cost, elevation, size, source))
    fitting = [c for c in candidates if c[0] <= math.log(MATCH_TOLERANCE)]
    error, _, elevation, size, source = min(fitting, key=lambda c: c[1]) if fitting else min(candidates, key=lambda c: c[0])
    stretch = math.exp(error)
    if stretch <= MATCH_TOLERANCE:
        width, height = float(size[0]), float(size[1])  # type: ignore[arg-type]
        if size[2] is None:
            source["depth"] = "shape"
            depth_m = own_depth * width / visible_width
        else:
            depth_m = float(size[2])
        return SizeMatch(Dimensions(width, height, depth_m), source, stretch, uniform=False, elevation_deg=elevation)
    # Nothing fits: keep the shape's proportions, at the scale that matches the best front's area.
    front_height = size[1] * math.cos(math.radians(elevation)) + (size[2] or 0.0) * math.sin(math.radians(elevation))
    scale = math.sqrt(size[0] * front_height / (visible_width * visible_height))
    given = " × ".join(f"{value * 100:g}" for _, value in fields)
    warning = (
        f"the store's dimensions ({given} cm) do not match the photo's proportions in any order "
        f"(best off by {stretch:.2f}×; they are likely the parcel's): the model keeps the photo's "
        "shape, scaled as a whole to the closest size"
    )
    return SizeMatch(
        Dimensions(*(scale * value for value in own)),
        {axis: "shape" for axis in _AXES},
        1.0,
        uniform=True,
        elevation_deg=elevation,
        warning=warning,
    )


def _values(listed: ListedSize) -> tuple[float | None, float | None, float | None]:
    return listed.length_m, listed.width_m, listed.height_m


def _front_error(
    width: float, height: float, depth: float, visible_width: float, visible_height: float, max_elevation_deg: float
) -> tuple[float, float, float]:
    """The smallest |log| ratio of the photo's aspect to this size's over camera elevations, the
    lowest elevation that reaches it, and the share of the seen height the top then takes."""
    best = (math.inf, 0.0, 0.0)
    steps = _ELEVATION_STEPS if max_elevation_deg > 0 else 1
    for step in range(steps):
        elevation = max_elevation_deg * step / max(1, steps - 1)
        radians = math.radians(elevation)
        top = depth * math.sin(radians)
        seen_height = height * math.cos(radians) + top
        error = abs(math.log((width / seen_height) / (visible_width / visible_height)))
        if error < best[0] - 1e-4:
            best = (error, elevation, top / seen_height)
    return best


def _one_number(field: tuple[str, float], own: tuple[float, float, float]) -> SizeMatch:
    """One number: it is the longest side the shape has; the others follow the shape."""
    name, value = field
    scale = value / max(own)
    longest = _AXES[own.index(max(own))]
    return SizeMatch(
        Dimensions(*(scale * v for v in own)),
        {axis: name if axis == longest else "shape" for axis in _AXES},
        1.0,
        uniform=True,
        warning=f"only the {name} is given: it is taken as the longest side and the rest follows the photo",
    )
