"""`woo3d webhooks install|status` against the fake store."""

from __future__ import annotations

import json


from tests.cli.store_env import SECRET, invoke
from tests.fake_store import FakeStore

URL = "https://woo3d.example"


def test_install_twice_gives_one_webhook_per_topic_and_prints_their_status(store: FakeStore, env: dict[str, str]) -> None:
    first = invoke(env, "webhooks", "install", "--url", URL)
    assert first.exit_code == 0, first.output
    assert first.stdout.count("active") == 2 and first.stdout.count("(created)") == 2
    second = invoke(env, "webhooks", "install", "--url", URL, "--json")
    assert second.exit_code == 0, second.output
    rows = json.loads(second.stdout)
    assert [(r["topic"], r["action"], r["status"]) for r in rows] == [
        ("product.created", "updated", "active"), ("product.updated", "updated", "active")]
    hooks = store.webhooks()
    assert len(hooks) == 2 and {w["delivery_url"] for w in hooks} == {URL + "/webhooks/woocommerce"}
    assert {store._webhooks[int(w["id"])]["secret"] for w in hooks} == {SECRET}


def test_status_exits_1_until_installed_and_after_woocommerce_disables_one(store: FakeStore, env: dict[str, str]) -> None:
    env = {**env, "WOO3D_PUBLIC_URL": URL}
    missing = invoke(env, "webhooks", "status")
    assert missing.exit_code == 1 and missing.stdout.count("missing") == 2
    assert invoke(env, "webhooks", "install").exit_code == 0  # --url defaults to WOO3D_PUBLIC_URL
    assert invoke(env, "webhooks", "status").exit_code == 0
    store._webhooks[max(store._webhooks)]["status"] = "disabled"
    disabled = invoke(env, "webhooks", "status")
    assert disabled.exit_code == 1 and "disabled" in disabled.stdout
    assert "(reactivated)" in invoke(env, "webhooks", "install").stdout


def test_install_needs_a_url_and_a_secret(env: dict[str, str]) -> None:
    no_url = invoke(env, "webhooks", "install")
    assert no_url.exit_code == 1 and "public URL" in no_url.output
    no_secret = invoke({**env, "WC_WEBHOOK_SECRET": ""}, "webhooks", "install", "--url", URL)
    assert no_secret.exit_code == 1 and "WC_WEBHOOK_SECRET is not set" in no_secret.output
