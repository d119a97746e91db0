"""Warm an RQ worker before it forks work-horses (WarmWorker): every job then starts with the pipeline loaded.

A work-horse is forked per job from the worker. The worker imports little of the pipeline itself,
so each horse used to import trimesh, SciPy, scikit-image, Pillow, moderngl and usd-core, load the
cut-out model, make a GL context and start node: about a second of CPU before its own work. One
small drawn product run through the whole pipeline here does all of that once; horses inherit it
(the imports and the model copy-on-write, the kept render child and node by their sockets:
pipeline.stage2.warm_child, pipeline.stage2.warm_node).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import structlog
from rq import Worker
from rq.executions import Execution
from rq.job import Job

from pipeline.config import PipelineConfig
from pipeline.errors import ExportError, PipelineError

__all__ = ["WarmWorker", "keep_warm", "warm_up"]

log = structlog.get_logger(__name__)
# Between jobs the kept render child and node are idle, or finishing work a stopped job left (well
# under a second for a render, a few seconds for a big GLB); one that has not answered by then is stuck.
_STUCK_AFTER_S = 10.0


def warm_up(config: PipelineConfig) -> bool:
    """Generate a small drawn product with `config` in this process, outputs thrown away.

    Returns whether it finished; a failure (no EGL, no node, anything) is logged, not raised:
    each job then meets it again and reports it as it always has.
    """
    from pipeline.generate import generate_assets
    from pipeline.product import ProductInput, SourceImage

    product = ProductInput(title="Warm-up mug", images=(SourceImage(_drawn_photo(), "warm-up.png"),))
    with tempfile.TemporaryDirectory(prefix="woo3d-warm-up-") as out:
        try:
            generate_assets(product, Path(out), config)
        except PipelineError as exc:
            log.warning("worker_warm_up_failed", error=str(exc))
            return False
        except Exception:  # only a head start: the worker must still take jobs, which report it themselves
            log.exception("worker_warm_up_failed")
            return False
    return True


def keep_warm(config: PipelineConfig) -> None:
    """Start again, in this process, the kept render child and node if either has stopped (a job
    killed one that hung) or is stuck on work a job left behind when the watchdog stopped it; a
    no-op while both run and answer."""
    from pipeline.stage2.compress import replace_stuck_compressor
    from pipeline.stage2.warm_child import warm_child

    kept = warm_child()
    if kept is not None and not kept.answers_within(_STUCK_AFTER_S):
        log.warning("worker_render_child_stuck", pid=kept.pid)
        kept.kill()
        warm_child()
    try:
        if replace_stuck_compressor(config.glb_compression, _STUCK_AFTER_S):
            log.warning("worker_glb_compressor_stuck")
    except ExportError as exc:
        log.warning("worker_glb_compression_unavailable", error=str(exc))


class WarmWorker(Worker):
    """An RQ worker that warms up (`warm_up`) before its first work-horse, and before each later
    one starts again whatever helper has stopped (`keep_warm`). An idle worker warms nothing."""

    def __init__(self, *args: Any, pipeline: PipelineConfig, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._pipeline = pipeline
        self._warmed = False

    def prepare_execution(self, job: Job) -> Execution:
        # Warm only once RQ has registered the job as started and this worker as busy: a Ctrl-C or
        # SIGTERM during the seconds of warming is then RQ's warm shutdown (the job runs, then the worker
        # stops). Before that, RQ raised StopRequested into the warm-up, which either dropped the job it
        # had dequeued or was caught as a failed warm-up, leaving a worker that never stopped.
        execution = super().prepare_execution(job)
        if self._warmed:
            keep_warm(self._pipeline)
        else:
            self._warmed = True
            warm_up(self._pipeline)
        return execution


def _drawn_photo() -> bytes:
    """A red mug-like block with a handle on white, opaque: the learned cut-out runs on it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((70, 60, 170, 200), radius=12, fill=(170, 30, 40))
    draw.ellipse((150, 95, 205, 165), outline=(170, 30, 40), width=12)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
