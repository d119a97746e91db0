"""write_back against the fake store and a real Redis ledger: idempotent, one meta value, old media deleted."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.fake_store import FakeStore
from tests.wp_bridge.recordings import no_sleep
from wp_bridge import (
    META_KEY,
    AttachmentLedger,
    MediaTypeRejected,
    ModelMeta,
    ProductNotFound,
    ResourceNotFound,
    RetryableStoreError,
    RetryPolicy,
    StoreClients,
    WriteBackResult,
    write_back,
)

PRODUCT_PUT = "/wp-json/wc/v3/products/*"
UPLOAD = "/wp-json/wp/v2/media"


def model_files(folder: Path, version: str = "v1", *, extra: bool = False) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "glb": folder / "model.glb",
        "usdz": folder / "model.usdz",
        "poster": folder / "poster.png",
    }
    files["glb"].write_bytes(b"glTF" + version.encode())
    files["usdz"].write_bytes(b"PK" + version.encode())
    files["poster"].write_bytes(b"\x89PNG" + version.encode())
    if extra:
        files["obj"] = folder / "model.obj"
        files["obj"].write_bytes(b"v 0 0 0\n")
    return files


@pytest.fixture
def product_id(store: FakeStore) -> int:
    photo = store.add_image("red-mug.jpg", b"\xff\xd8photo")
    return int(store.add_product(name="Red mug", images=[photo], slug="red-mug")["id"])


def publish(
    clients: StoreClients, ledger: AttachmentLedger, product_id: int, files: dict[str, Path], fingerprint: str = "sha256:aaaa1111"
) -> WriteBackResult:
    return write_back(
        clients,
        product_id=product_id,
        fingerprint=fingerprint,
        files=files,
        meta=ModelMeta(generator="local", dimensions_m={"width": 0.12, "height": 0.1, "depth": 0.09}),
        ledger=ledger,
    )


def stored_meta(store: FakeStore, product_id: int) -> ModelMeta:
    rows = store.meta_rows(product_id, META_KEY)
    assert len(rows) == 1, rows
    meta = ModelMeta.from_meta(rows[0]["value"])
    assert meta is not None
    return meta


def test_first_write_back_uploads_attaches_and_writes_one_meta_value(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    files = model_files(tmp_path)
    result = publish(store_clients, ledger, product_id, files)

    meta = stored_meta(store, product_id)
    assert result.meta == meta
    assert result.uploaded == ("glb", "usdz", "poster")
    assert meta.fingerprint == "sha256:aaaa1111" and meta.generator == "local" and meta.alt == "Red mug"
    assert meta.generated_at is not None
    attached = store.attachments(post=product_id)
    assert {a["mime_type"] for a in attached} == {"model/gltf-binary", "model/vnd.usdz+zip", "image/png"}
    assert all(a["title"]["raw"].startswith("Red mug 3D model") and a["alt_text"] == "Red mug" for a in attached)
    assert set(meta.attachment_ids) == {"glb", "usdz", "poster"}
    assert set(meta.attachment_ids.values()) == {a["id"] for a in attached}
    assert meta.glb is not None and meta.glb.endswith("/red-mug-3d-aaaa1111.glb")
    assert store.file_bytes(meta.glb) == files["glb"].read_bytes()
    assert requests.get(meta.poster or "", timeout=5).content == files["poster"].read_bytes()
    assert len(store.requests_matching("PUT", PRODUCT_PUT)) == 1


def test_retry_after_a_failing_meta_put_leaves_one_set_of_attachments_and_one_meta_value(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    files = model_files(tmp_path)
    store.fail_next("PUT", PRODUCT_PUT, status=500, times=10)
    with pytest.raises(RetryableStoreError):
        publish(store_clients, ledger, product_id, files)
    assert store.meta_rows(product_id, META_KEY) == []
    store.clear_faults()

    result = publish(store_clients, ledger, product_id, files)

    assert result.uploaded == () and result.reused == ("glb", "usdz", "poster")
    assert len(store.attachments(post=product_id)) == 3
    assert len(store.requests_matching("POST", UPLOAD)) == 3
    assert stored_meta(store, product_id).attachment_ids == {
        role: e.attachment_id for role, e in result.attachments.items()
    }


def test_retry_reuses_unpublished_uploads_even_when_the_regenerated_bytes_differ(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    store.fail_next("PUT", PRODUCT_PUT, status=500, times=10)
    with pytest.raises(RetryableStoreError):
        publish(store_clients, ledger, product_id, model_files(tmp_path, "run-1"))
    store.clear_faults()

    result = publish(store_clients, ledger, product_id, model_files(tmp_path, "run-2"))
    assert result.uploaded == () and result.deleted == ()
    assert len(store.attachments(post=product_id)) == 3


def test_retry_after_an_upload_failure_reuses_the_files_already_uploaded(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    files = model_files(tmp_path)
    store.fail_next("POST", UPLOAD, status=502, skip=1)  # the GLB goes through, the USDZ does not
    with pytest.raises(RetryableStoreError):
        publish(store_clients, ledger, product_id, files)
    result = publish(store_clients, ledger, product_id, files)

    assert result.reused == ("glb",) and result.uploaded == ("usdz", "poster")
    assert len(store.attachments()) == 1 + 3  # the product photo and one model


def test_same_model_again_uploads_nothing_and_deletes_nothing(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    files = model_files(tmp_path)
    first = publish(store_clients, ledger, product_id, files)
    again = publish(store_clients, ledger, product_id, files)

    assert again.uploaded == () and again.deleted == ()
    assert stored_meta(store, product_id).attachment_ids == first.meta.attachment_ids


def test_a_new_model_deletes_the_attachments_of_the_one_it_replaced(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    old = publish(store_clients, ledger, product_id, model_files(tmp_path / "a", "v1"))
    new = publish(store_clients, ledger, product_id, model_files(tmp_path / "b", "v2"), fingerprint="sha256:bbbb2222")

    old_ids = set(old.meta.attachment_ids.values())
    assert set(new.deleted) == old_ids
    assert all(store.attachment(i) is None for i in old_ids)
    assert old.meta.glb is not None and store.file_bytes(old.meta.glb) is None
    assert requests.get(old.meta.glb, timeout=5).status_code == 404
    assert len(store.attachments(post=product_id)) == 3
    assert stored_meta(store, product_id).fingerprint == "sha256:bbbb2222"
    assert {e.attachment_id for e in ledger.entries(product_id)} == set(new.meta.attachment_ids.values())


def test_a_forced_regeneration_with_new_bytes_replaces_only_the_changed_files(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    first = publish(store_clients, ledger, product_id, model_files(tmp_path))
    files = model_files(tmp_path)
    files["glb"].write_bytes(b"glTF regenerated")
    second = publish(store_clients, ledger, product_id, files)

    assert second.uploaded == ("glb",)
    assert second.deleted == (first.meta.attachment_ids["glb"],)


def test_a_failed_deletion_is_reported_and_retried_by_the_next_write_back(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    old = publish(store_clients, ledger, product_id, model_files(tmp_path / "a", "v1"))
    store.fail_next("DELETE", "/wp-json/wp/v2/media/*", status=500, times=100)
    new = publish(store_clients, ledger, product_id, model_files(tmp_path / "b", "v2"), fingerprint="sha256:bbbb2222")
    assert set(new.not_deleted) == set(old.meta.attachment_ids.values())
    store.clear_faults()

    healed = publish(store_clients, ledger, product_id, model_files(tmp_path / "b", "v2"), fingerprint="sha256:bbbb2222")
    assert set(healed.deleted) == set(old.meta.attachment_ids.values())
    assert len(store.attachments(post=product_id)) == 3


def test_files_the_meta_names_but_the_ledger_never_recorded_are_left_alone(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, tmp_path: Path
) -> None:
    """Anyone who can edit a product's meta could name any media id there: only woo3d's own uploads go."""
    photo = store.add_image("someone-elses.jpg", b"\xff\xd8photo")
    product = store.add_product(
        name="Vase", meta={META_KEY: {"schema": 1, "fingerprint": "sha256:old", "attachment_ids": {"glb": photo["id"]}}}
    )
    result = publish(store_clients, ledger, int(product["id"]), model_files(tmp_path))
    assert result.deleted == ()
    assert store.attachment(photo["id"]) is not None


def test_a_model_copied_from_another_product_gives_the_copy_its_own_files_and_leaves_the_originals(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    original = publish(store_clients, ledger, product_id, model_files(tmp_path / "a"))
    copied_value = store.meta_rows(product_id, META_KEY)[0]["value"]
    copy = int(store.add_product(name="Red mug (copy)", meta={META_KEY: copied_value})["id"])

    result = publish(store_clients, ledger, copy, model_files(tmp_path / "b", "v2"))

    assert result.deleted == ()
    assert all(store.attachment(i) is not None for i in original.meta.attachment_ids.values())
    assert stored_meta(store, product_id) == original.meta
    own = stored_meta(store, copy)
    assert own.product_id == copy and not set(own.attachment_ids.values()) & set(original.meta.attachment_ids.values())


def test_an_upload_someone_attached_to_another_post_is_not_deleted_with_the_old_model(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    old = publish(store_clients, ledger, product_id, model_files(tmp_path / "a"))
    elsewhere = int(store.add_product(name="Another product")["id"])
    moved = old.meta.attachment_ids["poster"]
    store_clients.media.update(moved, post=elsewhere)

    new = publish(store_clients, ledger, product_id, model_files(tmp_path / "b", "v2"), fingerprint="sha256:bbbb2222")

    assert moved not in new.deleted and store.attachment(moved) is not None
    assert set(new.deleted) == set(old.meta.attachment_ids.values()) - {moved}
    assert moved not in {e.attachment_id for e in ledger.entries(product_id)}


def test_extra_formats_are_uploaded_and_listed_in_formats(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    publish(store_clients, ledger, product_id, model_files(tmp_path, extra=True))
    meta = stored_meta(store, product_id)
    assert set(meta.formats) == {"obj"} and meta.formats["obj"].endswith(".obj")
    assert set(meta.attachment_ids) == {"glb", "usdz", "poster", "obj"}


def test_stock_wordpress_rejects_the_glb_and_nothing_is_written(
    store_clients: StoreClients, store: FakeStore, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    store.allow_3d_uploads = False
    with pytest.raises(MediaTypeRejected, match="companion plugin"):
        publish(store_clients, ledger, product_id, model_files(tmp_path))
    assert store.requests_matching("PUT", PRODUCT_PUT) == []
    assert store.meta_rows(product_id, META_KEY) == []


def test_missing_product_raises_before_any_upload(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, tmp_path: Path
) -> None:
    with pytest.raises(ProductNotFound):
        publish(store_clients, ledger, 999999, model_files(tmp_path))
    assert store.requests_matching("POST", UPLOAD) == []


def test_a_glb_is_required_and_files_must_exist(
    store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="glb"):
        publish(store_clients, ledger, product_id, {"usdz": tmp_path / "m.usdz"})
    with pytest.raises(ValueError, match="does not exist"):
        publish(store_clients, ledger, product_id, {"glb": tmp_path / "missing.glb"})


def test_an_upload_recorded_but_deleted_behind_our_back_is_uploaded_again(
    store: FakeStore, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    clients = StoreClients.from_config(store.store_config(), retry=RetryPolicy(sleep=no_sleep))
    files = model_files(tmp_path)
    store.fail_next("POST", "/wp-json/wp/v2/media/*", status=500, times=10)  # attaching fails
    with pytest.raises(RetryableStoreError):
        publish(clients, ledger, product_id, files)
    store.clear_faults()
    (orphan,) = ledger.entries(product_id)
    clients.media.delete(orphan.attachment_id)

    result = publish(clients, ledger, product_id, files)
    assert "glb" in result.uploaded
    assert len(store.attachments(post=product_id)) == 3
    clients.close()


def variation_of(store: FakeStore) -> tuple[int, int]:
    parent = store.add_product(name="Trucker Cap", type="variable", images=[store.add_image("cap.jpg", b"\xff\xd8cap")])
    red = store.add_variation(parent["id"], attributes={"Color": "Red"}, image=store.add_image("red.jpg", b"\xff\xd8red"))
    return int(parent["id"]), int(red["id"])


def test_a_variation_is_written_through_its_parents_route(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, tmp_path: Path
) -> None:
    parent, red = variation_of(store)
    result = write_back(store_clients, product_id=red, parent_id=parent, fingerprint="sha256:aaaa1111",
                        files=model_files(tmp_path), meta=ModelMeta(), ledger=ledger)
    [row] = store.meta_rows(red, META_KEY)
    assert row["value"]["glb"] == result.meta.glb and store.file_bytes(result.meta.glb) == b"glTFv1"
    assert {a["post"] for a in store.attachments() if a["mime_type"] != "image/jpeg"} == {red}


def test_a_permanent_refusal_after_the_uploads_deletes_them(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, tmp_path: Path
) -> None:
    """The issue's real-store failure: a variation written through /products/<id> is refused for good."""
    _, red = variation_of(store)
    with pytest.raises(ResourceNotFound, match="/products/<product_id>/variations/<id>") as refused:
        write_back(store_clients, product_id=red, fingerprint="sha256:aaaa1111", files=model_files(tmp_path),
                   meta=ModelMeta(), ledger=ledger)
    assert refused.value.code == "woocommerce_rest_invalid_product_id" and refused.value.status == 404
    assert len(store.requests_matching("POST", UPLOAD)) == 3
    assert store.attachments() == [a for a in store.attachments() if a["mime_type"] == "image/jpeg"]
    assert ledger.entries(red) == []


def test_a_permanent_refusal_of_a_later_upload_deletes_the_earlier_ones(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    store.fail_next("POST", UPLOAD, status=500, code="rest_upload_sideload_error",
                    message="Sorry, you are not allowed to upload this file type.", skip=1)
    with pytest.raises(MediaTypeRejected):
        publish(store_clients, ledger, product_id, model_files(tmp_path))
    assert store.attachments(post=product_id) == [] and ledger.entries(product_id) == []
    assert store.meta_rows(product_id, META_KEY) == []


def test_a_model_held_then_published_as_it_was_makes_its_reused_files_public(
    store: FakeStore, store_clients: StoreClients, ledger: AttachmentLedger, product_id: int, tmp_path: Path
) -> None:
    """The same bytes held for review, then published without review (WOO3D_REVIEW changed): no private file stays live."""
    files = model_files(tmp_path)
    held = write_back(store_clients, product_id=product_id, fingerprint="sha256:aaaa1111", files=files,
                      meta=ModelMeta(generator="local"), ledger=ledger, held=True)
    assert all(store.attachment(i)["status"] == "private" for i in held.meta.attachment_ids.values())

    live = publish(store_clients, ledger, product_id, files)

    assert set(live.reused) == {"glb", "usdz", "poster"}
    assert all(store.attachment(i)["status"] == "inherit" for i in live.meta.attachment_ids.values())
