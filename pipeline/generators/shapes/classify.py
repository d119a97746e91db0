"""Which shape class a product is, from its words, its silhouette and its listed size, with reasons."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np

from pipeline.product import SHAPE_CHOICES, ShapeClass
from pipeline.stage2.sizing import MATCH_TOLERANCE

if TYPE_CHECKING:
    from pipeline.product import ProductInput

# Words that name a class (singular; a trailing "s"/"es" is ignored). Multi-word phrases first.
_WORDS: dict[ShapeClass, tuple[str, ...]] = {
    "round": ("mug", "cup", "tumbler", "bottle", "flask", "soda can", "jar", "vase", "candle", "lamp", "ball", "bowl",
              "glass", "pot", "planter", "teapot", "kettle", "pitcher", "jug", "tube", "cylinder", "globe", "ornament",
              "tin", "thermos", "beaker", "goblet", "urn", "cap", "hat", "snapback", "beanie", "fedora", "beret",
              "bonnet", "toque", "trilby", "boater", "watch cap", "skull cap", "swim cap", "basketball", "football",
              "volleyball", "baseball", "softball", "handball", "netball", "sphere", "orb", "bauble"),
    "box": ("box", "book", "notebook", "journal", "diary", "planner", "sketchbook", "tablet", "ipad", "e-reader",
            "ereader", "kindle", "laptop", "macbook", "chromebook", "speaker", "device", "console", "router", "crate", "cube", "cabinet",
            "drawer", "block", "brick", "carton", "case", "package", "radio", "hard drive", "power bank", "nightstand",
            "dresser", "ottoman", "safe", "toaster", "microwave"),
    "flat": ("print", "poster", "card", "sticker", "rug", "mat", "phone case", "art print", "canvas print", "postcard",
             "coaster", "placemat", "decal", "sign", "plaque", "frame", "puzzle", "mousepad", "mouse pad", "patch",
             "tile", "wall art", "painting", "photo"),
    "garment": ("shirt", "t-shirt", "tshirt", "tee", "hoodie", "sweater", "sweatshirt", "jacket", "coat", "dress",
                "tote", "bag", "backpack", "jumper", "cardigan", "vest", "top", "blouse", "pant", "trouser", "jean",
                "short", "skirt", "onesie", "apron", "scarf", "pillowcase", "clothing", "apparel", "tank top"),
    "free-form": ("plush", "toy", "figurine", "sculpture", "statue", "doll", "shoe", "sneaker", "boot", "sandal",
                  "slipper", "glove",
                  "headphone", "jewelry", "necklace", "ring", "watch"),
}
# Where a word appears says how much it counts: the title most, the description least.
_FIELD_WEIGHTS = {"title": 3.0, "categories": 2.0, "tags": 2.0, "attributes": 1.5, "description": 0.5}
_FREE_FORM_PRIOR = 0.8  # the fallback wins when nothing speaks for another class
# Round products people look into, and round products that are closed (or named with their lid).
_OPEN_VESSELS = ("mug", "cup", "tumbler", "glass", "bowl", "vase", "planter", "pot", "beaker", "goblet", "pitcher",
                 "jug", "urn", "bucket", "basin")
# Thin products: their thickness as a share of the front's longer side, when no depth is listed.
_SLABS = {"notebook": 0.07, "journal": 0.07, "diary": 0.07, "planner": 0.07, "sketchbook": 0.07, "book": 0.1,
          "tablet": 0.03, "ipad": 0.03, "e-reader": 0.04, "ereader": 0.04, "kindle": 0.04, "laptop": 0.06,
          "macbook": 0.06, "chromebook": 0.06, "phone case": 0.07, "card": 0.01, "postcard": 0.01}
# What a cap's or a hat's name says it wears at its crown's base ("hat": the photo says).
HeadwearKind = Literal["visor", "ring", "none", "hat"]
# Headwear is round too: a crown with a visor (caps), with a brim all round (hats), or alone.
_VISOR = ("cap", "snapback", "trucker hat", "dad hat", "baseball hat")
_RING_BRIM = ("sun hat", "fedora", "bucket hat", "panama", "cowboy hat", "boater", "trilby", "bowler", "straw hat",
              "wide brim", "brimmed hat")
_CROWN_ONLY = ("beanie", "beret", "bonnet", "toque", "knit hat", "watch cap", "skull cap", "swim cap", "knitted hat",
               "ski hat", "bobble hat", "pom pom hat", "pompom hat", "winter hat", "wool hat", "woolly hat",
               "cuffed hat", "slouchy hat", "knit cap", "knitted cap", "ski cap", "wool cap")
# A plain "hat" has a brim when the photo shows one.
_ANY_HAT = ("hat",)
_HEADWEAR_WORDS = frozenset(name for name in _WORDS["round"] if name in (*_VISOR, *_RING_BRIM, *_CROWN_ONLY, *_ANY_HAT))
# Caps that close or cover a thing: round, but no headwear.
_CLOSING_CAPS = ("lens cap", "pen cap", "bottle cap", "valve cap", "toe cap", "knee cap", "hub cap", "end cap",
                 "fuel cap", "gas cap", "filler cap", "radiator cap", "tank cap", "screw cap", "dust cap", "cap sleeve")
# Two listed numbers this close are a diameter.
_EQUAL_DIMENSIONS = 0.06
# A round (or unnamed) product listed as a disc (two equal numbers, the third at most this share of
# them) whose photo is a circle (as wide as tall within the size match's tolerance) is seen along its
# axis: a lens cap, a wall clock, a plate shot from above.
_DISC_MAX_THICKNESS = 0.3
_CIRCLE_FILL = (0.72, 0.85)  # a circle fills π/4 (0.785) of its bounding box
_CLOSED_ROUND = ("bottle", "flask", "soda can", "can", "jar", "lid", "candle", "lamp", "ball", "teapot", "kettle",
                 "tube", "cylinder", "globe", "ornament", "tin", "thermos")


@dataclass(frozen=True)
class SilhouetteFeatures:
    """What the front silhouette says about the shape (all 0..1 but `aspect`).

    `symmetry`: the mask against its mirror about the best vertical axis (IoU); `fill`: the
    mask's share of its bounding box (1 for a rectangle); `straight_edges`: the share of the
    outline's rows and columns that run straight along the box's sides; `aspect`: width / height;
    `sudden_narrowing`: the largest drop in width, as a share of the widest row, over 4% of the
    height going down, between 10% and 85% of the way down (a garment's armpits; a vase or a
    bottle widens or narrows gently, and only its base curves in fast).
    """

    symmetry: float
    fill: float
    straight_edges: float
    aspect: float
    sudden_narrowing: float = 0.0


@dataclass(frozen=True)
class ShapeDecision:
    """The class the generator builds, how sure it is (0..1), and why, in words."""

    shape: ShapeClass
    confidence: float
    reasons: tuple[str, ...]
    forced: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"shape": self.shape, "confidence": round(self.confidence, 3), "reasons": list(self.reasons),
                "forced": self.forced}

    def fall_back(self, why: str) -> ShapeDecision:
        """The inflated fallback instead, for the reason `why` (added to the reasons)."""
        return ShapeDecision("free-form", self.confidence, (*self.reasons, f"{why}: built as the inflated fallback"))


def silhouette_features(mask: np.ndarray) -> SilhouetteFeatures:
    """Measure a boolean product mask (True = product). Raises ValueError for an empty mask."""
    ys, xs = np.nonzero(mask)
    if not len(xs):
        raise ValueError("the mask is empty")
    tight = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    height, width = tight.shape
    # Symmetry needs no more than ~128 pixels across.
    coarse = tight[:: max(1, height // 128), :: max(1, width // 128)]
    coarse_width = coarse.shape[1]
    best = 0.0
    # The mirror axis may sit off centre (a mug's handle on one side): try shifts up to a fifth.
    for shift in range(-coarse_width // 5, coarse_width // 5 + 1, max(1, coarse_width // 60)):
        shifted = np.roll(np.pad(coarse, ((0, 0), (coarse_width // 5, coarse_width // 5))), shift, axis=1)
        mirrored = shifted[:, ::-1]
        union = np.logical_or(shifted, mirrored).sum()
        best = max(best, float(np.logical_and(shifted, mirrored).sum() / max(union, 1)))
    fill = float(tight.mean())
    # A straight side: the outline touches the bounding box along most of that side.
    band = max(1, round(min(height, width) * 0.02))
    sides = (
        tight[:, :band].any(axis=1).mean(), tight[:, -band:].any(axis=1).mean(),
        tight[:band].any(axis=0).mean(), tight[-band:].any(axis=0).mean(),
    )
    row_width = tight.sum(axis=1).astype(float)
    step = max(1, round(height * 0.04))
    drops = row_width[:-step] - row_width[step:]
    # Armpits are mid-height; the base of anything photographed from above curves in at the bottom.
    middle = drops[round(height * 0.1) : max(round(height * 0.1) + 1, round(height * 0.85) - step)]
    narrowing = float(middle.max(initial=0.0) / row_width.max())
    return SilhouetteFeatures(symmetry=best, fill=fill, straight_edges=float(np.mean(sides)), aspect=width / height,
                              sudden_narrowing=narrowing)


def decide_shape(product: ProductInput, silhouette: SilhouetteFeatures | None = None) -> ShapeDecision:
    """The shape class to build: the merchant's choice when forced, else the best-supported class.

    Words in the title, categories, tags, attributes and description vote for the class they
    name; the silhouette votes for boxes and slabs (straight sides, a full bounding box) or for
    round bodies (mirror symmetry without straight sides); the listed size votes for a slab
    (one number far below the others) and a round body (two equal numbers). Raises ValueError
    for a forced class that is not one of SHAPE_CHOICES.
    """
    if product.shape != "auto":
        if product.shape not in SHAPE_CHOICES:
            raise ValueError(f"unknown shape {product.shape!r}: choose one of {', '.join(SHAPE_CHOICES)}")
        return ShapeDecision(product.shape, 1.0, (f"the merchant chose {product.shape}",), forced=True)  # type: ignore[arg-type]
    scores: dict[ShapeClass, float] = {shape: 0.0 for shape in get_args(ShapeClass)}
    scores["free-form"] = _FREE_FORM_PRIOR
    reasons: dict[ShapeClass, list[str]] = {shape: [] for shape in scores}
    head, describing = _title_words(product)
    for shape, word in head:
        scores[shape] += _FIELD_WEIGHTS["title"]
        reasons[shape].append(f"the title says {word!r}")
    for shape, word in describing:
        scores[shape] += _FIELD_WEIGHTS["description"]
        reasons[shape].append(f"the title mentions {word!r}, describing another word")
    for field, texts in _fields(product).items():
        for shape, word in _named(texts):
            scores[shape] += _FIELD_WEIGHTS[field]
            reasons[shape].append(f"the {field} say{'s' if field == 'description' else ''} {word!r}")
    if silhouette is not None:
        _silhouette_votes(silhouette, scores, reasons)
    if product.listed_size is not None:
        _size_votes(sorted(product.listed_size.known), scores, reasons)
    ranked = sorted(scores, key=lambda shape: -scores[shape])
    shape = ranked[0]
    total = sum(max(0.0, value) for value in scores.values())
    confidence = scores[shape] / total if total else 0.0
    why = tuple(reasons[shape]) or ("nothing points to another class: the inflated fallback",)
    unnamed = shape == "free-form" and scores["free-form"] == _FREE_FORM_PRIOR  # the fallback, no word for it
    face_on = _disc_seen_face_on(silhouette, product) if shape == "round" or unnamed else None
    if face_on:
        return ShapeDecision("flat", confidence, (*why, face_on))
    return ShapeDecision(shape, confidence, why)


def _disc_seen_face_on(silhouette: SilhouetteFeatures | None, product: ProductInput) -> str | None:
    """Why a round (or unnamed) product is a disc facing the camera, or None. Revolved about the
    photo's vertical, its circle would become a ball; it is the slab of its outline, as thick as listed.

    Exact dimensions must put the diameter across the front; the store's three numbers, in no
    known order, only need two equal ones.
    """
    if silhouette is None:
        return None
    if product.dimensions is not None:
        front, depth = sorted((product.dimensions.width_m, product.dimensions.height_m)), product.dimensions.depth_m
        thickness, middle, diameter = depth, *front
    elif product.listed_size is not None and len(product.listed_size.known) == 3:
        thickness, middle, diameter = sorted(product.listed_size.known)
    else:
        return None
    if (diameter - middle) / diameter >= _EQUAL_DIMENSIONS or thickness / diameter > _DISC_MAX_THICKNESS:
        return None
    if not _is_circle(silhouette):
        return None
    return (f"a disc seen face on: listed {diameter * 100:g} cm across and {thickness * 100:g} cm thick, and the photo "
            f"shows a circle ({silhouette.aspect:.2f} as wide as tall, {silhouette.fill:.0%} of its box): built as "
            "the slab of its outline")


def _is_circle(silhouette: SilhouetteFeatures) -> bool:
    low, high = _CIRCLE_FILL
    return (silhouette.symmetry > 0.85 and abs(math.log(silhouette.aspect)) <= math.log(MATCH_TOLERANCE)
            and low <= silhouette.fill <= high)


def is_open_vessel(product: ProductInput) -> bool:
    """Whether a round product is open at the top (a mug, a cup, a vase, a planter: people look
    into it) rather than closed (a bottle, a can, a jar with its lid, a candle, a ball).

    The title decides when it names either kind, else the categories and tags; a closed word
    wins over an open one ("glass bottle", "cup with lid"); naming neither means closed.
    """
    for texts in ([product.title], [*product.categories, product.category, *product.tags]):
        words = " ".join(re.findall(r"[a-z0-9-]+", " ".join(texts).lower()))
        named = {name for name in (*_OPEN_VESSELS, *_CLOSED_ROUND) if _says(words, name)}
        if named:
            return not named & set(_CLOSED_ROUND)
    return False


def slab_thickness(product: ProductInput) -> tuple[float, str] | None:
    """How thick a thin product the title names is, as a share of its front's longer side, when
    the store lists no depth (a notebook 1.5 cm on 21 cm, a tablet 7 mm on 25 cm, a card 1 %),
    and the word; None unless the title's main phrase (else, with no class word in the title, the
    categories and tags) ends on one: "Book box" is a box."""
    for texts in ([product.title_phrases[0]], [*product.categories, product.category, *product.tags]):
        named = _mentions(" ".join(texts))
        if named:
            word = named[-1][1]
            return (_SLABS[word], word) if word in _SLABS else None
    return None


def headwear_kind(product: ProductInput) -> HeadwearKind | None:
    """What a cap or a hat wears at its crown's base, when the title's main phrase ends on headwear
    (else, with no class word in the title, the categories and tags name it): "visor" (a cap, a
    snapback), "ring" (a sun hat, a fedora, a bucket hat), "none" (a beanie, a beret), "hat" (a
    plain hat: the photo says); None for anything else: "Glass bottle with cap", "Hat Box", and
    the caps that close things ("lens cap", "valve cap").

    The most specific name wins: "knit hat" is a crown alone, "trucker hat" a cap.
    """
    kinds = (("none", _CROWN_ONLY), ("visor", _VISOR), ("ring", _RING_BRIM), ("hat", _ANY_HAT))
    main = product.title_phrases[0]
    for texts in ([main], [*product.categories, product.category, *product.tags]):
        words = " ".join(re.findall(r"[a-z0-9-]+", " ".join(texts).lower()))
        named = _mentions(words)
        if not named:
            continue
        if named[-1][1] not in _HEADWEAR_WORDS or any(_says(words, name) for name in _CLOSING_CAPS):
            return None
        found = [(len(name), kind) for kind, names in kinds for name in names if _says(words, name)]
        return max(found)[1] if found else None  # type: ignore[return-value]
    return None


def _says(words: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}(?:e?s)?\b", words) is not None


def _fields(product: ProductInput) -> dict[str, list[str]]:
    """The fields besides the title (`_title_words` reads that), each with the texts it holds."""
    return {
        "categories": [*product.categories, product.category],
        "tags": list(product.tags),
        "attributes": [f"{name} {value}" for name, value in product.attributes],
        "description": [product.description],
    }


def _named(texts: list[str]) -> list[tuple[ShapeClass, str]]:
    """Each class named in `texts`, once per field, with the word that first named it."""
    first: dict[ShapeClass, str] = {}
    for shape, name in _mentions(" ".join(texts)):
        first.setdefault(shape, name)
    return list(first.items())


def _title_words(product: ProductInput) -> tuple[list[tuple[ShapeClass, str]], list[tuple[ShapeClass, str]]]:
    """The class the title's main phrase ends on, and the other classes it names.

    A product's name puts its noun last and what describes it before ("Hat Box" is a box, "Cap
    Sleeve Dress" a dress, "Thinking Cap Poster" a poster) or after "with", "for", a dash or a
    bracket ("Pen with Cap" is no cap). The head counts as a title word, the others only as
    much as the description's.
    """
    main, rest = product.title_phrases
    named = _mentions(main)
    head = named[-1:]
    first: dict[ShapeClass, str] = {}
    for shape, name in [*named[:-1], *_mentions(rest)]:
        if not head or shape != head[0][0]:
            first.setdefault(shape, name)
    return head, list(first.items())


def _mentions(text: str) -> list[tuple[ShapeClass, str]]:
    """The class words in `text` in reading order; a phrase hides the words inside it ("phone case"
    names a slab, not the box "case" would), and a cap that closes a thing names no class: a lens
    cap or a hub cap is a disc or a short cylinder, which its photo and size tell apart."""
    words = " ".join(re.findall(r"[a-z0-9-]+", text.lower()))
    named: list[tuple[ShapeClass | None, tuple[str, ...]]] = [*_WORDS.items(), (None, _CLOSING_CAPS)]
    found = [
        (match.start(), match.end(), shape, name)
        for shape, names in named
        for name in names
        for match in re.finditer(rf"\b{re.escape(name)}(?:e?s)?\b", words)
    ]
    kept = [
        (start, shape, name) for start, end, shape, name in found
        if shape is not None and not any(other_start <= start and end <= other_end and other_end - other_start > end - start
                                         for other_start, other_end, _, _ in found)
    ]
    return [(shape, name) for _, shape, name in sorted(kept)]


def _silhouette_votes(features: SilhouetteFeatures, scores: dict[ShapeClass, float],
                      reasons: dict[ShapeClass, list[str]]) -> None:
    if features.fill > 0.9 and features.straight_edges > 0.9:
        scores["box"] += 1.5
        scores["flat"] += 1.0
        reasons["box"].append(f"the silhouette is a rectangle ({features.fill:.0%} of its box)")
        reasons["flat"].append(f"the silhouette is a rectangle ({features.fill:.0%} of its box)")
    elif features.symmetry > 0.85 and features.sudden_narrowing > 0.09 and features.fill < 0.72:
        scores["garment"] += 0.8
        reasons["garment"].append(f"a symmetric silhouette with arms: it narrows suddenly below them "
                                  f"({features.sudden_narrowing:.0%} of its width) and fills {features.fill:.0%} of its box")
    elif _is_circle(features):
        # A ball and a disc seen face on (a wall clock, a mirror, a plate shot from above) look alike:
        # only the words or the size can say which, and without them the depth is a guess.
        reasons["free-form"].append(f"the silhouette is a circle ({features.aspect:.2f} as wide as tall, "
                                    f"{features.fill:.0%} of its box): a ball or a disc seen face on, which the photo "
                                    "cannot tell apart")
    elif features.symmetry > 0.85 and features.fill > 0.7:
        scores["round"] += 1.0
        reasons["round"].append(f"the silhouette is mirror-symmetric ({features.symmetry:.2f}) with curved sides")


def _size_votes(values: list[float], scores: dict[ShapeClass, float], reasons: dict[ShapeClass, list[str]]) -> None:
    if len(values) < 3:
        return
    smallest, middle, largest = values
    if smallest / largest < 0.06:
        scores["flat"] += 2.0
        reasons["flat"].append(f"one dimension is {smallest / largest:.1%} of the largest")
    for a, b in ((smallest, middle), (middle, largest)):
        if abs(a - b) / max(a, b) < _EQUAL_DIMENSIONS and smallest / largest >= 0.06:
            scores["round"] += 0.7
            reasons["round"].append("two dimensions are equal, as a diameter's are")
            break
