"""A local WooCommerce + WordPress that speaks the recorded store's protocol, for end-to-end tests.

A real threaded HTTP server on 127.0.0.1 (any free port), so clients in other processes (an RQ
worker) can use it. It checks OAuth 1.0a signatures on `/wp-json/wc/v3/*` the way WooCommerce
does (nonces cannot be replayed) and application passwords on `/wp-json/wp/v2/*`; keeps
products with meta rows updated in place by key, media with WordPress's renaming of taken file
names, variable products with their variations (readable through `/products/<id>` but written
only through `/products/<parent>/variations/<id>`, as WooCommerce insists), webhooks
(optionally delivering them, signed); serves uploaded files at their
`source_url`; records every request; and injects faults (status or delay) on demand.

    with FakeStore() as store:
        photo = store.add_image("mug.jpg", jpeg_bytes)
        product_id = store.add_product(name="Red mug", images=[photo])["id"]
        clients = StoreClients.from_config(store.store_config())
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

import requests
from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler, make_server

from wp_bridge.config import StoreConfig

# The recorded store's throwaway credentials (see tests/fixtures/woocommerce/README.md).
CONSUMER_KEY = "ck_e82d178bfbdf883ddae2029ec628d5714011c0b3"
CONSUMER_SECRET = "cs_f639b242c6cd8664f6722179766191a279bad7ad"
WP_USERNAME = "admin"
APPLICATION_PASSWORD = "m4jorEXQ0zcbnWdKEO2NeRc6"
WEBHOOK_SECRET = "woo3d-rig-webhook-secret"

OAUTH_WINDOW_S = 15 * 60
# WooCommerce 10.0.2's answer to a write of a variation through `/products/<id>` (the same
# `prepare_object_for_database` check refuses it in `products/batch`); README "Variable products and variations".
VARIATION_ROUTE_MESSAGE = (
    "To manipulate product variations you should use the /products/<product_id>/variations/<id> endpoint."
)
MODEL_EXTENSIONS = {
    "glb": "model/gltf-binary",
    "gltf": "model/gltf+json",
    "usdz": "model/vnd.usdz+zip",
    "obj": "model/obj",
    "stl": "model/stl",
    "fbx": "application/octet-stream",
}
IMAGE_EXTENSIONS = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif"}
# Some of WordPress's own types: an administrator (unfiltered_html), as the fake's user is, may upload HTML too.
OTHER_EXTENSIONS = {"txt": "text/plain", "csv": "text/csv", "htm": "text/html", "html": "text/html"}


def oauth1_signature(method: str, base_url: str, params: Mapping[str, str], consumer_secret: str) -> str:
    """WooCommerce's OAuth 1.0a signature (HMAC-SHA256, key `secret&`) over decoded query params."""

    def enc(value: str) -> str:
        return quote(value, safe="~")

    pairs = sorted((k, v) for k, v in params.items() if k != "oauth_signature")
    query = "%26".join(enc(f"{enc(k)}={enc(v)}") for k, v in pairs)
    string_to_sign = f"{method.upper()}&{enc(base_url)}&{query}"
    digest = hmac.new(f"{consumer_secret}&".encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Fault:
    method: str
    path: str
    remaining: int
    status: int | None = None
    delay_s: float = 0.0
    body: dict[str, Any] = field(default_factory=dict)
    skip: int = 0


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _attachment_status(asked: Any) -> str:
    """What WordPress makes of a media request's `status`: its REST schema takes the public post
    statuses only ("inherit" is refused), and wp_insert_post keeps an attachment "private" or
    stores "inherit"."""
    if asked is None:
        return "inherit"
    if asked not in ("publish", "future", "draft", "pending", "private"):
        raise _ApiError(400, "rest_invalid_param", "Invalid parameter(s): status")
    return "private" if asked == "private" else "inherit"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _php_json(value: Any) -> bytes:
    """JSON as WordPress writes it: compact, slashes escaped."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/").encode()


class FakeStore:
    """One fake store. Inspect and change its state directly; every method is thread-safe."""

    def __init__(
        self,
        *,
        consumer_key: str = CONSUMER_KEY,
        consumer_secret: str = CONSUMER_SECRET,
        username: str = WP_USERNAME,
        application_password: str = APPLICATION_PASSWORD,
        allow_3d_uploads: bool = True,
        app_passwords_available: bool = True,
        dimension_unit: str = "cm",
        deliver_webhooks: bool = False,
        key_permissions: str = "read_write",
    ) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.username = username
        self.application_password = application_password
        # Stock WordPress refuses GLB/USDZ; the companion plugin (True) allows them.
        self.allow_3d_uploads = allow_3d_uploads
        # False: like WP_ENVIRONMENT_TYPE=production over plain http, application passwords are ignored.
        self.app_passwords_available = app_passwords_available
        self.dimension_unit = dimension_unit
        self.deliver_webhooks = deliver_webhooks
        # "read": like a key made with Read permission, every write is refused before its route runs.
        self.key_permissions = key_permissions
        self._lock = threading.RLock()
        self._ids = itertools.count(100)
        self._meta_ids = itertools.count(1000)
        self._products: dict[int, dict[str, Any]] = {}
        self._media: dict[int, dict[str, Any]] = {}
        self._files: dict[str, tuple[bytes, str]] = {}  # path under /wp-content/uploads/ → (bytes, type)
        self._webhooks: dict[int, dict[str, Any]] = {}
        self._categories: dict[int, dict[str, Any]] = {15: {"id": 15, "name": "Uncategorized", "slug": "uncategorized"}}
        self._nonces: set[tuple[str, str]] = set()
        self._faults: list[_Fault] = []
        self._requests: list[RecordedRequest] = []
        self._deliveries: list[threading.Thread] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    # lifecycle

    def start(self) -> FakeStore:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-store", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        for thread in list(self._deliveries):
            thread.join(timeout=10)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FakeStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeStore is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    def store_config(self, **overrides: Any) -> StoreConfig:
        """A StoreConfig with this store's URL and credentials (override any field)."""
        values: dict[str, Any] = {
            "url": self.url,
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "wp_username": self.username,
            "wp_application_password": self.application_password,
            "timeout_s": 10.0,
        }
        values.update(overrides)
        return StoreConfig(**values)

    # seeding and inspection

    def add_image(self, filename: str, data: bytes, *, mime_type: str | None = None) -> dict[str, Any]:
        """A photo in the media library, served at its `source_url`; pass it to `add_product(images=…)`."""
        return self._store_media(filename, data, mime_type or IMAGE_EXTENSIONS.get(_ext(filename), "image/jpeg"))

    def add_product(
        self,
        *,
        name: str = "Red Ceramic Mug (350 ml)",
        images: Sequence[Mapping[str, Any]] = (),
        status: str = "publish",
        dimensions: tuple[str, str, str] = ("12", "9", "10"),
        meta: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Create a product (images are `add_image` results); returns its REST representation."""
        with self._lock:
            product_id = fields.pop("id", None) or next(self._ids)
            now = _now()
            self._products[product_id] = {
                "id": product_id,
                "name": name,
                "slug": fields.pop("slug", None) or _slug(name, product_id),
                "type": fields.pop("type", "simple"),
                "status": status,
                "parent_id": fields.pop("parent_id", 0),
                "description": fields.pop("description", f"<p>{name}.</p>\n"),
                "short_description": fields.pop("short_description", ""),
                "sku": fields.pop("sku", ""),
                "regular_price": fields.pop("regular_price", "17.90"),
                "dimensions": dict(zip(("length", "width", "height"), dimensions, strict=True)),
                "categories": fields.pop("categories", [self._categories[15]]),
                "attributes": fields.pop("attributes", []),
                "image_ids": [int(image["id"]) for image in images],
                "meta": [{"id": next(self._meta_ids), "key": k, "value": v} for k, v in (meta or {}).items()],
                "date_created": now,
                "date_modified": now,
                **fields,
            }
            return self._render(self._products[product_id])

    def add_variation(
        self,
        parent_id: int,
        *,
        attributes: Mapping[str, str],
        image: Mapping[str, Any] | None = None,
        dimensions: tuple[str, str, str] = ("", "", ""),
        meta: Mapping[str, Any] | None = None,
        status: str = "publish",
        description: str = "",
    ) -> dict[str, Any]:
        """A variation of the variable product `parent_id` (`attributes` like {"Color": "Red"}); `image`
        is an `add_image` result, or None to show the parent's photo; blank dimensions show the parent's.
        Returns its `/products/<parent>/variations/<id>` representation."""
        with self._lock:
            if self._products.get(parent_id, {}).get("type") != "variable":
                raise ValueError(f"product {parent_id} is not a variable product")
            variation_id = next(self._ids)
            now = _now()
            self._products[variation_id] = {
                "id": variation_id,
                "name": ", ".join(attributes.values()),
                "slug": f"{self._products[parent_id]['slug']}-{_slug(' '.join(attributes.values()), variation_id)}",
                "type": "variation",
                "status": status,
                "parent_id": parent_id,
                "description": description,
                "short_description": "",
                "sku": "",
                "regular_price": "17.90",
                "dimensions": dict(zip(("length", "width", "height"), dimensions, strict=True)),
                "categories": [],
                "attributes": [{"id": 0, "name": name, "slug": name.lower(), "option": option}
                               for name, option in attributes.items()],
                "image_ids": [int(image["id"])] if image else [],
                "meta": [{"id": next(self._meta_ids), "key": k, "value": v} for k, v in (meta or {}).items()],
                "date_created": now,
                "date_modified": now,
            }
            return self._render_variation(self._products[variation_id])

    def variation(self, variation_id: int) -> dict[str, Any]:
        with self._lock:
            return self._render_variation(self._products[variation_id])

    def seed_products(self, count: int, *, images: Sequence[Mapping[str, Any]] = (), **fields: Any) -> list[int]:
        """`count` published products named `Product <id>` sharing `images`; returns their ids."""
        with self._lock:
            ids = []
            for _ in range(count):
                product_id = next(self._ids)
                ids.append(self.add_product(id=product_id, name=f"Product {product_id}", images=images, **fields)["id"])
            return ids

    def edit_product(self, product_id: int, **fields: Any) -> None:
        """The merchant edits a product in WP admin: fields replaced, `date_modified` moved on."""
        with self._lock:
            self._products[product_id].update(fields, date_modified=_now())

    def product(self, product_id: int) -> dict[str, Any]:
        with self._lock:
            return self._render(self._products[product_id])

    def meta_rows(self, product_id: int, key: str) -> list[dict[str, Any]]:
        """Every meta row with this key (a correct client never makes more than one)."""
        with self._lock:
            return [copy.deepcopy(row) for row in self._products[product_id]["meta"] if row["key"] == key]

    def attach(self, attachment_id: int, post_id: int) -> None:
        """Give a media item a parent post, as WordPress's "Attach" or an upload's `post` does."""
        with self._lock:
            self._media[attachment_id]["post"] = post_id

    def attachment(self, attachment_id: int) -> dict[str, Any] | None:
        with self._lock:
            item = self._media.get(attachment_id)
            return self._render_media(item) if item else None

    def attachments(self, *, post: int | None = None, mime_type: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [
                self._render_media(m)
                for m in self._media.values()
                if (post is None or m["post"] == post) and (mime_type is None or m["mime_type"] == mime_type)
            ]

    def file_bytes(self, source_url: str) -> bytes | None:
        """The bytes served at an uploaded file's URL, or None when deleted."""
        with self._lock:
            found = self._files.get(source_url.split("/wp-content/uploads/", 1)[-1])
            return found[0] if found else None

    def webhooks(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._render_webhook(w) for w in self._webhooks.values()]

    # faults and the request log

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        times: int = 1,
        skip: int = 0,
        code: str = "internal_server_error",
        message: str = "Injected failure.",
    ) -> None:
        """Answer `times` requests matching `method` and `path` (a glob, e.g.
        `/wp-json/wc/v3/products/*`) with `status` and a WordPress error body, after letting
        `skip` matching requests through."""
        with self._lock:
            body = {"code": code, "message": message, "data": {"status": status}}
            self._faults.append(_Fault(method.upper(), path, times, status=status, body=body, skip=skip))

    def delay_next(self, method: str, path: str, seconds: float, *, times: int = 1) -> None:
        """Hold the next `times` matching requests for `seconds` before answering normally."""
        with self._lock:
            self._faults.append(_Fault(method.upper(), path, times, delay_s=seconds))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_matching(self, method: str, path: str) -> list[RecordedRequest]:
        """Recorded requests by method and path glob."""
        return [r for r in self.requests if r.method == method.upper() and fnmatch.fnmatchcase(r.path, path)]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # rendering

    def _image(self, image_id: int) -> dict[str, Any] | None:
        media = self._media.get(image_id)
        if not media:
            return None
        return {
            "id": image_id,
            "date_created": media["date"],
            "date_created_gmt": media["date"],
            "date_modified": media["date"],
            "date_modified_gmt": media["date"],
            "src": media["source_url"],
            "name": PurePath(media["file"]).stem,
            "alt": media["alt_text"],
        }

    def _shown(self, p: dict[str, Any]) -> tuple[list[int], dict[str, str]]:
        """A variation's image and dimensions as WooCommerce shows them (its 'view' context): blank
        ones are the parent's (the parent's featured image, the parent's length/width/height)."""
        if p["type"] != "variation":
            return p["image_ids"], dict(p["dimensions"])
        parent = self._products[p["parent_id"]]
        images = p["image_ids"] or parent["image_ids"][:1]
        return images, {k: v or parent["dimensions"][k] for k, v in p["dimensions"].items()}

    def _permalink(self, p: dict[str, Any]) -> str:
        if p["type"] != "variation":
            return f"{self.url}/product/{p['slug']}/"
        parent = self._products[p["parent_id"]]
        query = "&".join(f"attribute_{a['slug']}={quote(a['option'])}" for a in p["attributes"])
        return f"{self.url}/product/{parent['slug']}/?{query}"

    def _render_variation(self, p: dict[str, Any]) -> dict[str, Any]:
        """`/products/<parent>/variations/<id>`: the variations schema (one `image`, the short name),
        as recorded in wc_products_variations_update.json."""
        image_ids, dimensions = self._shown(p)
        return {
            "id": p["id"],
            "type": "variation",
            "date_created": p["date_created"],
            "date_created_gmt": p["date_created"],
            "date_modified": p["date_modified"],
            "date_modified_gmt": p["date_modified"],
            "description": p["description"],
            "permalink": self._permalink(p),
            "sku": p["sku"],
            "price": p["regular_price"],
            "regular_price": p["regular_price"],
            "status": p["status"],
            "dimensions": dimensions,
            "image": self._image(image_ids[0]) if image_ids else None,
            "attributes": copy.deepcopy(p["attributes"]),
            "menu_order": 0,
            "meta_data": copy.deepcopy(p["meta"]),
            "name": p["name"],
            "parent_id": p["parent_id"],
        }

    def _render(self, p: dict[str, Any]) -> dict[str, Any]:
        image_ids, dimensions = self._shown(p)
        images = [image for image in (self._image(i) for i in image_ids) if image]
        variation = p["type"] == "variation"
        children = (
            sorted(v["id"] for v in self._products.values() if v["parent_id"] == p["id"] and v["type"] == "variation")
            if p["type"] == "variable" else []
        )
        return {
            "id": p["id"],
            # The products schema names a variation "<parent> - <options>" (recorded in product_created__variation).
            "name": f"{self._products[p['parent_id']]['name']} - {p['name']}" if variation else p["name"],
            "slug": p["slug"],
            "permalink": self._permalink(p),
            "date_created": p["date_created"],
            "date_created_gmt": p["date_created"],
            "date_modified": p["date_modified"],
            "date_modified_gmt": p["date_modified"],
            "type": p["type"],
            "status": p["status"],
            "featured": False,
            "catalog_visibility": "visible",
            "description": p["description"],
            "short_description": p["short_description"],
            "sku": p["sku"],
            "price": p["regular_price"],
            "regular_price": p["regular_price"],
            "sale_price": "",
            "on_sale": False,
            "purchasable": True,
            "virtual": False,
            "downloadable": False,
            "manage_stock": False,
            "stock_quantity": None,
            "stock_status": "instock",
            "weight": "",
            "dimensions": dimensions,
            "parent_id": p["parent_id"],
            "categories": copy.deepcopy(p["categories"]),
            "tags": [],
            "images": images,
            "attributes": copy.deepcopy(p["attributes"]),
            "variations": children,
            "meta_data": copy.deepcopy(p["meta"]),
        }

    def _render_media(self, m: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": m["id"],
            "date": m["date"],
            "date_gmt": m["date"],
            "guid": {"rendered": m["source_url"], "raw": m["source_url"]},
            "slug": m["slug"],
            "status": m.get("status", "inherit"),
            "type": "attachment",
            "title": {"raw": m["title"], "rendered": m["title"]},
            "author": 1,
            "alt_text": m["alt_text"],
            "media_type": "image" if m["mime_type"].startswith("image/") else "file",
            "mime_type": m["mime_type"],
            "media_details": {"filesize": m["filesize"], "sizes": {}},
            "post": m["post"],
            "source_url": m["source_url"],
        }

    def _render_webhook(self, w: dict[str, Any]) -> dict[str, Any]:
        resource, event = w["topic"].split(".", 1)
        return {
            "id": w["id"],
            "name": w["name"],
            "status": w["status"],
            "topic": w["topic"],
            "resource": resource,
            "event": event,
            "delivery_url": w["delivery_url"],
            "date_created": w["date_created"],
            "date_created_gmt": w["date_created"],
            "date_modified": w["date_modified"],
            "date_modified_gmt": w["date_modified"],
        }

    # state changes

    def _store_media(self, filename: str, data: bytes, mime_type: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            now = datetime.now(timezone.utc)
            folder = f"{now:%Y}/{now:%m}"
            stem, dot, ext = PurePath(filename).name.rpartition(".")
            if not dot:
                stem, ext = ext, ""
            name, n = filename, 0
            while f"{folder}/{name}" in self._files:  # WordPress: model.glb, model-1.glb, model-2.glb…
                n += 1
                name = f"{stem}-{n}.{ext}" if ext else f"{stem}-{n}"
            path = f"{folder}/{name}"
            self._files[path] = (data, mime_type)
            attachment_id = next(self._ids)
            self._media[attachment_id] = {
                "id": attachment_id,
                "date": _now(),
                "file": path,
                "slug": PurePath(name).stem,
                "title": fields.get("title") or PurePath(name).stem,
                "alt_text": fields.get("alt_text") or "",
                "post": int(fields["post"]) if fields.get("post") else None,
                "mime_type": mime_type,
                "filesize": len(data),
                "source_url": f"{self.url}/wp-content/uploads/{path}",
                "status": _attachment_status(fields.get("status")),
            }
            return self._render_media(self._media[attachment_id])

    def _update_product(self, product_id: int, body: Mapping[str, Any]) -> None:
        with self._lock:
            p = self._products[product_id]
            for key in ("name", "status", "description", "short_description", "sku", "regular_price", "type"):
                if key in body:
                    p[key] = body[key]
            if isinstance(body.get("dimensions"), dict):
                p["dimensions"].update({k: str(v) for k, v in body["dimensions"].items() if k in p["dimensions"]})
            if isinstance(body.get("image"), dict) and p["type"] == "variation":
                image_id = int(body["image"].get("id") or 0)
                p["image_ids"] = [image_id] if image_id in self._media else []
            if isinstance(body.get("images"), list):
                ids = []
                for image in body["images"]:
                    if "id" in image and int(image["id"]) in self._media:
                        ids.append(int(image["id"]))
                    elif "src" in image:
                        ids.append(self._sideload(str(image["src"])))
                p["image_ids"] = ids
            for change in body.get("meta_data") or []:
                self._write_meta(p, change)
            p["date_modified"] = _now()

    def _sideload(self, src: str) -> int:
        data = self.file_bytes(src)
        if data is None:
            data = requests.get(src, timeout=10).content
        return int(self._store_media(PurePath(src).name, data, IMAGE_EXTENSIONS.get(_ext(src), "image/jpeg"))["id"])

    def _write_meta(self, product: dict[str, Any], change: Mapping[str, Any]) -> None:
        """WooCommerce's rules, as recorded: by id when the id exists; otherwise by key, the first
        row updated in place and further rows of the key deleted; a null value with an id deletes."""
        rows: list[dict[str, Any]] = product["meta"]
        key, value = change.get("key"), change.get("value")
        try:
            meta_id = int(change["id"]) if change.get("id") not in (None, "") else None
        except (TypeError, ValueError):
            meta_id = None
        by_id = next((row for row in rows if meta_id is not None and row["id"] == meta_id), None)
        if by_id is not None:
            if value is None:
                rows.remove(by_id)
            else:
                by_id["value"] = copy.deepcopy(value)
                by_id["key"] = key or by_id["key"]
            return
        same_key = [row for row in rows if row["key"] == key]
        if same_key:
            same_key[0]["value"] = copy.deepcopy(value)
            for extra in same_key[1:]:
                rows.remove(extra)
        else:
            rows.append({"id": next(self._meta_ids), "key": key, "value": copy.deepcopy(value)})

    def _fire(self, topic: str, product_id: int) -> None:
        """Deliver `topic` to each active webhook, in the background, signed like WooCommerce."""
        if not self.deliver_webhooks:
            return
        with self._lock:
            targets = [dict(w) for w in self._webhooks.values() if w["status"] == "active" and w["topic"] == topic]
            payload = _php_json(self._render(self._products[product_id]))
        for webhook in targets:
            thread = threading.Thread(target=self._deliver, args=(webhook, topic, payload), daemon=True)
            self._deliveries.append(thread)
            thread.start()

    def _deliver(self, webhook: dict[str, Any], topic: str, payload: bytes) -> None:
        resource, event = topic.split(".", 1)
        headers = {
            "User-Agent": "WooCommerce/10.0.2 Hookshot (WordPress/6.8.3)",
            "Content-Type": "application/json",
            "X-WC-Webhook-Source": f"{self.url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": webhook_signature(payload, webhook["secret"]),
            "X-WC-Webhook-ID": str(webhook["id"]),
            "X-WC-Webhook-Delivery-ID": uuid.uuid4().hex,
        }
        try:
            ok = 200 <= requests.post(webhook["delivery_url"], data=payload, headers=headers, timeout=10).status_code < 303
        except requests.RequestException:
            ok = False
        with self._lock:
            stored = self._webhooks.get(webhook["id"])
            if stored is None:
                return
            # WooCommerce disables a webhook after more than 5 consecutive failures.
            stored["failure_count"] = 0 if ok else stored["failure_count"] + 1
            if stored["failure_count"] > 5:
                stored["status"] = "disabled"

    # HTTP

    def _build_app(self) -> Flask:
        app = Flask("fake_store")
        store = self

        @app.before_request
        def authenticate_and_inject() -> Response | None:
            fault = store._take_fault(request.method, request.path)
            if fault is not None:
                if fault.delay_s:
                    time.sleep(fault.delay_s)
                if fault.status is not None:
                    return store._json(fault.body, fault.status)
            try:
                if request.path.startswith("/wp-json/wc/v3/"):
                    store._check_woocommerce_auth()
                elif request.path.startswith("/wp-json/wp/v2/"):
                    store._check_wordpress_auth()
            except _ApiError as exc:
                return store._error(exc)
            return None

        @app.after_request
        def record(response: Response) -> Response:
            with store._lock:
                store._requests.append(
                    RecordedRequest(
                        method=request.method,
                        path=request.path,
                        query=dict(parse_qsl(request.query_string.decode(), keep_blank_values=True)),
                        headers=dict(request.headers),
                        body=request.get_data(cache=True),
                        status=response.status_code,
                    )
                )
            return response

        @app.errorhandler(_ApiError)
        def api_error(exc: _ApiError) -> Response:
            return store._error(exc)

        app.add_url_rule("/wp-json/wc/v3/products", view_func=self._products_view, methods=["GET", "POST"])
        app.add_url_rule("/wp-json/wc/v3/products/categories", view_func=self._categories_view)
        app.add_url_rule("/wp-json/wc/v3/products/batch", view_func=self._batch_view, methods=["POST"])
        app.add_url_rule(
            "/wp-json/wc/v3/products/<int:product_id>", view_func=self._product_view, methods=["GET", "PUT", "POST"]
        )
        app.add_url_rule(
            "/wp-json/wc/v3/products/<int:product_id>/variations", view_func=self._variations_view, methods=["GET", "POST"]
        )
        app.add_url_rule(
            "/wp-json/wc/v3/products/<int:product_id>/variations/batch", view_func=self._variations_batch_view,
            methods=["POST"],
        )
        app.add_url_rule(
            "/wp-json/wc/v3/products/<int:product_id>/variations/<int:variation_id>", view_func=self._variation_view,
            methods=["GET", "PUT", "POST"],
        )
        app.add_url_rule(
            "/wp-json/wc/v3/settings/products/woocommerce_dimension_unit", view_func=self._dimension_unit_view
        )
        app.add_url_rule("/wp-json/wc/v3/system_status", view_func=self._system_status_view)
        app.add_url_rule("/wp-json/wc/v3/webhooks", view_func=self._webhooks_view, methods=["GET", "POST"])
        app.add_url_rule(
            "/wp-json/wc/v3/webhooks/<int:webhook_id>", view_func=self._webhook_view, methods=["GET", "PUT", "POST", "DELETE"]
        )
        app.add_url_rule("/wp-json/wp/v2/media", view_func=self._media_upload_view, methods=["POST"])
        app.add_url_rule(
            "/wp-json/wp/v2/media/<int:attachment_id>", view_func=self._media_item_view, methods=["GET", "POST", "DELETE"]
        )
        app.add_url_rule("/wp-json/wp/v2/users/me", view_func=self._me_view)
        app.add_url_rule("/wp-content/uploads/<path:path>", view_func=self._file_view)
        # Any other address: WordPress answers `?attachment_id=N` on every path (attachment pages off,
        # the default since 6.4) with a redirect to the attachment's file, whatever the path's extension.
        everything = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        app.add_url_rule("/", view_func=self._other_view, defaults={"path": ""}, methods=everything)
        app.add_url_rule("/<path:path>", view_func=self._other_view, methods=everything)
        return app

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fnmatch.fnmatchcase(path, fault.path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _check_woocommerce_auth(self) -> None:
        params = dict(parse_qsl(request.query_string.decode(), keep_blank_values=True))
        if "oauth_signature" in params:
            if request.scheme == "https":
                raise _ApiError(401, "woocommerce_rest_authentication_error", "OAuth 1.0a is only for plain http.")
            if params.get("oauth_consumer_key") != self.consumer_key:
                raise _ApiError(401, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
            base_url = f"http://{request.host}{request.path}"
            expected = oauth1_signature(request.method, base_url, params, self.consumer_secret)
            if not hmac.compare_digest(expected, unquote(params["oauth_signature"].replace(" ", "+"))):
                raise _ApiError(
                    401, "woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match."
                )
            try:
                timestamp = int(params.get("oauth_timestamp", ""))
            except ValueError:
                timestamp = 0
            if abs(time.time() - timestamp) > OAUTH_WINDOW_S:
                raise _ApiError(401, "woocommerce_rest_authentication_error", "Invalid timestamp.")
            if request.method != "GET" and self.key_permissions not in ("write", "read_write"):
                raise _ApiError(
                    401, "woocommerce_rest_authentication_error", "The API key provided does not have write permissions."
                )
            nonce = (params.get("oauth_nonce", ""), str(timestamp))
            with self._lock:
                if nonce in self._nonces:
                    raise _ApiError(
                        401, "woocommerce_rest_authentication_error", "Invalid nonce - nonce has already been used."
                    )
                self._nonces.add(nonce)
            return
        if self._app_password_ok():
            return
        listing = request.method == "GET" and request.path.rstrip("/").endswith(("products", "webhooks"))
        message = "Sorry, you cannot list resources." if listing else "Sorry, you cannot view this resource."
        raise _ApiError(401, "woocommerce_rest_cannot_view", message)

    def _check_wordpress_auth(self) -> None:
        auth = request.authorization
        if auth is not None and auth.type == "basic" and self.app_passwords_available:
            if auth.username != self.username:
                raise _ApiError(401, "invalid_username", "Unknown username. Check again or try your email address.")
            if auth.password != self.application_password:
                raise _ApiError(401, "incorrect_password", "The provided password is an invalid application password.")
            return
        if request.path.endswith("/users/me"):
            raise _ApiError(401, "rest_not_logged_in", "You are not currently logged in.")
        if request.method == "DELETE":
            raise _ApiError(401, "rest_cannot_delete", "Sorry, you are not allowed to delete this post.")
        if request.method == "POST":
            raise _ApiError(401, "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.")
        raise _ApiError(401, "rest_forbidden", "Sorry, you are not allowed to do that.")

    def _app_password_ok(self) -> bool:
        auth = request.authorization
        return bool(
            auth is not None
            and self.app_passwords_available
            and auth.username == self.username
            and auth.password == self.application_password
        )

    def _json(self, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
        return Response(_php_json(body), status=status, headers=dict(headers or {}), content_type="application/json; charset=UTF-8")

    def _error(self, exc: _ApiError) -> Response:
        return self._json({"code": exc.code, "message": exc.message, "data": {"status": exc.status}}, exc.status)

    def _body(self) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if body is None and request.get_data():
            raise _ApiError(400, "rest_invalid_json", "Invalid JSON body passed.")
        return body if isinstance(body, dict) else {}

    def _products_view(self) -> Response:
        if request.method == "POST":
            body = self._body()
            images = [m for m in (self._media.get(int(i["id"])) for i in body.pop("images", []) if "id" in i) if m]
            created = self.add_product(
                name=str(body.pop("name", "Product")),
                images=images,
                status=str(body.pop("status", "publish")),
                meta={row["key"]: row.get("value") for row in body.pop("meta_data", []) if "key" in row},
            )
            self._fire("product.created", created["id"])
            return self._json(created, 201)
        args = request.args
        page, per_page = _paging(args)
        status = args.get("status", "any")
        modified_after = args.get("modified_after")
        category = args.get("category")
        with self._lock:
            product_type = args.get("type")
            chosen = [
                p
                for p in self._products.values()
                # Variations are `product_variation` posts: the products listing never shows them.
                if p["type"] != "variation"
                and (not product_type or p["type"] == product_type)
                and (status == "any" or p["status"] == status)
                and (not modified_after or p["date_modified"] > modified_after[:19])
                and (not category or any(str(c["id"]) == category for c in p["categories"]))
            ]
            key = "date_modified" if args.get("orderby") == "modified" else "id"
            chosen.sort(key=lambda p: p[key], reverse=args.get("order", "desc") == "desc")
            total = len(chosen)
            pages = (total + per_page - 1) // per_page
            rendered = [self._render(p) for p in chosen[(page - 1) * per_page : page * per_page]]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        raw_query = request.query_string.decode()
        # Like WordPress: the links repeat the whole query string, OAuth parameters included.
        for rel, target in (("prev", page - 1), ("next", page + 1)):
            if 1 <= target <= pages:
                query = raw_query.replace(f"page={page}", f"page={target}", 1)
                links.append(f'<{self.url}{request.path}?{query}>; rel="{rel}"')
        if links:
            headers["Link"] = ", ".join(links)
        return self._json(rendered, 200, headers)

    def _product_view(self, product_id: int) -> Response:
        with self._lock:
            if product_id not in self._products:
                raise _ApiError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
            if request.method in ("PUT", "POST"):
                if self._products[product_id]["type"] == "variation":
                    raise _ApiError(404, "woocommerce_rest_invalid_product_id", VARIATION_ROUTE_MESSAGE)
                self._update_product(product_id, self._body())
            rendered = self._render(self._products[product_id])
        if request.method in ("PUT", "POST"):
            self._fire("product.updated", product_id)
        return self._json(rendered)

    def _parent(self, product_id: int) -> dict[str, Any]:
        parent = self._products.get(product_id)
        if parent is None or parent["type"] == "variation":
            raise _ApiError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        return parent

    def _variations_view(self, product_id: int) -> Response:
        """`/products/<parent>/variations`: list (id order, `modified_after`) or create."""
        with self._lock:
            parent = self._parent(product_id)
        if request.method == "POST":
            body = self._body()
            image = self._media.get(int(_mapping(body.get("image")).get("id") or 0))
            created = self.add_variation(
                parent["id"],
                attributes={str(a.get("name")): str(a.get("option")) for a in body.get("attributes") or []},
                image=image,
            )
            self._fire("product.created", created["id"])
            return self._json(created, 201)
        args = request.args
        page, per_page = _paging(args)
        modified_after = args.get("modified_after")
        with self._lock:
            chosen = sorted(
                (p for p in self._products.values()
                 if p["type"] == "variation" and p["parent_id"] == product_id
                 and (not modified_after or p["date_modified"] > modified_after[:19])),
                key=lambda p: p["id"], reverse=args.get("order", "desc") == "desc",
            )
            total = len(chosen)
            rendered = [self._render_variation(p) for p in chosen[(page - 1) * per_page : page * per_page]]
        pages = (total + per_page - 1) // per_page
        return self._json(rendered, 200, {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)})

    def _variation_view(self, product_id: int, variation_id: int) -> Response:
        with self._lock:
            self._parent(product_id)
            variation = self._products.get(variation_id)
            if variation is None or variation["type"] != "variation" or variation["parent_id"] != product_id:
                raise _ApiError(404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
            if request.method in ("PUT", "POST"):
                self._update_product(variation_id, self._body())
            rendered = self._render_variation(variation)
        if request.method in ("PUT", "POST"):
            self._fire("product.updated", variation_id)
        return self._json(rendered)

    def _variations_batch_view(self, product_id: int) -> Response:
        """Only the empty batch (the doctor's write probe), like `_batch_view`."""
        with self._lock:
            self._parent(product_id)
        body = self._body()
        if any(body.get(key) for key in ("create", "update", "delete")):
            raise _ApiError(400, "rest_invalid_param", "The fake store only answers an empty batch.")
        return self._json([])

    def _batch_view(self) -> Response:
        """Only the empty batch (a write-permission probe): WooCommerce answers it with an empty list."""
        body = self._body()
        if any(body.get(key) for key in ("create", "update", "delete")):
            raise _ApiError(400, "rest_invalid_param", "The fake store only answers an empty batch.")
        return self._json([])

    def _categories_view(self) -> Response:
        slug = request.args.get("slug")
        with self._lock:
            found = [dict(c) for c in self._categories.values() if slug is None or c["slug"] == slug]
        return self._json(found, 200, {"X-WP-Total": str(len(found)), "X-WP-TotalPages": "1"})

    def _dimension_unit_view(self) -> Response:
        return self._json(
            {
                "id": "woocommerce_dimension_unit",
                "label": "Dimensions unit",
                "description": "This controls what unit you will define lengths in.",
                "type": "select",
                "default": "cm",
                "options": {"m": "m", "cm": "cm", "mm": "mm", "in": "in", "yd": "yd"},
                "tip": "This controls what unit you will define lengths in.",
                "value": self.dimension_unit,
                "group_id": "products",
            }
        )

    def _system_status_view(self) -> Response:
        return self._json(
            {
                "environment": {
                    "home_url": self.url,
                    "site_url": self.url,
                    "version": "10.0.2",
                    "wp_version": "6.8.3",
                    "php_version": "8.2.36",
                    "max_upload_size": 67108864,
                },
                "settings": {"force_ssl": False, "currency": "USD"},
            }
        )

    def _webhooks_view(self) -> Response:
        if request.method == "POST":
            body = self._body()
            if body.get("topic") not in ("product.created", "product.updated", "product.deleted", "product.restored"):
                raise _ApiError(400, "rest_invalid_param", "Invalid parameter(s): topic")
            with self._lock:
                webhook_id = next(self._ids)
                self._webhooks[webhook_id] = {
                    "id": webhook_id,
                    "name": str(body.get("name", "")),
                    "status": str(body.get("status", "active")),
                    "topic": body["topic"],
                    "delivery_url": str(body.get("delivery_url", "")),
                    "secret": str(body.get("secret", "")),
                    "failure_count": 0,
                    "date_created": _now(),
                    "date_modified": None,
                }
                rendered = self._render_webhook(self._webhooks[webhook_id])
            if self.deliver_webhooks:
                # Like WooCommerce: one synchronous, unsigned ping; its answer does not fail the create.
                try:
                    requests.post(rendered["delivery_url"], data={"webhook_id": str(webhook_id)}, timeout=10)
                except requests.RequestException:
                    pass
            return self._json(rendered, 201)
        with self._lock:
            found = [self._render_webhook(w) for w in sorted(self._webhooks.values(), key=lambda w: -w["id"])]
        return self._json(found, 200, {"X-WP-Total": str(len(found)), "X-WP-TotalPages": "1" if found else "0"})

    def _webhook_view(self, webhook_id: int) -> Response:
        with self._lock:
            webhook = self._webhooks.get(webhook_id)
            if webhook is None:
                raise _ApiError(404, "woocommerce_rest_webhook_invalid_id", "Invalid ID.")
            rendered = self._render_webhook(webhook)
            if request.method == "DELETE":
                if request.args.get("force") not in ("true", "1"):
                    raise _ApiError(501, "woocommerce_rest_trash_not_supported", "Webhooks do not support trashing.")
                del self._webhooks[webhook_id]
            elif request.method in ("PUT", "POST"):
                body = self._body()
                for key in ("name", "status", "topic", "delivery_url", "secret"):
                    if key in body:
                        webhook[key] = str(body[key])
                webhook["date_modified"] = _now()
                rendered = self._render_webhook(webhook)
        return self._json(rendered)

    def _media_upload_view(self) -> Response:
        disposition = request.headers.get("Content-Disposition", "")
        filename = disposition.split("filename=", 1)[-1].strip().strip('"') if "filename=" in disposition else ""
        if not filename:
            raise _ApiError(400, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
        data = request.get_data()
        if not data:
            raise _ApiError(400, "rest_upload_no_data", "No data supplied.")
        ext = _ext(filename)
        allowed = IMAGE_EXTENSIONS | OTHER_EXTENSIONS | (MODEL_EXTENSIONS if self.allow_3d_uploads else {})
        if ext not in allowed:
            raise _ApiError(500, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type.")
        created = self._store_media(filename, data, allowed[ext], **request.args.to_dict())
        headers = {
            "X-WP-Upload-Attachment-ID": str(created["id"]),
            "Location": f"{self.url}/wp-json/wp/v2/media/{created['id']}",
        }
        return self._json(created, 201, headers)

    def _media_item_view(self, attachment_id: int) -> Response:
        with self._lock:
            media = self._media.get(attachment_id)
            if media is None:
                raise _ApiError(404, "rest_post_invalid_id", "Invalid post ID.")
            if request.method == "DELETE":
                if request.args.get("force") not in ("true", "1"):
                    raise _ApiError(501, "rest_trash_not_supported", "The post does not support trashing. Set 'force=true' to delete.")
                previous = self._render_media(media)
                del self._media[attachment_id]
                self._files.pop(media["file"], None)
                return self._json({"deleted": True, "previous": previous})
            if request.method == "POST":
                body = self._body()
                if "title" in body:
                    media["title"] = str(body["title"])
                if "alt_text" in body:
                    media["alt_text"] = str(body["alt_text"])
                if "post" in body:
                    media["post"] = int(body["post"]) or None
                if "status" in body:
                    media["status"] = _attachment_status(body["status"])
            return self._json(self._render_media(media))

    def _me_view(self) -> Response:
        return self._json({"id": 1, "name": self.username, "slug": self.username})

    def _other_view(self, path: str) -> Response:
        attachment_id = request.args.get("attachment_id", "")
        with self._lock:
            media = self._media.get(int(attachment_id)) if attachment_id.isdigit() else None
        if request.method != "GET" or media is None:
            return Response("Not Found", status=404, content_type="text/html")
        return Response(status=301, headers={"Location": media["source_url"]})

    def _file_view(self, path: str) -> Response:
        with self._lock:
            found = self._files.get(path)
        if found is None:
            return Response("Not Found", status=404, content_type="text/html")
        return Response(found[0], content_type=found[1])


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _ext(filename: str) -> str:
    return PurePath(filename.split("?", 1)[0]).suffix.lower().lstrip(".")


def _slug(name: str, product_id: int) -> str:
    slug = "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
    return slug or f"product-{product_id}"


def _paging(args: Any) -> tuple[int, int]:
    """`page` and `per_page` of a listing, refused as WooCommerce refuses them (400 rest_invalid_param)."""
    try:
        page = int(args.get("page", "1"))
        per_page = int(args.get("per_page", "10"))
    except ValueError as exc:
        raise _ApiError(400, "rest_invalid_param", "Invalid parameter(s): page, per_page") from exc
    if not 1 <= per_page <= 100:
        raise _ApiError(400, "rest_invalid_param", "Invalid parameter(s): per_page")
    return page, per_page
