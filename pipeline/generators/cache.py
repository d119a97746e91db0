"""Content cache of generated models on disk: the same inputs never pay for a generation twice."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)

CACHE_SCHEMA = 1


def content_key(
    *,
    backend: str,
    images: Sequence[bytes] = (),
    text: str = "",
    settings: Mapping[str, object] | None = None,
) -> str:
    """A stable hex key over everything that changes a generated model.

    `settings` holds only output-changing values (model version, guidance, steps, face limit…),
    never secrets; values must be JSON-serialisable. Image order matters (front first).
    """
    parts = {
        "schema": CACHE_SCHEMA,
        "backend": backend,
        "images": [hashlib.sha256(image).hexdigest() for image in images],
        "text": " ".join(text.split()),
        "settings": dict(sorted((settings or {}).items())),
    }
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    key: str
    data: bytes
    file_type: str
    metadata: Mapping[str, object]
    created_at: float


class ContentCache:
    """Files under `root/<key[:2]>/<key>/`: `model.<type>` and `meta.json`, written atomically.

    Entries older than `ttl_s` are misses (and removed). A disabled cache never hits nor writes.
    """

    def __init__(
        self,
        root: Path,
        ttl_s: int,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.time,
    ):
        self.root = Path(root)
        self.ttl_s = ttl_s
        self.enabled = enabled
        self._clock = clock

    def _dir(self, key: str) -> Path:
        if len(key) < 8 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError(f"not a content key: {key!r}")
        return self.root / key[:2] / key

    def get(self, key: str) -> CacheEntry | None:
        """The fresh entry for `key`, or None (missing, expired, unreadable or disabled)."""
        if not self.enabled:
            return None
        folder = self._dir(key)
        try:
            meta = json.loads((folder / "meta.json").read_text())
            file_type = str(meta["file_type"])
            created_at = float(meta["created_at"])
            if self._clock() - created_at > self.ttl_s:
                shutil.rmtree(folder, ignore_errors=True)
                log.info("cache_expired", key=key[:12])
                return None
            data = (folder / f"model.{file_type}").read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        log.info("cache_hit", key=key[:12], bytes=len(data))
        return CacheEntry(key, data, file_type, meta.get("metadata", {}), created_at)

    def put(self, key: str, data: bytes, file_type: str = "glb", metadata: Mapping[str, object] | None = None) -> CacheEntry:
        """Store `data` under `key`, replacing any older entry; readers never see half a write."""
        entry = CacheEntry(key, data, file_type, dict(metadata or {}), self._clock())
        if not self.enabled:
            return entry
        folder = self._dir(key)
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{key[:12]}-", dir=folder.parent))
        try:
            (staging / f"model.{file_type}").write_bytes(data)
            meta = {"file_type": file_type, "created_at": entry.created_at, "metadata": entry.metadata}
            (staging / "meta.json").write_text(json.dumps(meta, default=str))
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            try:
                os.replace(staging, folder)
            except OSError:
                if not folder.is_dir():
                    raise
                # Another worker stored the same key meanwhile: same inputs, same model; keep theirs.
                shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        log.info("cache_stored", key=key[:12], bytes=len(data))
        return entry
