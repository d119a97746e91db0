"""What a finished generation hands back: files, poster, report, quality and timings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.product import Dimensions


@dataclass(frozen=True)
class QualityReport:
    """Everything measured about a finished model, and its score (0–100)."""

    score: int
    faces: int
    vertices: int
    watertight: bool
    non_manifold_edges: int
    boundary_edges: int
    texture_size: tuple[int, int] | None
    file_sizes: dict[str, int] = field(default_factory=dict)
    silhouette_iou: float | None = None
    colour_similarity: float | None = None
    # The score's terms (0..1 each, pipeline.stage2.evidence), the reasons for the low ones in
    # plain words, and the quantities measured on the way (pieces, stretch, …).
    terms: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()
    measured: dict[str, float | int | str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["texture_size"] = list(self.texture_size) if self.texture_size else None
        data["reasons"] = list(self.reasons)
        return data

    def summary(self) -> dict[str, object]:
        """The score, its terms and the reasons for low ones: what a status record or a reviewer needs."""
        return {"score": self.score, "terms": dict(self.terms), "reasons": list(self.reasons)}


@dataclass(frozen=True)
class GenerationResult:
    """The outputs of one generation; `report` is exactly what report.json holds."""

    files: dict[str, Path]  # format → main file; always "glb", "usdz" when asked
    poster: Path | None  # None when the poster render was stopped (see warnings)
    report_path: Path
    preview: Path
    generator: str
    quality: QualityReport
    dimensions_m: Dimensions | None
    warnings: tuple[str, ...]
    timings_s: dict[str, float]
    report: dict[str, object]
    # The GLB before compression (downloads, other formats); None when the served GLB is not compressed.
    uncompressed_glb: Path | None = None
    # How AR shows it (model-viewer's ar-scale and ar-placement): "fixed" at its known real size, else
    # "auto"; "wall" for a thin thing that hangs on one, else "floor".
    ar_scale: str = "auto"
    ar_placement: str = "floor"

    def local_paths(self) -> dict[str, str]:
        """Every output by name (formats, poster, preview, report), for status records without a store."""
        paths = {fmt: str(path) for fmt, path in self.files.items()}
        if self.uncompressed_glb is not None:
            paths["glb_uncompressed"] = str(self.uncompressed_glb)
        paths.update(preview=str(self.preview), report=str(self.report_path))
        if self.poster is not None:
            paths["poster"] = str(self.poster)
        return paths
