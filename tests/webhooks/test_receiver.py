"""The webhook front door, fed the real deliveries a WooCommerce 10 store sent."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from pipeline.jobs.fingerprint import product_fingerprint
from pipeline.jobs.queueing import JOB_FUNCTION
from tests.recorded import recorded_delivery, recorded_payload, signed_delivery, webhook_files
from tests.redis_server import RedisServer
from tests.webhooks.conftest import forwarded, make_settings, post_delivery
from webhooks import create_app


def test_published_product_with_images_is_queued_with_its_fingerprint(client: FlaskClient, queue: Queue) -> None:
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    response = post_delivery(client, headers, body)
    assert response.status_code == 202
    answer = response.get_json()
    assert answer["status"] == "queued"
    fingerprint = product_fingerprint(json.loads(body))
    assert answer["job_id"] == f"gen-14-{fingerprint.removeprefix('sha256:')[:12]}"
    job = forwarded(queue).fetch_job(answer["job_id"])
    assert job is not None and job.func_name == JOB_FUNCTION
    assert job.args == (14, fingerprint) and job.kwargs == {"force": False}
    assert forwarded(queue).job_ids == [answer["job_id"]]


def test_activation_ping_is_answered_200_without_a_signature(client: FlaskClient, queue: Queue) -> None:
    headers, body = recorded_delivery("ping__webhook_3")
    response = post_delivery(client, headers, body)
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "ping": True, "webhook_id": 3}
    assert forwarded(queue).count == 0


def test_the_same_delivery_twice_enqueues_once(client: FlaskClient, queue: Queue) -> None:
    headers, body = recorded_delivery("product_created__publish_with_image_src")
    first = post_delivery(client, headers, body)
    second = post_delivery(client, headers, body)
    assert first.status_code == 202
    assert second.status_code == 200
    assert second.get_json()["status"] == "skipped" and "duplicate delivery" in second.get_json()["reason"]
    assert forwarded(queue).count == 1


def test_deliveries_of_two_products_that_woocommerce_gave_one_id_both_get_a_job(client: FlaskClient, queue: Queue) -> None:
    """WooCommerce names a delivery after its webhook and the second it left: an import shares ids."""
    payload = recorded_payload("product_created__publish_with_image_src")
    other = {**payload, "id": payload["id"] + 1, "name": "Another product"}
    first = post_delivery(client, *signed_delivery(payload, delivery_id="c" * 32))
    second = post_delivery(client, *signed_delivery(other, delivery_id="c" * 32))
    assert first.status_code == second.status_code == 202
    assert first.get_json()["delivery_id"] != second.get_json()["delivery_id"]
    assert forwarded(queue).count == 2
    resent = post_delivery(client, *signed_delivery(other, delivery_id="c" * 32))
    assert resent.get_json()["status"] == "skipped"
    assert f"first seen as {second.get_json()['delivery_id']}" in resent.get_json()["reason"]
    assert forwarded(queue).count == 2


def test_a_ping_with_an_endless_webhook_id_is_refused_like_any_unsigned_request(client: FlaskClient, queue: Queue) -> None:
    response = client.post("/webhooks/woocommerce", data=b"webhook_id=" + b"9" * 5000,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401
    assert forwarded(queue).count == 0


def test_two_deliveries_of_the_same_product_state_share_one_job(client: FlaskClient, queue: Queue) -> None:
    payload = recorded_payload("product_created__publish_with_image_src")
    first = post_delivery(client, *signed_delivery(payload, delivery_id="a" * 32))
    second = post_delivery(client, *signed_delivery(payload, delivery_id="b" * 32))
    assert first.status_code == second.status_code == 202
    assert first.get_json()["job_id"] == second.get_json()["job_id"]
    assert forwarded(queue).count == 1


@pytest.mark.parametrize("position", [0, 100, -2])
def test_one_tampered_byte_is_rejected_and_logged_apart_from_the_deliveries(client: FlaskClient, queue: Queue, redis_conn: Redis, position: int) -> None:
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    tampered = bytearray(body)
    tampered[position] ^= 0x01
    response = post_delivery(client, headers, bytes(tampered))
    assert response.status_code == 401
    assert "signature" in response.get_json()["error"]
    assert forwarded(queue).count == 0
    services = client.application.extensions["woo3d"]
    assert services.store.recent() == []
    logged = services.unverified.recent()
    assert [(d.id, d.outcome, d.body, d.body_len) for d in logged] == [
        (response.get_json()["delivery_id"], "rejected", None, len(body))]


def test_reserialized_json_with_the_original_signature_is_rejected(client: FlaskClient, queue: Queue) -> None:
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    reserialized = json.dumps(json.loads(body)).encode()
    assert reserialized != body
    assert post_delivery(client, headers, reserialized).status_code == 401
    assert forwarded(queue).count == 0


def test_missing_signature_is_401(client: FlaskClient) -> None:
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    unsigned = tuple(h for h in headers if h[0].lower() != "x-wc-webhook-signature")
    response = post_delivery(client, unsigned, body)
    assert response.status_code == 401
    assert response.get_json()["error"] == "missing X-WC-Webhook-Signature"


def test_our_own_write_back_echo_is_skipped_as_unchanged(client: FlaskClient, queue: Queue) -> None:
    payload = recorded_payload("product_updated__after_meta_only_writeback")
    for entry in payload["meta_data"]:
        if entry["key"] == "_woo3d_model":
            entry["value"]["fingerprint"] = product_fingerprint(payload)
    response = post_delivery(client, *signed_delivery(payload))
    assert response.status_code == 200
    assert response.get_json()["status"] == "skipped"
    assert response.get_json()["reason"].startswith("unchanged")
    assert forwarded(queue).count == 0


def test_a_model_with_an_outdated_fingerprint_is_regenerated(client: FlaskClient, queue: Queue) -> None:
    headers, body = recorded_delivery("product_updated__after_meta_only_writeback")  # fingerprint "sha256:aaaa"
    assert post_delivery(client, headers, body).status_code == 202
    assert forwarded(queue).count == 1


def test_draft_is_skipped_as_not_published(client: FlaskClient, queue: Queue) -> None:
    response = post_delivery(client, *recorded_delivery("product_created__draft"))
    assert response.status_code == 200
    assert response.get_json()["reason"] == "not published (status: draft)"
    assert forwarded(queue).count == 0


def test_variation_is_queued(client: FlaskClient, queue: Queue) -> None:
    response = post_delivery(client, *recorded_delivery("product_created__variation"))
    assert response.status_code == 202
    job = forwarded(queue).fetch_job(response.get_json()["job_id"])
    # The job reads and writes it through /products/21/variations/22: /products/22 refuses the write.
    assert job.args[0] == 22 and job.kwargs["parent_id"] == 21


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"meta_data": [{"id": 1, "key": "_woo3d_disabled", "value": "yes"}]}, "opted out (_woo3d_disabled is set)"),
        ({"images": [], "description": "", "short_description": ""}, "no images and no description"),
        ({"type": "grouped"}, "product type 'grouped' is not enabled (WOO3D_PRODUCT_TYPES)"),
    ],
)
def test_filtered_products_are_skipped_with_a_reason(redis_conn: Redis, queue: Queue, change: dict, reason: str) -> None:
    app = create_app(make_settings(enabled_product_types=("simple", "variable")), redis_conn)
    payload = {**recorded_payload("product_created__publish_with_media_ids"), **change}
    response = post_delivery(app.test_client(), *signed_delivery(payload))
    assert (response.status_code, response.get_json()["reason"]) == (200, reason)
    assert forwarded(queue).count == 0


def test_deleted_product_is_marked_and_not_generated(client: FlaskClient, queue: Queue) -> None:
    response = post_delivery(client, *signed_delivery({"id": 14}, topic="product.deleted"))
    assert response.status_code == 200
    assert response.get_json()["status"] == "deleted"
    assert forwarded(queue).count == 0


def test_other_topics_are_skipped(client: FlaskClient, queue: Queue) -> None:
    response = post_delivery(client, *signed_delivery({"id": 99}, topic="order.created"))
    assert response.status_code == 200
    assert response.get_json()["reason"] == "topic 'order.created' is not handled"


@pytest.mark.parametrize(
    ("body", "error"),
    [(b'{"id": 14,', "body is not valid JSON"), (b"[1, 2]", "body has no product id"),
     (b'{"name": "x"}', "body has no product id"), (b'{"id": "14"}', "body has no product id"),
     (b"\xff\xfe", "body is not valid JSON")],
)
def test_malformed_signed_bodies_are_400(client: FlaskClient, body: bytes, error: str) -> None:
    response = post_delivery(client, *signed_delivery(body))
    assert (response.status_code, response.get_json()["error"]) == (400, error)


def test_body_over_the_limit_is_413(redis_conn: Redis, queue: Queue) -> None:
    app = create_app(make_settings(max_body_bytes=4096), redis_conn)
    payload = {**recorded_payload("product_created__publish_with_media_ids"), "description": "x" * 5000}
    response = post_delivery(app.test_client(), *signed_delivery(payload))
    assert response.status_code == 413
    assert forwarded(queue).count == 0


def test_redis_down_answers_503_and_acknowledges_nothing(spare_redis: RedisServer) -> None:
    connection = Redis.from_url(spare_redis.url, socket_timeout=1, socket_connect_timeout=1)
    app = create_app(make_settings(), connection)
    spare_redis.stop()
    response = post_delivery(app.test_client(), *recorded_delivery("product_created__publish_with_media_ids"))
    assert response.status_code == 503
    assert "not accepted" in response.get_json()["error"]
    assert app.test_client().get("/readyz").status_code == 503
    spare_redis.start()
    again = post_delivery(app.test_client(), *recorded_delivery("product_created__publish_with_media_ids"))
    assert again.status_code == 202  # the retried delivery is not mistaken for a duplicate


def test_with_redis_down_unsigned_requests_still_get_their_answer_unlogged(spare_redis: RedisServer) -> None:
    connection = Redis.from_url(spare_redis.url, socket_timeout=1, socket_connect_timeout=1)
    app = create_app(make_settings(), connection)
    spare_redis.stop()
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    unsigned = post_delivery(app.test_client(), tuple(h for h in headers if h[0].lower() != "x-wc-webhook-signature"), body)
    assert (unsigned.status_code, unsigned.get_json()) == (401, {"error": "missing X-WC-Webhook-Signature"})
    assert post_delivery(app.test_client(), *recorded_delivery("ping__webhook_3")).status_code == 200


def test_every_recorded_delivery_gets_an_answer_below_500(client: FlaskClient) -> None:
    codes = {}
    for path in webhook_files():
        codes[path.stem] = post_delivery(client, *recorded_delivery(path.stem)).status_code
    assert codes["ping__answered_401"] == 200  # the probe ping carries no signature: our receiver accepts it
    assert all(code < 500 for code in codes.values()), codes
    assert codes["product_created__draft"] == 200


def test_deliveries_are_stored_before_answering_with_outcome_and_job(client: FlaskClient) -> None:
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    answer = post_delivery(client, headers, body).get_json()
    stored = client.application.extensions["woo3d"].store.get(answer["delivery_id"])
    assert stored.body == body
    assert stored.header("X-WC-Webhook-Delivery-ID") == answer["delivery_id"]
    assert (stored.outcome, stored.http_status, stored.job_id) == ("queued", 202, answer["job_id"])


def test_retention_keeps_the_newest_deliveries(redis_conn: Redis) -> None:
    app = create_app(make_settings(delivery_retention_count=3), redis_conn)
    client = app.test_client()
    for i in range(5):
        post_delivery(client, *signed_delivery({"id": 99}, topic="order.created", delivery_id=f"{i:032d}"))
    store = app.extensions["woo3d"].store
    assert store.count() == 3
    assert [d.wc_delivery_id for d in store.recent()] == [f"{i:032d}" for i in (4, 3, 2)]
    assert store.get(f"{0:032d}") is None


def test_health_and_readiness(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok", "redis": "ok", "outbox": {"depth": 0, "oldest_age_s": 0.0}}


def test_readiness_shows_the_jobs_waiting_in_the_outbox(client: FlaskClient, queue: Queue) -> None:
    assert post_delivery(client, *recorded_delivery("product_created__publish_with_media_ids")).status_code == 202
    waiting = client.get("/readyz").get_json()["outbox"]
    assert waiting["depth"] == 1 and waiting["oldest_age_s"] >= 0
    forwarded(queue)
    assert client.get("/readyz").get_json()["outbox"] == {"depth": 0, "oldest_age_s": 0.0}


def test_unknown_route_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404 and response.is_json
