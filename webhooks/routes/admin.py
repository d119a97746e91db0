"""The admin API (Bearer WOO3D_ADMIN_TOKEN): trigger generation, job status, review, deliveries and replay."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, abort, jsonify, request, send_file
from rq.exceptions import NoSuchJobError
from rq.job import Job

from pipeline.jobs import adhoc
from pipeline.errors import ImageError
from pipeline.jobs.shape_choice import parse_shape
from pipeline.photos.images import open_image
from pipeline.product import SHAPE_CHOICES, Dimensions, DimensionsError
from pipeline.jobs.queueing import enqueue_generation
from pipeline.jobs.locks import ProductLocked
from pipeline.jobs.paid import PaidCallNotConfirmed, confirm_regeneration, has_woo3d_model
from pipeline.jobs.review import ReviewDesk, held_list, regenerate
from pipeline.jobs.status import JobState, JobStatus
from webhooks.services import services
from webhooks.replay import ReplayError, replay_stored
from wp_bridge import NothingToReview, ProductNotFound, StoreClients, StoreError

blueprint = Blueprint("admin", __name__, url_prefix="/api")

@blueprint.before_request
def require_admin_token() -> Any:
    expected = services().settings.receiver.admin_token
    if not expected:
        return jsonify(error="the admin API is disabled: set WOO3D_ADMIN_TOKEN"), 401
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        return jsonify(error="missing or wrong admin token (Authorization: Bearer …)"), 401
    return None

def _json_body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(data, dict):
        abort(400, "the body must be a JSON object")
    return data

def _flag(data: dict[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        abort(400, f"{name} must be true or false")
    return value

def _needs_confirmation(error: PaidCallNotConfirmed) -> Any:
    return jsonify(error=str(error), needs_confirmation=True), 409

@blueprint.post("/products/<int:product_id>/generate")
def generate_product(product_id: int) -> Any:
    """Generate the product's model; `force` regenerates it. A forced run of a product woo3d already
    made a model for answers 409 `needs_confirmation` with a paid generator configured, until the
    body says `{"confirm_paid": true}`."""
    data = _json_body()
    force, confirm = _flag(data, "force"), _flag(data, "confirm_paid")
    app = services()
    if force:
        try:
            confirm_regeneration(app.settings.pipeline, confirmed=confirm,
                                 made_before=lambda: has_woo3d_model(app.connection, app.settings.store, product_id))
        except PaidCallNotConfirmed as error:
            return _needs_confirmation(error)
        except ProductNotFound:
            return jsonify(error=f"the store has no product {product_id}"), 404
        except StoreError as error:
            return jsonify(error=f"could not ask the store whether product {product_id} has a model: {error}"), 502
    enqueued = enqueue_generation(app.queue, app.board, product_id, None, force=force)
    return jsonify(status="queued", job_id=enqueued.job_id, product_id=product_id, new_job=enqueued.created), 202

@blueprint.get("/products/<int:product_id>/status")
def product_status(product_id: int) -> Any:
    """The product's newest job: `state` (none, queued, running, done, failed), stage, progress, reason
    and, once done, the model's files and quality."""
    return jsonify(services().board.for_product(product_id).as_dict())


MAX_STATUS_IDS = 100


@blueprint.get("/products/statuses")
def product_statuses() -> Any:
    """`?ids=1,2,3`: each product's status in one call (the plugin's products list asks for a page of them)."""
    raw = [part.strip() for part in request.args.get("ids", "").split(",") if part.strip()]
    if not raw or len(raw) > MAX_STATUS_IDS or not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in raw):
        abort(400, f"ids must be 1 to {MAX_STATUS_IDS} product ids, comma-separated")
    statuses = services().board.for_products([int(part) for part in raw])
    return jsonify(statuses={str(pid): status.as_dict() for pid, status in statuses.items()})

@blueprint.get("/review")
def list_held() -> Any:
    """Every product whose new model waits for the merchant's review."""
    return jsonify(held=[model.as_dict() for model in held_list(services().connection)])


@blueprint.post("/products/<int:product_id>/review/<any(approve, discard):verdict>")
def settle_review(product_id: int, verdict: str) -> Any:
    """Approve (publish) or discard (delete) the product's held model; `{"fingerprint"}` names the
    model the merchant saw, so a newer one held since is not settled unseen."""
    fingerprint = _json_body().get("fingerprint")
    if fingerprint is not None and not isinstance(fingerprint, str):
        abort(400, "fingerprint must be a string")
    app = services()
    if not app.settings.store.configured:
        return jsonify(error="no store is configured (WC_STORE_URL): there is no held model to settle"), 409
    clients = StoreClients.from_config(app.settings.store)
    try:
        desk = ReviewDesk(app.connection, clients)
        result = desk.approve(product_id, fingerprint) if verdict == "approve" else desk.discard(product_id, fingerprint)
    except (NothingToReview, ProductLocked) as error:
        return jsonify(error=str(error)), 409
    except StoreError as error:
        return jsonify(error=f"the store refused: {error}"), 502
    finally:
        clients.close()
    return jsonify(status=result.action, product_id=product_id, fingerprint=result.fingerprint,
                   deleted=list(result.deleted), not_deleted=list(result.not_deleted))


@blueprint.post("/products/<int:product_id>/review/regenerate")
def regenerate_product(product_id: int) -> Any:
    """A fresh model, judged by the gate again. With a paid generator configured it answers 409
    `needs_confirmation` until the body says `{"confirm_paid": true}`."""
    confirm = _flag(_json_body(), "confirm_paid")
    app = services()
    try:
        enqueued = regenerate(app.queue, app.board, app.settings.pipeline, product_id, confirm_paid=confirm)
    except PaidCallNotConfirmed as error:
        return _needs_confirmation(error)
    return jsonify(status="queued", job_id=enqueued.job_id, product_id=product_id, new_job=enqueued.created), 202


@blueprint.get("/jobs/<job_id>")
def job_status(job_id: str) -> Any:
    """One job's status, as the product status says it; 404 for a job neither the board nor RQ knows."""
    app = services()
    status = app.board.for_job(job_id)
    if status is None:
        status = _from_rq(job_id)
    return jsonify(status.as_dict())

def _from_rq(job_id: str) -> JobStatus:
    """A job the status board has not seen (e.g. one enqueued by hand): ask RQ."""
    try:
        job = Job.fetch(job_id, connection=services().connection)
    except NoSuchJobError:
        abort(404, f"no job {job_id!r}")
    product_id = job.args[0] if job.args and isinstance(job.args[0], int) else 0
    state = {"queued": JobState.QUEUED, "started": JobState.RUNNING, "finished": JobState.DONE}.get(
        job.get_status().value, JobState.FAILED
    )
    return JobStatus(product_id, state, job_id=job_id)

@blueprint.get("/deliveries")
def list_deliveries() -> Any:
    """Stored webhook deliveries, newest first (`limit` 1–500, `offset`), and a count of unverified requests."""
    limit = min(max(request.args.get("limit", 50, type=int), 1), 500)
    offset = max(request.args.get("offset", 0, type=int), 0)
    app = services()
    return jsonify(total=app.store.count(), deliveries=[d.summary() for d in app.store.recent(limit, offset)],
                   unverified=app.unverified.summary().as_dict())

@blueprint.get("/deliveries/unverified")
def list_unverified() -> Any:
    """Summaries of requests without a valid signature (rejections, activation pings), newest first."""
    limit = min(max(request.args.get("limit", 50, type=int), 1), 500)
    app = services()
    return jsonify(**app.unverified.summary().as_dict(), requests=[d.summary() for d in app.unverified.recent(limit)])

@blueprint.get("/deliveries/<record_id>")
def show_delivery(record_id: str) -> Any:
    """One stored delivery with its headers and exact body (a rejection: its capped headers, no body)."""
    delivery = services().intake.find(record_id)
    if delivery is None:
        abort(404, f"no stored delivery {record_id!r}")
    return jsonify(delivery.detail())

@blueprint.post("/deliveries/<record_id>/replay")
def replay_delivery(record_id: str) -> Any:
    """Run a stored delivery through the receiver again (`{"force": true}` skips de-duplication); the
    answer is the receiver's."""
    force = _flag(_json_body(), "force")
    app = services()
    try:
        outcome = replay_stored(app.intake, app.store, record_id, force=force)
    except ReplayError as error:
        return jsonify(error=str(error)), 409 if app.intake.find(record_id) else 404
    return jsonify(outcome.body), outcome.http_status


@blueprint.post("/3d/generate-from-description")
def generate_from_description() -> Any:
    """The seed's text-to-3D route: `{"title", "description", "dimensions"?, "shape"?}` → 202 job id."""
    data = _json_body()
    title, description = str(data.get("title") or ""), str(data.get("description") or "")
    if not (title.strip() or description.strip()):
        abort(400, "give a title or a description")
    return _submit(adhoc.AdHocRequest(title=title, description=description, dimensions=_dimensions(data),
                                      shape=_shape(data)))


@blueprint.post("/3d/generate-from-image")
def generate_from_image() -> Any:
    """The seed's image-to-3D route: multipart `image` (and optional `back_image`, `title`, …) → 202 job id."""
    request.max_content_length = services().settings.pipeline.max_image_bytes * 2 + 64 * 1024
    files = [request.files.get(name) for name in ("image", "back_image")]
    if files[0] is None:
        abort(400, "send the photo as multipart form field 'image'")
    images = tuple(f.read() for f in files if f is not None)
    for index, data in enumerate(images):
        try:
            open_image(data, name=("image", "back_image")[index], max_pixels=services().settings.pipeline.max_image_pixels)
        except ImageError as error:
            abort(400, str(error))
    form = request.form
    return _submit(adhoc.AdHocRequest(title=form.get("title", ""), description=form.get("description", ""),
                                      dimensions=_dimensions(form), shape=_shape(form)), images)


@blueprint.get("/jobs/<job_id>/files/<name>")
def job_file(job_id: str, name: str) -> Any:
    """A file an API request produced (model.glb, model.usdz, poster.png, report.json, preview.html)."""
    path = adhoc.output_file(services().settings.pipeline.output_dir, job_id, name)
    if path is None:
        abort(404, f"no file {name!r} for job {job_id!r}")
    return send_file(path)


def _dimensions(data: Any) -> str | None:
    raw = data.get("dimensions")
    if not raw:
        return None
    try:
        Dimensions.parse(str(raw))
    except DimensionsError as error:
        abort(400, str(error))
    return str(raw)


def _shape(data: Any) -> str:
    """The request's shape choice ("auto" when absent); 400 for one that is not a choice."""
    raw = data.get("shape")
    if raw in (None, ""):
        return "auto"
    shape = parse_shape(raw)
    if shape is None:
        abort(400, f"shape {raw!r} is not one of {', '.join(SHAPE_CHOICES)}")
    return shape


def _submit(request_: adhoc.AdHocRequest, images: tuple[bytes, ...] = ()) -> Any:
    app = services()
    job_id = adhoc.submit(app.queue, app.board, request_, images)
    return jsonify(status="queued", job_id=job_id, status_url=f"/api/jobs/{job_id}"), 202
