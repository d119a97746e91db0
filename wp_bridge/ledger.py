"""The attachment ledger in Redis: which media woo3d uploaded for a product, so re-runs reuse them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from redis import Redis

@dataclass(frozen=True)
class LedgerEntry:
    """One uploaded attachment: for which model (`fingerprint`), as which file (`role`: glb, usdz,
    poster, …), with which content (`sha256`), whether it was attached to the product yet, whether
    a meta PUT has published it, and whether it is private (a held model's)."""

    attachment_id: int
    role: str
    fingerprint: str
    sha256: str
    source_url: str
    mime_type: str = ""
    attached: bool = False
    published: bool = False
    private: bool = False  # uploaded for a held model (wp_bridge.held_files)

    def as_attached(self) -> LedgerEntry:
        return replace(self, attached=True)

    def as_published(self) -> LedgerEntry:
        return replace(self, attached=True, published=True)


class AttachmentLedger:
    """Per product, every attachment woo3d uploaded and has not deleted yet.

    Uploads are not idempotent (WordPress renames `model.glb` to `model-1.glb`), so each upload
    is recorded right after it succeeds; a retried write-back finds it here instead of uploading
    again, and anything that is not part of the product's current model is deleted later. It is the
    only record of what woo3d may delete (the meta is the store's, and anyone can copy or edit it), so
    it never expires: one Redis hash per product (field: attachment id), a few rows each.
    Writers of one product must be serialised (the job holds a per-product lock).
    """

    def __init__(self, connection: Redis, *, prefix: str = "woo3d:attachments") -> None:
        self._redis = connection
        self._prefix = prefix

    def _key(self, product_id: int) -> str:
        return f"{self._prefix}:{int(product_id)}"

    def record(self, product_id: int, entry: LedgerEntry) -> None:
        """Remember (or update) one attachment of this product."""
        key = self._key(product_id)
        with self._redis.pipeline() as pipe:
            pipe.hset(key, str(entry.attachment_id), json.dumps(asdict(entry)))
            pipe.persist(key)  # ledgers written when they still expired
            pipe.execute()

    def entries(self, product_id: int) -> list[LedgerEntry]:
        """Every attachment on record for the product, oldest id first; unreadable rows are skipped."""
        found: list[LedgerEntry] = []
        for raw in self._redis.hvals(self._key(product_id)):
            try:
                found.append(LedgerEntry(**json.loads(raw)))
            except (TypeError, ValueError):
                continue
        return sorted(found, key=lambda e: e.attachment_id)

    def for_fingerprint(self, product_id: int, fingerprint: str) -> dict[str, LedgerEntry]:
        """The attachments already uploaded for this model, by role (the newest when several)."""
        return {e.role: e for e in self.entries(product_id) if e.fingerprint == fingerprint}

    def find(self, product_id: int, fingerprint: str, role: str, sha256: str) -> LedgerEntry | None:
        """The upload to reuse for this model and role, if any: one holding exactly these bytes,
        else one not yet published (a retry after a failed write-back: generators are not
        byte-for-byte repeatable, yet it is the same model). A published upload with other bytes
        is not reused, so that a forced regeneration replaces the files."""
        candidates = [e for e in reversed(self.entries(product_id)) if (e.fingerprint, e.role) == (fingerprint, role)]
        for entry in candidates:
            if entry.sha256 == sha256:
                return entry
        return next((entry for entry in candidates if not entry.published), None)

    def forget(self, product_id: int, attachment_ids: list[int]) -> None:
        if attachment_ids:
            self._redis.hdel(self._key(product_id), *(str(i) for i in attachment_ids))
