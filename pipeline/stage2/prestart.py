"""Stage 2's helper processes started with the job: the render child and node warm up while the mesh is built."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import PipelineConfig
    from pipeline.stage2.bounded import BoundedCalls
    from pipeline.stage2.compress import PendingCompression

__all__ = ["Prestarted"]


@dataclass(frozen=True)
class Prestarted:
    """The render child, waiting for the poster and the score's views, and node, waiting for the GLB.

    Started before the mesh exists, so their start-up (fork, the GL context and the shaders;
    loading glTF Transform, sharp and the encoder: about 0.5 s of CPU) runs on the other core
    while the generator builds the mesh. `finish` hands them their work; leaving the `with`
    block stops whichever is still running or still waiting, so a job whose mesh cannot be
    built leaves no process behind.
    """

    renders: BoundedCalls
    compression: PendingCompression | None

    @classmethod
    def start(cls, config: PipelineConfig) -> Prestarted:
        """Start both now. Raises ExportError for an unknown or unavailable GLB compression (before starting anything)."""
        from pipeline.stage2.bounded import BoundedCalls
        from pipeline.stage2.compress import check_compression, start_compressor
        from pipeline.stage2.poster import warm_up

        method = check_compression(config.glb_compression)
        # The render child first: forked before node starts, it holds none of node's pipes.
        renders = BoundedCalls.waiting(limit_s=config.render_time_limit_s, warm_up=warm_up)
        try:
            return cls(renders, start_compressor(method))
        except BaseException:
            renders.close()
            raise

    def close(self) -> None:
        """Stop the render child and node if they still run (a compression not yet asked for is given up)."""
        self.renders.close()
        if self.compression is not None:
            self.compression.cancel()

    def __enter__(self) -> Prestarted:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
