"""WordPress media library client (`/wp/v2/media`) with an application password over HTTP Basic."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import requests
from requests.auth import HTTPBasicAuth

from wp_bridge.errors import (
    WORDPRESS_AUTH_HINT,
    AuthenticationError,
    FileTypeRefused,
    PermanentStoreError,
    ResourceNotFound,
)
from wp_bridge.retry import RetryPolicy, send

CONTENT_TYPES: Mapping[str, str] = {
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".usdz": "model/vnd.usdz+zip",
    ".obj": "model/obj",
    ".stl": "model/stl",
    ".fbx": "application/octet-stream",
    ".ply": "application/octet-stream",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
# Only what woo3d publishes (its model formats and images) is uploaded: the backend's WordPress user
# may be an administrator, whose uploads WordPress would also take as .html, .svg or .txt.
UPLOAD_EXTENSIONS = frozenset(CONTENT_TYPES)
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Attachment:
    """One media library item as WordPress describes it."""

    id: int
    source_url: str
    mime_type: str = ""
    media_type: str = ""
    title: str = ""
    alt_text: str = ""
    post: int | None = None
    filesize: int | None = None
    status: str = ""

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Attachment:
        title = data.get("title")
        details = data["media_details"] if isinstance(data.get("media_details"), dict) else {}
        post = data.get("post")
        size = details.get("filesize")
        return cls(
            id=int(data["id"]),
            source_url=str(data.get("source_url") or ""),
            mime_type=str(data.get("mime_type") or ""),
            media_type=str(data.get("media_type") or ""),
            title=str((title.get("raw") or title.get("rendered") or "") if isinstance(title, dict) else title or ""),
            alt_text=str(data.get("alt_text") or ""),
            post=post if isinstance(post, int) and post > 0 else None,
            filesize=size if isinstance(size, int) else None,
            status=str(data.get("status") or ""),
        )


@dataclass(frozen=True)
class WordPressUser:
    id: int
    name: str
    slug: str = ""


def content_type_for(filename: str) -> str:
    """The Content-Type WordPress expects for a file name (`model.glb` → `model/gltf-binary`)."""
    return CONTENT_TYPES.get(PurePath(filename).suffix.lower(), "application/octet-stream")


class MediaClient:
    """Uploads, describes and deletes attachments. WooCommerce keys do not work here: it needs a
    WordPress user and one of their application passwords."""

    def __init__(
        self,
        url: str,
        username: str | None,
        application_password: str | None,
        *,
        session: requests.Session | None = None,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._auth = HTTPBasicAuth(username, application_password) if username and application_password else None
        self._session = session or requests.Session()
        self._timeout_s = timeout_s
        self._retry = retry or RetryPolicy()

    def __repr__(self) -> str:
        return f"MediaClient(url={self.url!r})"

    def upload(
        self, data: bytes, filename: str, *, content_type: str | None = None, status: str | None = None
    ) -> Attachment:
        """Store raw bytes as a new attachment (WordPress renames a taken name: model-1.glb); with
        `status="private"`, one that WordPress lists and shows only to users who may edit it.

        Not idempotent, so it is not resent after an ambiguous failure. Raises FileTypeRefused
        before any request when the name's extension is not in UPLOAD_EXTENSIONS, MediaTypeRejected
        (stock WordPress and GLB/USDZ), AuthenticationError, or another StoreError.
        """
        safe_name = _UNSAFE_FILENAME.sub("-", PurePath(filename).name).strip("-.") or "file"
        if PurePath(safe_name).suffix.lower() not in UPLOAD_EXTENSIONS:
            raise FileTypeRefused(
                f"woo3d uploads only 3D models and images ({', '.join(sorted(UPLOAD_EXTENSIONS))}), "
                f"not {safe_name!r}", url=f"{self.url}/wp-json/wp/v2/media",
            )
        headers = {
            "Content-Type": content_type or content_type_for(safe_name),
            "Content-Disposition": f'attachment; filename="{safe_name}"',
        }
        params = {"status": status} if status else None
        return Attachment.from_api(
            self._json("POST", "media", data=data, headers=headers, params=params, idempotent=False)
        )

    def update(
        self, attachment_id: int, *, title: str | None = None, alt_text: str | None = None, post: int | None = None,
        status: str | None = None,
    ) -> Attachment:
        """Set title, alt text, the parent post (attach to a product) or the status; idempotent.
        WordPress keeps an attachment "private" or "inherit" (it stores "publish" as "inherit", and
        its REST schema refuses "inherit" itself)."""
        fields = {"title": title, "alt_text": alt_text, "post": post, "status": status}
        body = {key: value for key, value in fields.items() if value is not None}
        return Attachment.from_api(self._json("POST", f"media/{int(attachment_id)}", json=body))

    def get(self, attachment_id: int) -> Attachment:
        """One attachment. Raises ResourceNotFound when it does not exist."""
        return Attachment.from_api(self._json("GET", f"media/{int(attachment_id)}", params={"context": "edit"}))

    def delete(self, attachment_id: int) -> bool:
        """Delete for good (attachments cannot be trashed). False when it was already gone."""
        try:
            self._json("DELETE", f"media/{int(attachment_id)}", params={"force": "true"})
        except ResourceNotFound:
            return False
        return True

    def current_user(self) -> WordPressUser:
        """Who the application password logs in as: the cheapest check of the credentials."""
        data = self._json("GET", "users/me", params={"context": "edit"})
        return WordPressUser(id=int(data.get("id") or 0), name=str(data.get("name") or ""), slug=str(data.get("slug") or ""))

    def _json(self, method: str, endpoint: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        url = f"{self.url}/wp-json/wp/v2/{endpoint}"
        if self._auth is None:
            missing = AuthenticationError(
                f"WordPress media needs WP_USERNAME and WP_APPLICATION_PASSWORD. {WORDPRESS_AUTH_HINT}", url=url
            )
            missing.hint = WORDPRESS_AUTH_HINT
            raise missing
        response = self._retry.call(
            lambda: send(self._session, method, url, auth=self._auth, timeout=self._timeout_s, **kwargs),
            idempotent=idempotent,
        )
        try:
            return response.json()
        except ValueError as exc:
            raise PermanentStoreError(
                f"{method} {url} answered {response.status_code} with no JSON",
                status=response.status_code,
                body_excerpt=response.text[:500],
            ) from exc
