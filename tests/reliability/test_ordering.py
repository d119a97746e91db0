"""Duplicate and out-of-order deliveries: the product ends with its newest version's model, generated once."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis

from pipeline.jobs.fingerprint import product_fingerprint
from tests.conftest import PHOTOS
from tests.fake_store import FakeStore
from tests.reliability.rig import MUG, deliver, merchant_api, run_burst_worker, serve_receiver, status, worker_env

pytestmark = pytest.mark.slow


def test_duplicates_and_an_older_update_arriving_late_leave_the_newest_model_generated_once(
    store: FakeStore, redis_conn: Redis, redis_url: str, tmp_path: Path
) -> None:
    first, second = store.add_image("mug.jpg", MUG), store.add_image(
        "set.png", (PHOTOS / "solidus_mug_set.png").read_bytes())
    product_id = store.seed_products(1, images=[first])[0]
    older = store.product(product_id)
    newer = merchant_api(store).put(f"products/{product_id}", {"images": [{"id": second["id"]}]}).json()
    env = worker_env(redis_url, store, tmp_path)

    with serve_receiver(redis_conn, store.store_config(), tmp_path) as receiver:
        answers = [
            deliver(receiver, newer, delivery_id="a" * 32),
            deliver(receiver, newer, delivery_id="a" * 32),  # WooCommerce's retry of the same delivery
            deliver(receiver, newer, delivery_id="b" * 32),  # a second save with nothing new
            deliver(receiver, older, delivery_id="c" * 32),  # the older version, delivered late
        ]
        run_burst_worker(env)
        late = deliver(receiver, older, delivery_id="d" * 32)  # …and once more after the model landed
        run_burst_worker(env)

    assert [a.status_code for a in answers] == [202, 200, 202, 202]
    assert answers[1].json()["reason"].startswith("duplicate delivery")
    assert answers[0].json()["job_id"] == answers[2].json()["job_id"] != answers[3].json()["job_id"]
    assert late.status_code == 202
    [meta] = store.meta_rows(product_id, "_woo3d_model")
    assert meta["value"]["fingerprint"] == product_fingerprint(newer)
    assert len(store.requests_matching("POST", "/wp-json/wp/v2/media")) == 3  # one generation, one set of files
    latest = status(redis_conn, product_id)  # the late delivery's job: it saw the newer product and stood down
    assert latest.state.value == "done" and (latest.reason or "").startswith("superseded"), latest
