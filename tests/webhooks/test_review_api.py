"""The review routes of the admin API, as the plugin calls them, against the fake store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from pipeline.jobs.fingerprint import product_fingerprint
from pipeline.jobs.review import held_list, held_summary
from pipeline.metrics import record_held
from tests.fake_store import FakeStore
from tests.recorded import recorded_payload, signed_delivery
from tests.webhooks.conftest import admin_headers, forwarded, make_settings, post_delivery
from webhooks import create_app
from wp_bridge import AttachmentLedger, LedgerEntry, ModelMeta


@pytest.fixture
def store() -> Iterator[FakeStore]:
    with FakeStore() as fake:
        yield fake


def held_product(store: FakeStore, redis_conn: Redis) -> tuple[int, dict[str, Any]]:
    """A product with a live model and a held one, each with real attachments, as the job leaves it."""
    live_glb, held_glb, view = (store.add_image(name, b"\x89PNG\r\n\x1a\n" + name.encode(), mime_type="image/png")
                                for name in ("live.png", "held.png", "view.png"))
    held = ModelMeta(fingerprint="sha256:held", glb=held_glb["source_url"], state="review", quality={"score": 41},
                     attachment_ids={"glb": held_glb["id"], "view_front": view["id"]},
                     views={"front": view["source_url"]}, reasons=("the model is in 5 pieces",),
                     held_because="its quality score 41 is below 70 (WOO3D_PUBLISH_MIN_SCORE)")
    value = ModelMeta(fingerprint="sha256:live", glb=live_glb["source_url"], attachment_ids={"glb": live_glb["id"]},
                      pending=held)
    product_id = store.add_product(meta={"_woo3d_model": value.to_json()})["id"]
    ledger = AttachmentLedger(redis_conn)
    for role, fingerprint, media in (("glb", "sha256:live", live_glb), ("glb", "sha256:held", held_glb),
                                     ("view_front", "sha256:held", view)):
        store.attach(media["id"], product_id)
        ledger.record(product_id, LedgerEntry(media["id"], role, fingerprint, "", media["source_url"]).as_published())
    record_held(redis_conn, product_id, held_summary(held))
    return product_id, {"live": live_glb, "held": held_glb, "view": view}


def client_for(redis_conn: Redis, store: FakeStore | None, **pipeline: Any) -> FlaskClient:
    settings = make_settings()
    if store is not None:
        settings = replace(settings, store=store.store_config())
    if pipeline:
        settings = replace(settings, pipeline=replace(settings.pipeline, **pipeline))
    return create_app(settings, redis_conn).test_client()


def test_the_review_routes_need_the_admin_token(redis_conn: Redis) -> None:
    client = client_for(redis_conn, None)
    assert client.get("/api/review").status_code == 401
    assert client.post("/api/products/5/review/approve", headers=admin_headers("wrong")).status_code == 401
    assert client.post("/api/products/5/review/regenerate").status_code == 401


def test_list_then_approve_publishes_the_held_model_and_deletes_what_it_replaced(
    redis_conn: Redis, store: FakeStore
) -> None:
    product_id, files = held_product(store, redis_conn)
    client = client_for(redis_conn, store)
    [listed] = client.get("/api/review", headers=admin_headers()).get_json()["held"]
    assert listed == {"product_id": product_id, "fingerprint": "sha256:held", "score": 41,
                      "held_because": "its quality score 41 is below 70 (WOO3D_PUBLISH_MIN_SCORE)",
                      "reasons": ["the model is in 5 pieces"], "generated_at": None}

    stale = client.post(f"/api/products/{product_id}/review/approve", json={"fingerprint": "sha256:older"},
                        headers=admin_headers())
    assert stale.status_code == 409 and "a newer model replaced it" in stale.get_json()["error"]
    answer = client.post(f"/api/products/{product_id}/review/approve", json={"fingerprint": "sha256:held"},
                         headers=admin_headers())
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "approved"
    assert sorted(answer.get_json()["deleted"]) == sorted([files["live"]["id"], files["view"]["id"]])
    [row] = store.meta_rows(product_id, "_woo3d_model")
    assert row["value"]["glb"] == files["held"]["source_url"] and row["value"]["pending"] is None
    assert store.attachment(files["held"]["id"]) is not None and store.attachment(files["live"]["id"]) is None
    assert held_list(redis_conn) == []
    again = client.post(f"/api/products/{product_id}/review/approve", headers=admin_headers())
    assert again.status_code == 409 and "no model waiting for review" in again.get_json()["error"]


def test_discard_keeps_the_live_model_and_deletes_the_held_files(redis_conn: Redis, store: FakeStore) -> None:
    product_id, files = held_product(store, redis_conn)
    answer = client_for(redis_conn, store).post(f"/api/products/{product_id}/review/discard", headers=admin_headers())
    assert answer.status_code == 200 and answer.get_json()["status"] == "discarded"
    [row] = store.meta_rows(product_id, "_woo3d_model")
    assert row["value"]["glb"] == files["live"]["source_url"] and row["value"]["declined"] == "sha256:held"
    assert store.attachment(files["held"]["id"]) is None and store.attachment(files["view"]["id"]) is None
    assert store.attachment(files["live"]["id"]) is not None


def test_settling_without_a_store_or_with_bad_input_changes_nothing(redis_conn: Redis) -> None:
    client = client_for(redis_conn, None)
    no_store = client.post("/api/products/5/review/approve", headers=admin_headers())
    assert no_store.status_code == 409 and "WC_STORE_URL" in no_store.get_json()["error"]
    bad = client.post("/api/products/5/review/discard", json={"fingerprint": 7}, headers=admin_headers())
    assert bad.status_code == 400
    assert client.post("/api/products/5/review/regenerate", json={"confirm_paid": "yes"},
                       headers=admin_headers()).status_code == 400


def test_regenerate_asks_before_a_paid_call(redis_conn: Redis) -> None:
    queue = Queue("woo3d", connection=redis_conn)
    paid = client_for(redis_conn, None, tripo_api_key="tsk_test")
    asked = paid.post("/api/products/5/review/regenerate", json={}, headers=admin_headers())
    assert asked.status_code == 409 and asked.get_json()["needs_confirmation"] is True
    assert "costs a Tripo3D credit" in asked.get_json()["error"] and queue.count == 0
    confirmed = paid.post("/api/products/5/review/regenerate", json={"confirm_paid": True}, headers=admin_headers())
    assert confirmed.status_code == 202 and "-force-" in confirmed.get_json()["job_id"] and queue.count == 1
    free = client_for(redis_conn, None).post("/api/products/6/review/regenerate", headers=admin_headers())
    assert free.status_code == 202 and queue.count == 2


def test_the_echo_of_a_held_or_discarded_model_queues_nothing(redis_conn: Redis) -> None:
    """The webhook WooCommerce fires for the held model's own write-back (or for a discard) costs nothing."""
    client = client_for(redis_conn, None)
    queue = Queue("woo3d", connection=redis_conn)
    payload = recorded_payload("product_updated__after_meta_only_writeback")
    current = product_fingerprint(payload)
    for index, value in enumerate(({"fingerprint": "sha256:live", "pending": {"fingerprint": current, "state": "review"}},
                                   {"fingerprint": "sha256:live", "declined": current})):
        payload["meta_data"] = [{"id": 1, "key": "_woo3d_model", "value": value}]
        answer = post_delivery(client, *signed_delivery(payload, delivery_id=f"{index:032x}")).get_json()
        assert answer["status"] == "skipped" and answer["reason"].startswith("unchanged: ")
        assert ("review" in answer["reason"]) == (index == 0)
    assert forwarded(queue).count == 0
    payload["meta_data"] = [{"id": 1, "key": "_woo3d_model", "value": {"fingerprint": "sha256:live"}}]
    assert post_delivery(client, *signed_delivery(payload, delivery_id="f" * 32)).get_json()["status"] == "queued"
