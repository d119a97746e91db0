"""Pure analysis: shape class, complexity and an optimized Tripo3D prompt from a draft mesh and the product."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from pipeline.product import ProductInput

if TYPE_CHECKING:
    import trimesh

GeometryType = Literal["simple", "medium", "complex"]
ShapeClass = Literal["cylindrical", "box-like", "planar", "organic"]

MAX_PROMPT_CHARS = 1024  # Tripo's documented prompt limit
NEGATIVE_PROMPT = "low quality, blurry, multiple objects, text, watermark, background scene, floor, base"

# Words in a title/category that say the shape more reliably than a noisy draft mesh.
_KEYWORD_SHAPES: dict[ShapeClass, tuple[str, ...]] = {
    "cylindrical": ("mug", "cup", "bottle", "can", "vase", "candle", "jar", "tumbler", "glass", "flask",
                    "thermos", "pot", "tube", "lamp", "bucket", "barrel", "roll"),
    "box-like": ("box", "book", "phone", "speaker", "cabinet", "shelf", "drawer", "crate", "case", "tablet",
                 "laptop", "console", "brick", "carton", "chest", "dresser", "monitor"),
    "planar": ("poster", "rug", "mat", "frame", "print", "card", "canvas", "painting", "sign", "tile",
               "coaster", "placemat", "mirror", "board", "sticker"),
    "organic": ("shirt", "t-shirt", "dress", "hoodie", "jacket", "shoe", "sneaker", "boot", "plush", "toy",
                "figure", "statue", "plant", "bag", "hat", "cap", "glove", "sock", "pillow", "cushion", "sofa",
                "chair", "garment", "sweater", "jeans", "trousers", "skirt", "coat", "scarf", "animal"),
}
_SHAPE_PHRASES: dict[ShapeClass, str] = {
    "cylindrical": "cylindrical body with smooth round cross-section",
    "box-like": "rectangular box-like form with straight edges and flat faces",
    "planar": "thin flat panel with uniform thickness",
    "organic": "natural organic form with soft curved surfaces",
}
_DETAIL_PHRASES: dict[GeometryType, str] = {
    "simple": "simple clean geometry",
    "medium": "moderate detail",
    "complex": "fine geometric detail preserved",
}


@dataclass(frozen=True)
class MeshAnalysis:
    """Geometry facts of a draft mesh, all finite numbers."""

    faces: int
    extents: tuple[float, float, float]  # sorted, smallest first
    hull_fill: float  # hull volume / bounding-box volume: ~1 box, ~0.785 cylinder, ~0.52 sphere
    round_section: float  # how alike the two larger extents are (1: a square or circular section)
    surface_convexity: float  # hull area / mesh area: 1 for convex shapes, lower for detail and concavity
    solidity: float | None  # volume / hull volume, only for watertight meshes (a holey volume means nothing)
    watertight: bool
    boundary_edge_ratio: float  # edges on holes / all edges


@dataclass(frozen=True)
class HF3DOptimizationHints:
    """What stage 0 tells stage 1 (the seed's name): shape, complexity and the prompt to send."""

    geometry_type: GeometryType
    complexity: float  # 0 simple … 1 complex
    shape_class: ShapeClass
    suggested_prompt: str
    confidence: float  # 0 … 1
    negative_prompt: str = NEGATIVE_PROMPT
    from_mesh: bool = False
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class CandidateScore:
    """One candidate model's quality score 0…1 and what it is made of."""

    generator: str
    score: float
    components: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class QualityComparison:
    """Which candidate won, every score, and why (for report.json)."""

    winner: str
    scores: dict[str, float]
    details: tuple[CandidateScore, ...]
    reason: str


def analyze_mesh(mesh: trimesh.Trimesh) -> MeshAnalysis:
    """Measure a draft mesh (works on holey, non-watertight meshes). Does not modify `mesh`.

    Raises ValueError for an empty mesh.
    """
    if len(mesh.faces) == 0 or len(mesh.vertices) < 4:
        raise ValueError("cannot analyse an empty mesh")
    extents = tuple(sorted(float(e) for e in mesh.extents))
    box_volume = extents[0] * extents[1] * extents[2]
    try:
        hull = mesh.convex_hull
        hull_volume, hull_area = float(hull.volume), float(hull.area)
    except Exception:  # qhull refuses flat or degenerate point sets; treat them as flat
        hull_volume, hull_area = 0.0, float(mesh.area)
    hull_fill = _clamp(hull_volume / box_volume) if box_volume > 0 else 0.0
    round_section = extents[1] / extents[2] if extents[2] > 0 else 0.0
    surface_convexity = _clamp(hull_area / float(mesh.area)) if mesh.area > 0 else 0.0
    edges = mesh.edges_sorted
    _, counts = np.unique(edges, axis=0, return_counts=True)
    boundary = float(np.count_nonzero(counts == 1)) / max(1, len(counts))
    watertight = bool(mesh.is_watertight)
    solidity = _clamp(abs(float(mesh.volume)) / hull_volume) if watertight and hull_volume > 0 else None
    return MeshAnalysis(
        faces=len(mesh.faces),
        extents=(extents[0], extents[1], extents[2]),
        hull_fill=hull_fill,
        round_section=_clamp(round_section),
        surface_convexity=surface_convexity,
        solidity=solidity,
        watertight=watertight,
        boundary_edge_ratio=boundary,
    )


def classify_shape(analysis: MeshAnalysis) -> ShapeClass:
    """Planar when thin; box-like when it fills its box; cylindrical when round and ~π/4 full; else organic."""
    smallest, middle, largest = analysis.extents
    if largest <= 0 or smallest / largest < 0.15:
        return "planar"
    if analysis.hull_fill >= 0.9:
        return "box-like"
    # A cylinder lying down or standing up fills π/4 of its box; its two cross-section extents match.
    if 0.68 <= analysis.hull_fill < 0.9 and _round_cross_section(analysis):
        return "cylindrical"
    return "organic"


def _round_cross_section(analysis: MeshAnalysis) -> bool:
    smallest, middle, largest = analysis.extents
    return middle / largest >= 0.85 or smallest / middle >= 0.85


def mesh_complexity(analysis: MeshAnalysis) -> float:
    """0…1: concavity weighs most, face count a little (drafts all have similar counts).

    Concavity is measured on volume when the mesh is closed, else on surface area.
    """
    concavity = 1.0 - (analysis.solidity if analysis.solidity is not None else analysis.surface_convexity)
    density = min(1.0, math.log10(max(analysis.faces, 1)) / 6.0)
    return round(_clamp(0.8 * min(1.0, concavity * 2.0) + 0.2 * density), 3)


def geometry_type(complexity: float) -> GeometryType:
    if complexity < 0.3:
        return "simple"
    if complexity < 0.6:
        return "medium"
    return "complex"


def keyword_shape(product: ProductInput) -> ShapeClass | None:
    """The shape the product's words name (garment type first, then category, then title), if any."""
    if product.garment_type.strip():
        return "organic"
    for text in (product.category, product.title):
        words = set(re.findall(r"[a-z][a-z\-]*", text.lower()))
        plural_free = words | {w[:-1] for w in words if w.endswith("s")}
        for shape, keywords in _KEYWORD_SHAPES.items():
            if plural_free.intersection(keywords):
                return shape
    return None


def build_prompt(
    product: ProductInput,
    shape_class: ShapeClass | None = None,
    geometry: GeometryType | None = None,
) -> str:
    """A Tripo3D prompt from the product's words, with shape and detail phrases when known."""
    subject = " ".join(product.title.split()) or "product"
    parts = [subject]
    kind = product.garment_type.strip() or product.category.strip()
    if kind and kind.lower() not in subject.lower():
        parts.append(f"{kind} product")
    if product.collection.strip():
        parts.append(f"from the {product.collection.strip()} collection")
    if shape_class is not None:
        parts.append(_SHAPE_PHRASES[shape_class])
    if geometry is not None:
        parts.append(_DETAIL_PHRASES[geometry])
    first_sentence = _first_sentence(product.description)
    if first_sentence:
        parts.append(first_sentence)
    parts.append("single object, centered, realistic proportions, photorealistic PBR materials, clean topology")
    return _truncate(", ".join(parts), MAX_PROMPT_CHARS)


def optimization_hints(
    product: ProductInput,
    mesh: trimesh.Trimesh | None = None,
    optimized_prompt: str | None = None,
) -> HF3DOptimizationHints:
    """Hints for stage 1 from a stage-0 draft (when there is one) and the product.

    An `optimized_prompt` that is given (non-blank) is used as is, like the seed's `_build_prompt`.
    Without a mesh, shape comes from the product's words and confidence stays low.
    """
    named = keyword_shape(product)
    reasons: list[str] = []
    analysis: MeshAnalysis | None = None
    if mesh is not None and len(mesh.faces) > 0:
        analysis = analyze_mesh(mesh)
    if analysis is not None:
        measured = classify_shape(analysis)
        complexity = mesh_complexity(analysis)
        confidence = 0.55
        if named is None:
            shape = measured
            reasons.append(f"shape {measured} measured on the draft mesh")
        elif named == measured:
            shape = measured
            confidence += 0.25
            reasons.append(f"draft mesh and product words agree: {measured}")
        else:
            # Words written by the merchant beat a noisy draft; say so, with less confidence.
            shape = named
            confidence -= 0.15
            reasons.append(f"product words say {named}, draft mesh looked {measured}")
        if not analysis.watertight:
            confidence -= 0.1
            reasons.append(f"draft mesh has holes ({analysis.boundary_edge_ratio:.1%} boundary edges)")
        from_mesh = True
    else:
        shape = named or "organic"
        complexity = {"planar": 0.15, "box-like": 0.2, "cylindrical": 0.25, "organic": 0.55}[shape]
        confidence = 0.4 if named else 0.2
        reasons.append(f"no draft mesh: shape {shape} from the product's words" if named else
                       "no draft mesh and no shape word: assumed organic")
        from_mesh = False
    geometry = geometry_type(complexity)
    if optimized_prompt is not None and optimized_prompt.strip():
        prompt = optimized_prompt
        reasons.append("optimized_prompt given: used as is")
    else:
        prompt = build_prompt(product, shape, geometry)
    return HF3DOptimizationHints(
        geometry_type=geometry,
        complexity=complexity,
        shape_class=shape,
        suggested_prompt=prompt,
        confidence=round(_clamp(confidence), 3),
        from_mesh=from_mesh,
        reasons=tuple(reasons),
    )


def score_candidate(mesh: trimesh.Trimesh, generator: str, face_budget: int = 50_000) -> CandidateScore:
    """Score a candidate model 0…1: texture 0.4, closed surface 0.3, clean faces 0.2, density 0.1.

    A vertex-coloured mesh earns under half the texture weight, so a draft with holes cannot beat
    a clean textured model.
    """
    notes: list[str] = []
    if len(mesh.faces) == 0:
        return CandidateScore(generator, 0.0, {"texture": 0.0, "closed": 0.0, "clean": 0.0, "density": 0.0},
                              ("empty mesh",))
    texture = _texture_score(mesh)
    notes.append({1.0: "UV-mapped texture", 0.4: "vertex colours only", 0.0: "no colour"}.get(texture, "textured"))
    analysis = analyze_mesh(mesh)
    closed = 1.0 if analysis.watertight else _clamp(1.0 - analysis.boundary_edge_ratio * 10.0)
    if not analysis.watertight:
        notes.append(f"holes: {analysis.boundary_edge_ratio:.1%} boundary edges")
    areas = mesh.area_faces
    finite = np.isfinite(mesh.vertices).all()
    degenerate = float(np.count_nonzero(areas <= 1e-12)) / len(areas)
    clean = _clamp(1.0 - degenerate * 5.0) if finite else 0.0
    if degenerate:
        notes.append(f"{degenerate:.1%} degenerate faces")
    faces = len(mesh.faces)
    if faces < 500:
        density = faces / 500
    elif faces <= face_budget * 4:
        density = 1.0
    else:
        density = _clamp(face_budget * 4 / faces)
    components = {"texture": texture, "closed": round(closed, 3), "clean": round(clean, 3), "density": round(density, 3)}
    score = 0.4 * texture + 0.3 * closed + 0.2 * clean + 0.1 * density
    return CandidateScore(generator, round(score, 4), components, tuple(notes))


def compare_candidates(candidates: dict[str, trimesh.Trimesh], face_budget: int = 50_000) -> QualityComparison:
    """The best-scoring candidate (ties go to the first given). Raises ValueError when there are none."""
    if not candidates:
        raise ValueError("nothing to compare")
    details = tuple(score_candidate(mesh, name, face_budget) for name, mesh in candidates.items())
    best = max(details, key=lambda d: d.score)  # max keeps the first of equal scores
    others = [d for d in details if d is not best]
    if others:
        runner = max(others, key=lambda d: d.score)
        reason = (f"{best.generator} scored {best.score:.2f} ({', '.join(best.notes)}) against "
                  f"{runner.generator} {runner.score:.2f} ({', '.join(runner.notes)})")
    else:
        reason = f"{best.generator} was the only candidate ({best.score:.2f})"
    return QualityComparison(best.generator, {d.generator: d.score for d in details}, details, reason)


def _texture_score(mesh: trimesh.Trimesh) -> float:
    visual = mesh.visual
    if getattr(visual, "kind", None) == "texture":
        material = getattr(visual, "material", None)
        image = getattr(material, "image", None) or getattr(material, "baseColorTexture", None)
        uv = getattr(visual, "uv", None)
        if image is not None and uv is not None and len(uv) == len(mesh.vertices):
            return 1.0
    if getattr(visual, "kind", None) == "vertex":
        return 0.4
    return 0.0


def _first_sentence(text: str) -> str:
    plain = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    if not plain:
        return ""
    return _truncate(re.split(r"(?<=[.!?])\s", plain, maxsplit=1)[0].rstrip(".!?"), 200)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0].rstrip(",") + "…"


def _clamp(value: float, low: float = 0.0, high: float = 1.0) -> float:
    if not math.isfinite(value):
        return low
    return max(low, min(high, value))
