"""The content cache: stable keys over output-changing inputs, TTL, atomic files, disable flag."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.generators.cache import ContentCache, content_key


def test_the_key_is_stable_and_changes_with_every_output_changing_input() -> None:
    base = {"backend": "tripo", "images": [b"front", b"back"], "text": "A mug", "settings": {"model": "v3.1", "faces": 5}}
    key = content_key(**base)  # type: ignore[arg-type]
    assert key == content_key(backend="tripo", images=[b"front", b"back"], text="  A   mug ",
                              settings={"faces": 5, "model": "v3.1"})
    assert len(key) == 64
    variants = [
        {**base, "backend": "huggingface"},
        {**base, "images": [b"back", b"front"]},
        {**base, "images": [b"front"]},
        {**base, "text": "A cup"},
        {**base, "settings": {"model": "v3.0", "faces": 5}},
    ]
    assert len({key, *(content_key(**v) for v in variants)}) == 6  # type: ignore[arg-type]


def test_a_put_then_get_round_trips_bytes_and_metadata(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path, ttl_s=60)
    key = content_key(backend="tripo", text="mug")
    assert cache.get(key) is None
    cache.put(key, b"glTF-bytes", "glb", {"task_id": "t1"})
    entry = cache.get(key)
    assert entry is not None and entry.data == b"glTF-bytes" and entry.metadata == {"task_id": "t1"}
    assert not list(tmp_path.glob("*/.*"))  # no staging folders left behind


def test_entries_expire_after_the_ttl(tmp_path: Path) -> None:
    now = [1000.0]
    cache = ContentCache(tmp_path, ttl_s=30, clock=lambda: now[0])
    key = content_key(backend="tripo", text="mug")
    cache.put(key, b"x")
    now[0] += 29
    assert cache.get(key) is not None
    now[0] += 2
    assert cache.get(key) is None and not (tmp_path / key[:2] / key).exists()


def test_a_disabled_cache_never_hits_nor_writes(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path, ttl_s=60, enabled=False)
    key = content_key(backend="tripo", text="mug")
    cache.put(key, b"x")
    assert cache.get(key) is None and list(tmp_path.iterdir()) == []


def test_a_rewrite_replaces_the_entry_and_garbage_is_a_miss(tmp_path: Path) -> None:
    cache = ContentCache(tmp_path, ttl_s=60)
    key = content_key(backend="tripo", text="mug")
    cache.put(key, b"old")
    cache.put(key, b"new")
    assert cache.get(key).data == b"new"  # type: ignore[union-attr]
    (tmp_path / key[:2] / key / "meta.json").write_text("{not json")
    assert cache.get(key) is None


@pytest.mark.parametrize("bad", ["", "../../etc", "ZZZZZZZZZZ"])
def test_keys_that_are_not_content_keys_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        ContentCache(tmp_path, ttl_s=60).get(bad)
