"""The seed's generation API (from a description, from an image) and Tripo's task webhook."""

from __future__ import annotations

import io
import json
from pathlib import Path

from flask.testing import FlaskClient
from redis import Redis
from rq import Queue, SimpleWorker

from pipeline.config import PipelineConfig
from pipeline.jobs.product_job import JobContext, configure
from pipeline.generators.tripo.tasks import TaskStore
from pipeline.stage2.compress import glb_json
from tests.conftest import PHOTOS
from tests.pipeline.servers.tripo import FakeTripo
from tests.recorded import RIG_SECRET
from tests.webhooks.conftest import ADMIN_TOKEN, admin_headers
from webhooks import ReceiverConfig, create_app
from woo3d.settings import Settings
from wp_bridge.config import StoreConfig


def make_app(redis_conn: Redis, tmp_path: Path, **pipeline) -> FlaskClient:
    config = PipelineConfig(output_dir=tmp_path / "out", cache_dir=tmp_path / "cache", face_budget=4000,
                            max_texture_size=256, **pipeline)
    settings = Settings(ReceiverConfig(webhook_secret=RIG_SECRET, admin_token=ADMIN_TOKEN), config, StoreConfig())
    configure(JobContext(redis_conn, config, StoreConfig()))
    return create_app(settings, redis_conn).test_client()


def test_an_image_request_is_queued_generated_and_its_files_served(redis_conn: Redis, tmp_path: Path) -> None:
    client = make_app(redis_conn, tmp_path)
    with (PHOTOS / "ruby_mug.jpg").open("rb") as photo:
        response = client.post("/api/3d/generate-from-image", headers=admin_headers(),
                                data={"image": (photo, "mug.jpg"), "title": "Mug", "dimensions": "12x10x9cm",
                                      "shape": "Round"})
    assert response.status_code == 202
    job_id = response.get_json()["job_id"]
    assert client.get(f"/api/jobs/{job_id}", headers=admin_headers()).get_json()["state"] == "queued"

    SimpleWorker([Queue("woo3d", connection=redis_conn)], connection=redis_conn).work(burst=True)
    status = client.get(f"/api/jobs/{job_id}", headers=admin_headers()).get_json()
    assert status["state"] == "done", status
    assert redis_conn.keys("woo3d:adhoc:*") == []  # the photo is not kept in Redis once the model is made
    with client.get(f"/api/jobs/{job_id}/files/model.glb", headers=admin_headers()) as glb:
        assert glb.status_code == 200 and glb.data[:4] == b"glTF"
        assert "EXT_meshopt_compression" in glb_json(glb.data)["extensionsRequired"]  # type: ignore[operator]
    assert status["model"]["glb_uncompressed"].endswith("model-uncompressed.glb")
    with client.get(f"/api/jobs/{job_id}/files/model-uncompressed.glb", headers=admin_headers()) as full:
        assert full.status_code == 200 and "extensionsRequired" not in glb_json(full.data)
    with client.get(f"/api/jobs/{job_id}/files/report.json", headers=admin_headers()) as report:
        assert json.loads(report.data)["dimensions_m"]
        assert json.loads(report.data)["product"]["shape"] == "round"
    assert client.get(f"/api/jobs/{job_id}/files/..%2F..%2Fetc%2Fpasswd", headers=admin_headers()).status_code == 404


def test_image_requests_that_are_not_images_are_refused(redis_conn: Redis, tmp_path: Path) -> None:
    client = make_app(redis_conn, tmp_path)
    response = client.post("/api/3d/generate-from-image", headers=admin_headers(),
                           data={"image": (io.BytesIO(b"not an image"), "x.jpg")})
    assert response.status_code == 400 and "image" in response.get_json()["error"]
    assert client.post("/api/3d/generate-from-image", headers=admin_headers()).status_code == 400
    assert Queue("woo3d", connection=redis_conn).count == 0


def test_a_huge_solid_colour_photo_is_refused_before_it_is_decoded(redis_conn: Redis, tmp_path: Path) -> None:
    """A small file of 89 megapixels (a solid-colour PNG) would take about 1 GB to decode in the web process."""
    import psutil
    from PIL import Image

    encoded = io.BytesIO()
    Image.new("1", (20_000, 4_473)).save(encoded, "PNG")
    client = make_app(redis_conn, tmp_path)
    process = psutil.Process()
    before = process.memory_info().rss
    response = client.post("/api/3d/generate-from-image", headers=admin_headers(),
                           data={"image": (io.BytesIO(encoded.getvalue()), "solid.png")})
    assert response.status_code == 400 and "megapixels" in response.get_json()["error"]
    assert process.memory_info().rss - before < 100 * 1024 * 1024
    assert Queue("woo3d", connection=redis_conn).count == 0 and redis_conn.keys("woo3d:adhoc:*") == []


def test_description_requests_need_text_and_readable_dimensions(redis_conn: Redis, tmp_path: Path) -> None:
    client = make_app(redis_conn, tmp_path)
    assert client.post("/api/3d/generate-from-description", json={}, headers=admin_headers()).status_code == 400
    bad = client.post("/api/3d/generate-from-description", json={"title": "Mug", "dimensions": "big"}, headers=admin_headers())
    assert bad.status_code == 400 and "cannot read dimensions" in bad.get_json()["error"]
    ok = client.post("/api/3d/generate-from-description", json={"title": "Red mug"}, headers=admin_headers())
    assert ok.status_code == 202
    assert client.post("/api/3d/generate-from-description", json={"title": "Mug"}).status_code == 401


def test_a_shape_that_is_not_a_choice_is_refused_and_nothing_is_queued(redis_conn: Redis, tmp_path: Path) -> None:
    client = make_app(redis_conn, tmp_path)
    bad = client.post("/api/3d/generate-from-description", json={"title": "Mug", "shape": "sphere"},
                      headers=admin_headers())
    assert bad.status_code == 400
    assert bad.get_json()["error"] == "shape 'sphere' is not one of auto, round, box, flat, garment, free-form"
    with (PHOTOS / "ruby_mug.jpg").open("rb") as photo:
        refused = client.post("/api/3d/generate-from-image", headers=admin_headers(),
                              data={"image": (photo, "mug.jpg"), "shape": "cube"})
    assert refused.status_code == 400
    assert Queue("woo3d", connection=redis_conn).count == 0


def test_a_description_without_any_text_to_3d_service_fails_visibly(redis_conn: Redis, tmp_path: Path) -> None:
    client = make_app(redis_conn, tmp_path)
    job_id = client.post("/api/3d/generate-from-description", json={"title": "Red mug"}, headers=admin_headers()).get_json()["job_id"]
    SimpleWorker([Queue("woo3d", connection=redis_conn)], connection=redis_conn).work(burst=True)
    status = client.get(f"/api/jobs/{job_id}", headers=admin_headers()).get_json()
    assert status["state"] == "failed" and "image" in status["reason"]


def test_tripo_webhook_verifies_v3_signatures_records_final_statuses_and_acknowledges_other_events(
    redis_conn: Redis, tmp_path: Path
) -> None:
    client = make_app(redis_conn, tmp_path, tripo_webhook_secret="whsec_tripo")
    with FakeTripo(statuses=("success",)) as tripo:
        body, headers = tripo.task_event(tripo.add_task(), "whsec_tripo")
        balance_low = tripo.webhook("balance.low", {"task_id": "t-9", "balance": 3}, "whsec_tripo")
        unknown = tripo.webhook("account.updated", {}, "whsec_tripo")
    task_id = json.loads(body)["data"]["task_id"]
    assert client.post("/webhooks/tripo", data=body).status_code == 401
    signed = client.post("/webhooks/tripo", data=body, headers=headers)
    assert signed.status_code == 200 and signed.get_json() == {"status": "recorded", "type": "task.completed",
                                                               "task_id": task_id}
    reported = TaskStore(redis_conn).reported_status(task_id)
    assert reported is not None and reported.status == "success"
    assert client.post("/webhooks/tripo", data=body, headers=headers).get_json()["status"] == "duplicate"
    noted = client.post("/webhooks/tripo", data=balance_low[0], headers=balance_low[1])
    assert noted.status_code == 200 and noted.get_json()["status"] == "noted"
    ignored = client.post("/webhooks/tripo", data=unknown[0], headers=unknown[1])
    assert ignored.status_code == 200 and ignored.get_json()["status"] == "ignored"
