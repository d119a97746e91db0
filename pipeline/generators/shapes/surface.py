"""What every shape builder returns, and the photo's projection that gives it texture coordinates."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Surface:
    """A closed triangle surface in the photo's pixel units (X right, Y up, Z towards the camera,
    the crop's top-left corner at X = 0, Y = 0) with one UV per vertex into the cropped photo.

    Vertices with a `plain_shade` above 0 (an open vessel's rim and inside, which the photo does
    not show) take no photo texel but the product's colour read at the photo points
    `plain_colour_uv`, times that shade.
    """

    positions: np.ndarray
    faces: np.ndarray
    uv: np.ndarray
    plain_shade: np.ndarray | None = None
    plain_colour_uv: np.ndarray | None = None

    @classmethod
    def joined(cls, parts: list[Surface]) -> Surface:
        """Several closed parts (a body and its handle) as one surface."""
        offsets = np.cumsum([0] + [len(p.positions) for p in parts[:-1]])
        plain = [p for p in parts if p.plain_shade is not None]
        return cls(
            np.vstack([p.positions for p in parts]),
            np.vstack([p.faces + offset for p, offset in zip(parts, offsets)]),
            np.vstack([p.uv for p in parts]),
            np.concatenate([p.plain_shade if p.plain_shade is not None else np.zeros(len(p.positions))
                            for p in parts]) if plain else None,
            np.vstack([p.plain_colour_uv for p in plain if p.plain_colour_uv is not None]) if plain else None,
        )


def photo_uv(positions: np.ndarray, crop_size: tuple[int, int], elevation_deg: float = 0.0) -> np.ndarray:
    """Where each point appears in the cropped photo, as UV (v up), for a camera `elevation_deg`
    above the product: the front shows its Y squeezed by cos(e), and the top shows what lies
    behind it (farther back, higher up). Positions must be centred on Z = 0 for that."""
    width, height = crop_size
    radians = math.radians(elevation_deg)
    seen_up = positions[:, 1] * math.cos(radians) - positions[:, 2] * math.sin(radians)
    return np.column_stack([positions[:, 0] / width, 1.0 + seen_up / height]).clip(0, 1)
