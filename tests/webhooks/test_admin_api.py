"""The admin API behind the bearer token: deliveries, replay, trigger and status."""

from __future__ import annotations

from flask.testing import FlaskClient
from redis import Redis
from rq import Queue

from tests.recorded import recorded_delivery
from tests.webhooks.conftest import admin_headers, forwarded, make_settings, post_delivery
from webhooks import create_app


def test_admin_routes_refuse_missing_and_wrong_tokens(client: FlaskClient) -> None:
    for headers in ({}, admin_headers("wrong"), {"Authorization": "Basic dGVzdA=="}):
        response = client.get("/api/deliveries", headers=headers)
        assert response.status_code == 401
        assert "admin token" in response.get_json()["error"]


def test_admin_api_is_disabled_without_a_configured_token(redis_conn: Redis) -> None:
    client = create_app(make_settings(admin_token=None), redis_conn).test_client()
    response = client.get("/api/deliveries", headers=admin_headers(""))
    assert response.status_code == 401
    assert "WOO3D_ADMIN_TOKEN" in response.get_json()["error"]


def test_list_show_and_replay_a_delivery(client: FlaskClient, queue: Queue) -> None:
    headers, body = recorded_delivery("product_created__publish_with_media_ids")
    delivery_id = post_delivery(client, headers, body).get_json()["delivery_id"]
    listed = client.get("/api/deliveries", headers=admin_headers()).get_json()
    assert listed["total"] == 1 and listed["deliveries"][0]["id"] == delivery_id
    shown = client.get(f"/api/deliveries/{delivery_id}", headers=admin_headers()).get_json()
    assert shown["body_text"] == body.decode() and shown["outcome"] == "queued"
    replayed = client.post(f"/api/deliveries/{delivery_id}/replay", json={"force": True}, headers=admin_headers())
    assert replayed.status_code == 202
    assert forwarded(queue).count == 2


def test_replay_of_an_unknown_delivery_is_404(client: FlaskClient) -> None:
    response = client.post("/api/deliveries/nope/replay", headers=admin_headers())
    assert response.status_code == 404


def test_trigger_enqueues_once_and_status_shows_queued(client: FlaskClient, queue: Queue) -> None:
    first = client.post("/api/products/14/generate", json={}, headers=admin_headers())
    second = client.post("/api/products/14/generate", headers=admin_headers())
    assert first.status_code == second.status_code == 202
    assert first.get_json()["job_id"] == second.get_json()["job_id"] == "gen-14-latest"
    assert queue.count == 1
    status = client.get("/api/products/14/status", headers=admin_headers()).get_json()
    assert (status["state"], status["job_id"]) == ("queued", "gen-14-latest")
    job = client.get("/api/jobs/gen-14-latest", headers=admin_headers()).get_json()
    assert job["state"] == "queued" and job["product_id"] == 14


def test_forced_trigger_gets_its_own_job(client: FlaskClient, queue: Queue) -> None:
    client.post("/api/products/14/generate", headers=admin_headers())
    forced = client.post("/api/products/14/generate", json={"force": True}, headers=admin_headers()).get_json()
    assert "-force-" in forced["job_id"]
    assert queue.count == 2


def test_bad_trigger_bodies_are_400(client: FlaskClient) -> None:
    assert client.post("/api/products/14/generate", json={"force": "yes"}, headers=admin_headers()).status_code == 400
    assert client.post("/api/products/14/generate", json=[1], headers=admin_headers()).status_code == 400


def test_status_of_a_product_never_generated_is_none(client: FlaskClient) -> None:
    assert client.get("/api/products/5/status", headers=admin_headers()).get_json()["state"] == "none"
    assert client.get("/api/jobs/gen-5-nothing", headers=admin_headers()).status_code == 404


def test_statuses_answer_many_products_in_one_call(client: FlaskClient, queue: Queue) -> None:
    client.post("/api/products/14/generate", headers=admin_headers())
    answer = client.get("/api/products/statuses?ids=14,5,14", headers=admin_headers())
    assert answer.status_code == 200
    statuses = answer.get_json()["statuses"]
    assert set(statuses) == {"14", "5"}
    assert (statuses["14"]["state"], statuses["14"]["job_id"]) == ("queued", "gen-14-latest")
    assert statuses["14"] == client.get("/api/products/14/status", headers=admin_headers()).get_json()
    assert (statuses["5"]["state"], statuses["5"]["product_id"]) == ("none", 5)


def test_statuses_refuse_bad_or_too_many_ids(client: FlaskClient) -> None:
    for ids in ("", "1,x", "-1", "1;2", "٣", ",".join(str(n) for n in range(1, 102))):
        response = client.get("/api/products/statuses", query_string={"ids": ids}, headers=admin_headers())
        assert response.status_code == 400, ids
    assert client.get("/api/products/statuses?ids=1").status_code == 401
