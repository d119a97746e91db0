"""Separate the product from its background: the alpha channel, else Otsu on colour distance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.errors import ImageError

if TYPE_CHECKING:
    from PIL import Image

# Below this fraction of transparent pixels the alpha channel carries no cut-out.
_TRANSPARENT_FRACTION = 0.01
# The product must cover at least this fraction of the photo to be found at all.
_MIN_PRODUCT_FRACTION = 0.002
# CIE76 ΔE: below this nothing differs visibly from the background; above it a border is busy.
_MIN_CONTRAST_DE = 6.0
_BUSY_BORDER_DE = 25.0
# Soft studio shadows on white stay below this ΔE; product colours rarely do.
_SHADOW_DE = 20.0
# Holes smaller than this fraction of the product are colour that merely looks like the
# background (a white logo); larger ones are real openings (a mug's handle).
_HOLE_FILL_FRACTION = 0.04
# Separate parts smaller than this fraction of the largest one are specks and dust.
_MIN_PART_FRACTION = 0.02


@dataclass(frozen=True)
class ProductMask:
    """A boolean product mask (True = product) and how it was found."""

    mask: np.ndarray
    method: Literal["alpha", "background-colour", "whole-image"]
    warnings: tuple[str, ...] = ()

    @property
    def coverage(self) -> float:
        return float(self.mask.mean())


def product_mask(image: Image.Image, name: str = "image") -> ProductMask:
    """Find the product in an RGBA photo.

    Uses the alpha channel when the photo has a cut-out; otherwise the studio-shot method:
    the background is the median border colour, pixels are split by Otsu's threshold on their
    CIELAB distance to it, then the mask is cleaned (opening; small parts and small holes
    removed). Raises ImageError when the photo is all background.
    """
    rgba = np.asarray(image.convert("RGBA"))
    alpha = rgba[..., 3]
    if (alpha < 128).mean() > _TRANSPARENT_FRACTION:
        return _finish(alpha >= 128, "alpha", (), name)
    return _from_background_colour(rgba[..., :3], name)


def _from_background_colour(rgb: np.ndarray, name: str) -> ProductMask:
    from skimage.color import rgb2lab
    from skimage.filters import threshold_otsu

    lab = rgb2lab(rgb)
    border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
    background = np.median(border, axis=0)
    distance = np.linalg.norm(lab - background, axis=-1)
    border_distance = np.linalg.norm(border - background, axis=-1)
    if distance.max() < _MIN_CONTRAST_DE:
        raise ImageError(f"{name}: no product found: the image is all background (one plain colour)")
    if np.percentile(border_distance, 75) > _BUSY_BORDER_DE:
        warning = f"{name}: the background is not plain; the whole photo is used as the product's front"
        return ProductMask(np.ones(distance.shape, dtype=bool), "whole-image", (warning,))
    noise = np.percentile(border_distance, 99) + 2.0
    # Otsu alone splits a two-colour product from itself; never cut above what is clearly
    # not background, and never below the border's own noise.
    threshold = max(min(threshold_otsu(distance), max(noise, _SHADOW_DE)), noise, _MIN_CONTRAST_DE / 2)
    return _finish(distance > threshold, "background-colour", (), name)


def _finish(raw: np.ndarray, method: Literal["alpha", "background-colour"], warnings: tuple[str, ...], name: str) -> ProductMask:
    from skimage import morphology

    if raw.mean() < _MIN_PRODUCT_FRACTION:
        raise ImageError(f"{name}: no product found: the image is all background")
    # No closing: it would claim background pixels in concave corners, whose colour the
    # texture must not use. Notches are harmless; specks and holes are handled below.
    radius = max(1, round(min(raw.shape) / 256))
    mask = _drop_small_parts(morphology.opening(raw, morphology.disk(radius)))
    area = int(mask.sum())
    mask = morphology.remove_small_holes(mask, max_size=max(1, int(area * _HOLE_FILL_FRACTION)))
    if mask.mean() < _MIN_PRODUCT_FRACTION:
        raise ImageError(f"{name}: no product found: only specks differ from the background")
    return ProductMask(mask, method, warnings)


def _drop_small_parts(mask: np.ndarray) -> np.ndarray:
    from skimage.measure import label

    labels = label(mask, connectivity=2)
    if labels.max() <= 1:
        return mask
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    keep = sizes >= sizes.max() * _MIN_PART_FRACTION
    return keep[labels]
