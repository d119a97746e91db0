"""Leave a hand, an arm or a person holding the product out of a salient-object mask.

A salient-object model marks everything in front of the background, the merchant's hand and the
model wearing the tote included. People show themselves two ways: skin, and parts cut by the
photo's frame (an arm reaching in, legs or a torso running off the edge), which a product shot
on a plain background rarely is. When skin is in the mask and something of it reaches the frame,
those parts are taken away and the product is the largest part that is left. What cannot be
told apart (a skin-coloured product, a person wholly inside the frame) is left in, with a
warning, because guessing would cut the product.
"""

from __future__ import annotations

import numpy as np

__all__ = ["skin", "without_holders"]

# Skin shows in the mask when at least this fraction of it is skin-coloured.
_MIN_SKIN_FRACTION = 0.005
# Above this fraction the product itself is skin-coloured (tan leather, cardboard, wood).
_SKIN_PRODUCT_FRACTION = 0.5
# A part touches the frame when it comes this close to the photo's edge (fraction of the side).
_FRAME_BAND = 0.01
# Colour groups of the mask for telling the product from clothing (k-means in CIELAB).
_COLOUR_GROUPS = 6
_SAMPLE_PIXELS = 20_000
# Other parts at least this fraction of the product's size stay (a product split by a hand).
_KEEP_PART_FRACTION = 0.25
# Less than this fraction of the mask left means the product itself was taken for a person.
_MIN_LEFT_FRACTION = 0.1
# A face ends above the product's top, give or take this fraction of the product's height.
_FACE_TOLERANCE = 0.05
# A mask running along more than this fraction of one side of the frame is cut by the frame.
_FRAME_RUN_FRACTION = 0.15


def skin(rgb: np.ndarray) -> np.ndarray:
    """Pixels whose colour is human skin under studio light (RGB rule and YCbCr box together).

    Either rule alone takes red leather or cream canvas for skin; both must agree.
    """
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    spread = np.max(rgb, axis=-1).astype(np.int16) - np.min(rgb, axis=-1)
    by_rgb = (r > 95) & (g > 40) & (b > 20) & (spread > 15) & (r - g > 15) & (r > b)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cr = 0.713 * (r - y) + 128
    cb = 0.564 * (b - y) + 128
    return by_rgb & (cr >= 135) & (cr <= 173) & (cb >= 77) & (cb <= 127)


def without_holders(mask: np.ndarray, rgb: np.ndarray, name: str = "image") -> tuple[np.ndarray, tuple[str, ...]]:
    """The mask less the hand, arm or person holding the product, and warnings about what stayed.

    `mask` is the salient-object mask and `rgb` the photo at the same size.
    """
    from scipy import ndimage

    band = max(1, round(min(mask.shape) * _FRAME_BAND))
    frame = np.zeros(mask.shape, dtype=bool)
    frame[:band], frame[-band:], frame[:, :band], frame[:, -band:] = True, True, True, True
    photo_skin = ndimage.binary_opening(skin(rgb), iterations=2)
    skin_in_mask = photo_skin & mask
    skin_fraction = skin_in_mask.sum() / max(1, mask.sum())
    cut_by_frame = _runs_off_frame(mask, band)
    # An arm reaching in from the frame may itself be left out by the model while its fingers,
    # over the product, are not: skin that reaches the frame counts as well as the mask doing so.
    reaching_in = _parts_touching(ndimage.label(photo_skin)[0], frame)
    if skin_fraction < _MIN_SKIN_FRACTION or not ((mask | reaching_in) & frame).any():
        if cut_by_frame:
            return mask, (f"{name}: the product runs off the photo's edge: it may be cropped, or "
                          "something holding it may be in the model",)
        return mask, ()
    if skin_fraction > _SKIN_PRODUCT_FRACTION:
        return mask, (f"{name}: the product is skin-coloured, so a hand holding it could not be "
                      "told apart; check the model for one",)
    holders = skin_in_mask
    if (mask & frame).any():
        holders = holders | _parts_touching(_colour_parts(mask, rgb), frame)
    left = mask & ~ndimage.binary_dilation(holders)
    product = _main_parts(left, frame)
    if product.sum() < _MIN_LEFT_FRACTION * mask.sum():
        return mask, (f"{name}: a person or hand holds the product and could not be separated from "
                      "it; check the model for them",)
    warnings: tuple[str, ...] = (f"{name}: a hand or person holding the product was left out of the model",)
    if _face_above(product, skin_in_mask, frame):
        warnings += (f"{name}: parts of the person holding the product may still be in the model",)
    return product, warnings


def _runs_off_frame(mask: np.ndarray, band: int) -> bool:
    sides = (mask[:band].any(axis=0), mask[-band:].any(axis=0), mask[:, :band].any(axis=1), mask[:, -band:].any(axis=1))
    return any(side.mean() > _FRAME_RUN_FRACTION for side in sides)


def _colour_parts(mask: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Label the mask's connected parts of one colour group (0 outside the mask)."""
    from scipy import ndimage
    from scipy.cluster.vq import kmeans2
    from skimage.color import rgb2lab

    lab = rgb2lab(rgb[mask])
    rng = np.random.default_rng(0)
    sample = lab[rng.choice(len(lab), size=min(len(lab), _SAMPLE_PIXELS), replace=False)]
    centres, _ = kmeans2(sample, min(_COLOUR_GROUPS, len(sample)), minit="++", seed=rng)
    groups = np.full(mask.shape, -1)
    groups[mask] = np.argmin(((lab[:, None, :] - centres[None]) ** 2).sum(axis=-1), axis=1)
    labels = np.zeros(mask.shape, dtype=np.int32)
    count = 0
    for group in range(len(centres)):
        parts, found = ndimage.label(groups == group)
        labels[parts > 0] = parts[parts > 0] + count
        count += found
    return labels


def _parts_touching(labels: np.ndarray, frame: np.ndarray) -> np.ndarray:
    touching = np.unique(labels[frame & (labels > 0)])
    return np.isin(labels, touching[touching > 0])


def _main_parts(mask: np.ndarray, frame: np.ndarray) -> np.ndarray:
    """The largest part, with the other large parts that stay clear of the frame."""
    from scipy import ndimage

    labels, count = ndimage.label(mask)
    if count == 0:
        return mask
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    largest = int(sizes.argmax())
    keep = sizes >= sizes[largest] * _KEEP_PART_FRACTION
    keep[np.unique(labels[frame])] = False
    keep[largest] = True
    keep[0] = False
    return keep[labels]


def _face_above(product: np.ndarray, skin_parts: np.ndarray, frame: np.ndarray) -> bool:
    """A skin part wholly inside the frame and above the product is a face: its body may be left in."""
    from scipy import ndimage

    rows = np.nonzero(product.any(axis=1))[0]
    if len(rows) == 0:
        return False
    labels, count = ndimage.label(skin_parts)
    for index, found in enumerate(ndimage.find_objects(labels), start=1):
        part = labels[found] == index
        if part.sum() < _MIN_SKIN_FRACTION * product.sum() or (frame[found] & part).any():
            continue
        if found[0].stop <= rows[0] + _FACE_TOLERANCE * len(rows):
            return True
    return False
