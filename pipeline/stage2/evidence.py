"""The honest quality score: a finished model judged on evidence its generator did not make.

Every term is 0..1 and compares the final model with something independent of the generator:
two cut-outs of the photo made here (the learned one and the classical one), four renders of
the final mesh (front, side, top, back), the front's proportions against the photo's, the stretch
applied to fit the store's dimensions, and the shape class. README "Quality score" documents the terms, the formula and the calibration.

    score = round(100 × (½ × the weakest term + ½ × the weighted mean of all terms))

The weakest term decides half of the score, so one failure (a model in pieces) cannot be
averaged away by good terms elsewhere. `cutout_agreement` says how sure the photo evidence is;
it lowers the mean but is never "the weakest", so a photo the classical method cannot cut
lowers confidence without failing a model on its own. A term that cannot be measured (no photo,
no shape class) is left out. Every term under its `FINE` level adds a reason in plain words; so
does the inflated fallback's guessed depth, which caps an otherwise perfect model at about 85.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.stage2.quality import colour_similarity, silhouette_iou

__all__ = [
    "FINE",
    "WEIGHTS",
    "Judgement",
    "ModelFacts",
    "ModelViews",
    "PhotoCutouts",
    "aspect",
    "back_term",
    "detail",
    "extra_holes_and_slivers",
    "frame_contact",
    "judge",
    "largest_part_share",
    "outline_term",
    "proportions_term",
    "seen_proportions",
    "score",
    "shape_plausibility",
    "silhouette_parts",
    "stretch_of",
    "texture_coverage",
]

WEIGHTS: dict[str, float] = {
    "silhouette": 3.0,
    "cutout": 2.0,
    "cutout_agreement": 1.0,
    "in_frame": 1.0,
    "connectedness": 2.0,
    "solidity": 1.0,
    "stretch": 2.0,
    "proportions": 2.0,
    "shape": 1.0,
    "texture": 1.0,
    "detail": 1.0,
    "photo_match": 2.0,
    "back": 1.0,
}
# Below these a term gives a reason; they are the levels every good model of the labelled set clears.
FINE: dict[str, float] = {
    "silhouette": 0.8,
    "cutout": 0.8,
    "cutout_agreement": 0.8,
    "in_frame": 0.8,
    "connectedness": 0.9,
    "solidity": 0.8,
    "stretch": 0.8,
    "proportions": 0.8,
    "shape": 0.6,
    "texture": 0.5,
    "detail": 0.7,
    "photo_match": 0.6,
    "back": 0.6,
}
# Terms that only say how sure the evidence is: in the mean, never taken as the weakest.
_CONFIDENCE_TERMS = frozenset({"cutout_agreement"})
# Outline IoU that counts for nothing and in full: good models of the labelled set reach 0.93.
_OUTLINE_IOU = (0.5, 0.9)
# A catalogue photo shows the whole product: a cut-out along up to the first share of one side of
# the frame (a shadow, a base on the edge) is fine; from the second it is cut off or held.
_FRAME_CONTACT = (0.02, 0.15)
# Proportions changed by up to this factor are within what a photo's perspective explains.
_STRETCH_TOLERATED = 1.15
# The front's height/width against the photo's cut-out's: within the first factor a photo's
# perspective explains it (a catalogue shot from above adds a top to the outline); from the
# second the model is squashed or stretched.
_PROPORTIONS = (1.12, 1.4)
# A silhouette part smaller than this share of the whole is a speck, not a piece.
_PIECE_SHARE = 0.002
# A sliver is what an opening with a disc of this share of the longer side removes.
_SLIVER_RADIUS_SHARE = 0.025
# Colours within this CIE76 ΔE of the photo's at the same place carry the photo's texture.
_TEXTURE_DE = 22.0
_TEXTURE_SIDE = 96
# Faces: at or under the first a mesh has no substance; from the second it has enough detail.
_DETAIL_FACES = (20, 2000)
# Shape checks: a flat product's depth and a garment's depth, as shares of its larger visible side.
_FLAT_DEPTH = 0.2
_GARMENT_DEPTH = 0.5
# A cap's or a hat's depth, at least, as a share of its width.
_HEADWEAR_DEPTH = 0.8
# The back against the product: its colours' histogram intersection with the photo's product
# counts for nothing at the first, in full from the second (a plain back or a back photo of the
# same product share most colours; a close-up of someone wearing it does not), and skin on the
# back beyond the front's lowers it from the first share of the back to nothing at the second.
_BACK_COLOURS = (0.15, 0.4)
_BACK_SKIN = (0.02, 0.1)
# A model the local generator built as the inflated fallback: one photo shows its front, nothing
# its sides or depth. Enough to publish, never a full score (about 85 when all else is fine).
_GUESSED_SIDES = 0.7


@dataclass(frozen=True)
class PhotoCutouts:
    """The main photo (over white, at the cut-outs' size) and the product cut out by each method.

    `learned` or `classical` is None when that method could not cut this photo; `notes` say why.
    """

    rgb: np.ndarray
    learned: np.ndarray | None
    classical: np.ndarray | None
    notes: tuple[str, ...] = ()

    @property
    def reference(self) -> np.ndarray | None:
        """The cut-out the model is compared with: the learned one (it leaves out hands and people), else the classical."""
        return self.learned if self.learned is not None else self.classical


@dataclass(frozen=True)
class ModelViews:
    """Orthographic renders of the final model: the front's colours and mask, the side's and top's
    masks, and the back's colours and mask (None where not rendered)."""

    front_rgb: np.ndarray
    front: np.ndarray
    side: np.ndarray
    top: np.ndarray
    back_rgb: np.ndarray | None = None
    back: np.ndarray | None = None


@dataclass(frozen=True)
class ModelFacts:
    """What Stage 2 knows about the final model besides its renders.

    `size_m`: final width, height, depth; `stretch`: the factor by which fitting the dimensions
    changed the visible proportions (1.0: not at all); `shape`: the shape class asked for or
    decided (None: unknown or free-form); `remote`: made by a hosted generator (Tripo, Shap-E);
    `elevation_deg`: how far above the product the photo was taken, as the generator read it (a
    shot from above shows the top too), None when it does not say (a hosted model: then any
    elevation up to sizing.MAX_CAMERA_ELEVATION_DEG is granted).
    """

    faces: int
    size_m: tuple[float, float, float]
    stretch: float = 1.0
    shape: str | None = None
    remote: bool = False
    pieces: int = 1
    elevation_deg: float | None = 0.0


@dataclass(frozen=True)
class Judgement:
    """The score, its terms, the measured quantities behind them and the reasons for low terms."""

    score: int
    terms: dict[str, float]
    reasons: tuple[str, ...]
    measured: dict[str, float | int | str] = field(default_factory=dict)


def judge(
    views: ModelViews, photo: PhotoCutouts | None, facts: ModelFacts, generator_cutout: np.ndarray | None = None
) -> Judgement:
    """Score the model (see the module docstring). Pure: every input is already measured.

    `generator_cutout`: the mask the generator built the model from, when it says (the local
    generator does); it is checked against the independent cut-outs, in the photo's own frame.
    """
    terms: dict[str, float] = {}
    measured: dict[str, float | int | str] = {"faces": facts.faces, "pieces": facts.pieces,
                                              "stretch": round(facts.stretch, 3)}
    reasons: list[str] = []
    reference = photo.reference if photo is not None else None

    if reference is not None:
        iou = silhouette_iou(reference, views.front)
        terms["silhouette"] = outline_term(iou)
        measured["silhouette_iou"] = round(iou, 4)
        if terms["silhouette"] < FINE["silhouette"]:
            reasons.append(f"its front outline matches the product cut out of the photo only "
                           f"{_percent(iou)} (intersection over union)")
    if reference is not None:
        contact, side = frame_contact(reference)
        low, high = _FRAME_CONTACT
        terms["in_frame"] = float(np.clip(1.0 - (contact - low) / (high - low), 0.0, 1.0))
        measured["frame_contact"] = round(contact, 4)
        if terms["in_frame"] < FINE["in_frame"]:
            reasons.append(f"the product runs off the photo's {side} edge ({_percent(contact)} of it): the photo "
                           "crops it, or someone holding or wearing it was taken for the product")
    if reference is not None and generator_cutout is not None and generator_cutout.any():
        overlap = _iou(_resized(generator_cutout, reference.shape), reference)
        terms["cutout"] = outline_term(overlap)
        measured["generator_cutout_iou"] = round(overlap, 4)
        if terms["cutout"] < FINE["cutout"]:
            reasons.append(f"the generator cut the product out of the photo differently from the independent "
                           f"cut-outs (they overlap {_percent(overlap)}): it took in something else, such as a "
                           "person holding it, or lost parts of it")
    if photo is not None and photo.learned is not None and photo.classical is not None:
        terms["cutout_agreement"] = _iou(photo.learned, photo.classical)
        if terms["cutout_agreement"] < FINE["cutout_agreement"]:
            reasons.append(f"the learned and the classical cut-outs of the photo disagree (they overlap "
                           f"{_percent(terms['cutout_agreement'])}), so the photo evidence is uncertain")

    shares = {name: largest_part_share(mask) for name, mask in
              (("front", views.front), ("side", views.side), ("top", views.top))}
    worst_view = min(shares, key=lambda name: shares[name])
    terms["connectedness"] = shares[worst_view]
    measured["largest_part_share"] = round(shares[worst_view], 4)
    if terms["connectedness"] < FINE["connectedness"]:
        pieces = max(facts.pieces, silhouette_parts(views.front))
        reasons.append(f"the model is in {pieces} pieces: its largest part is only "
                       f"{_percent(shares[worst_view])} of the outline seen from the {worst_view}")

    holes, slivers = extra_holes_and_slivers(views.front, reference)
    terms["solidity"] = float(np.clip(1.0 - 2.5 * (holes + slivers), 0.0, 1.0))
    measured["extra_holes"], measured["extra_slivers"] = round(holes, 4), round(slivers, 4)
    if terms["solidity"] < FINE["solidity"]:
        what = [f"holes ({_percent(holes)} of its outline)" if holes >= 0.02 else "",
                f"thin slivers ({_percent(slivers)} of its outline)" if slivers >= 0.02 else ""]
        reasons.append("the model has " + " and ".join(w for w in what if w) + " that the photo does not show")

    if reference is not None and reference.any() and views.front.any():
        ratio = seen_proportions(aspect(views.front), facts, aspect(reference))
        terms["proportions"] = proportions_term(ratio)
        measured["proportions"] = round(ratio, 4)
        if terms["proportions"] < FINE["proportions"]:
            reasons.append(f"its front is {ratio:.2f}× as tall for its width as the product in the photo: the model "
                           f"is {'squashed' if ratio < 1 else 'stretched'}")

    terms["stretch"] = min(1.0, _STRETCH_TOLERATED / max(facts.stretch, 1e-9))
    if terms["stretch"] < FINE["stretch"]:
        reasons.append(f"the model was stretched {facts.stretch:.1f}× to match the given dimensions: "
                       "its proportions no longer match the photo's")

    if facts.shape == "free-form" and not facts.remote:
        terms["shape"] = _GUESSED_SIDES
        measured["shape"] = facts.shape
        reasons.append("it was built as the inflated fallback (no shape class fits it): only its front comes "
                       "from the photo, its sides and depth are a guess")
    elif facts.shape is not None:
        plausible = shape_plausibility(facts.shape, views, facts.size_m)
        if plausible is not None:
            terms["shape"] = plausible
            measured["shape"] = facts.shape
            if plausible < FINE["shape"]:
                reasons.append(_shape_reason(facts.shape))

    if photo is not None and reference is not None:
        terms["texture"] = texture_coverage(views.front_rgb, views.front, photo.rgb, reference)
        if terms["texture"] < FINE["texture"]:
            reasons.append(f"only {_percent(terms['texture'])} of its front carries the photo's colours; "
                           "the rest is filler")

    if views.back is not None and views.back_rgb is not None and views.back.any() and photo is not None \
            and reference is not None:
        terms["back"], colours, skin_excess = back_term(views, photo.rgb, reference)
        measured["back_colours"], measured["back_skin"] = round(colours, 4), round(skin_excess, 4)
        if terms["back"] < FINE["back"]:
            what = (f"skin covers {_percent(skin_excess)} more of it than of the front" if skin_excess > _BACK_SKIN[0]
                    else f"its colours are only {_percent(colours)} like the product's in the photo")
            reasons.append(f"its back does not look like the product: {what} (a close-up, a person or "
                           "another product may be on it)")

    terms["detail"] = detail(facts.faces)
    if terms["detail"] < FINE["detail"]:
        reasons.append(f"the model has only {facts.faces} faces: too little geometry to be the product")

    if facts.remote and photo is not None and reference is not None:
        best = max(silhouette_iou(reference, mask) for mask in _turned(views))
        colour = colour_similarity(photo.rgb, reference, views.front_rgb, views.front)
        terms["photo_match"] = 0.5 * outline_term(best) + 0.5 * colour
        measured["remote_outline_iou"], measured["remote_colour"] = round(best, 4), round(colour, 4)
        if terms["photo_match"] < FINE["photo_match"]:
            reasons.append(f"the hosted generator's model does not look like the photo from any side "
                           f"(outline {_percent(best)}, colours {_percent(colour)} alike): it may be another object")

    return Judgement(score(terms), {name: round(value, 4) for name, value in terms.items()}, tuple(reasons), measured)


def score(terms: dict[str, float]) -> int:
    """½ × the weakest term + ½ × the weighted mean, 0–100 (see the module docstring)."""
    if not terms:
        return 0
    mean = sum(WEIGHTS[name] * value for name, value in terms.items()) / sum(WEIGHTS[name] for name in terms)
    gating = [value for name, value in terms.items() if name not in _CONFIDENCE_TERMS] or [mean]
    return round(100 * (0.5 * min(gating) + 0.5 * mean))


def back_term(views: ModelViews, photo_rgb: np.ndarray, photo_mask: np.ndarray) -> tuple[float, float, float]:
    """The back as a term (see _BACK_COLOURS and _BACK_SKIN), its colours' likeness to the photo's
    product and the share of it that is skin beyond the front's."""
    from pipeline.photos.people import skin

    assert views.back is not None and views.back_rgb is not None
    colours = colour_similarity(photo_rgb, photo_mask, views.back_rgb, views.back)
    front_skin = float(skin(views.front_rgb)[views.front].mean()) if views.front.any() else 0.0
    excess = max(0.0, float(skin(views.back_rgb)[views.back].mean()) - front_skin)
    low, high = _BACK_COLOURS
    by_colour = float(np.clip((colours - low) / (high - low), 0.0, 1.0))
    low, high = _BACK_SKIN
    by_skin = float(np.clip(1.0 - (excess - low) / (high - low), 0.0, 1.0))
    return min(by_colour, by_skin), colours, excess


def aspect(mask: np.ndarray) -> float:
    """A silhouette's height over its width (its bounding box's)."""
    ys, xs = np.nonzero(mask)
    return float((np.ptp(ys) + 1) / (np.ptp(xs) + 1)) if len(xs) else 1.0


def seen_proportions(front_aspect: float, facts: ModelFacts, photo_aspect: float) -> float:
    """The model's height/width as the photo's camera saw it, over the photo's: its front's height
    foreshortened by cos e and its depth's top showing by sin e (exact for a box or a cylinder)."""
    from pipeline.stage2.sizing import MAX_CAMERA_ELEVATION_DEG

    width, _, depth = facts.size_m
    top = depth / max(width, 1e-12)
    elevations = [facts.elevation_deg] if facts.elevation_deg is not None else \
        list(np.linspace(0.0, MAX_CAMERA_ELEVATION_DEG, 31))
    ratios = [(front_aspect * math.cos(math.radians(e)) + top * math.sin(math.radians(e))) / photo_aspect
              for e in elevations]
    return min(ratios, key=lambda ratio: abs(math.log(max(ratio, 1e-9))))


def proportions_term(ratio: float) -> float:
    """The model's front height/width over the photo's as a term: 1 within what perspective
    explains (_PROPORTIONS[0] either way), 0 from _PROPORTIONS[1], linear in the logarithm between."""
    low, high = (math.log(f) for f in _PROPORTIONS)
    return float(np.clip(1.0 - (abs(math.log(max(ratio, 1e-9))) - low) / (high - low), 0.0, 1.0))


def outline_term(iou: float) -> float:
    """An outline IoU as a term: the same product's outlines overlap 0.9 or more (1.0), another
    object's or a cut-out gone wrong 0.5 or less (0.0)."""
    low, high = _OUTLINE_IOU
    return float(np.clip((iou - low) / (high - low), 0.0, 1.0))


def frame_contact(mask: np.ndarray) -> tuple[float, str]:
    """The largest share of one side of the photo's frame that the cut-out runs along, and that side."""
    sides = {"top": mask[0], "bottom": mask[-1], "left": mask[:, 0], "right": mask[:, -1]}
    side = max(sides, key=lambda name: float(sides[name].mean()))
    return float(sides[side].mean()), side


def largest_part_share(mask: np.ndarray) -> float:
    """The share of a silhouette in its largest connected part (1.0: one piece; 0.0: empty)."""
    sizes = _part_sizes(mask)
    return float(sizes.max() / sizes.sum()) if len(sizes) else 0.0


def silhouette_parts(mask: np.ndarray) -> int:
    """Connected parts of a silhouette, not counting specks."""
    sizes = _part_sizes(mask)
    return int((sizes >= _PIECE_SHARE * sizes.sum()).sum()) if len(sizes) else 0


def extra_holes_and_slivers(model: np.ndarray, reference: np.ndarray | None) -> tuple[float, float]:
    """Holes and thin slivers of the model's outline beyond the photo's own, as shares of the outline.

    Both outlines are compared in the same normalised frame; without a reference, the model's
    holes and slivers count in full (a product photo rarely shows them).
    """
    model_holes, model_slivers = _holes_and_slivers(_normalised(model))
    if reference is None or not reference.any():
        return model_holes, model_slivers
    photo_holes, photo_slivers = _holes_and_slivers(_normalised(reference))
    return max(0.0, model_holes - photo_holes), max(0.0, model_slivers - photo_slivers)


def shape_plausibility(shape: str, views: ModelViews, size_m: tuple[float, float, float]) -> float | None:
    """How well the side and top views fit the shape class (1.0: fully); None for a class with no check.

    round: the top view's main body is a disc (equal sides, an ellipse's fill); headwear (a cap
    or a hat): at least 80 % as deep as it is wide (a head fits in it); box: the front and top
    views fill their bounding boxes; flat: thin from the side; garment: no deeper than half its
    visible size.
    """
    width, height, depth = size_m
    if shape == "round":
        body = _main_body(views.top)
        if not body.any():
            return 0.0
        ys, xs = np.nonzero(body)
        w, h = np.ptp(xs) + 1, np.ptp(ys) + 1
        aspect = min(w, h) / max(w, h)
        fill = body.sum() / (w * h)
        return float(np.clip(aspect, 0, 1) * np.clip(1 - 2.5 * max(0.0, abs(fill - math.pi / 4) - 0.05), 0, 1))
    if shape == "headwear":
        return float(np.clip(depth / max(width, 1e-12) / _HEADWEAR_DEPTH, 0, 1))
    if shape == "box":
        fills = [_bbox_fill(views.front), _bbox_fill(views.top)]
        return float(np.clip(min(fills) / 0.9, 0, 1))
    if shape == "flat":
        ratio = depth / max(width, height, 1e-12)
        return float(np.clip(1 - (ratio - _FLAT_DEPTH) / 0.3, 0, 1))
    if shape == "garment":
        ratio = depth / max(width, height, 1e-12)
        return float(np.clip(1 - (ratio - _GARMENT_DEPTH) / 0.5, 0, 1))
    return None


def texture_coverage(model_rgb: np.ndarray, model_mask: np.ndarray, photo_rgb: np.ndarray, photo_mask: np.ndarray) -> float:
    """The share of the model's front that shows the photo's colour at the same place (0..1).

    Both are cropped to their outlines and resampled to one small frame, blurred a little (a
    texture never lands to the pixel), and compared in CIELAB where both outlines cover.
    """
    from scipy import ndimage
    from skimage.color import rgb2lab

    if not model_mask.any() or not photo_mask.any():
        return 0.0
    size = (_TEXTURE_SIDE, _TEXTURE_SIDE)
    model_lab = rgb2lab(_crop_resized(model_rgb, model_mask, size))
    photo_lab = rgb2lab(_crop_resized(photo_rgb, photo_mask, size))
    model_lab = ndimage.gaussian_filter(model_lab, (1.5, 1.5, 0))
    photo_lab = ndimage.gaussian_filter(photo_lab, (1.5, 1.5, 0))
    both = (_crop_resized(model_mask.astype(np.float32), model_mask, size) >= 0.5) & (
        _crop_resized(photo_mask.astype(np.float32), photo_mask, size) >= 0.5)
    inner = ndimage.binary_erosion(both, iterations=2)  # the rim's colours are the most smeared
    both = inner if inner.any() else both
    if not both.any():
        return 0.0
    distance = np.linalg.norm(model_lab - photo_lab, axis=-1)
    return float((distance[both] < _TEXTURE_DE).mean())


def detail(faces: int) -> float:
    """0 for a mesh of a few faces, 1 from _DETAIL_FACES[1], logarithmic between."""
    low, high = _DETAIL_FACES
    return float(np.clip(math.log(max(faces, 1) / low) / math.log(high / low), 0.0, 1.0))


def stretch_of(extents_before: Sequence[float], extents_after: Sequence[float]) -> float:
    """By how much a placement changed the front's proportions (width to height): 1.0 when uniform."""
    scale = np.asarray(extents_after[:2], dtype=float) / np.maximum(np.asarray(extents_before[:2], dtype=float), 1e-12)
    return float(scale.max() / max(scale.min(), 1e-12))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def _resized(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    from PIL import Image

    if mask.shape == shape:
        return mask
    return np.asarray(Image.fromarray(mask).resize((shape[1], shape[0]), Image.Resampling.NEAREST))


def _part_sizes(mask: np.ndarray) -> np.ndarray:
    from skimage.measure import label

    labels = label(mask, connectivity=2)
    return np.bincount(labels.ravel())[1:] if labels.max() else np.zeros(0, dtype=np.int64)


def _normalised(mask: np.ndarray, side: int = 192) -> np.ndarray:
    """The mask cropped to its outline and resampled so its longer side is `side` pixels."""
    from PIL import Image

    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return np.zeros((side, side), dtype=bool)
    crop = mask[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1].astype(np.float32)
    scale = side / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    return np.pad(np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BILINEAR)) >= 0.5, 4)


def _holes_and_slivers(mask: np.ndarray) -> tuple[float, float]:
    from scipy import ndimage
    from skimage import morphology

    area = mask.sum()
    if not area:
        return 0.0, 0.0
    filled = ndimage.binary_fill_holes(mask)
    holes = (filled & ~mask).sum() / filled.sum()
    radius = max(1, round(_SLIVER_RADIUS_SHARE * max(mask.shape)))
    slivers = (mask & ~morphology.opening(mask, morphology.disk(radius))).sum() / area
    return float(holes), float(slivers)


def _main_body(mask: np.ndarray) -> np.ndarray:
    """The mask without thin appendages (a mug's handle seen from above): opened by a large disc."""
    from skimage import morphology

    normalised = _normalised(mask, 128)
    opened = morphology.opening(normalised, morphology.disk(12))
    return opened if opened.any() else normalised


def _bbox_fill(mask: np.ndarray) -> float:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return 0.0
    return float(mask.sum() / ((np.ptp(xs) + 1) * (np.ptp(ys) + 1)))


def _crop_resized(values: np.ndarray, mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    ys, xs = np.nonzero(mask)
    crop = values[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    if crop.dtype == np.uint8:
        return np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BILINEAR))
    return np.asarray(Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.BILINEAR))


def _turned(views: ModelViews) -> tuple[np.ndarray, ...]:
    """The outlines a hosted model shows if it faces another way: front, back, either side."""
    return views.front, views.front[:, ::-1], views.side, views.side[:, ::-1]


def _shape_reason(shape: str) -> str:
    return {
        "round": "it was made as a round product, but seen from above it is not round",
        "headwear": "it was made as a cap or a hat, but it is too shallow for a head",
        "box": "it was made as a box, but its front or top does not fill a rectangle",
        "flat": "it was made as a flat product, but it is thick seen from the side",
        "garment": "it was made as a garment, but it is deeper than a garment is",
    }[shape]


def _percent(value: float) -> str:
    return f"{round(100 * value)}%"
