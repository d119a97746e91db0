"""The back one photo implies: the product's material and colours as the front shows them, without its print.

Most printed products are printed on the front only, so a model made from one photo shows a
plain back, not the front mirrored ("SOLIDUS" read as "SUDILOS"). What reaches the outline goes
on round it (the body's colour, a two-tone bottle's cap, a band printed all round, a strap);
what stays inside the outline is the front's own (a logo, a label, text) and is taken away:
the product's pixels whose colour is not the body's (the outline's main colour), in parts that
stay clear of the outline, are filled with the material around them (its shading included), so the
back meets the front at the seams in the same colours. A print-free product (a plain mug, a
ball) keeps its whole front, so its back looks like it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["PlainBack", "plain_back"]

# The print is found on a copy this size (longer side); the texture keeps its own resolution.
_ANALYSIS_SIDE = 384
# The outline's band, as shares of the longer side: its colours are the material's.
_BAND = (0.015, 0.06)
# A colour group is one of the material's when it holds at least this share of the band.
_MATERIAL_SHARE = 0.12
# Pixels within this CIE76 ΔE of a material colour are material (shading and weave included).
_MATERIAL_DE = 16.0
# A part of other colours that runs along the outline for this share of the longer side goes on round it.
_REACHES_OUTLINE = 0.03
_BAND_GROUPS = 4
_SAMPLE_PIXELS = 8_000


@dataclass(frozen=True)
class PlainBack:
    """The texture with the front's print filled by its material, and how much was print (0..1 of the product)."""

    texture: Image.Image
    print_share: float

    def describe(self) -> str:
        if self.print_share < 0.005:
            return "the front's material and colours (it shows no print)"
        return f"the front's material and colours without its print ({self.print_share:.0%} of the front)"


def plain_back(texture: Image.Image, mask: np.ndarray) -> PlainBack:
    """`texture`: the photo cropped to the product (RGB); `mask`: the product in that crop, any size.

    Returns the texture with the print taken away, the same size, for the model's back.
    """
    from PIL import Image
    from scipy import ndimage

    rgb = np.asarray(texture.convert("RGB"))
    scale = _ANALYSIS_SIDE / max(rgb.shape[:2])
    size = (max(8, round(rgb.shape[1] * scale)), max(8, round(rgb.shape[0] * scale)))
    small = np.asarray(texture.convert("RGB").resize(size, Image.Resampling.BOX))
    inside = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.Resampling.BILINEAR)) >= 128
    printed = _print_mask(small, inside)
    share = float(printed.sum() / max(inside.sum(), 1))
    if not printed.any():
        return PlainBack(texture.convert("RGB"), 0.0)
    # The material around the print, smoothly spread over it (normalised convolution).
    known = inside & ~printed
    sigma = 0.04 * max(size)
    weight = ndimage.gaussian_filter(known.astype(np.float32), sigma)
    spread = np.stack([ndimage.gaussian_filter(small[..., c].astype(np.float32) * known, sigma) for c in range(3)], -1)
    _, (iy, ix) = ndimage.distance_transform_edt(~known, return_indices=True)
    nearest = small[iy, ix].astype(np.float32)
    fill = np.where(weight[..., None] > 1e-3, spread / np.maximum(weight, 1e-6)[..., None], nearest)
    # Feather the print's edge over about a pixel of the analysis copy.
    blend = np.clip(ndimage.gaussian_filter(printed.astype(np.float32), 0.8) * 1.5, 0, 1)
    full = (rgb.shape[1], rgb.shape[0])
    fill_full = np.asarray(Image.fromarray(np.clip(fill, 0, 255).astype(np.uint8)).resize(full, Image.Resampling.BILINEAR))
    blend_full = np.asarray(Image.fromarray((blend * 255).astype(np.uint8)).resize(full, Image.Resampling.BILINEAR))
    alpha = (blend_full.astype(np.float32) / 255)[..., None]
    out = rgb.astype(np.float32) * (1 - alpha) + fill_full.astype(np.float32) * alpha
    return PlainBack(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), share)


def _clear_of_outline(kind: np.ndarray, inside: np.ndarray, rim: np.ndarray, ring_width: float,
                      side: int) -> np.ndarray:
    """The parts of `kind` that do not run along the outline (text near a hem stays clear of it;
    a cap, a strap or a band printed all round runs along it)."""
    from scipy import ndimage

    parts, count = ndimage.label(ndimage.binary_closing(kind, iterations=1) & inside, structure=np.ones((3, 3)))
    if count == 0:
        return np.zeros(inside.shape, dtype=bool)
    along = np.bincount(parts[rim].ravel(), minlength=count + 1) / ring_width
    clear = along < _REACHES_OUTLINE * side  # a letter, a speck of a highlight: filled alike
    clear[0] = False
    return clear[parts]


def _print_mask(rgb: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """The product's pixels that are print: not the body's colour, in parts clear of the outline."""
    from scipy import ndimage
    from scipy.cluster.vq import kmeans2
    from skimage.color import rgb2lab

    if inside.sum() < 64:
        return np.zeros(inside.shape, dtype=bool)
    side = max(inside.shape)
    depth = ndimage.distance_transform_edt(np.pad(inside, 1))[1:-1, 1:-1]
    band = inside & (depth >= max(1.0, _BAND[0] * side)) & (depth <= max(2.0, _BAND[1] * side))
    if band.sum() < 16:
        band = inside & (depth <= max(2.0, _BAND[1] * side))
    lab = rgb2lab(rgb)
    rng = np.random.default_rng(0)
    samples = lab[band]
    samples = samples[rng.choice(len(samples), size=min(len(samples), _SAMPLE_PIXELS), replace=False)]
    distinct = np.unique(np.round(samples), axis=0)
    if len(distinct) <= _BAND_GROUPS:  # a drawn, one- or two-colour band: its colours are the groups
        centres = distinct
        groups = np.argmin(((samples[:, None, :] - centres[None]) ** 2).sum(axis=-1), axis=1)
    else:
        with warnings.catch_warnings():
            # Groups left empty hold no share and name no material colour.
            warnings.filterwarnings("ignore", "One of the clusters is empty", RuntimeWarning)
            centres, groups = kmeans2(samples, _BAND_GROUPS, minit="++", seed=rng)
    shares = np.bincount(groups, minlength=len(centres)) / len(groups)
    nearest = np.linalg.norm(lab[..., None, :] - centres[None, None], axis=-1)
    material = nearest[..., shares >= _MATERIAL_SHARE].min(axis=-1) < _MATERIAL_DE
    body = nearest[..., int(np.argmax(shares))] < _MATERIAL_DE
    ring_width = max(2.0, _BAND[0] * side)
    rim = inside & (depth <= ring_width)
    # None of the outline's colours (a white logo on red), one of its other colours (a dark oval as
    # dark as the seams, stripes) or the body's own colour in an island of print (a logo's red
    # centre, a dark oval inside a pale printed band, as dark as the body's shaded sides): print
    # where it stays clear of the outline, each kind on its own so a print never joins the
    # outline through the body's shading.
    printed = np.zeros(inside.shape, dtype=bool)
    for kind in (inside & ~material, inside & material & ~body, inside & body):
        printed |= _clear_of_outline(kind, inside, rim, ring_width, side)
    # The print's anti-aliased edge is neither colour: take a pixel round it too.
    return ndimage.binary_dilation(printed, iterations=2) & inside
