"""Write a generated model back to its product: upload what is new, one meta PUT, delete what it replaced."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import structlog

from wp_bridge.clients import StoreClients
from wp_bridge.errors import ResourceNotFound, StoreError
from wp_bridge.ledger import AttachmentLedger, LedgerEntry
from wp_bridge.metadata import META_KEY, ModelMeta
from wp_bridge.woocommerce import Product

log = structlog.get_logger(__name__)

URL_ROLES = ("glb", "usdz", "poster")
_ROLE_LABELS = {"glb": "GLB", "usdz": "USDZ (AR Quick Look)", "poster": "poster"}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class WriteBackResult:
    """What `write_back` did. `not_deleted` lists superseded attachments whose deletion failed;
    they stay in the ledger and the next write-back of the product tries again."""

    product_id: int
    fingerprint: str
    meta: ModelMeta
    attachments: Mapping[str, LedgerEntry]
    uploaded: tuple[str, ...]
    reused: tuple[str, ...]
    deleted: tuple[int, ...]
    not_deleted: tuple[int, ...]


def write_back(
    clients: StoreClients,
    *,
    product_id: int,
    fingerprint: str,
    files: Mapping[str, Path],
    meta: ModelMeta,
    ledger: AttachmentLedger,
) -> WriteBackResult:
    """Publish one generated model on its product, idempotently.

    `files` maps roles to local files: `glb` (required), `usdz`, `poster`, and extra formats by
    extension (`obj`, `stl`, `fbx`, `gltf`). `meta` carries the provenance and `<model-viewer>`
    attributes; URLs, attachment ids, the fingerprint and (when unset) `generated_at` and `alt`
    are filled in here. Each upload is recorded in `ledger` as soon as it succeeds, so a retry
    after any failure reuses it: one set of attachments, one meta value. After the single PUT
    of `_woo3d_model`, the attachments of the model it replaced are deleted.

    The caller serialises write-backs of one product (the job's per-product lock). Raises
    ValueError for missing files, ProductNotFound, MediaTypeRejected, AuthenticationError or
    another StoreError (RetryableStoreError when a later try may succeed).
    """
    if "glb" not in files:
        raise ValueError("write_back needs a 'glb' file")
    for role, path in files.items():
        if not Path(path).is_file():
            raise ValueError(f"{role} file {path} does not exist")
    bound = log.bind(product_id=product_id, fingerprint=fingerprint)
    product = clients.woocommerce.get_product(product_id)
    previous = ModelMeta.from_meta(product.meta.get(META_KEY))
    alt = meta.alt or product.name

    attachments: dict[str, LedgerEntry] = {}
    uploaded: list[str] = []
    reused: list[str] = []
    for role, path in files.items():
        entry, was_uploaded = _ensure_attachment(clients, ledger, product, fingerprint, role, Path(path), alt)
        attachments[role] = entry
        (uploaded if was_uploaded else reused).append(role)

    new_ids = {entry.attachment_id for entry in attachments.values()}
    if previous is not None:
        # Put the replaced model's attachments on record before the PUT, so that a deletion that
        # fails after it is retried by the next write-back even though the meta no longer names them.
        on_record = {entry.attachment_id for entry in ledger.entries(product_id)}
        for role, attachment_id in previous.attachment_ids.items():
            if attachment_id > 0 and attachment_id not in new_ids and attachment_id not in on_record:
                ledger.record(
                    product_id,
                    LedgerEntry(attachment_id, role, previous.fingerprint, sha256="", source_url="", attached=True),
                )

    written = replace(
        meta,
        fingerprint=fingerprint,
        glb=attachments["glb"].source_url,
        usdz=attachments["usdz"].source_url if "usdz" in attachments else None,
        poster=attachments["poster"].source_url if "poster" in attachments else None,
        formats={role: e.source_url for role, e in attachments.items() if role not in URL_ROLES},
        attachment_ids={role: e.attachment_id for role, e in attachments.items()},
        generated_at=meta.generated_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        alt=alt,
    )
    clients.woocommerce.update_product_meta(product_id, {META_KEY: written.to_json()})
    bound.info("model_meta_written", uploaded=uploaded, reused=reused)

    deleted: list[int] = []
    not_deleted: list[int] = []
    for entry in ledger.entries(product_id):
        if entry.attachment_id in new_ids:
            continue
        try:
            clients.media.delete(entry.attachment_id)
        except StoreError as exc:
            bound.warning("superseded_attachment_not_deleted", attachment_id=entry.attachment_id, error=str(exc))
            not_deleted.append(entry.attachment_id)
            continue
        ledger.forget(product_id, [entry.attachment_id])
        deleted.append(entry.attachment_id)
    if deleted:
        bound.info("superseded_attachments_deleted", attachment_ids=deleted)
    return WriteBackResult(
        product_id=product_id,
        fingerprint=fingerprint,
        meta=written,
        attachments=attachments,
        uploaded=tuple(uploaded),
        reused=tuple(reused),
        deleted=tuple(deleted),
        not_deleted=tuple(not_deleted),
    )


def _ensure_attachment(
    clients: StoreClients,
    ledger: AttachmentLedger,
    product: Product,
    fingerprint: str,
    role: str,
    path: Path,
    alt: str,
) -> tuple[LedgerEntry, bool]:
    """The attachment for this file, attached to the product: from the ledger, or uploaded now."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    entry = ledger.find(product.id, fingerprint, role, digest)
    was_uploaded = entry is None
    if entry is None:
        attachment = clients.media.upload(data, _filename(product, fingerprint, role, path))
        entry = LedgerEntry(
            attachment_id=attachment.id,
            role=role,
            fingerprint=fingerprint,
            sha256=digest,
            source_url=attachment.source_url,
            mime_type=attachment.mime_type,
        )
        ledger.record(product.id, entry)
    if not entry.attached:
        label = _ROLE_LABELS.get(role, role.upper())
        try:
            clients.media.update(entry.attachment_id, title=f"{product.name} 3D model ({label})", alt_text=alt, post=product.id)
        except ResourceNotFound:
            # Deleted behind our back since the upload was recorded: upload it again.
            ledger.forget(product.id, [entry.attachment_id])
            return _ensure_attachment(clients, ledger, product, fingerprint, role, path, alt)
        entry = entry.as_attached()
        ledger.record(product.id, entry)
    return entry, was_uploaded


def _filename(product: Product, fingerprint: str, role: str, path: Path) -> str:
    """`red-ceramic-mug-3d-1a2b3c4d5e6f.glb`, `…-poster.png`: recognisable in the media library."""
    stem = _NOT_ALNUM.sub("-", product.slug.lower()).strip("-") or f"product-{product.id}"
    short = _NOT_ALNUM.sub("", fingerprint.rsplit(":", 1)[-1].lower())[:12] or "model"
    suffix = "-poster" if role == "poster" else ""
    return f"{stem}-3d-{short}{suffix}{path.suffix.lower()}"
