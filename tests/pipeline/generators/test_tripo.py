"""Tripo3D client against a local server speaking the V3 OpenAPI strictly, with real Redis for resumes."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from PIL import Image
from redis import Redis
from structlog.testing import capture_logs

from pipeline.errors import PermanentPipelineError, RetryablePipelineError
from pipeline.generators.tripo import (
    TripoAuthError,
    TripoBadRequestError,
    TripoClient,
    TripoContentPolicyError,
    TripoCorruptModelError,
    TripoCreateUncertainError,
    TripoInsufficientCreditError,
    TripoRateLimitError,
    TripoSettings,
    TripoTaskCancelledError,
    TripoTaskExpiredError,
    TripoTaskFailedError,
    TripoTimeoutError,
    TripoWebhookEvent,
    record_tripo_webhook,
)
from tests.pipeline.servers.base import Reply
from tests.pipeline.servers.meshes import CORRUPT_GLB
from tests.pipeline.servers.tripo import API_KEY, FakeTripo

KEY = "ab" * 32


class FakeTime:
    """An injectable clock and sleep: sleeping advances the clock at once."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: list = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for hook in self.on_sleep:
            hook()

    def clock(self) -> float:
        return self.now


def photo(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (180, 40, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def client_for(fake: FakeTripo, time: FakeTime, connection: Redis | None = None, **overrides: object) -> TripoClient:
    values: dict[str, object] = {"poll_interval_s": 2.0, **overrides}
    settings = TripoSettings(api_key=API_KEY, api_base=fake.base_url, **values)  # type: ignore[arg-type]
    return TripoClient(settings, connection=connection, sleep=time.sleep, clock=time.clock)


def test_v3_image_to_model_goes_queued_running_success_and_returns_a_checked_textured_mesh() -> None:
    time = FakeTime()
    with FakeTripo() as fake, client_for(fake, time) as client, capture_logs() as logs:
        model = client.image_to_model(photo(), key=KEY)
    assert model.api_version == "v3" and model.file_type == "glb" and not model.resumed
    assert model.mesh is not None and len(model.mesh.faces) == 12 and model.mesh.visual.kind == "texture"
    paths = [(r.method, r.path.split("?")[0]) for r in fake.server.received]
    assert paths[:2] == [("POST", "/v3/files"), ("POST", "/v3/generation/image-to-model")]
    assert [p for p in paths if p[1].startswith("/v3/tasks/")] == [("GET", f"/v3/tasks/{model.task_id}")] * 3
    create = fake.creates[0].json()
    assert create["model"] == "v3.1-20260211" and "file" not in create  # V3's own form, not the V2 object
    assert create["input"].startswith("file_") and create["input"] in fake.file_tokens
    assert "Authorization" not in fake.requests("GET", r"^/models/")[0].headers  # the key never goes to a signed URL
    calls = [entry for entry in logs if entry["event"] == "tripo_call"]
    assert calls and all(entry["trace_id"].startswith("trace-") for entry in calls)
    assert time.sleeps == [2.0, 3.0]  # polling backs off


def test_text_to_model_sends_v3_fields_and_no_task_type() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        model = client.text_to_model("a ceramic mug", key=KEY, negative_prompt="blurry")
    assert model.mesh is not None
    assert fake.creates[0].json() == {"prompt": "a ceramic mug", "model": "v3.1-20260211", "texture": True,
                                      "pbr": True, "negative_prompt": "blurry"}


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"api_base": "https://api.tripo3d.ai/v2/openapi"}, "shut down on 1 November 2026"),
        ({"model_version": "v2.0-20240919"}, "not a model Tripo V3 accepts"),
        ({"model_version": "P1-20260311", "max_concurrency": 10}, "at most 5"),
    ],
)
def test_settings_v3_would_refuse_stop_the_client_before_any_call(overrides: dict[str, object], words: str) -> None:
    settings = TripoSettings(api_key=API_KEY, **overrides)  # type: ignore[arg-type]
    with pytest.raises(TripoBadRequestError, match=words):
        TripoClient(settings)


def test_balance_check_on_v3_reads_the_account_endpoint() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        assert client.balance().balance == 250.0
    assert fake.requests("GET", r"/v3/account/balance")


@pytest.mark.parametrize(
    ("status", "code", "error", "kind"),
    [("failed", None, TripoTaskFailedError, PermanentPipelineError),
     ("cancelled", None, TripoTaskCancelledError, PermanentPipelineError),
     ("failed", 2008, TripoContentPolicyError, PermanentPipelineError),
     ("failed", 2018, TripoTaskExpiredError, RetryablePipelineError)],
)
def test_a_task_ending_without_success_is_mapped_by_its_error_code_and_its_id_is_forgotten(
    status: str, code: int | None, error: type[Exception], kind: type[Exception], redis_conn: Redis
) -> None:
    with FakeTripo(statuses=("queued", status), error_code=code) as fake:
        with client_for(fake, FakeTime(), redis_conn) as client, pytest.raises(error) as raised:
            client.text_to_model("a lamp", key=KEY)
    assert isinstance(raised.value, kind)
    assert client.tasks is not None and client.tasks.get(KEY) is None


def test_the_fake_speaks_only_v3_statuses() -> None:
    with pytest.raises(ValueError, match="error_code"):
        FakeTripo(statuses=("queued", "banned"))


def test_a_content_policy_refusal_reads_as_plain_words_for_the_merchant(redis_conn: Redis) -> None:
    with FakeTripo(statuses=("failed",), error_code=2008) as fake, client_for(fake, FakeTime(), redis_conn) as client:
        with pytest.raises(TripoContentPolicyError) as on_task:
            client.image_to_model(photo(), key=KEY)
        fake.error_code = None
        fake.fail("POST", r"/generation/", Reply.json(
            {"code": 2008, "status": "error", "message": "content policy", "request_id": "req-9"}, 400))
        with pytest.raises(TripoContentPolicyError) as on_create:
            client.image_to_model(photo(), key=KEY)
    for error in (on_task.value, on_create.value):
        assert str(error).startswith("Tripo declined to make a 3D model from this product's photos")
        assert error.code == 2008
    assert on_create.value.request_id == "req-9" and len(fake.creates) == 2


def test_401_is_a_permanent_auth_error_sent_once_and_logged_with_trace_and_request_ids() -> None:
    with FakeTripo(api_key="tsk_other") as fake, client_for(fake, FakeTime()) as client, capture_logs() as logs:
        with pytest.raises(TripoAuthError) as raised:
            client.text_to_model("a lamp", key=KEY)
    assert raised.value.status == 401 and raised.value.code == 2 and raised.value.trace_id
    assert raised.value.request_id and raised.value.request_id in str(raised.value)
    assert len(fake.server.received) == 1
    refused = [entry for entry in logs if entry["event"] == "tripo_call_refused"]
    assert refused and refused[0]["trace_id"] == raised.value.trace_id
    assert refused[0]["request_id"] == raised.value.request_id


def test_insufficient_credit_2010_is_permanent_and_nothing_is_retried(redis_conn: Redis) -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime(), redis_conn) as client:
        fake.fail("POST", r"/generation/", Reply.json(
            {"code": 2010, "message": "You need more credits to start a new task."}, 403))
        with pytest.raises(TripoInsufficientCreditError) as raised:
            client.text_to_model("a lamp", key=KEY)
        assert raised.value.code == 2010
        assert len(fake.creates) == 1 and client.tasks is not None and client.tasks.get(KEY) is None
        # Refused creates leave no claim behind: topping up the credit and re-running works at once.
        assert client.text_to_model("a lamp", key=KEY).mesh is not None


def test_429_with_retry_after_is_honoured_then_the_create_succeeds() -> None:
    time = FakeTime()
    with FakeTripo() as fake, client_for(fake, time) as client:
        fake.fail("POST", r"/generation/", Reply.json(
            {"code": 2000, "message": "You have exceeded the limit of generation."}, 429, {"Retry-After": "7"}))
        model = client.text_to_model("a lamp", key=KEY)
    assert model.mesh is not None
    assert time.sleeps[0] == 7.0 and len(fake.creates) == 2


@pytest.mark.parametrize("reset", ["12", "1800000012"])
def test_429_with_only_x_ratelimit_reset_waits_until_the_reset(reset: str) -> None:
    time = FakeTime()
    with FakeTripo() as fake:
        settings = TripoSettings(api_key=API_KEY, api_base=fake.base_url, poll_interval_s=2.0)
        with TripoClient(settings, sleep=time.sleep, clock=time.clock, wall_clock=lambda: 1_800_000_000.0) as client:
            fake.fail("POST", r"/generation/", Reply.json(
                {"code": 1007, "status": "error", "message": "Too many requests"}, 429, {"X-RateLimit-Reset": reset}))
            assert client.text_to_model("a lamp", key=KEY).mesh is not None
    assert time.sleeps[0] == 12.0 and len(fake.creates) == 2


def test_rate_limit_that_persists_ends_as_a_retryable_error() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime(), max_attempts=2) as client:
        fake.fail("POST", r"/generation/", Reply.json({"code": 2000, "message": "limit"}, 429), times=5)
        with pytest.raises(TripoRateLimitError) as raised:
            client.text_to_model("a lamp", key=KEY)
    assert isinstance(raised.value, RetryablePipelineError) and len(fake.creates) == 2


def test_5xx_while_polling_is_retried_then_succeeds() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        fake.fail("GET", r"/v3/tasks/", Reply(502, b"<html>bad gateway</html>"), times=2)
        model = client.text_to_model("a lamp", key=KEY)
    assert model.mesh is not None and len(fake.creates) == 1


def test_a_bare_5xx_on_create_is_uncertain_and_never_resent(redis_conn: Redis) -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime(), redis_conn) as client:
        fake.fail("POST", r"/generation/", Reply(500, b"internal error"))
        with pytest.raises(TripoCreateUncertainError):
            client.text_to_model("a lamp", key=KEY)
        with pytest.raises(TripoCreateUncertainError):  # a re-run within the marker's life sends nothing
            client.text_to_model("a lamp", key=KEY)
    assert len(fake.creates) == 1


def test_a_create_that_times_out_is_not_sent_again(redis_conn: Redis) -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime(), redis_conn, request_timeout_s=0.3) as client:
        late = Reply(200, b'{"code": 0, "data": {"task_id": "late"}}', {"Content-Type": "application/json"}, 1.0)
        fake.fail("POST", r"/generation/", late)
        with pytest.raises(TripoCreateUncertainError):
            client.text_to_model("a lamp", key=KEY)
    assert len(fake.creates) == 1


def test_task_timeout_keeps_the_task_id_and_a_rerun_resumes_without_a_second_create(redis_conn: Redis) -> None:
    time = FakeTime()
    statuses = ("queued",) + ("running",) * 8 + ("success",)
    with FakeTripo(statuses=statuses) as fake:
        with client_for(fake, time, redis_conn, task_timeout_s=10.0) as client:
            with pytest.raises(TripoTimeoutError) as raised:
                client.text_to_model("a lamp", key=KEY)
            assert isinstance(raised.value, RetryablePipelineError)
            stored = client.tasks.get(KEY) if client.tasks else None
            assert stored is not None and stored.task_id
        with client_for(fake, FakeTime(), redis_conn, task_timeout_s=600.0) as rerun:
            model = rerun.text_to_model("a lamp", key=KEY)
    assert model.resumed and model.task_id == stored.task_id and model.mesh is not None
    assert len(fake.creates) == 1


def test_a_corrupt_glb_is_rejected_as_permanent_so_the_pipeline_falls_back(redis_conn: Redis) -> None:
    with FakeTripo(model=CORRUPT_GLB) as fake, client_for(fake, FakeTime(), redis_conn) as client:
        with pytest.raises(TripoCorruptModelError) as raised:
            client.text_to_model("a lamp", key=KEY)
    assert isinstance(raised.value, PermanentPipelineError)
    assert client.tasks is not None and client.tasks.get(KEY) is None


def test_an_expired_model_url_is_refreshed_from_the_task_once() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        fake.fail("GET", r"^/models/", Reply(403, b"<Error>Request has expired</Error>"))
        model = client.text_to_model("a lamp", key=KEY)
    assert model.mesh is not None and len(fake.requests("GET", r"^/models/")) == 2


def test_multiview_uploads_each_view_and_sends_v3_inputs_named_by_view() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        client.multiview_to_model([photo(), None, photo("JPEG")], key=KEY)
    create = fake.requests("POST", r"/v3/generation/multiview-to-model")[0].json()
    assert [list(view) for view in create["inputs"]] == [["front"], ["back"]] and "files" not in create
    assert all(token in fake.file_tokens for view in create["inputs"] for token in view.values())
    assert len(fake.requests("POST", r"/v3/files")) == 2


def test_multiview_with_only_the_front_view_goes_to_image_to_model() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        model = client.multiview_to_model([photo(), None, None, None], key=KEY)
    assert model.mesh is not None and fake.refusals == []
    assert [r.path for r in fake.creates] == ["/v3/generation/image-to-model"]


def test_p1_gets_its_face_range_and_concurrency_and_nothing_it_refuses() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime(), model_version="P1-20260311", face_limit=50_000) as client:
        assert client.settings.concurrency == 5
        client.multiview_to_model([photo(), photo("JPEG")], key=KEY)
    assert fake.refusals == []
    create = fake.creates[0].json()
    assert create["model"] == "P1-20260311" and create["face_limit"] == 20_000
    assert not {"quad", "smart_low_poly", "generate_parts", "geometry_quality"} & set(create)


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("multiview-to-model", {"model": "v3.1-20260211", "inputs": [{"front": "@"}]}, "at least 2"),
        ("multiview-to-model", {"model": "v3.1-20260211", "inputs": [{"back": "@"}, {"left": "@"}]}, "front"),
        ("multiview-to-model", {"model": "v3.1-20260211", "files": [{"type": "png", "file_token": "@"}, {}]},
         "exactly four"),
        ("image-to-model", {"model": "v3.1-20260211", "file": {"type": "png", "data": "iVBOR"}}, "file must specify"),
        ("image-to-model", {"model": "v3.1-20260211", "input": "data:image/png;base64,iVBOR"}, "base64"),
        ("image-to-model", {"model": "v3.1-20260211", "input": "file_unknown"}, "invalid or expired"),
        ("image-to-model", {"input": "@"}, "model is required"),
        ("text-to-model", {"model": "P1-20260311", "prompt": "a lamp", "face_limit": 30_000}, "48 to 20000"),
        ("text-to-model", {"model": "P1-20260311", "prompt": "a lamp", "quad": False}, "quad not supported"),
        ("text-to-model", {"model": "v2.0-20240919", "prompt": "a lamp"}, "not supported"),
    ],
)
def test_the_local_v3_server_refuses_what_v3_refuses_with_400_1004(path: str, body: dict, words: str) -> None:
    with FakeTripo() as fake, httpx.Client(base_url=fake.base_url,
                                           headers={"Authorization": f"Bearer {API_KEY}"}) as http:
        token = http.post("/files", files={"file": ("a.png", photo(), "image/png")}).json()["data"]["file_token"]
        answer = http.post(f"/generation/{path}", content=json.dumps(body).replace('"@"', f'"{token}"'),
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["code"] == 1004 and answer.json()["request_id"]
    assert words in answer.json()["message"] and fake.tasks == {}


def test_conversion_uses_tripos_convert_task_for_formats_made_remotely() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        first = client.text_to_model("a lamp", key=KEY)
        converted = client.convert_model(first.task_id, "FBX", key=KEY)
    assert fake.creates[1].json() == {"input": first.task_id, "format": "FBX"}
    assert converted.file_type == "fbx" and converted.data and converted.mesh is None


def test_invalid_image_formats_are_refused_before_any_call() -> None:
    with FakeTripo() as fake, client_for(fake, FakeTime()) as client:
        with pytest.raises(TripoBadRequestError):
            client.image_to_model(b"GIF89a" + b"\x00" * 20, key=KEY)
        with pytest.raises(TripoBadRequestError):
            client.multiview_to_model([None, photo()], key=KEY)
        with pytest.raises(TripoBadRequestError):
            client.text_to_model("   ", key=KEY)
    assert fake.server.received == []


def test_a_client_without_an_api_key_is_refused() -> None:
    with pytest.raises(TripoBadRequestError):
        TripoClient(TripoSettings(api_key=""))


def test_settings_repr_hides_the_api_key() -> None:
    assert API_KEY not in repr(TripoSettings(api_key=API_KEY))


def test_webhook_reported_status_cuts_polling_short(redis_conn: Redis) -> None:
    time = FakeTime()
    with FakeTripo(statuses=("running", "success")) as fake:
        with client_for(fake, time, redis_conn, poll_interval_s=30.0, webhook_enabled=True) as client:
            task_id = fake.add_task()
            event = TripoWebhookEvent("task.completed", data={"task_id": task_id, "status": "success"})
            time.on_sleep.append(lambda: record_tripo_webhook(redis_conn, event))
            task = client.wait_for_task(task_id)
    assert task.status == "success" and time.sleeps == [1.0]


def test_with_webhooks_on_a_delivery_that_never_comes_still_ends_by_polling(redis_conn: Redis) -> None:
    time = FakeTime()
    with FakeTripo(statuses=("running", "running", "success")) as fake:
        with client_for(fake, time, redis_conn, webhook_enabled=True) as client:
            model = client.text_to_model("a lamp", key=KEY)
    assert model.mesh is not None and len(fake.requests("GET", r"^/v3/tasks/")) == 3


def test_the_concurrency_cap_blocks_a_create_while_all_slots_are_held(redis_conn: Redis) -> None:
    time = FakeTime()
    with FakeTripo() as fake, client_for(fake, time, redis_conn, max_concurrency=1, slot_timeout_s=5.0) as client:
        assert client.semaphore is not None
        held = client.semaphore.acquire(1)
        with pytest.raises(RetryablePipelineError):
            client.text_to_model("a lamp", key=KEY)
        assert fake.creates == []
        client.semaphore.release(held)
        assert client.text_to_model("a lamp", key=KEY).mesh is not None
