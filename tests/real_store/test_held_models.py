"""A model held for review stays out of public reach in the released WordPress: no anonymous listing names
its files (`/wp/v2/media`, `?attachment_id=` redirects) and their names cannot be worked out; approval
makes them the product's ordinary media, named to visitors where its product page shows the product."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import requests
from redis import Redis

from tests.real_store.store import WooCommerceStore
from tests.redis_server import RedisServer
from tests.wp_bridge.plugin.conftest import glb_bytes, png_bytes
from wp_bridge import AttachmentLedger, ModelMeta, StoreClients, StoreConfig, approve, write_back
from wp_bridge.metadata import META_KEY

FINGERPRINT = "sha256:" + hashlib.sha256(b"held lamp").hexdigest()


@pytest.fixture(scope="module")
def ledger() -> Iterator[AttachmentLedger]:
    redis = RedisServer().start()
    try:
        yield AttachmentLedger(Redis.from_url(f"{redis.url}/0"))
    finally:
        redis.cleanup()


@pytest.fixture
def clients(real_store: WooCommerceStore) -> Iterator[StoreClients]:
    """The backend's clients, as woo3d configures them for this store (admin's application password)."""
    made = StoreClients.from_config(StoreConfig(
        url=real_store.url, consumer_key=real_store.consumer_key, consumer_secret=real_store.consumer_secret,
        wp_username="admin", wp_application_password=real_store.app_password,
    ))
    yield made
    made.close()


def _hold(clients: StoreClients, ledger: AttachmentLedger, product_id: int, folder: Path) -> ModelMeta:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"glb": folder / "model.glb", "poster": folder / "poster.png", "view_front": folder / "front.png"}
    files["glb"].write_bytes(glb_bytes())
    files["poster"].write_bytes(png_bytes())
    files["view_front"].write_bytes(png_bytes((40, 200, 40)))
    written = write_back(clients, product_id=product_id, fingerprint=FINGERPRINT, files=files,
                         meta=ModelMeta(generator="local", reasons=("thin walls",)), ledger=ledger, held=True)
    assert written.meta.state == "review"
    return written.meta


def _anonymous_media(store: WooCommerceStore, product_id: int) -> list[str]:
    response = requests.get(f"{store.url}/wp-json/wp/v2/media", params={"parent": product_id}, timeout=30)
    assert response.status_code == 200, response.text[:500]
    return [item["source_url"] for item in response.json()]


@pytest.mark.parametrize("password", ["", "letmein"])
def test_a_held_models_files_are_listed_nowhere_public_until_approved(
    real_store: WooCommerceStore, clients: StoreClients, ledger: AttachmentLedger, tmp_path: Path, password: str
) -> None:
    product = real_store.wc("POST", "/products", json={"name": "Held lamp", "status": "publish"})["id"]
    if password:
        real_store.php(f"wp_update_post( array( 'ID' => {product}, 'post_password' => {json.dumps(password)} ) ); return true;")
    held = _hold(clients, ledger, product, tmp_path)
    urls = [held.glb, held.poster, *held.views.values()]

    _assert_nowhere_public(real_store, product, held.attachment_ids.values(), urls)
    # The names carry 128 random bits, not only what the product's public photos and text give away.
    assert all(re.search(r"-[0-9a-f]{32}\.(glb|png)$", str(url)) for url in urls), urls
    # The merchant (who may edit the product) still finds them.
    listed = real_store.rest("GET", "/wp/v2/media", params={"parent": product, "status": "private"}).json()
    assert sorted(item["source_url"] for item in listed) == sorted(str(u) for u in urls)

    live = approve(clients, ledger, product, FINGERPRINT).meta
    assert (live.state, live.glb, live.poster) == ("live", held.glb, held.poster)
    stored = ModelMeta.from_meta(real_store.meta(product, META_KEY))
    assert stored is not None and stored.pending is None and stored.glb == held.glb
    statuses = real_store.php(  # get_post_status() would answer the product's status for "inherit"
        "return array_map( function ( $id ) { return get_post_field( 'post_status', $id ); }, "
        f"{json.dumps(sorted(live.attachment_ids.values()))} );"
    )
    assert statuses == ["inherit", "inherit"], "approved: ordinary attachments of the product"
    if password:
        # As its product page: nothing of the model until the visitor has entered the password.
        _assert_nowhere_public(real_store, product, live.attachment_ids.values(), [held.glb, held.poster])
    else:
        assert sorted(_anonymous_media(real_store, product)) == sorted([str(held.glb), str(held.poster)])


def _assert_nowhere_public(store: WooCommerceStore, product: int, attachment_ids: Iterable[int],
                           urls: Iterable[str | None]) -> None:
    """No anonymous listing, item or `?attachment_id=` redirect names these files."""
    assert _anonymous_media(store, product) == []
    everything = requests.get(f"{store.url}/wp-json/wp/v2/media", params={"per_page": 100}, timeout=30).text
    assert not any(str(u) in everything for u in urls)
    for attachment_id in attachment_ids:
        item = requests.get(f"{store.url}/wp-json/wp/v2/media/{attachment_id}", timeout=30)
        assert item.status_code in (401, 403, 404), item.text[:300]
        page = requests.get(f"{store.url}/?attachment_id={attachment_id}", allow_redirects=False, timeout=30)
        assert not any(str(u) in page.headers.get("Location", "") + page.text for u in urls), attachment_id
