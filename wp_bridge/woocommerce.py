"""WooCommerce REST v3 client: products, their meta, the dimension unit, webhooks, system status."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal
from urllib.parse import urlencode

import requests
from requests.auth import HTTPBasicAuth
from woocommerce.oauth import OAuth

from wp_bridge.errors import PermanentStoreError
from wp_bridge.retry import RetryPolicy, send

MAX_PER_PAGE = 100
WebhookTopic = Literal["product.created", "product.updated", "product.deleted", "product.restored"]
WebhookStatus = Literal["active", "paused", "disabled"]


@dataclass(frozen=True)
class ProductImage:
    id: int
    src: str
    name: str = ""
    alt: str = ""


@dataclass(frozen=True)
class ProductDimensions:
    """WooCommerce's raw strings in the store's dimension unit; blank when the merchant left them out."""

    length: str = ""
    width: str = ""
    height: str = ""


@dataclass(frozen=True)
class ProductAttribute:
    name: str
    options: tuple[str, ...] = ()
    id: int = 0


@dataclass(frozen=True)
class ProductCategory:
    id: int
    name: str = ""
    slug: str = ""


@dataclass(frozen=True)
class ProductTag:
    id: int
    name: str = ""
    slug: str = ""


@dataclass(frozen=True)
class Product:
    """The product fields woo3d uses, parsed from a `/wc/v3/products/<id>` representation or a
    variation's `/wc/v3/products/<parent>/variations/<id>` (whose one `image` becomes `images`).

    `meta` maps each meta key to its value (the first row when a key has several, as
    WooCommerce's `get_meta` does); `meta_ids` maps the same keys to their row ids.
    """

    id: int
    name: str
    slug: str = ""
    type: str = "simple"
    status: str = "publish"
    parent_id: int = 0
    description: str = ""
    short_description: str = ""
    permalink: str = ""
    images: tuple[ProductImage, ...] = ()
    dimensions: ProductDimensions = field(default_factory=ProductDimensions)
    attributes: tuple[ProductAttribute, ...] = ()
    categories: tuple[ProductCategory, ...] = ()
    tags: tuple[ProductTag, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    meta_ids: Mapping[str, int] = field(default_factory=dict)
    date_modified: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Product:
        """Parse a product as the REST API and webhook deliveries send it.

        Raises PermanentStoreError when `data` is not a product (no integer id).
        """
        product_id = data.get("id")
        if not isinstance(product_id, int) or isinstance(product_id, bool):
            raise PermanentStoreError(f"not a WooCommerce product: id is {product_id!r}")
        meta: dict[str, Any] = {}
        meta_ids: dict[str, int] = {}
        for row in _dicts(data.get("meta_data")):
            key = row.get("key")
            if isinstance(key, str) and key not in meta:
                meta[key] = row.get("value")
                meta_ids[key] = _int(row.get("id"))
        dimensions = _mapping(data.get("dimensions"))
        # The variations endpoint names a variation's one photo `image` (null when it has none).
        images = _dicts(data.get("images")) if "images" in data else _dicts([data.get("image")])
        return cls(
            id=product_id,
            name=_str(data.get("name")),
            slug=_str(data.get("slug")),
            type=_str(data.get("type")) or "simple",
            status=_str(data.get("status")) or "publish",
            parent_id=_int(data.get("parent_id")),
            description=_str(data.get("description")),
            short_description=_str(data.get("short_description")),
            permalink=_str(data.get("permalink")),
            images=tuple(
                ProductImage(id=_int(i.get("id")), src=_str(i.get("src")), name=_str(i.get("name")), alt=_str(i.get("alt")))
                for i in images
                if i.get("src")
            ),
            dimensions=ProductDimensions(
                length=_str(dimensions.get("length")), width=_str(dimensions.get("width")), height=_str(dimensions.get("height"))
            ),
            attributes=tuple(
                ProductAttribute(
                    name=_str(a.get("name")),
                    # Products list `options`; a variation carries its one chosen `option`.
                    options=tuple(
                        _str(o) for o in a.get("options") or [a.get("option")] if isinstance(o, str | int | float)
                    ),
                    id=_int(a.get("id")),
                )
                for a in _dicts(data.get("attributes"))
            ),
            categories=tuple(
                ProductCategory(id=_int(c.get("id")), name=_str(c.get("name")), slug=_str(c.get("slug")))
                for c in _dicts(data.get("categories"))
            ),
            tags=tuple(
                ProductTag(id=_int(t.get("id")), name=_str(t.get("name")), slug=_str(t.get("slug")))
                for t in _dicts(data.get("tags"))
            ),
            meta=meta,
            meta_ids=meta_ids,
            date_modified=_gmt(data.get("date_modified_gmt")),
        )

    @property
    def is_variation(self) -> bool:
        return self.type == "variation" and self.parent_id > 0

    @property
    def is_variable(self) -> bool:
        return self.type == "variable"


@dataclass(frozen=True)
class ProductPage:
    """One page of a product listing, with WooCommerce's X-WP-Total / X-WP-TotalPages."""

    products: tuple[Product, ...]
    page: int
    total: int
    total_pages: int


@dataclass(frozen=True)
class Webhook:
    id: int
    name: str
    status: str
    topic: str
    delivery_url: str
    date_created: datetime | None = None
    date_modified: datetime | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Webhook:
        return cls(
            id=_int(data.get("id")),
            name=_str(data.get("name")),
            status=_str(data.get("status")),
            topic=_str(data.get("topic")),
            delivery_url=_str(data.get("delivery_url")),
            date_created=_gmt(data.get("date_created_gmt")),
            date_modified=_gmt(data.get("date_modified_gmt")),
        )


@dataclass(frozen=True)
class StoreStatus:
    """What `GET /wc/v3/system_status` says about the store's software and limits."""

    home_url: str
    woocommerce_version: str
    wordpress_version: str
    php_version: str
    max_upload_size: int
    force_ssl: bool


class WooCommerceClient:
    """WooCommerce REST v3 with consumer keys: one-legged OAuth 1.0a over http, HTTP Basic over https.

    Requests are signed with the `woocommerce` package's OAuth signer but sent through an
    injectable `requests.Session`: `woocommerce.API` itself calls module-level `requests.request`
    (no session to inject or pool) and, over http, appends the query parameters twice.
    """

    def __init__(
        self,
        url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        session: requests.Session | None = None,
        timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._key = consumer_key
        self._secret = consumer_secret
        self._session = session or requests.Session()
        self._timeout_s = timeout_s
        self._retry = retry or RetryPolicy()
        self._dimension_unit: str | None = None

    def __repr__(self) -> str:
        return f"WooCommerceClient(url={self.url!r})"

    # products

    def get_product(self, product_id: int, *, parent_id: int = 0) -> Product:
        """One product, or with `parent_id` one variation of that variable product (through
        `/products/<parent>/variations/<id>`). Raises ProductNotFound, AuthenticationError, or
        another StoreError."""
        return Product.from_api(self._json("GET", _item_path(product_id, parent_id)))

    def resolve(self, product_id: int) -> Product:
        """The product or variation with this id, whichever it is: WooCommerce's `/products/<id>` reads a
        variation too (but refuses to write one), so a variation is read again through its parent's
        variations route, the form woo3d writes. Raises ProductNotFound or another StoreError."""
        product = self.get_product(product_id)
        return self.get_product(product_id, parent_id=product.parent_id) if product.is_variation else product

    def list_variations(
        self, parent_id: int, *, page: int = 1, per_page: int = MAX_PER_PAGE, modified_after: datetime | None = None
    ) -> ProductPage:
        """One page of a variable product's variations, in id order (`/products/<parent>/variations`);
        the product listing never includes variations. Raises ProductNotFound or another StoreError."""
        params = {"page": str(page), "per_page": str(min(max(per_page, 1), MAX_PER_PAGE)), "orderby": "id",
                  "order": "asc", **_modified_after(modified_after)}
        response = self._request("GET", f"products/{int(parent_id)}/variations", params=params)
        return _page(response, page, int(params["per_page"]))

    def iter_variations(
        self, parent_id: int, *, per_page: int = MAX_PER_PAGE, modified_after: datetime | None = None
    ) -> Iterator[Product]:
        """Every variation of a variable product (changed after `modified_after`, when given), page by page."""
        page = 1
        while True:
            result = self.list_variations(parent_id, page=page, per_page=per_page, modified_after=modified_after)
            yield from result.products
            if page >= result.total_pages or not result.products:
                return
            page += 1

    def list_products(
        self,
        *,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        modified_after: datetime | None = None,
        category: int | None = None,
        status: str = "any",
        product_type: str | None = None,
    ) -> ProductPage:
        """One page of products in id order (stable while products change); raises StoreError.

        `modified_after` is compared in GMT (a naive datetime is taken as UTC); `category` is a
        category id (see `category_id`); `product_type` one of WooCommerce's product types
        (`variable`, …; variations are never listed here: see `list_variations`).
        """
        params: dict[str, str] = {
            "page": str(page),
            "per_page": str(min(max(per_page, 1), MAX_PER_PAGE)),
            "orderby": "id",
            "order": "asc",
            "status": status,
        }
        params.update(_modified_after(modified_after))
        if category is not None:
            params["category"] = str(category)
        if product_type is not None:
            params["type"] = product_type
        return _page(self._request("GET", "products", params=params), page, int(params["per_page"]))

    def iter_products(
        self,
        *,
        per_page: int = MAX_PER_PAGE,
        modified_after: datetime | None = None,
        category: int | None = None,
        status: str = "any",
        product_type: str | None = None,
    ) -> Iterator[ProductPage]:
        """Every page of a listing, fetched by page number and signed anew.

        The `Link: rel=next` header repeats the first request's OAuth nonce and signature,
        which WooCommerce then rejects as a replay, so it is not followed.
        """
        page = 1
        while True:
            result = self.list_products(
                page=page, per_page=per_page, modified_after=modified_after, category=category, status=status,
                product_type=product_type,
            )
            yield result
            if page >= result.total_pages or not result.products:
                return
            page += 1

    def update_product_meta(self, product_id: int, values: Mapping[str, Any], *, parent_id: int = 0) -> Product:
        """Write meta by key in ONE PUT (a real store updates a key in place); returns the product.

        A variation needs its `parent_id`: WooCommerce answers a PUT of `/products/<variation id>`
        with 404 `woocommerce_rest_invalid_product_id`. Raises ProductNotFound,
        AuthenticationError, or another StoreError.
        """
        body = {"meta_data": [{"key": key, "value": value} for key, value in values.items()]}
        return Product.from_api(self._json("PUT", _item_path(product_id, parent_id), body=body))

    def delete_product_meta(self, product_id: int, key: str, meta_id: int, *, parent_id: int = 0) -> Product:
        """Delete one meta row by its id (WooCommerce deletes a row sent with its id and a null value);
        a variation needs its `parent_id`. Raises ProductNotFound or another StoreError."""
        body = {"meta_data": [{"id": int(meta_id), "key": key, "value": None}]}
        return Product.from_api(self._json("PUT", _item_path(product_id, parent_id), body=body))

    def probe_write_access(self) -> None:
        """Prove the keys may write, changing nothing: an empty `POST products/batch` needs a Read/Write
        key and a user who may edit products, but creates, updates and deletes nothing and fires no
        webhook (unlike a PUT of a product). Raises AuthenticationError or another StoreError."""
        self._json("POST", "products/batch", body={})

    def probe_variations_write_access(self) -> int | None:
        """Prove the variations routes answer and may be written, changing nothing: an empty batch on
        the first variable product's variations. Returns that product's id, or None when the store
        has no variable product. Raises AuthenticationError or another StoreError."""
        found = self.list_products(per_page=1, product_type="variable").products
        if not found:
            return None
        self._json("POST", f"products/{found[0].id}/variations/batch", body={})
        return found[0].id

    def category_id(self, slug: str) -> int | None:
        """The id of the product category with this slug, or None."""
        found = _dicts(self._json("GET", "products/categories", params={"slug": slug}))
        return _int(found[0].get("id")) if found else None

    def dimension_unit(self) -> str:
        """The store's dimension unit (`cm`, `m`, `mm`, `in`, `yd`), fetched once per client."""
        if self._dimension_unit is None:
            setting = self._json("GET", "settings/products/woocommerce_dimension_unit")
            value = setting.get("value") if isinstance(setting, dict) else None
            default = setting.get("default") if isinstance(setting, dict) else None
            self._dimension_unit = _str(value) or _str(default) or "cm"
        return self._dimension_unit

    # webhooks

    def list_webhooks(self) -> list[Webhook]:
        """Every webhook in the store, whatever its status."""
        webhooks: list[Webhook] = []
        page = 1
        while True:
            response = self._request("GET", "webhooks", params={"page": str(page), "per_page": str(MAX_PER_PAGE)})
            webhooks.extend(Webhook.from_api(w) for w in _dicts(_body(response)))
            if page >= _int(response.headers.get("X-WP-TotalPages"), default=1):
                return webhooks
            page += 1

    def get_webhook(self, webhook_id: int) -> Webhook:
        return Webhook.from_api(self._json("GET", f"webhooks/{int(webhook_id)}"))

    def create_webhook(
        self, *, name: str, topic: WebhookTopic, delivery_url: str, secret: str, status: WebhookStatus = "active"
    ) -> Webhook:
        """Create a webhook (WooCommerce pings `delivery_url` once, synchronously). Not retried after
        an ambiguous failure, so that it never creates two."""
        body = {"name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret, "status": status}
        return Webhook.from_api(self._json("POST", "webhooks", body=body, idempotent=False))

    def update_webhook(
        self,
        webhook_id: int,
        *,
        name: str | None = None,
        topic: WebhookTopic | None = None,
        delivery_url: str | None = None,
        secret: str | None = None,
        status: WebhookStatus | None = None,
    ) -> Webhook:
        """Change the given fields; e.g. `status="active"` re-activates a disabled webhook."""
        fields = {"name": name, "topic": topic, "delivery_url": delivery_url, "secret": secret, "status": status}
        body = {key: value for key, value in fields.items() if value is not None}
        return Webhook.from_api(self._json("PUT", f"webhooks/{int(webhook_id)}", body=body))

    def delete_webhook(self, webhook_id: int) -> None:
        self._json("DELETE", f"webhooks/{int(webhook_id)}", params={"force": "true"})

    def system_status(self) -> StoreStatus:
        data = self._json("GET", "system_status")
        environment, settings = _mapping(data.get("environment")), _mapping(data.get("settings"))
        return StoreStatus(
            home_url=_str(environment.get("home_url")),
            woocommerce_version=_str(environment.get("version")),
            wordpress_version=_str(environment.get("wp_version")),
            php_version=_str(environment.get("php_version")),
            max_upload_size=_int(environment.get("max_upload_size")),
            force_ssl=bool(settings.get("force_ssl")),
        )

    # transport

    def _json(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> Any:
        return _body(self._request(method, endpoint, params=params, body=body, idempotent=idempotent))

    def _request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        idempotent: bool = True,
    ) -> requests.Response:
        base = f"{self.url}/wp-json/wc/v3/{endpoint}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"

        def attempt() -> requests.Response:
            # Signed inside the attempt: each try needs a fresh OAuth timestamp and nonce.
            url, auth = self._authorize(method, base, params or {})
            return send(self._session, method, url, data=data, headers=headers, auth=auth, timeout=self._timeout_s)

        return self._retry.call(attempt, idempotent=idempotent)

    def _authorize(
        self, method: str, base: str, params: Mapping[str, str]
    ) -> tuple[str, HTTPBasicAuth | None]:
        query = urlencode(params)
        if base.startswith("https://"):
            return (f"{base}?{query}" if query else base), HTTPBasicAuth(self._key, self._secret)
        oauth = _OAuth(
            url=f"{base}?{query}" if query else base,
            consumer_key=self._key,
            consumer_secret=self._secret,
            version="wc/v3",
            method=method,
        )
        return oauth.get_oauth_url(), None


class _OAuth(OAuth):
    """The library's OAuth 1.0a signer with a nonce from `secrets`.

    Its own nonce is eight digits from Python's global `random`, whose state anything in the process
    may set (Hypothesis does, around each example): two requests signed in the same second from the
    same state carry the same nonce, and WooCommerce refuses the second as a replay. CI saw a job
    fail so ("Invalid nonce - nonce has already been used").
    """

    @staticmethod
    def generate_nonce() -> str:
        return secrets.token_hex(16)


def _modified_after(when: datetime | None) -> dict[str, str]:
    """The listing filter, compared in GMT (a naive datetime is taken as UTC)."""
    if when is None:
        return {}
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return {"modified_after": aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"), "dates_are_gmt": "true"}


def _item_path(product_id: int, parent_id: int) -> str:
    if parent_id:
        return f"products/{int(parent_id)}/variations/{int(product_id)}"
    return f"products/{int(product_id)}"


def _page(response: requests.Response, page: int, per_page: int) -> ProductPage:
    products = tuple(Product.from_api(p) for p in _dicts(_body(response)))
    # Without the headers (a proxy stripped them), a full page means there may be another.
    guess = page + 1 if len(products) == per_page else page
    return ProductPage(
        products=products,
        page=page,
        total=_int(response.headers.get("X-WP-Total"), default=(page - 1) * per_page + len(products)),
        total_pages=_int(response.headers.get("X-WP-TotalPages"), default=guess),
    )


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise PermanentStoreError(
            f"{response.request.method} {response.url.split('?')[0]} answered {response.status_code} with no JSON "
            "(a security plugin or a maintenance page in front of the REST API?)",
            status=response.status_code,
            body_excerpt=response.text[:500],
        ) from exc


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return value if isinstance(value, str) else str(value)


def _int(value: Any, *, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _gmt(value: Any) -> datetime | None:
    """WooCommerce's `*_gmt` fields (`2026-11-24T13:26:12`, no offset) as aware UTC datetimes."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
