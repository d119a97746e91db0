"""Product photos (and text) to web- and AR-ready 3D models: generators, Stage 2, outputs."""

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
    from pipeline.export import SUPPORTED_FORMATS
    from pipeline.generate import generate_assets
    from pipeline.huggingface import HF3DResult, HuggingFace3DClient
    from pipeline.huggingface_config import HF3DModel, HuggingFace3DConfig
    from pipeline.analysis import HF3DOptimizationHints
    from pipeline.hybrid import ProductAssetPipeline
    from pipeline.local_generator import LocalGenerator
    from pipeline.mesh_io import load_mesh
    from pipeline.product import Dimensions, DimensionsError, ProductInput, SourceImage
    from pipeline.quality import QualityReport
    from pipeline.result import GenerationResult
    from pipeline.stage2 import finish

# Public name → module. Imported on first use, so `import pipeline` stays cheap for the web
# process (no numpy, trimesh, Pillow or usd-core until a job needs them).
_EXPORTS = {
    "Dimensions": "pipeline.product",
    "DimensionsError": "pipeline.product",
    "ExportError": "pipeline.errors",
    "GeneratedMesh": "pipeline.backends",
    "GenerationResult": "pipeline.result",
    "GeneratorBackend": "pipeline.backends",
    "HF3DModel": "pipeline.huggingface_config",
    "HF3DOptimizationHints": "pipeline.analysis",
    "HF3DResult": "pipeline.huggingface",
    "HuggingFace3DClient": "pipeline.huggingface",
    "HuggingFace3DConfig": "pipeline.huggingface_config",
    "ImageError": "pipeline.errors",
    "LocalGenerator": "pipeline.local_generator",
    "MeshError": "pipeline.errors",
    "NeedsImageError": "pipeline.errors",
    "PermanentPipelineError": "pipeline.errors",
    "PipelineConfig": "pipeline.config",
    "PipelineError": "pipeline.errors",
    "ProductAssetPipeline": "pipeline.hybrid",
    "ProductInput": "pipeline.product",
    "Progress": "pipeline.backends",
    "QualityReport": "pipeline.quality",
    "RetryablePipelineError": "pipeline.errors",
    "SUPPORTED_FORMATS": "pipeline.export",
    "SourceImage": "pipeline.product",
    "finish": "pipeline.stage2",
    "generate_assets": "pipeline.generate",
    "load_mesh": "pipeline.mesh_io",
    "no_progress": "pipeline.backends",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
