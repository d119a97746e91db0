"""Product photos (and text) to web- and AR-ready 3D models.

The layout shows the stages: generators/ (a mesh from photos or words) and stage2/ (what every
mesh goes through), both over photos/ and the small vocabulary here (product, result, errors,
config, metrics, backends, progress, capped); generate.py runs one product through them; jobs/ is the RQ side
around it all. Arrows point one way: jobs → generate → generators → stage2 → photos → vocabulary.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.backends import GeneratedMesh, GeneratorBackend, Progress, no_progress
    from pipeline.config import PipelineConfig
    from pipeline.errors import (
        ExportError,
        ImageError,
        MeshError,
        NeedsImageError,
        PermanentPipelineError,
        PipelineError,
        RetryablePipelineError,
    )
    from pipeline.stage2.export import SUPPORTED_FORMATS
    from pipeline.generate import generate_assets
    from pipeline.generators.huggingface.client import HF3DResult, HuggingFace3DClient
    from pipeline.config import HF3DModel, HuggingFace3DConfig
    from pipeline.generators.analysis import HF3DOptimizationHints
    from pipeline.generate import ProductAssetPipeline
    from pipeline.generators.local_generator import LocalGenerator
    from pipeline.stage2.mesh_io import load_mesh
    from pipeline.product import Dimensions, DimensionsError, ProductInput, SourceImage
    from pipeline.result import QualityReport
    from pipeline.result import GenerationResult
    from pipeline.stage2.finish import finish

# Public name → module. Imported on first use, so `import pipeline` stays cheap for the web
# process (no numpy, trimesh, Pillow or usd-core until a job needs them).
_EXPORTS = {
    "Dimensions": "pipeline.product",
    "DimensionsError": "pipeline.product",
    "ExportError": "pipeline.errors",
    "GeneratedMesh": "pipeline.backends",
    "GenerationResult": "pipeline.result",
    "GeneratorBackend": "pipeline.backends",
    "HF3DModel": "pipeline.config",
    "HF3DOptimizationHints": "pipeline.generators.analysis",
    "HF3DResult": "pipeline.generators.huggingface.client",
    "HuggingFace3DClient": "pipeline.generators.huggingface.client",
    "HuggingFace3DConfig": "pipeline.config",
    "ImageError": "pipeline.errors",
    "LocalGenerator": "pipeline.generators.local_generator",
    "MeshError": "pipeline.errors",
    "NeedsImageError": "pipeline.errors",
    "PermanentPipelineError": "pipeline.errors",
    "PipelineConfig": "pipeline.config",
    "PipelineError": "pipeline.errors",
    "ProductAssetPipeline": "pipeline.generate",
    "ProductInput": "pipeline.product",
    "Progress": "pipeline.backends",
    "QualityReport": "pipeline.result",
    "RetryablePipelineError": "pipeline.errors",
    "SUPPORTED_FORMATS": "pipeline.stage2.export",
    "SourceImage": "pipeline.product",
    "finish": "pipeline.stage2.finish",
    "generate_assets": "pipeline.generate",
    "load_mesh": "pipeline.stage2.mesh_io",
    "no_progress": "pipeline.backends",
}

__all__ = sorted(_EXPORTS)

# Modules whose RQ job functions older versions queued by their old dotted path
# ("pipeline.adhoc.generate_adhoc"): RQ falls back to `pipeline` and asks it for them.
_MOVED_JOB_MODULES = {"adhoc": "pipeline.jobs.adhoc", "sweep": "pipeline.jobs.sweep"}


def __getattr__(name: str) -> Any:
    if name in _MOVED_JOB_MODULES:
        return importlib.import_module(_MOVED_JOB_MODULES[name])
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
