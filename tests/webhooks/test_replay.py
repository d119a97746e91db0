"""Replaying stored and saved deliveries through the live code path."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from tests.conftest import WOOCOMMERCE_FIXTURES
from tests.recorded import recorded_delivery
from tests.webhooks.conftest import forwarded, make_settings, post_delivery
from webhooks import build_services
from webhooks.replay import ReplayError, load_saved_delivery, replay_file, replay_stored


def _first_delivery(client: FlaskClient) -> str:
    answer = post_delivery(client, *recorded_delivery("product_created__publish_with_media_ids")).get_json()
    return answer["delivery_id"]


def test_replay_without_force_is_a_duplicate_and_says_how_to_force(client: FlaskClient, redis_conn: Redis, queue: Queue) -> None:
    delivery_id = _first_delivery(client)
    services = build_services(make_settings(), redis_conn)
    outcome = replay_stored(services.intake, services.store, delivery_id)
    assert outcome.http_status == 200
    assert "duplicate delivery" in outcome.body["reason"] and "--force" in outcome.body["reason"]
    assert forwarded(queue).count == 1


def test_forced_replay_enqueues_a_fresh_job_and_is_stored_as_a_replay(client: FlaskClient, redis_conn: Redis, queue: Queue) -> None:
    delivery_id = _first_delivery(client)
    services = build_services(make_settings(), redis_conn)
    outcome = replay_stored(services.intake, services.store, delivery_id, force=True)
    assert outcome.http_status == 202
    assert "-force-" in outcome.body["job_id"]
    assert forwarded(queue).count == 2
    record = services.store.get(outcome.body["delivery_id"])
    assert (record.source, record.replay_of) == ("replay", delivery_id)


def test_replay_after_the_secret_changed_says_so(client: FlaskClient, redis_conn: Redis) -> None:
    delivery_id = _first_delivery(client)
    services = build_services(make_settings(webhook_secret="a-new-secret"), redis_conn)
    with pytest.raises(ReplayError, match="secret changed"):
        replay_stored(services.intake, services.store, delivery_id, force=True)


def test_rejected_attempts_cannot_be_replayed(client: FlaskClient, redis_conn: Redis) -> None:
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    rejected = post_delivery(client, headers, body + b" ").get_json()["delivery_id"]
    services = build_services(make_settings(), redis_conn)
    with pytest.raises(ReplayError, match="body was not kept"):
        replay_stored(services.intake, services.store, rejected)
    with pytest.raises(ReplayError, match="no stored delivery"):
        replay_stored(services.intake, services.store, "nope")


def test_saved_delivery_file_replays_like_a_live_one(redis_conn: Redis, queue: Queue) -> None:
    services = build_services(make_settings(), redis_conn)
    path = WOOCOMMERCE_FIXTURES / "webhooks" / "product_created__publish_with_image_src.json"
    outcome = replay_file(services.intake, path)
    assert outcome.http_status == 202
    assert forwarded(queue).fetch_job(outcome.body["job_id"]).args[0] == 16


def test_a_file_that_is_not_a_delivery_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}')
    with pytest.raises(ReplayError, match="is not a saved delivery"):
        load_saved_delivery(path)


def test_the_shipped_sample_needs_signing_and_then_is_queued(redis_conn: Redis, queue: Queue) -> None:
    services = build_services(make_settings(webhook_secret="any-local-secret"), redis_conn)
    sample = Path(__file__).resolve().parents[2] / "samples" / "product_created__ruby_mug.json"
    assert replay_file(services.intake, sample).http_status == 401
    outcome = replay_file(services.intake, sample, sign=True)
    assert outcome.http_status == 202
    assert forwarded(queue).fetch_job(outcome.body["job_id"]).args[0] == 1001
