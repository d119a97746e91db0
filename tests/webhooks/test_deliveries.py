"""The delivery store's one-step write: claim, record, snapshot and retention together, on a real Redis."""

from __future__ import annotations

import json
import time

from flask.testing import FlaskClient
from redis import Redis

from pipeline.jobs.snapshots import ProductSnapshots
from pipeline.metrics import OUTBOX_KEY
from tests.recorded import recorded_payload, signed_delivery
from tests.webhooks.conftest import post_delivery
from webhooks.deliveries import Delivery, DeliveryStore

DAY = 24 * 3600


def delivery(record_id: str, received_at: float) -> Delivery:
    return Delivery(id=record_id, received_at=received_at, headers=(("X-WC-Webhook-Topic", "order.created"),),
                    body=b"{}", body_len=2, outcome="skipped", http_status=200)


def test_records_older_than_the_retention_leave_the_index_as_new_ones_arrive(redis_conn: Redis) -> None:
    store = DeliveryStore(redis_conn, retention_count=100, retention_days=1)
    now = time.time()
    for n in range(3):
        store.ingest(delivery(f"old-{n}", now - 2 * DAY))
    store.ingest(delivery("new-0", now))
    store.ingest(delivery("new-1", now))
    assert [d.id for d in store.recent()] == ["new-1", "new-0"]
    assert store.count() == 2 and store.get("old-0") is None


def test_a_resent_delivery_leaves_the_products_newer_snapshot_alone(client: FlaskClient, redis_conn: Redis) -> None:
    payload = recorded_payload("product_created__publish_with_media_ids")
    first = post_delivery(client, *signed_delivery(payload, delivery_id="c" * 32))
    changed = {**payload, "name": "Renamed after the first delivery"}
    newer = post_delivery(client, *signed_delivery(changed, delivery_id="d" * 32))
    resent = post_delivery(client, *signed_delivery(payload, delivery_id="c" * 32))
    assert (first.status_code, newer.status_code, resent.get_json()["status"]) == (202, 202, "skipped")
    assert ProductSnapshots(redis_conn).load(payload["id"]) == json.loads(json.dumps(changed))


def test_a_deleted_product_loses_its_snapshot_with_the_delivery(client: FlaskClient, redis_conn: Redis) -> None:
    payload = recorded_payload("product_created__publish_with_media_ids")
    assert post_delivery(client, *signed_delivery(payload, delivery_id="e" * 32)).status_code == 202
    deleted = post_delivery(client, *signed_delivery({"id": payload["id"]}, topic="product.deleted",
                                                     delivery_id="f" * 32))
    assert deleted.get_json()["status"] == "deleted"
    assert ProductSnapshots(redis_conn).load(payload["id"]) is None
    assert client.application.extensions["woo3d"].store.get("f" * 32).outcome == "deleted"


def test_a_delivery_whose_write_failed_midway_shows_as_never_answered_and_hands_no_job_on(
        client: FlaskClient, redis_conn: Redis) -> None:
    redis_conn.set("woo3d:deliveries", "not a sorted set")  # the claim and the record work, the index fails
    payload = recorded_payload("product_created__publish_with_media_ids")
    assert post_delivery(client, *signed_delivery(payload, delivery_id="9" * 32)).status_code == 503
    stored = client.application.extensions["woo3d"].store.get("9" * 32)
    assert (stored.outcome, stored.http_status, stored.job_id) == ("received", None, None)
    assert redis_conn.llen(OUTBOX_KEY) == 0
