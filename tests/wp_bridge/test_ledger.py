"""The attachment ledger on a real Redis."""

from __future__ import annotations

from redis import Redis

from wp_bridge import AttachmentLedger, LedgerEntry


def entry(attachment_id: int, role: str = "glb", fingerprint: str = "fp1", sha: str = "s1") -> LedgerEntry:
    return LedgerEntry(attachment_id, role, fingerprint, sha, f"https://s/{attachment_id}.{role}", "model/gltf-binary")


def test_an_upload_is_found_by_product_fingerprint_and_role(ledger: AttachmentLedger) -> None:
    ledger.record(14, entry(18))
    assert ledger.find(14, "fp1", "glb", "s1") == entry(18)
    assert ledger.find(14, "fp2", "glb", "s1") is None
    assert ledger.find(14, "fp1", "usdz", "s1") is None
    assert ledger.find(15, "fp1", "glb", "s1") is None


def test_an_unpublished_upload_is_reused_even_when_the_bytes_differ(ledger: AttachmentLedger) -> None:
    """A retry regenerates the same model; exporters are not byte-for-byte repeatable."""
    ledger.record(14, entry(18))
    assert ledger.find(14, "fp1", "glb", "other-bytes") == entry(18)


def test_a_published_upload_is_reused_only_for_identical_bytes(ledger: AttachmentLedger) -> None:
    ledger.record(14, entry(18).as_published())
    assert ledger.find(14, "fp1", "glb", "s1") == entry(18).as_published()
    assert ledger.find(14, "fp1", "glb", "regenerated") is None


def test_identical_bytes_win_over_a_pending_upload(ledger: AttachmentLedger) -> None:
    ledger.record(14, entry(18, sha="s1").as_published())
    ledger.record(14, entry(25, sha="s2"))
    assert ledger.find(14, "fp1", "glb", "s1") == entry(18, sha="s1").as_published()
    assert ledger.find(14, "fp1", "glb", "s3") == entry(25, sha="s2")


def test_for_fingerprint_lists_the_uploads_of_one_model_by_role(ledger: AttachmentLedger) -> None:
    ledger.record(14, entry(18))
    ledger.record(14, entry(19, "usdz"))
    ledger.record(14, entry(30, "glb", "fp2"))
    assert {role: e.attachment_id for role, e in ledger.for_fingerprint(14, "fp1").items()} == {"glb": 18, "usdz": 19}


def test_recording_again_updates_the_entry(ledger: AttachmentLedger) -> None:
    ledger.record(14, entry(18))
    ledger.record(14, entry(18).as_attached())
    assert ledger.entries(14) == [entry(18).as_attached()]


def test_forget_removes_entries(ledger: AttachmentLedger) -> None:
    ledger.record(14, entry(18))
    ledger.record(14, entry(19, "usdz"))
    ledger.forget(14, [18])
    ledger.forget(14, [])
    assert [e.attachment_id for e in ledger.entries(14)] == [19]


def test_entries_never_expire_and_junk_rows_are_skipped(redis_conn: Redis) -> None:
    """The ledger is the only record of what woo3d may delete: a ledger that expired would orphan old models."""
    ledger = AttachmentLedger(redis_conn, prefix="t:att")
    redis_conn.hset("t:att:14", "99", "{not json")
    redis_conn.expire("t:att:14", 600)  # written by a version whose ledgers expired
    ledger.record(14, entry(18))
    assert redis_conn.ttl("t:att:14") == -1
    assert [e.attachment_id for e in ledger.entries(14)] == [18]