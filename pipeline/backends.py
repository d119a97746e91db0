"""The contract every generator backend fulfils (local, HuggingFace, Tripo3D)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pipeline.product import Dimensions, ProductInput

if TYPE_CHECKING:
    import numpy as np
    import trimesh

# A stage name and a fraction 0..1 of the whole job; the CLI draws a bar, jobs write job.meta.
Progress = Callable[[str, float], None]


def no_progress(stage: str, fraction: float) -> None:
    """The default progress sink."""


@dataclass(frozen=True)
class GeneratedMesh:
    """A generator's raw output, before Stage 2 makes it web- and AR-ready."""

    mesh: trimesh.Trimesh
    generator: str
    source_mask: np.ndarray | None = None  # the front photo's product mask, for silhouette IoU
    warnings: tuple[str, ...] = ()
    metadata: dict[str, object] = field(default_factory=dict)
    # The real size the generator built the mesh for, having matched the store's numbers to its
    # photo itself; Stage 2 then scales to it as given (None: Stage 2 matches them to the mesh).
    real_size: Dimensions | None = None


class GeneratorBackend(Protocol):
    name: str

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        """Make a mesh for the product. Raises PipelineError subclasses."""
        ...
