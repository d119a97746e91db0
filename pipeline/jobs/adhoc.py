"""Generation requested through the API (the seed's generate-from-image/-description), not tied to a product."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from redis import Redis
from rq import Queue, get_current_job

from pipeline.errors import PermanentPipelineError
from pipeline.jobs.product_job import current_context, run_generation
from pipeline.product import Dimensions, ProductInput, SourceImage
from pipeline.jobs.queueing import FAILURE_TTL_S, JOB_RETRY, JOB_TIMEOUT_S, RESULT_TTL_S
from pipeline.jobs.status import StatusBoard

REQUEST_TTL_S = 7 * 24 * 3600
JOB_FUNCTION = "pipeline.jobs.adhoc.generate_adhoc"


@dataclass(frozen=True)
class AdHocRequest:
    title: str = ""
    description: str = ""
    dimensions: str | None = None  # WxHxD[unit], as `woo3d generate --dimensions`
    image_count: int = 0
    shape: str = "auto"  # one of pipeline.product.SHAPE_CHOICES, as `woo3d generate --shape`


def submit(queue: Queue, board: StatusBoard, request: AdHocRequest, images: tuple[bytes, ...] = ()) -> str:
    """Store the request (images kept in Redis until the job reads them) and enqueue it; returns the job id."""
    request_id = uuid.uuid4().hex[:16]
    job_id = f"adhoc-{request_id}"
    key = _key(request_id)
    with queue.connection.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping={"request": json.dumps(asdict(AdHocRequest(**{**asdict(request), "image_count": len(images)})))})
        for index, data in enumerate(images):
            pipe.hset(key, f"image:{index}", data)
        pipe.expire(key, REQUEST_TTL_S)
        pipe.execute()
    queue.enqueue_call(JOB_FUNCTION, args=(request_id,), job_id=job_id, timeout=JOB_TIMEOUT_S, result_ttl=RESULT_TTL_S,
                       failure_ttl=FAILURE_TTL_S, retry=JOB_RETRY, description="3D model from an API request")
    board.queued(0, job_id)
    return job_id


def generate_adhoc(request_id: str) -> dict[str, Any]:
    """RQ entry point: generate into `WOO3D_OUTPUT_DIR/requests/<id>/`. Raises PipelineError subclasses."""
    context = current_context()
    job = get_current_job()
    job_id = job.id if job else f"adhoc-{request_id}"
    board = StatusBoard(context.connection)
    try:
        request, images = _load(context.connection, request_id)
        product = ProductInput(
            title=request.title, description=request.description,
            images=tuple(SourceImage(data, name=f"image-{i}") for i, data in enumerate(images)),
            dimensions=Dimensions.parse(request.dimensions) if request.dimensions else None,
            shape=request.shape,
        )
        out_dir = context.pipeline.output_dir / "requests" / request_id
        out_dir.mkdir(parents=True, exist_ok=True)
        result = run_generation(context, product, out_dir,
                                progress=lambda stage, f: board.running(0, job_id, stage, f))
    except Exception as error:
        board.failed(0, job_id, str(error))
        if job is not None and not getattr(error, "retryable", False):
            job.retries_left = 0
        if job is None or not job.retries_left:
            context.connection.delete(_key(request_id))  # no run will read the photos again
        raise
    context.connection.delete(_key(request_id))  # the photos live on in the outputs; Redis keeps no copy
    model = result.local_paths()
    board.done(0, job_id, model)
    return {"request_id": request_id, "model": model, "generator": result.generator}


def output_file(out_root: Path, job_id: str, name: str) -> Path | None:
    """A finished request's file by name (model.glb, poster.png, …), never outside its folder."""
    if not job_id.startswith("adhoc-") or "/" in name or name.startswith("."):
        return None
    folder = (out_root / "requests" / job_id.removeprefix("adhoc-")).resolve()
    path = (folder / name).resolve()
    return path if path.is_file() and path.is_relative_to(folder) else None


def _key(request_id: str) -> str:
    return f"woo3d:adhoc:{request_id}"


def _load(connection: Redis, request_id: str) -> tuple[AdHocRequest, tuple[bytes, ...]]:
    stored = connection.hgetall(_key(request_id))
    if b"request" not in stored:
        raise PermanentPipelineError(f"request {request_id} expired or never existed")
    request = AdHocRequest(**json.loads(stored[b"request"]))
    return request, tuple(stored[f"image:{i}".encode()] for i in range(request.image_count))
