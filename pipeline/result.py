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
    terms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["texture_size"] = list(self.texture_size) if self.texture_size else None
        return data


@dataclass(frozen=True)
class GenerationResult:
    """The outputs of one generation; `report` is exactly what report.json holds."""

    files: dict[str, Path]  # format → main file; always "glb", "usdz" when asked
    poster: Path
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

    def local_paths(self) -> dict[str, str]:
        """Every output by name (formats, poster, preview, report), for status records without a store."""
        paths = {fmt: str(path) for fmt, path in self.files.items()}
        if self.uncompressed_glb is not None:
            paths["glb_uncompressed"] = str(self.uncompressed_glb)
        paths.update(poster=str(self.poster), preview=str(self.preview), report=str(self.report_path))
        return paths
