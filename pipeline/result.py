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

    def local_paths(self) -> dict[str, str]:
        """Every output by name (formats, poster, preview, report), for status records without a store."""
        paths = {fmt: str(path) for fmt, path in self.files.items()}
        paths.update(poster=str(self.poster), preview=str(self.preview), report=str(self.report_path))
        return paths
