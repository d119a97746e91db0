"""The review gate end to end: real RQ worker, real Redis, the fake store speaking WooCommerce/WordPress REST.

Held models are uploaded but never replace the live one; approving publishes them, discarding
deletes them, and nothing automatic (the sweep, backfill, webhook echoes) pays to make them again.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from redis import Redis
from rq import Queue, SimpleWorker

from pipeline.config import PipelineConfig
from pipeline.jobs.backfill import backfill
from pipeline.jobs.eligibility import judge
from pipeline.jobs.product_job import JobContext, configure
from pipeline.jobs.queueing import enqueue_generation
from pipeline.jobs.paid import PaidCallNotConfirmed
from pipeline.jobs.review import ReviewDesk, held_list, regenerate
from pipeline.jobs.status import StatusBoard
from pipeline.metrics import render
from tests.fake_store import FakeStore
from tests.pipeline.jobs.support import mug_product, small_pipeline
from wp_bridge import NothingToReview, Product, StoreClients


def gate(redis_conn: Redis, store: FakeStore, tmp_path: Path, **review: Any) -> JobContext:
    """Configure the worker's jobs with this review setting (`review=`, `publish_min_score=`)."""
    context = JobContext(redis_conn, small_pipeline(tmp_path, **review), store.store_config())
    configure(context)
    return context


def run_worker(redis_conn: Redis, product_id: int, *, force: bool = False) -> dict[str, Any]:
    """Queue the product's job as a delivery would, and let a real worker run everything queued."""
    queue = Queue("woo3d", connection=redis_conn)
    job_id = enqueue_generation(queue, StatusBoard(redis_conn), product_id, None, force=force).job_id
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    job = queue.fetch_job(job_id)
    assert job is not None and job.is_finished, job.latest_result().exc_string if job else "no job"
    return job.return_value()


def model(store: FakeStore, product_id: int) -> dict[str, Any]:
    [row] = store.meta_rows(product_id, "_woo3d_model")
    return row["value"]


def rename(store: FakeStore, product_id: int, name: str) -> None:
    """The merchant edits the product's text in WP admin (a new fingerprint)."""
    store.edit_product(product_id, name=name)


def live_ids(value: dict[str, Any]) -> set[int]:
    return set(value["attachment_ids"].values())


def test_a_held_model_is_uploaded_beside_the_live_one_and_approving_publishes_it(
    store: FakeStore, clients: StoreClients, redis_conn: Redis, tmp_path: Path
) -> None:
    product_id = mug_product(store)
    gate(redis_conn, store, tmp_path, review="never")
    assert run_worker(redis_conn, product_id)["state"] == "done"
    first = model(store, product_id)
    assert first["state"] == "live" and first["pending"] is None

    rename(store, product_id, "Ruby Mug, glazed")
    gate(redis_conn, store, tmp_path, review="always")
    outcome = run_worker(redis_conn, product_id)
    assert outcome["state"] == "held" and outcome["reason"].startswith("held for review: every new model waits")
    value = model(store, product_id)
    # The storefront's model did not move; the held one sits beside it with its views, score and why.
    assert {k: value[k] for k in ("glb", "usdz", "poster", "fingerprint")} == {
        k: first[k] for k in ("glb", "usdz", "poster", "fingerprint")}
    held = value["pending"]
    assert held["state"] == "review" and held["held_because"] == "every new model waits for approval (WOO3D_REVIEW=always)"
    assert isinstance(held["quality"]["score"], int) and held["glb"] != first["glb"]
    assert set(held["views"]) == {"front", "45", "side"}
    for url in held["views"].values():
        view = Image.open(io.BytesIO(store.file_bytes(url)))
        alpha = view.getchannel("A").getextrema()
        assert view.size == (512, 512) and alpha == (0, 255)  # the model drawn on a transparent ground
    side, front = (store.file_bytes(held["views"][k]) for k in ("side", "front"))
    assert side != front  # the camera turned
    attachments = {a["id"] for a in store.attachments(post=product_id)}
    assert attachments == live_ids(first) | set(held["attachment_ids"].values())
    assert [m.product_id for m in held_list(redis_conn)] == [product_id]
    assert "woo3d_models_held 1.0" in render(redis_conn).decode()

    # Echoes, the sweep's verdict, a backfill and a re-run all leave the held model alone.
    uploads = len(store.requests_matching("POST", "/wp-json/wp/v2/media"))
    assert run_worker(redis_conn, product_id)["reason"].startswith("unchanged: a model of these photos and text waits")
    assert judge(Product.from_api(store.product(product_id)), ("simple",)).action == "current"
    assert backfill(clients.woocommerce, Queue("woo3d", connection=redis_conn), enabled_types=("simple",),
                    pipeline=PipelineConfig()).enqueued == []
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == uploads

    result = ReviewDesk(redis_conn, clients).approve(product_id, held["fingerprint"])
    value = model(store, product_id)
    assert result.action == "approved" and value["glb"] == held["glb"] and value["state"] == "live"
    assert value["pending"] is None and value["views"] == {}
    # The replaced live model's files and the review views are gone; the approved model's remain.
    assert {a["id"] for a in store.attachments(post=product_id)} == live_ids(value) == {
        i for role, i in held["attachment_ids"].items() if not role.startswith("view_")}
    assert all(store.file_bytes(url) is None for url in held["views"].values())
    assert store.file_bytes(first["glb"]) is None
    assert held_list(redis_conn) == [] and "woo3d_models_held 0.0" in render(redis_conn).decode()
    # An approved model is never rebuilt while the photos and text stay.
    assert run_worker(redis_conn, product_id)["reason"] == "unchanged: the product already has this model"
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == uploads


def test_a_discarded_model_is_deleted_and_only_an_explicit_regeneration_makes_another(
    store: FakeStore, clients: StoreClients, redis_conn: Redis, tmp_path: Path
) -> None:
    product_id = mug_product(store)
    context = gate(redis_conn, store, tmp_path, review="always")
    assert run_worker(redis_conn, product_id)["state"] == "held"
    value = model(store, product_id)
    assert value["glb"] is None and value["pending"]["glb"]  # nothing live: the storefront shows no model
    held_ids = set(value["pending"]["attachment_ids"].values())
    assert len(held_ids) == 6  # GLB, USDZ, poster and three views

    with pytest.raises(NothingToReview, match="not sha256:someone-else"):
        ReviewDesk(redis_conn, clients).approve(product_id, "sha256:someone-else")
    ReviewDesk(redis_conn, clients).discard(product_id)
    value = model(store, product_id)
    assert value["pending"] is None and value["glb"] is None and value["declined"]
    assert store.attachments(post=product_id) == []
    with pytest.raises(NothingToReview, match="no model waiting"):
        ReviewDesk(redis_conn, clients).discard(product_id)

    uploads = len(store.requests_matching("POST", "/wp-json/wp/v2/media"))
    assert run_worker(redis_conn, product_id)["reason"].startswith("unchanged: the merchant discarded")
    assert judge(Product.from_api(store.product(product_id)), ("simple",)).action == "current"
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == uploads

    queue = Queue("woo3d", connection=redis_conn)
    paid = replace(context.pipeline, tripo_api_key="tsk_paid")
    with pytest.raises(PaidCallNotConfirmed, match="costs a Tripo3D credit"):
        regenerate(queue, StatusBoard(redis_conn), paid, product_id, confirm_paid=False)
    assert queue.count == 0
    regenerate(queue, StatusBoard(redis_conn), context.pipeline, product_id, confirm_paid=False)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    value = model(store, product_id)
    assert value["pending"]["state"] == "review" and value["declined"] == ""
    # A change of photos or text is new work again: the gate judges it like any other.
    rename(store, product_id, "Ruby Mug, glazed")
    gate(redis_conn, store, tmp_path, review="never")
    assert run_worker(redis_conn, product_id)["state"] == "done"
    value = model(store, product_id)
    assert value["pending"] is None and value["glb"]
    assert {a["id"] for a in store.attachments(post=product_id)} == live_ids(value)
    assert held_list(redis_conn) == []


def test_auto_publishes_at_or_above_the_threshold_and_holds_below(
    store: FakeStore, redis_conn: Redis, tmp_path: Path
) -> None:
    product_id = mug_product(store)
    gate(redis_conn, store, tmp_path, review="auto", publish_min_score=0)
    assert run_worker(redis_conn, product_id)["state"] == "done"
    score = model(store, product_id)["quality"]["score"]
    assert 0 < score < 100

    gate(redis_conn, store, tmp_path, review="auto", publish_min_score=score)
    assert run_worker(redis_conn, product_id, force=True)["state"] == "done"  # at the threshold: published
    gate(redis_conn, store, tmp_path, review="auto", publish_min_score=score + 1)
    outcome = run_worker(redis_conn, product_id, force=True)
    assert outcome["state"] == "held"
    assert model(store, product_id)["pending"]["held_because"] == (
        f"its quality score {score} is below {score + 1} (WOO3D_PUBLISH_MIN_SCORE)")
