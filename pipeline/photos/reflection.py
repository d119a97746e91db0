"""Trim a glossy floor's reflection off the bottom of a salient-object mask.

A product on a glossy sweep stands on a mirrored, fading copy of itself, and the salient-object
model takes the copy's upper part for product. Below the product's base, the reflection's
colour (as a difference from the background) is the row the same distance above the base,
scaled down by the floor's reflectance and fading further with distance. The mask is cut at
the base where that holds closely; a product's own lower half almost never looks like that.
"""

from __future__ import annotations

import numpy as np

__all__ = ["without_reflection"]

# A reflection is at least this fraction of the product's height...
_MIN_LENGTH_FRACTION = 0.05
# ...its strength (reflected / direct difference from the background) lies in this range...
_REFLECTANCE = (0.05, 0.5)
# ...and the mirrored, scaled rows explain all but this fraction of it.
_MAX_RESIDUAL = 0.1
_MIN_PIXELS = 20
# The mask's lowest rows differ from the background at most this much of the rows above them.
_FADED = 0.6


def without_reflection(mask: np.ndarray, rgb: np.ndarray, name: str = "image") -> tuple[np.ndarray, tuple[str, ...]]:
    """The mask cut at the product's base when a floor reflection hangs below it, and a note saying so.

    `mask` is the salient-object mask and `rgb` the photo at the same size.
    """
    rows = np.nonzero(mask.any(axis=1))[0]
    if len(rows) < 8:
        return mask, ()
    top, bottom = int(rows[0]), int(rows[-1])
    columns = np.nonzero(mask.any(axis=0))[0]
    left, right = int(columns[0]), int(columns[-1]) + 1
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)
    # Every other row and column: a reflection spans dozens of rows, and this is 8× cheaper.
    difference = rgb[::2, left:right:2].astype(np.float32) - np.median(border, axis=0)
    inside = mask[::2, left:right:2]
    if not _fades(difference, inside, bottom // 2, max(2, (bottom - top) // 20)):
        return mask, ()
    base = _base(difference, inside, top // 2, bottom // 2)
    if base is None:
        return mask, ()
    base *= 2
    trimmed = mask.copy()
    trimmed[base + 1:] = False
    return trimmed, (f"{name}: a reflection under the product was left out of the model",)


def _fades(difference: np.ndarray, inside: np.ndarray, bottom: int, band: int) -> bool:
    """Whether the mask's lowest rows differ from the background far less than the rows above
    them, as a reflection's do (a cheap test before the search)."""
    strength = np.abs(difference).sum(axis=-1)
    lowest = (slice(bottom - band, bottom + 1), slice(None))
    higher = (slice(bottom - 3 * band, bottom - band), slice(None))
    if not inside[lowest].any() or not inside[higher].any():
        return False
    return bool(strength[lowest][inside[lowest]].mean() <= _FADED * strength[higher][inside[higher]].mean())


def _base(difference: np.ndarray, inside: np.ndarray, top: int, bottom: int) -> int | None:
    """The row where the product ends and its reflection begins, if there is one."""
    best: tuple[float, int] | None = None
    height = bottom - top
    for base in range(bottom - 3, top + height // 2, -1):
        length = bottom - base
        if length >= base - top:  # the mirrored rows must lie inside the product
            break
        if length < _MIN_LENGTH_FRACTION * height:
            continue
        below = difference[base + 1:base + 1 + length]
        above = difference[base - 1:base - 1 - length:-1]
        both = inside[base + 1:base + 1 + length] & inside[base - 1:base - 1 - length:-1]
        if both.sum() < _MIN_PIXELS:
            continue
        reflectance, residual = _fit(above[both], below[both])
        half = length // 2
        near = _fit(above[:half][both[:half]], below[:half][both[:half]])[0]
        far = _fit(above[half:][both[half:]], below[half:][both[half:]])[0]
        fading = near > far
        if _REFLECTANCE[0] < reflectance < _REFLECTANCE[1] and residual < _MAX_RESIDUAL and fading:
            if best is None or residual < best[0]:
                best = (residual, base)
    return None if best is None else best[1]


def _fit(direct: np.ndarray, reflected: np.ndarray) -> tuple[float, float]:
    """Least-squares `reflected ≈ k × direct`: (k, the share of `reflected` it leaves unexplained)."""
    energy = float((direct * direct).sum())
    if energy == 0:
        return 0.0, 1.0
    k = float((direct * reflected).sum()) / energy
    left = float(((reflected - k * direct) ** 2).sum())
    return k, left / max(float((reflected * reflected).sum()), 1e-9)
