"""woo3d's webhooks on the fake store: install is idempotent, heals moved, duplicated and disabled webhooks."""

from __future__ import annotations

from tests.fake_store import FakeStore
from wp_bridge import StoreClients
from wp_bridge.subscriptions import TOPICS, delivery_url, install, is_ours, ours, reactivate
from wp_bridge.woocommerce import Webhook

URL = "https://woo3d.example/webhooks/woocommerce"


def by_topic(store: FakeStore) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for webhook in store.webhooks():
        found.setdefault(str(webhook["topic"]), []).append(webhook)
    return found


def test_delivery_url_accepts_the_service_url_or_the_receiver_url() -> None:
    assert delivery_url("https://woo3d.example/") == URL
    assert delivery_url(URL) == URL


def test_install_twice_leaves_exactly_one_active_webhook_per_topic_with_the_secret(
    store: FakeStore, store_clients: StoreClients
) -> None:
    first = install(store_clients.woocommerce, URL, "s3cret")
    second = install(store_clients.woocommerce, URL, "s3cret")
    assert [r.action for r in first] == ["created", "created"]
    assert [r.action for r in second] == ["updated", "updated"]
    assert [r.webhook.id for r in first] == [r.webhook.id for r in second]
    found = by_topic(store)
    assert sorted(found) == sorted(TOPICS)
    for topic in TOPICS:
        (webhook,) = found[topic]
        assert (webhook["status"], webhook["delivery_url"], webhook["name"]) == ("active", URL, f"woo3d {topic}")
        assert store._webhooks[int(webhook["id"])]["secret"] == "s3cret"  # not rendered by the API


def test_install_reactivates_disabled_deletes_duplicates_and_moves_an_old_url(
    store: FakeStore, store_clients: StoreClients
) -> None:
    woo = store_clients.woocommerce
    disabled = woo.create_webhook(name="mine", topic="product.created", delivery_url=URL, secret="old")
    woo.update_webhook(disabled.id, status="disabled")
    copy = woo.create_webhook(name="copy", topic="product.created", delivery_url=URL, secret="old")
    moved = woo.create_webhook(name="woo3d product.updated", topic="product.updated",
                               delivery_url="https://old.example/webhooks/woocommerce", secret="old")
    other = woo.create_webhook(name="ERP sync", topic="product.updated", delivery_url="https://erp.example/hook", secret="x")

    results = {r.topic: r for r in install(woo, URL, "new")}

    assert results["product.created"].action == "updated"  # the active copy is kept, the disabled one deleted
    assert results["product.created"].webhook.id == copy.id
    assert results["product.created"].deleted == (disabled.id,)
    assert (results["product.updated"].action, results["product.updated"].webhook.id) == ("moved", moved.id)
    remaining = {int(w["id"]): w for w in store.webhooks()}
    assert set(remaining) == {copy.id, moved.id, other.id}  # someone else's webhook is left alone
    assert remaining[moved.id]["delivery_url"] == URL and remaining[other.id]["delivery_url"] == "https://erp.example/hook"


def test_a_lone_disabled_webhook_is_reactivated_in_place(store: FakeStore, store_clients: StoreClients) -> None:
    woo = store_clients.woocommerce
    hook = woo.create_webhook(name="x", topic="product.updated", delivery_url=URL, secret="s")
    woo.update_webhook(hook.id, status="disabled")
    results = {r.topic: r for r in install(woo, URL, "s")}
    assert (results["product.updated"].action, results["product.updated"].webhook.status) == ("reactivated", "active")


def test_ours_matches_the_exact_url_when_known_else_the_receiver_path() -> None:
    def hook(url: str, topic: str = "product.updated") -> Webhook:
        return Webhook(id=1, name="", status="active", topic=topic, delivery_url=url)

    assert is_ours(hook(URL), URL) and not is_ours(hook("https://other.example/webhooks/woocommerce"), URL)
    assert is_ours(hook("https://other.example/webhooks/woocommerce/"), None)
    assert not is_ours(hook("https://erp.example/hook"), None)
    assert ours([hook(URL, "order.created")], None) == []


def test_reactivate_touches_only_webhooks_that_are_not_active(store: FakeStore, store_clients: StoreClients) -> None:
    woo = store_clients.woocommerce
    active = woo.create_webhook(name="a", topic="product.created", delivery_url=URL, secret="s")
    paused = woo.create_webhook(name="b", topic="product.updated", delivery_url=URL, secret="s")
    woo.update_webhook(paused.id, status="paused")
    store.clear_requests()
    revived = reactivate(woo, woo.list_webhooks())
    assert [w.id for w in revived] == [paused.id] and revived[0].status == "active"
    assert len(store.requests_matching("PUT", f"/wp-json/wc/v3/webhooks/{active.id}")) == 0
