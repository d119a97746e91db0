"""The fake store behaves like the recorded one, so end-to-end tests against it mean something."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from flask import Flask, request
from werkzeug.serving import make_server
from woocommerce.oauth import OAuth

from tests.conftest import WOOCOMMERCE_FIXTURES
from tests.fake_store import CONSUMER_KEY, CONSUMER_SECRET, WEBHOOK_SECRET, FakeStore, oauth1_signature, webhook_signature
from tests.wp_bridge.recordings import no_sleep
from wp_bridge import (
    META_KEY,
    AuthenticationError,
    ProductNotFound,
    RetryableStoreError,
    RetryPolicy,
    StoreClients,
)


def oauth1_recordings() -> list[str]:
    return sorted(
        path.stem
        for path in (WOOCOMMERCE_FIXTURES / "rest").glob("*.json")
        if json.loads(path.read_text())["auth_mode"] == "oauth1"
    )


@pytest.mark.parametrize("name", oauth1_recordings())
def test_recorded_oauth_signatures_verify_with_the_fake_stores_algorithm(name: str) -> None:
    recorded = json.loads((WOOCOMMERCE_FIXTURES / "rest" / f"{name}.json").read_text())["request"]
    url = urlsplit(recorded["url"])
    params = dict(parse_qsl(url.query, keep_blank_values=True))
    base = f"{url.scheme}://{url.netloc}{url.path}"
    assert oauth1_signature(recorded["method"], base, params, CONSUMER_SECRET) == params["oauth_signature"]


def signed(store: FakeStore, method: str, path: str) -> str:
    """A URL signed with OAuth 1.0a as the `woocommerce` package does it."""
    oauth = OAuth(url=f"{store.url}{path}", consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET, version="wc/v3", method=method)
    return str(oauth.get_oauth_url())


def test_following_the_link_header_is_refused_so_pages_are_fetched_by_number(store: FakeStore) -> None:
    store.seed_products(3)
    first = requests.get(signed(store, "GET", "/wp-json/wc/v3/products?per_page=2&page=1"), timeout=5)
    assert (first.headers["X-WP-Total"], first.headers["X-WP-TotalPages"]) == ("3", "2")
    assert first.links["next"]["url"].startswith(f"{store.url}/wp-json/wc/v3/products?per_page=2&page=2&oauth_")

    followed = requests.get(first.links["next"]["url"], timeout=5)
    assert (followed.status_code, followed.json()["code"]) == (401, "woocommerce_rest_authentication_error")


def test_a_replayed_oauth_nonce_is_refused(store: FakeStore) -> None:
    url = signed(store, "GET", "/wp-json/wc/v3/system_status")
    assert requests.get(url, timeout=5).status_code == 200
    replayed = requests.get(url, timeout=5)
    assert replayed.status_code == 401 and "nonce" in replayed.json()["message"]


def test_requests_signed_after_python_random_is_reseeded_are_not_replays(
    store: FakeStore, store_clients: StoreClients
) -> None:
    """The woocommerce package's own nonce comes from Python's global `random`, which other code may
    seed: two requests in the same second then carried the same nonce, and the store refused the
    second (a job failed with "nonce has already been used")."""
    random.seed(7)
    assert store_clients.woocommerce.system_status().woocommerce_version
    random.seed(7)
    assert store_clients.woocommerce.system_status().woocommerce_version


def test_listing_answers_with_wordpress_pagination_headers(store: FakeStore, store_clients: StoreClients) -> None:
    store.seed_products(5)
    page = store_clients.woocommerce.list_products(page=2, per_page=2)
    assert (page.total, page.total_pages, len(page.products)) == (5, 3, 2)


def test_seeding_ten_thousand_products_is_quick_and_they_can_be_walked(store: FakeStore, store_clients: StoreClients) -> None:
    started = time.perf_counter()
    ids = store.seed_products(10_000)
    assert time.perf_counter() - started < 5
    seen = [p.id for page in store_clients.woocommerce.iter_products() for p in page.products]
    assert seen == ids


def test_bad_signature_and_unknown_keys_are_refused(store: FakeStore) -> None:
    for config in (store.store_config(consumer_secret="cs_wrong"), store.store_config(consumer_key="ck_wrong")):
        clients = StoreClients.from_config(config, retry=RetryPolicy(sleep=no_sleep))
        with pytest.raises(AuthenticationError, match="woocommerce_rest_authentication_error"):
            clients.woocommerce.get_product(1)
        clients.close()


def test_no_credentials_on_woocommerce_is_refused_like_the_recording(store: FakeStore) -> None:
    answer = requests.get(f"{store.url}/wp-json/wc/v3/products/1", timeout=5)
    assert (answer.status_code, answer.json()["code"]) == (401, "woocommerce_rest_cannot_view")


def test_wrong_application_password_is_refused(store: FakeStore) -> None:
    clients = StoreClients.from_config(store.store_config(wp_application_password="nope"), retry=RetryPolicy(sleep=no_sleep))
    with pytest.raises(AuthenticationError, match="incorrect_password"):
        clients.media.upload(b"x", "model.glb")
    clients.close()


def test_application_passwords_unavailable_over_http_in_production(store: FakeStore, store_clients: StoreClients) -> None:
    store.app_passwords_available = False
    with pytest.raises(AuthenticationError) as caught:
        store_clients.media.current_user()
    assert caught.value.code == "rest_not_logged_in"
    with pytest.raises(AuthenticationError, match="rest_cannot_create"):
        store_clients.media.upload(b"x", "model.glb")


def test_a_taken_file_name_is_renamed_like_wordpress(store_clients: StoreClients) -> None:
    first = store_clients.media.upload(b"one", "model.glb")
    second = store_clients.media.upload(b"two", "model.glb")
    assert first.source_url.endswith("/model.glb") and second.source_url.endswith("/model-1.glb")
    assert requests.get(second.source_url, timeout=5).content == b"two"


def test_media_delete_needs_force_and_a_deleted_attachment_is_gone(store: FakeStore, store_clients: StoreClients) -> None:
    attachment = store_clients.media.upload(b"one", "model.usdz")
    auth = (store.username, store.application_password)
    no_force = requests.delete(f"{store.url}/wp-json/wp/v2/media/{attachment.id}", auth=auth, timeout=5)
    assert (no_force.status_code, no_force.json()["code"]) == (501, "rest_trash_not_supported")
    assert store_clients.media.delete(attachment.id) is True
    assert store_clients.media.delete(attachment.id) is False
    assert requests.get(attachment.source_url, timeout=5).status_code == 404


def test_meta_written_by_key_twice_is_updated_in_place(store: FakeStore, store_clients: StoreClients) -> None:
    product_id = int(store.add_product()["id"])
    first = store_clients.woocommerce.update_product_meta(product_id, {META_KEY: {"fingerprint": "a"}})
    second = store_clients.woocommerce.update_product_meta(product_id, {META_KEY: {"fingerprint": "b"}})
    assert first.meta_ids == second.meta_ids
    assert [row["value"] for row in store.meta_rows(product_id, META_KEY)] == [{"fingerprint": "b"}]


def test_meta_null_with_an_id_deletes_the_row(store: FakeStore) -> None:
    product = store.add_product(meta={"woo3d_fingerprint": "x"})
    row_id = product["meta_data"][0]["id"]
    body = {"meta_data": [{"id": row_id, "key": "woo3d_fingerprint", "value": None}]}
    assert requests.put(signed(store, "PUT", f"/wp-json/wc/v3/products/{product['id']}"), json=body, timeout=5).ok
    assert store.meta_rows(int(product["id"]), "woo3d_fingerprint") == []


def test_product_photos_are_served_from_wp_content_uploads(store: FakeStore, store_clients: StoreClients) -> None:
    photo = store.add_image("red-mug.jpg", b"\xff\xd8photo")
    product = store_clients.woocommerce.get_product(int(store.add_product(images=[photo])["id"]))
    assert "/wp-content/uploads/" in product.images[0].src
    served = requests.get(product.images[0].src, timeout=5)
    assert (served.content, served.headers["Content-Type"]) == (b"\xff\xd8photo", "image/jpeg")


def test_injected_failure_answers_once_then_the_store_recovers(store: FakeStore) -> None:
    product_id = int(store.add_product()["id"])
    store.fail_next("GET", "/wp-json/wc/v3/products/*", status=503)
    slept: list[float] = []
    clients = StoreClients.from_config(store.store_config(), retry=RetryPolicy(sleep=slept.append))
    assert clients.woocommerce.get_product(product_id).id == product_id
    assert [r.status for r in store.requests_matching("GET", "/wp-json/wc/v3/products/*")] == [503, 200]
    assert len(slept) == 1
    clients.close()


def test_injected_delay_can_time_a_client_out(store: FakeStore) -> None:
    product_id = int(store.add_product()["id"])
    store.delay_next("GET", "/wp-json/wc/v3/products/*", 0.5)
    clients = StoreClients.from_config(store.store_config(timeout_s=0.1), retry=RetryPolicy(attempts=1))
    with pytest.raises(RetryableStoreError, match="did not answer in time"):
        clients.woocommerce.get_product(product_id)
    clients.close()


def test_dimension_unit_and_category_lookup(store: FakeStore, store_clients: StoreClients) -> None:
    store.dimension_unit = "mm"
    assert store_clients.woocommerce.dimension_unit() == "mm"
    assert store_clients.woocommerce.category_id("uncategorized") == 15
    assert store_clients.woocommerce.category_id("nope") is None


@pytest.fixture
def capture() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A webhook receiver that records what it is sent."""
    received: list[tuple[dict[str, str], bytes]] = []
    app = Flask("capture")

    @app.post("/hook")
    def hook() -> str:
        received.append((dict(request.headers), request.get_data()))
        return "ok"

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()
    thread.join()


def test_webhooks_are_managed_and_deliver_signed_product_updates(
    store: FakeStore, store_clients: StoreClients, capture: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = capture
    store.deliver_webhooks = True
    client = store_clients.woocommerce
    webhook = client.create_webhook(name="woo3d", topic="product.updated", delivery_url=url, secret=WEBHOOK_SECRET)
    assert [w.id for w in client.list_webhooks()] == [webhook.id]
    product_id = int(store.add_product()["id"])

    client.update_product_meta(product_id, {"k": "v"})
    store.stop()  # waits for deliveries in flight
    (ping_headers, ping), (headers, body) = received
    assert ping == f"webhook_id={webhook.id}".encode() and "X-Wc-Webhook-Signature" not in ping_headers
    assert headers["X-Wc-Webhook-Topic"] == "product.updated"
    assert headers["X-Wc-Webhook-Signature"] == webhook_signature(body, WEBHOOK_SECRET)
    assert json.loads(body)["id"] == product_id


def test_every_request_is_recorded_with_its_answer(store: FakeStore, store_clients: StoreClients) -> None:
    store_clients.woocommerce.dimension_unit()
    (recorded,) = store.requests
    assert recorded.method == "GET" and recorded.status == 200 and "oauth_signature" in recorded.query
    store.clear_requests()
    assert store.requests == []


def test_a_variation_is_read_anywhere_but_written_only_through_its_parents_route(
    store: FakeStore, store_clients: StoreClients
) -> None:
    """As WooCommerce 10.0.2 answers (issue 14): GET /products/<variation> works, PUT is 404."""
    parent = store.add_product(name="Ceramic Bowl", type="variable", images=[store.add_image("bowl.jpg", b"\xff\xd8")])
    red = store.add_variation(parent["id"], attributes={"Color": "Red"})
    put = requests.put(signed(store, "PUT", f"/wp-json/wc/v3/products/{red['id']}"),
                       json={"meta_data": [{"key": "k", "value": "v"}]}, timeout=5)
    assert put.status_code == 404 and put.json() == {
        "code": "woocommerce_rest_invalid_product_id",
        "message": "To manipulate product variations you should use the /products/<product_id>/variations/<id> endpoint.",
        "data": {"status": 404},
    }
    assert store.meta_rows(red["id"], "k") == []
    woocommerce = store_clients.woocommerce
    as_product = woocommerce.get_product(red["id"])
    assert (as_product.type, as_product.parent_id, as_product.name) == ("variation", parent["id"], "Ceramic Bowl - Red")
    # No photo of its own: WooCommerce shows the parent's featured image on both routes.
    assert [i.id for i in as_product.images] == [parent["images"][0]["id"]]
    written = woocommerce.update_product_meta(red["id"], {"k": "v"}, parent_id=parent["id"])
    assert written.meta["k"] == "v" and written.name == "Red"
    assert [p.id for p in woocommerce.iter_variations(parent["id"])] == [red["id"]]
    assert [p.id for page in woocommerce.iter_products() for p in page.products] == [parent["id"]]


def test_a_variation_under_another_product_is_not_found(store: FakeStore, store_clients: StoreClients) -> None:
    bowl = store.add_product(name="Bowl", type="variable")
    cup = store.add_product(name="Cup", type="variable")
    red = store.add_variation(bowl["id"], attributes={"Color": "Red"})
    with pytest.raises(ProductNotFound, match="Invalid ID"):
        store_clients.woocommerce.get_product(red["id"], parent_id=cup["id"])


def test_the_variations_schema_matches_the_recording(store: FakeStore) -> None:
    recorded = json.loads((WOOCOMMERCE_FIXTURES / "rest" / "wc_products_variations_update.json").read_text())
    parent = store.add_product(name="Ceramic Bowl", type="variable")
    red = store.add_variation(parent["id"], attributes={"Color": "Red"}, image=store.add_image("red.jpg", b"\xff\xd8"))
    assert set(red) <= set(recorded["response"]["body_json"])
    assert set(red["image"]) == set(recorded["response"]["body_json"]["image"])
