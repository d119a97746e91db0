"""The product job: idempotent write-back, stale and unchanged products, visible failures, RQ retries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import JobStatus as RQJobStatus
from structlog.testing import capture_logs

from pipeline.config import PUBLISH_MIN_SCORE
from pipeline.jobs.download import ImageNotAllowed
from pipeline.jobs.fingerprint import product_fingerprint
from pipeline.jobs.product_job import JobContext, configure, generate_product_model
from pipeline.jobs.queueing import enqueue_generation
from pipeline.jobs.snapshots import ProductSnapshots
from pipeline.jobs.status import JobState, StatusBoard
from tests.fake_store import FakeStore
from tests.conftest import PHOTOS
from tests.pipeline.jobs.support import MUG, mug_product, small_pipeline
from wp_bridge import ProductNotFound, RetryableStoreError, StoreConfig

def test_a_failed_meta_put_then_a_retry_leaves_one_set_of_attachments_and_one_meta(
    store: FakeStore, context: JobContext
) -> None:
    product_id = mug_product(store)
    store.fail_next("PUT", f"/wp-json/wc/v3/products/{product_id}", status=500, times=10)
    with pytest.raises(RetryableStoreError):
        generate_product_model(product_id, None)
    uploaded = {a["id"] for a in store.attachments(post=product_id)}
    assert len(uploaded) == 3 and store.meta_rows(product_id, "_woo3d_model") == []

    store.clear_faults()
    result = generate_product_model(product_id, None)
    assert result["state"] == "done"
    assert {a["id"] for a in store.attachments(post=product_id)} == uploaded
    [meta] = store.meta_rows(product_id, "_woo3d_model")
    assert set(meta["value"]["attachment_ids"].values()) == uploaded
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == 3


def test_a_job_for_an_outdated_fingerprint_stops_without_generating(store: FakeStore, context: JobContext) -> None:
    product_id = mug_product(store)
    result = generate_product_model(product_id, "sha256:older")
    assert result["state"] == "superseded"
    assert store.attachments(post=product_id) == []
    assert StatusBoard(context.connection).for_job(f"inline-{product_id}").reason.startswith("superseded")


def test_a_product_that_already_has_its_model_is_not_regenerated_unless_forced(store: FakeStore, context: JobContext) -> None:
    product_id = mug_product(store)
    assert generate_product_model(product_id, None)["state"] == "done"
    uploads = len(store.requests_matching("POST", "/wp-json/wp/v2/media"))
    assert generate_product_model(product_id, None)["state"] == "unchanged"
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == uploads
    assert generate_product_model(product_id, None, force=True)["state"] == "done"
    assert len(store.attachments(post=product_id)) == 3  # the forced run replaced, not added


def test_delivery_and_job_agree_on_the_fingerprint(store: FakeStore, context: JobContext) -> None:
    product_id = mug_product(store, attributes=[{"id": 0, "name": "Color", "option": "Red"}])
    fingerprint = product_fingerprint(store.product(product_id))
    assert generate_product_model(product_id, fingerprint)["state"] == "done"


def test_a_missing_product_fails_visibly(store: FakeStore, context: JobContext) -> None:
    with pytest.raises(ProductNotFound):
        generate_product_model(424242, None)
    status = StatusBoard(context.connection).for_job("inline-424242")
    assert status.state is JobState.FAILED and "424242" in status.reason


def test_an_image_on_a_host_that_is_not_allowed_fails_with_the_reason(redis_conn: Redis, tmp_path: Path) -> None:
    configure(JobContext(redis_conn, small_pipeline(tmp_path), StoreConfig(), local_image_dir=tmp_path))
    payload = {"id": 9, "name": "Mug", "status": "publish", "images": [{"id": 1, "src": "http://169.254.169.254/x.jpg"}]}
    ProductSnapshots(redis_conn).save(9, json.dumps(payload).encode())
    with pytest.raises(ImageNotAllowed):
        generate_product_model(9, None)
    status = StatusBoard(redis_conn).for_job("inline-9")
    assert status.state is JobState.FAILED and "'169.254.169.254' is not the store's host" in status.reason


def test_without_a_store_the_job_uses_the_delivery_and_writes_files(redis_conn: Redis, tmp_path: Path) -> None:
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "mug.jpg").write_bytes(MUG)
    configure(JobContext(redis_conn, small_pipeline(tmp_path), StoreConfig(), local_image_dir=samples))
    payload = {"id": 7, "name": "Mug", "status": "publish", "images": [{"id": 1, "src": "mug.jpg"}],
               "dimensions": {"length": "12", "width": "9", "height": "10"}}
    ProductSnapshots(redis_conn).save(7, json.dumps(payload).encode())
    result = generate_product_model(7, product_fingerprint(payload))
    out = tmp_path / "out" / "product-7"
    assert result["state"] == "done" and Path(result["model"]["glb"]) == out / "model.glb"
    assert {"model.glb", "model.usdz", "poster.png", "report.json", "preview.html"} <= {p.name for p in out.iterdir()}


def test_without_a_store_or_a_delivery_the_job_says_what_is_missing(redis_conn: Redis, tmp_path: Path) -> None:
    configure(JobContext(redis_conn, small_pipeline(tmp_path), StoreConfig()))
    with pytest.raises(Exception, match="no store is configured"):
        generate_product_model(8, None)


def test_rq_retries_passing_store_faults_and_fails_permanent_ones_at_once(
    store: FakeStore, context: JobContext, redis_conn: Redis
) -> None:
    queue = Queue("woo3d", connection=redis_conn)
    board = StatusBoard(redis_conn)
    flaky = mug_product(store)
    store.fail_next("GET", f"/wp-json/wc/v3/products/{flaky}", status=503, times=50)
    flaky_job = enqueue_generation(queue, board, flaky, None).job_id
    missing_job = enqueue_generation(queue, board, 999_999, None).job_id
    SimpleWorker([queue], connection=redis_conn).work(burst=True)

    flaky_rq = queue.fetch_job(flaky_job)
    assert flaky_rq.get_status() is RQJobStatus.SCHEDULED and flaky_rq.retries_left == 2
    assert board.for_job(flaky_job).stage == "waiting to retry"
    missing_rq = queue.fetch_job(missing_job)
    assert missing_rq.get_status() is RQJobStatus.FAILED
    assert board.for_product(999_999).state is JobState.FAILED


def test_a_job_that_stands_down_still_reports_the_products_current_model(store: FakeStore, context: JobContext) -> None:
    product_id = mug_product(store)
    made = generate_product_model(product_id, None)
    stale = generate_product_model(product_id, "sha256:older")
    assert stale["state"] == "superseded" and stale["model"] == made["model"]
    status = StatusBoard(context.connection).for_job(f"inline-{product_id}")
    assert status.model["glb"] == made["model"]["glb"]


def test_job_progress_only_rises_and_ends_done_at_one(store: FakeStore, context: JobContext, redis_conn: Redis) -> None:
    """What the plugin shows: the local generator's count after "analysis" and Stage 2's end inside the
    job (before the upload) never pull the job's progress back or say "done" early."""
    queue = Queue("woo3d", connection=redis_conn)
    board = StatusBoard(redis_conn)
    job_id = enqueue_generation(queue, board, mug_product(store), None).job_id
    with capture_logs() as logs:
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
    reported = [(line["stage"], line["progress"]) for line in logs if line["event"] == "job_stage"]
    fractions = [fraction for _, fraction in reported]
    assert fractions == sorted(fractions), reported
    assert [stage for stage, _ in reported].index("analysis") < [stage for stage, _ in reported].index("segmenting")
    assert [stage for stage, _ in reported if stage == "done"] == ["done"] and reported[-1] == ("done", 1.0)
    job = queue.fetch_job(job_id)
    assert job is not None and (job.meta["stage"], job.meta["progress"]) == ("done", 1.0)
    assert board.for_job(job_id).progress == 1.0
def test_a_parcel_size_keeps_the_photos_shape_and_the_status_says_so(redis_conn: Redis, tmp_path: Path) -> None:
    """A hoodie listed by its folded 40 × 5 × 30 cm parcel is not published 5 cm tall nor squashed."""
    samples = tmp_path / "samples"
    samples.mkdir()
    (samples / "hoodie.png").write_bytes((PHOTOS / "solidus_hoodie_black_1.png").read_bytes())
    configure(JobContext(redis_conn, small_pipeline(tmp_path), StoreConfig(), local_image_dir=samples))
    payload = {"id": 12, "name": "Black hoodie", "status": "publish", "images": [{"id": 1, "src": "hoodie.png"}],
               "tags": [{"id": 3, "name": "Winter", "slug": "winter"}],
               "dimensions": {"length": "40", "width": "30", "height": "5"}}
    ProductSnapshots(redis_conn).save(12, json.dumps(payload).encode())
    generate_product_model(12, product_fingerprint(payload))
    report = json.loads((tmp_path / "out" / "product-12" / "report.json").read_text())
    size = report["dimensions_m"]
    assert report["generator_details"]["shape"]["shape"] == "garment"
    assert size["height"] > 0.3 and size["depth"] < 0.2
    assert size["width"] / size["height"] == pytest.approx(0.92, abs=0.05)  # the photo's proportions
    status = StatusBoard(redis_conn).for_job("inline-12")
    assert status.state is JobState.DONE and "parcel" in (status.reason or "")
def test_the_status_board_carries_the_new_models_score_and_why_it_is_low(
    store: FakeStore, context: JobContext
) -> None:
    # The catalogue's tote photo: worn by a person whose legs run off the frame and into the model.
    tote = store.add_image("tote.png", (PHOTOS / "solidus_tote.png").read_bytes())
    product_id = store.add_product(name="Tote", images=[tote])["id"]
    generate_product_model(product_id, None)
    status = StatusBoard(context.connection).for_job(f"inline-{product_id}")
    assert status is not None and status.state is JobState.DONE and status.quality is not None
    assert status.quality["score"] < PUBLISH_MIN_SCORE and status.quality["terms"]["in_frame"] < 0.5
    assert any("runs off the photo's top edge" in reason for reason in status.quality["reasons"])
    [meta] = store.meta_rows(product_id, "_woo3d_model")
    held = meta["value"]["pending"]  # under the threshold: held for the merchant, not published
    assert held["state"] == "review" and held["quality"]["reasons"] == status.quality["reasons"]


def test_the_meta_tells_the_storefront_where_ar_puts_the_model_and_whether_at_its_real_size(
    store: FakeStore, context: JobContext
) -> None:
    """A print hangs on a wall at its listed size; a mug with no size stands on the floor, free to scale."""
    from tests.pipeline.known_products import catalogue_photo

    poster = store.add_product(name="Mountain art print", images=[store.add_image("print.png", catalogue_photo("poster"))],
                               dimensions=("50", "0.4", "70"))["id"]
    mug = mug_product(store, dimensions=("", "", ""))
    for product_id in (poster, mug):
        assert generate_product_model(product_id, None)["state"] == "done"
    [poster_meta], [mug_meta] = (store.meta_rows(product_id, "_woo3d_model") for product_id in (poster, mug))
    assert (poster_meta["value"]["ar_placement"], poster_meta["value"]["ar_scale"]) == ("wall", "fixed")
    assert (mug_meta["value"]["ar_placement"], mug_meta["value"]["ar_scale"]) == ("floor", "auto")


def test_the_job_reads_the_whole_gallery_and_uses_only_its_back_photo(redis_conn: Redis, tmp_path: Path) -> None:
    """A hoodie whose second image is a close-up of someone wearing it and whose third is its back:
    the back is textured from the third, the close-up is used for nothing, report.json says why."""
    from tests.pipeline import synthetic

    samples = tmp_path / "samples"
    samples.mkdir()
    photos = (synthetic.hoodie_on_white(), synthetic.hoodie_worn_close_up(), synthetic.hoodie_back_on_white())
    for index, photo in enumerate(photos, start=1):
        (samples / f"hoodie-{index}.jpg").write_bytes(photo.data)
    configure(JobContext(redis_conn, small_pipeline(tmp_path), StoreConfig(), local_image_dir=samples))
    payload = {"id": 14, "name": "Black hoodie", "status": "publish",
               "images": [{"id": index, "src": f"hoodie-{index}.jpg", "alt": alt}
                          for index, alt in ((1, "Black hoodie"), (2, "Black hoodie"), (3, "Black hoodie, back"))]}
    ProductSnapshots(redis_conn).save(14, json.dumps(payload).encode())
    generate_product_model(14, product_fingerprint(payload))
    report = json.loads((tmp_path / "out" / "product-14" / "report.json").read_text())
    gallery = report["generator_details"]["gallery"]
    assert [d["view"] for d in gallery][0::2] == ["front", "back"] and gallery[1]["used_for"] is None
    assert gallery[1]["view"] in ("lifestyle", "detail") and gallery[1]["reasons"]
    assert report["generator_details"]["back"] == "the back photo (image 2)"
