"""`GET /metrics` under the test client: deliveries by outcome, queue state from Redis, the optional token."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from redis import Redis
from rq import Queue

from tests.recorded import recorded_delivery
from tests.webhooks.conftest import forwarded, make_settings, post_delivery
from webhooks import create_app


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)"
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{name}{labels} not in /metrics"
    return float(match.group(1))


def delivered(outcome: str) -> float:
    return REGISTRY.get_sample_value("woo3d_deliveries_total", {"outcome": outcome}) or 0.0


def test_deliveries_are_counted_by_outcome_and_the_queue_and_outbox_depths_come_from_redis(client: FlaskClient, queue: Queue) -> None:
    before = {o: delivered(o) for o in ("queued", "skipped", "rejected", "ping")}
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    assert post_delivery(client, headers, body).status_code == 202
    assert post_delivery(client, headers, body).status_code == 200  # duplicate: skipped
    assert post_delivery(client, headers, body + b" ").status_code == 401
    assert client.post("/webhooks/woocommerce", data=b"webhook_id=2",
                       content_type="application/x-www-form-urlencoded").status_code == 200

    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    for outcome, added in {"queued": 1, "skipped": 1, "rejected": 1, "ping": 1}.items():
        assert sample(text, "woo3d_deliveries_total", outcome=outcome) == before[outcome] + added
    # accepted, not yet forwarded: its job waits in the outbox, and says how long it has waited
    assert sample(text, "woo3d_outbox_depth") == 1 and sample(text, "woo3d_outbox_oldest_age_seconds") > 0
    forwarded(queue)
    text = client.get("/metrics").get_data(as_text=True)
    assert sample(text, "woo3d_outbox_depth") == 0 and sample(text, "woo3d_outbox_oldest_age_seconds") == 0
    assert sample(text, "woo3d_queue_depth", queue="woo3d") == 1
    assert sample(text, "woo3d_jobs", queue="woo3d", state="started") == 0
    assert sample(text, "woo3d_pipeline_active") == 0 and sample(text, "woo3d_workers") == 0
    for family in ("woo3d_asset_generation_total", "woo3d_asset_generation_duration_seconds",
                   "woo3d_paid_api_calls_total", "woo3d_cache_hits_total"):
        assert f"# TYPE {family.removesuffix('_total')}" in text


def test_metrics_token_when_set(redis_conn: Redis) -> None:
    app: Flask = create_app(make_settings(metrics_token="scrape-me"), redis_conn)
    with app.test_client() as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer test-admin-token"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).status_code == 200
