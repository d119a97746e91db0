"""What a finished generation hands back: files, poster, report, quality and timings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.product import Dimensions
from pipeline.quality import QualityReport


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
