"""A held model's files: private attachments under unguessable names until the merchant approves them.

WordPress serves every file in uploads/ to whoever asks for its URL, whatever the attachment's status;
what "private" adds is that no anonymous listing (`/wp/v2/media`, `?attachment_id=` redirects,
attachment pages) names the file. So a held file gets both: a private attachment, and a name with
128 random bits (not the fingerprint, which anyone with the product's public photos and text could
compute), known only to the backend and to users who may edit the product (the review box).
Approval makes the kept files ordinary attachments of the product, as public as its live model.
"""

from __future__ import annotations

import secrets
from pathlib import PurePath

from wp_bridge.media import Attachment, MediaClient
from wp_bridge.metadata import ModelMeta

__all__ = ["HELD_STATUS", "release", "release_held", "upload_model_file"]

HELD_STATUS = "private"
# WordPress stores an attachment's "publish" as "inherit" (its REST schema does not take "inherit").
_RELEASED_STATUS = "publish"


def upload_model_file(media: MediaClient, data: bytes, filename: str, *, held: bool) -> Attachment:
    """Upload one of a model's files; a held one private, its name made unguessable
    (`mug-3d-1a2b3c4d5e6f.glb` → `mug-3d-1a2b3c4d5e6f-<32 hex>.glb`). Raises what MediaClient.upload raises."""
    if not held:
        return media.upload(data, filename)
    name = PurePath(filename)
    return media.upload(data, f"{name.stem}-{secrets.token_hex(16)}{name.suffix}", status=HELD_STATUS)


def release_held(media: MediaClient, model: ModelMeta) -> tuple[int, ...]:
    """Make the approved model's attachments ordinary ones (listed like the product's other media);
    idempotent, so an approval that failed after some of them is simply retried. Returns their ids.
    Raises ResourceNotFound (a file deleted behind woo3d's back) or another StoreError."""
    released = tuple(i for i in model.attachment_ids.values() if i > 0)
    for attachment_id in released:
        release(media, attachment_id)
    return released


def release(media: MediaClient, attachment_id: int) -> None:
    """Make one private attachment an ordinary one. Raises ResourceNotFound or another StoreError."""
    media.update(attachment_id, status=_RELEASED_STATUS)
