"""Separate the product from its background: the alpha channel, else the learned cut-out, else the classical method.

The learned cut-out (pipeline.photos.cutout) finds the salient object and leaves out a hand or
person holding it (pipeline.photos.people); the classical method (Otsu on each pixel's colour
distance to the background) is the fallback when the model cannot run, and both are public so a
judge can compare them as independent evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.errors import ImageError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["Method", "ProductMask", "classical_mask", "learned_mask", "product_mask"]

Method = Literal["alpha", "learned", "classical"]

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
# The learned saliency's decision threshold (the network's output is a probability).
_SALIENT = 0.5
# A hole in the salient mask whose median probability is at least this is product the model
# was unsure of; below it, a real opening.
_UNSURE_HOLE = 0.1


@dataclass(frozen=True)
class ProductMask:
    """A boolean product mask (True = product), the method that cut it, and what to doubt about it.

    `method`: "alpha" (the photo's own transparency), "learned" (the salient-object model) or
    "classical" (colour distance to a plain background; the whole photo when it is not plain,
    with a warning saying so).
    """

    mask: np.ndarray
    method: Method
    warnings: tuple[str, ...] = ()

    @property
    def coverage(self) -> float:
        return float(self.mask.mean())


def product_mask(image: Image.Image, name: str = "image") -> ProductMask:
    """Find the product in an RGBA photo: its alpha channel, else the learned cut-out, else the classical one.

    Raises ImageError when the photo is all background. When the learned model cannot run here
    or finds nothing salient, the classical cut-out is returned with a warning saying so.
    """
    rgba = np.asarray(image.convert("RGBA"))
    alpha = rgba[..., 3]
    if (alpha < 128).mean() > _TRANSPARENT_FRACTION:
        return _finish(alpha >= 128, "alpha", (), name)
    from pipeline.photos.cutout import CutoutUnavailable

    _refuse_plain(rgba[..., :3], name)
    try:
        return learned_mask(image, name)
    except CutoutUnavailable as exc:
        why = f"the learned cut-out is unavailable ({exc})"
    except ImageError:
        why = "the learned cut-out found nothing that stands out"
    found = classical_mask(image, name)
    return replace(found, warnings=(f"{name}: {why}; the classical method cut the photo", *found.warnings))


def learned_mask(image: Image.Image, name: str = "image") -> ProductMask:
    """The salient object as the learned model sees it, less any hand or person holding it.

    Ignores the alpha channel (so a judge can compare it with the alpha cut-out). Raises
    ImageError when nothing salient is found, CutoutUnavailable when the model cannot run.
    """
    from pipeline.photos.cutout import saliency
    from pipeline.photos.people import without_holders

    rgb = np.asarray(image.convert("RGB"))
    _refuse_plain(rgb, name)
    probability = saliency(image)
    salient = _fill_unsure_holes(probability >= _SALIENT, probability)
    if salient.mean() < _MIN_PRODUCT_FRACTION:
        raise ImageError(f"{name}: no product found: nothing stands out from the background")
    product, warnings = without_holders(salient, rgb, name)
    return _finish(product, "learned", warnings, name)


def classical_mask(image: Image.Image, name: str = "image") -> ProductMask:
    """The studio-shot method, ignoring the alpha channel.

    The background is the median border colour, pixels are split by Otsu's threshold on their
    CIELAB distance to it, then the mask is cleaned (opening; small parts and small holes
    removed). A busy background gives the whole photo, with a warning. Raises ImageError when
    the photo is all background.
    """
    return _from_background_colour(np.asarray(image.convert("RGB")), name)


def _fill_unsure_holes(mask: np.ndarray, probability: np.ndarray) -> np.ndarray:
    """Fill the holes the model was unsure about (a pale label on a dark cover), not the open ones.

    A real opening (a mug handle's) is background the model is sure of; a label or a logo it
    merely rates lower than the product around it.
    """
    from scipy import ndimage

    holes, count = ndimage.label(ndimage.binary_fill_holes(mask) & ~mask)
    if count == 0:
        return mask
    unsure = np.asarray(ndimage.median(probability, holes, index=np.arange(1, count + 1))) >= _UNSURE_HOLE
    return mask | np.concatenate([[False], unsure])[holes]


def _refuse_plain(rgb: np.ndarray, name: str) -> None:
    """Raise ImageError for a photo of one plain colour, before any model is asked about it."""
    spread = rgb.reshape(-1, 3).astype(np.int16)
    if int((spread.max(axis=0) - spread.min(axis=0)).max()) < _MIN_CONTRAST_DE / 2:
        raise ImageError(f"{name}: no product found: the image is all background (one plain colour)")


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
        return ProductMask(np.ones(distance.shape, dtype=bool), "classical", (warning,))
    noise = np.percentile(border_distance, 99) + 2.0
    # Otsu alone splits a two-colour product from itself; never cut above what is clearly
    # not background, and never below the border's own noise.
    threshold = max(min(threshold_otsu(distance), max(noise, _SHADOW_DE)), noise, _MIN_CONTRAST_DE / 2)
    return _finish(distance > threshold, "classical", (), name)


def _finish(raw: np.ndarray, method: Method, warnings: tuple[str, ...], name: str) -> ProductMask:
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
