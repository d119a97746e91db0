"""Read a product's gallery: which view each image shows (front, back, a side, the top, a detail, a lifestyle shot).

A store's second image is as often a side view, a close-up or someone wearing the product as its
back, so no image is taken for a view on its position alone. Each image after the main one (the
front) is cut out and measured against the main photo: its outline against the main's (a back
shot of a garment is nearly the mirrored outline, a side shot is narrower), its colours, its
texture (the same print again is the front, not the back), whether a person, skin or a room's
background is in it, whether the product runs off its frame (a close-up); its file name and alt
text ("back", "side", "reverse", "detail") and its place in the gallery count too. An image is
used for a view only when the measures agree with it; when in doubt it is used for nothing, and
each decision says why. A generator marks what it used a side view for (`Gallery.using`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.errors import ImageError

if TYPE_CHECKING:
    from PIL import Image

    from pipeline.product import SourceImage

__all__ = ["MAX_GALLERY_IMAGES", "Gallery", "ViewDecision", "ViewKind", "read_gallery"]

ViewKind = Literal["front", "back", "left", "right", "side", "top", "detail", "lifestyle", "other", "unreadable"]
# Images read per product (the main one included); a gallery rarely shows more views than this.
MAX_GALLERY_IMAGES = 8
# Cut-outs are compared at this size (the longer side).
_SIDE_PX = 512
_COMPARE_PX = 96
# A back's outline is the front's mirrored: bounding-box-normalised IoU at least this, and its
# height/width within this factor of the front's.
_BACK_IOU = 0.82
_SAME_ASPECT = 1.15
# A side view is at least this much narrower (height/width over the front's).
_SIDE_NARROWER = 1.3
# The same print again (grey-level correlation with the front, not mirrored): the front, not its back.
_SAME_PRINT = 0.85
# Product colours this alike (histogram intersection) are the same product.
_SAME_COLOURS = 0.45
# A cut-out along this share of one side of the frame is cropped: a close-up or a worn product.
_CROPPED = 0.15
# A product filling this share of the photo is a close-up.
_FILLS_FRAME = 0.8
# The photo's border this far (CIE76 ΔE) from the main photo's backdrop: the product fills the frame.
_OTHER_BACKDROP_DE = 30.0
# Skin over this share of the photo, beyond the main photo's, is a person.
_SKIN_SHARE = 0.02
# Border pixels this far (CIE76 ΔE) from the border's median colour make a background busy (a room).
_BUSY_DE = 25.0
_BUSY_SHARE = 0.3

_WORDS: dict[ViewKind, tuple[str, ...]] = {
    "back": ("back", "rear", "reverse", "behind", "backside"),
    "left": ("left",),
    "right": ("right",),
    "side": ("side", "profile"),
    "top": ("top", "above", "overhead", "topview"),
    "front": ("front",),
    "detail": ("detail", "details", "closeup", "close", "zoom", "macro", "texture", "fabric", "label", "tag"),
    "lifestyle": ("lifestyle", "model", "worn", "wearing", "room", "scene", "outfit", "styled", "person", "onmodel",
                  "insitu", "mood"),
}


@dataclass(frozen=True)
class ViewDecision:
    """What one gallery image was taken for, what it is used for (None: nothing) and why."""

    index: int
    name: str
    view: ViewKind
    used_for: str | None
    reasons: tuple[str, ...]
    measured: tuple[tuple[str, float], ...] = ()
    named: bool = False  # its file name or alt text says the view it was taken for

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "name": self.name, "view": self.view, "used_for": self.used_for,
                "reasons": list(self.reasons), "measured": dict(self.measured), "named": self.named}


@dataclass(frozen=True)
class Gallery:
    """Every image's decision, the main photo (index 0, the front) first."""

    decisions: tuple[ViewDecision, ...]

    def used(self, view: ViewKind) -> int | None:
        """The index of the image used for `view` (the first one taken for it), or None."""
        return next((d.index for d in self.decisions if d.view == view and d.used_for), None)

    def first_side(self) -> int | None:
        """The index of the first image taken for a side view (left, right or either), or None."""
        return next((d.index for d in self.decisions if d.view in ("left", "right", "side")), None)

    def using(self, index: int, used_for: str | None, reason: str) -> Gallery:
        """The gallery with image `index` used for `used_for` (None: for nothing), and why."""
        return Gallery(tuple(replace(d, used_for=used_for, reasons=(*d.reasons, reason)) if d.index == index else d
                             for d in self.decisions))

    def as_list(self) -> list[dict[str, object]]:
        return [d.as_dict() for d in self.decisions]


@dataclass(frozen=True)
class _Seen:
    """One photo's cut-out, measured."""

    rgb: np.ndarray
    mask: np.ndarray
    person: bool
    skin: float
    busy: bool
    frame: float
    fill: float


def read_gallery(images: Sequence[SourceImage], *, max_pixels: int | None = None,
                 main: Image.Image | None = None, title: str = "") -> Gallery:
    """Decide every image's view (up to MAX_GALLERY_IMAGES). `main`: the main photo already decoded;
    `title`: the product's, whose words say nothing of a view (a store's alt text is often the
    title: a "Tank top" photo is no view from above).

    Raises ImageError only for an unreadable main photo; another unreadable image is reported
    and used for nothing.
    """
    from pipeline.photos.images import MAX_PIXELS, decode_image

    limit = max_pixels or MAX_PIXELS
    if not images:
        return Gallery(())
    first = images[0]
    decisions = [ViewDecision(0, first.name, "front", "front", ("the main photo",))]
    if len(images) == 1:
        return Gallery(tuple(decisions))
    front = _seen(main if main is not None else decode_image(first.data, first.name, max_pixels=limit), first.name)
    for index, image in enumerate(images[1:MAX_GALLERY_IMAGES], start=1):
        try:
            seen = _seen(decode_image(image.data, image.name, max_pixels=limit), image.name)
        except ImageError as exc:
            decisions.append(ViewDecision(index, image.name, "unreadable", None, (str(exc),)))
            continue
        decisions.append(_decide(index, image, front, seen, _tokens(title)))
    return Gallery(tuple(decisions))


def _decide(index: int, image: SourceImage, front: _Seen, seen: _Seen, title: set[str]) -> ViewDecision:
    words = _named(_tokens(f"{image.name} {image.alt}") - title)
    said = f" ({', '.join(sorted(words))} in its name or alt text)" if words else ""
    aspect = _aspect(seen.mask) / _aspect(front.mask)
    same, mirrored = _outline_iou(front.mask, seen.mask)
    colours = _colour_overlap(front, seen)
    print_again = _grey_correlation(front, seen)
    measured = (("aspect_vs_front", round(aspect, 3)), ("outline_iou", round(same, 3)),
                ("mirrored_outline_iou", round(mirrored, 3)), ("colours_alike", round(colours, 3)),
                ("front_print_correlation", round(print_again, 3)), ("frame_contact", round(seen.frame, 3)),
                ("skin", round(seen.skin, 4)))

    def decided(view: ViewKind, used: str | None, *why: str) -> ViewDecision:
        return ViewDecision(index, image.name, view, used, tuple(w for w in why if w), measured, view in words)

    if "lifestyle" in words or seen.person or seen.skin > front.skin + _SKIN_SHARE or seen.busy:
        why = ("a person or a hand is in it" if seen.person or seen.skin > front.skin + _SKIN_SHARE
               else "its background is a scene, not a plain one" if seen.busy else f"it is named so{said}")
        return decided("lifestyle", None, f"a lifestyle shot: {why}; not used")
    backdrop = _backdrop_change(front, seen)
    if "detail" in words or seen.frame >= _CROPPED or seen.fill >= _FILLS_FRAME or backdrop > _OTHER_BACKDROP_DE:
        why = (f"the product runs off its frame ({seen.frame:.0%} of one side)" if seen.frame >= _CROPPED
               else f"the product fills {seen.fill:.0%} of it" if seen.fill >= _FILLS_FRAME
               else f"its edges are not the main photo's backdrop (ΔE {backdrop:.0f}): the product fills the frame"
               if backdrop > _OTHER_BACKDROP_DE else f"it is named so{said}")
        return decided("detail", None, f"a detail or close-up: {why}; not used")
    if colours < _SAME_COLOURS:
        return decided("other", None, f"its colours are not the main photo's ({colours:.0%} alike): another product "
                                      "or colour; not used")
    outline = f"outline {mirrored:.0%} like the front's mirrored, height/width {aspect:.2f}× the front's"
    back_outline = mirrored >= _BACK_IOU and abs(np.log(aspect)) <= np.log(_SAME_ASPECT)
    if "back" in words:
        if back_outline and print_again < _SAME_PRINT:
            return decided("back", "back", f"named a back{said}", f"its {outline}")
        return decided("other", None, f"named a back{said}, but its {outline} and its print "
                                      f"{print_again:.2f} like the front's: in doubt, not used")
    for view in ("left", "right", "side", "top"):
        if view in words:
            if view == "top" or aspect >= _SIDE_NARROWER or abs(np.log(aspect)) <= np.log(_SAME_ASPECT):
                return decided(view, None, f"named a {view} view{said}")  # type: ignore[arg-type]
            return decided("other", None, f"named a {view} view{said}, but its outline says otherwise; not used")
    if aspect >= _SIDE_NARROWER:
        return decided("side", None, f"a side view: {aspect:.2f}× as tall for its width as the front")
    if "front" in words or print_again >= _SAME_PRINT:
        return decided("front", None, "the front again" + (said if "front" in words else
                                                           f" (its print {print_again:.2f} like the main photo's)")
                       + "; not used")
    if back_outline and index == 1:
        return decided("back", "back", f"the second image, its {outline}, the front's print not on it "
                                       f"(correlation {print_again:.2f})")
    return decided("other", None, f"no view its measures agree on ({outline}): in doubt, not used")


def _tokens(text: str) -> set[str]:
    return set(re.split(r"[^a-z]+", text.lower().replace("close-up", "closeup").replace("close up", "closeup")))


def _named(tokens: set[str]) -> set[ViewKind]:
    return {view for view, words in _WORDS.items() if tokens & set(words)}


def _seen(image: Image.Image, name: str) -> _Seen:
    from PIL import Image as PILImage

    from pipeline.photos.images import fit_within
    from pipeline.photos.people import skin
    from pipeline.photos.segmentation import product_mask

    small = fit_within(image, _SIDE_PX)
    found = product_mask(small, name)
    flat = PILImage.new("RGBA", small.size, (255, 255, 255, 255))
    flat.alpha_composite(small.convert("RGBA"))
    rgb = np.asarray(flat.convert("RGB"))
    person = any("hand or person" in w or "person" in w for w in found.warnings)
    mask = found.mask
    sides = (mask[0], mask[-1], mask[:, 0], mask[:, -1])
    return _Seen(rgb, mask, person, float(skin(rgb).mean()), found.method != "alpha" and _busy(rgb),
                 max(float(side.mean()) for side in sides), float(mask.mean()))


def _border_lab(rgb: np.ndarray) -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).reshape(1, -1, 3))[0]


def _backdrop_change(front: _Seen, other: _Seen) -> float:
    """CIE76 ΔE between the median colours of the two photos' borders."""
    return float(np.linalg.norm(np.median(_border_lab(front.rgb), axis=0) - np.median(_border_lab(other.rgb), axis=0)))


def _busy(rgb: np.ndarray) -> bool:
    lab = _border_lab(rgb)
    distance = np.linalg.norm(lab - np.median(lab, axis=0), axis=-1)
    return bool((distance > _BUSY_DE).mean() > _BUSY_SHARE)


def _aspect(mask: np.ndarray) -> float:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 1.0
    return float((np.ptp(ys) + 1) / (np.ptp(xs) + 1))


def _boxed(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`values` cropped to the mask's box and stretched to a square (shapes compared apart from size)."""
    from PIL import Image

    ys, xs = np.nonzero(mask)
    crop = values[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    if crop.dtype == bool:
        crop = crop.astype(np.uint8) * 255
    return np.asarray(Image.fromarray(crop).resize((_COMPARE_PX, _COMPARE_PX), Image.Resampling.BILINEAR))


def _outline_iou(front: np.ndarray, other: np.ndarray) -> tuple[float, float]:
    """IoU of the two outlines in their boxes, as they are and with the other mirrored."""
    if not front.any() or not other.any():
        return 0.0, 0.0
    a, b = _boxed(front, front) >= 128, _boxed(other, other) >= 128
    iou = [float((a & c).sum() / max((a | c).sum(), 1)) for c in (b, b[:, ::-1])]
    return iou[0], iou[1]


def _colour_overlap(front: _Seen, other: _Seen) -> float:
    """Histogram intersection of the product's colours (8 bins a channel)."""
    def histogram(seen: _Seen) -> np.ndarray:
        pixels = seen.rgb[seen.mask] // 32
        counts = np.bincount((pixels[:, 0] * 64 + pixels[:, 1] * 8 + pixels[:, 2]).astype(int), minlength=512)
        return counts / max(counts.sum(), 1)

    if not front.mask.any() or not other.mask.any():
        return 0.0
    return float(np.minimum(histogram(front), histogram(other)).sum())


def _grey_correlation(front: _Seen, other: _Seen) -> float:
    """How much the other photo shows the front's print where the front shows it (not mirrored)."""
    if not front.mask.any() or not other.mask.any():
        return 0.0
    a = _boxed(front.rgb.mean(axis=-1).astype(np.uint8), front.mask).astype(float)
    b = _boxed(other.rgb.mean(axis=-1).astype(np.uint8), other.mask).astype(float)
    both = (_boxed(front.mask, front.mask) >= 128) & (_boxed(other.mask, other.mask) >= 128)
    if both.sum() < 16:
        return 0.0
    a, b = a[both] - a[both].mean(), b[both] - b[both].mean()
    return float((a * b).sum() / max(np.sqrt((a * a).sum() * (b * b).sum()), 1e-9))
