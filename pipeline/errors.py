"""The pipeline's one error tree: permanent errors fail a job at once, retryable ones are retried."""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""

    retryable: bool = False


class PermanentPipelineError(PipelineError):
    """Retrying cannot help: bad input, a refused request, a corrupt result."""


class RetryablePipelineError(PipelineError):
    """A passing fault (timeouts, 429, 5xx, a crashed worker); the job may run again."""

    retryable = True


class ImageError(PermanentPipelineError):
    """A product image that cannot be used: not an image, truncated, a bomb, blank, too small."""


class NeedsImageError(PermanentPipelineError):
    """The generator needs a usable product photo and the product has none."""


class MeshError(PermanentPipelineError):
    """A mesh that is empty, non-finite, too large or otherwise unusable."""


class ExportError(PermanentPipelineError):
    """A format could not be written (e.g. FBX without assimp installed)."""


class StageTimeoutError(PermanentPipelineError):
    """A stage ran past its time limit and was stopped (a native call that would not return)."""
