"""A store's day on the real WooCommerce: Duplicate, copies, orders, trash, big galleries, drafts and
"Generate variations", each as the merchant does it and with what the merchant expects of woo3d."""

from __future__ import annotations

import json
import re
from typing import Any

import requests

from tests.real_store.backend import Woo3dBackend
from tests.real_store.shop import MODEL_META, model_of, new_product, page_model, product_with_model, settled
from tests.real_store.store import WooCommerceStore
from wp_bridge import ModelMeta


def _jobs(deliveries: list[dict[str, Any]]) -> list[str]:
    return [d["job_id"] for d in deliveries if d["outcome"] == "queued"]


def _files_served(model: ModelMeta) -> bool:
    return all(requests.get(url, timeout=30).status_code == 200 for url in (model.glb, model.usdz, model.poster) if url)


def _attachments(store: WooCommerceStore) -> int:
    return int(store.php("return count( get_posts( array( 'post_type' => 'attachment', 'post_status' => 'any',"
                         " 'posts_per_page' => -1, 'fields' => 'ids' ) ) );"))


def test_duplicate_rename_publish_gives_the_copy_its_own_model_and_leaves_the_originals(
    real_store: WooCommerceStore, woo3d: Woo3dBackend
) -> None:
    original_id, original = product_with_model(real_store, woo3d, "Blue teapot")

    copy_id = int(real_store.php(  # Products → Duplicate, WooCommerce's own code
        "require_once WC_ABSPATH . 'includes/admin/class-wc-admin-duplicate-product.php';"
        f"return ( new WC_Admin_Duplicate_Product() )->product_duplicate( wc_get_product( {original_id} ) )->get_id();"
    ))
    assert real_store.meta(copy_id, MODEL_META) is None, "the copy starts without the original's model"
    real_store.wc("PUT", f"/products/{copy_id}", json={"name": "Green teapot", "status": "publish"})
    deliveries = settled(real_store, woo3d)

    assert _jobs(deliveries)
    copy = model_of(real_store, copy_id)
    assert copy.product_id == copy_id
    assert not copy.attachment_id_set & original.attachment_id_set
    assert model_of(real_store, original_id) == original
    assert _files_served(original) and _files_served(copy)
    assert page_model(real_store, original_id) == original.glb


def test_a_product_created_with_another_products_model_in_its_meta_gets_its_own(
    real_store: WooCommerceStore, woo3d: Woo3dBackend
) -> None:
    """An importer or a REST client copying meta: same name, same photo, the original's `_woo3d_model`."""
    original_id, original = product_with_model(real_store, woo3d, "Stoneware jug")
    copied = real_store.wc("GET", f"/products/{original_id}")["meta_data"]
    value = next(row["value"] for row in copied if row["key"] == MODEL_META)

    copy = new_product(real_store, "Stoneware jug", meta_data=[{"key": MODEL_META, "value": value}])
    assert page_model(real_store, int(copy["id"])) is None, "the copy's page never shows another product's files"
    deliveries = settled(real_store, woo3d)

    assert [d["product_id"] for d in deliveries if d["outcome"] == "queued"] == [copy["id"]]
    own = model_of(real_store, int(copy["id"]))
    assert own.product_id == copy["id"] and not own.attachment_id_set & original.attachment_id_set
    assert model_of(real_store, original_id) == original and _files_served(original)


def test_an_order_that_lowers_stock_queues_nothing(real_store: WooCommerceStore, woo3d: Woo3dBackend) -> None:
    product_id, model = product_with_model(real_store, woo3d, "Stock mug", manage_stock=True, stock_quantity=10)
    real_store.wc("POST", "/orders", json={
        "status": "processing", "set_paid": True, "line_items": [{"product_id": product_id, "quantity": 2}],
    })
    deliveries = settled(real_store, woo3d)

    assert real_store.wc("GET", f"/products/{product_id}")["stock_quantity"] == 8
    assert [d["product_id"] for d in deliveries] and not _jobs(deliveries)
    assert model_of(real_store, product_id) == model


def test_trash_and_restore_keep_the_model_and_make_no_new_one(real_store: WooCommerceStore, woo3d: Woo3dBackend) -> None:
    product_id, model = product_with_model(real_store, woo3d, "Trashed bowl")
    real_store.wc("DELETE", f"/products/{product_id}")  # to the trash, as the products list's Trash link
    trashed = settled(real_store, woo3d)
    assert not _jobs(trashed) and _files_served(model)

    assert real_store.php(f"return (bool) wp_untrash_post( {product_id} );")  # the trash's Restore link
    real_store.wc("PUT", f"/products/{product_id}", json={"status": "publish"})  # WordPress restores as a draft
    restored = settled(real_store, woo3d)

    assert not _jobs(restored)
    assert model_of(real_store, product_id) == model and _files_served(model)
    assert page_model(real_store, product_id) == model.glb


def test_a_product_with_twenty_gallery_images_gets_one_model(real_store: WooCommerceStore, woo3d: Woo3dBackend) -> None:
    gallery = real_store.php(
        f"$ids = array(); $file = get_attached_file( {real_store.photo_ids[0]} );"
        "for ( $n = 0; $n < 19; $n++ ) {"
        "  $copy = wp_upload_bits( \"gallery-$n.jpg\", null, file_get_contents( $file ) );"
        "  $ids[] = wp_insert_attachment( array( 'post_mime_type' => 'image/jpeg', 'post_title' => \"gallery $n\","
        "    'post_status' => 'inherit' ), $copy['file'] ); }"
        "return $ids;"
    )
    images = [{"id": real_store.photo_ids[0]}, *({"id": int(i)} for i in gallery)]
    product = new_product(real_store, "Gallery mug", images=images)
    assert len(product["images"]) == 20
    deliveries = settled(real_store, woo3d)

    assert len(set(_jobs(deliveries))) == 1
    assert _files_served(model_of(real_store, int(product["id"])))


def test_a_draft_that_had_a_model_is_published_without_a_new_one(
    real_store: WooCommerceStore, woo3d: Woo3dBackend
) -> None:
    product_id, model = product_with_model(real_store, woo3d, "Seasonal vase")
    real_store.wc("PUT", f"/products/{product_id}", json={"status": "draft"})
    assert not _jobs(settled(real_store, woo3d))
    real_store.wc("PUT", f"/products/{product_id}", json={"status": "publish"})
    published = settled(real_store, woo3d)

    assert [d["outcome"] for d in published if d["product_id"] == product_id] and not _jobs(published)
    assert model_of(real_store, product_id) == model
    assert page_model(real_store, product_id) == model.glb


def test_generate_variations_gives_each_the_products_model_without_generating(
    real_store: WooCommerceStore, woo3d: Woo3dBackend
) -> None:
    parent_id, model = product_with_model(real_store, woo3d, "Colour mug", type="variable", attributes=[
        {"name": "Colour", "options": ["Red", "Blue", "Green"], "variation": True, "visible": True},
    ])
    media_before = _attachments(real_store)
    made = real_store.php(  # the "Generate variations" button (WC_AJAX::link_all_variations) does exactly this
        "$data_store = WC_Data_Store::load( 'product' );"
        f"return $data_store->create_all_product_variations( wc_get_product( {parent_id} ) );"
    )
    assert made == 3
    deliveries = settled(real_store, woo3d)

    variation_ids = {v["id"] for v in real_store.wc("GET", f"/products/{parent_id}/variations")}
    assert variation_ids <= {d["product_id"] for d in deliveries}, json.dumps(deliveries)[:2000]
    assert _attachments(real_store) == media_before, "nothing was generated or uploaded for the variations"
    assert all(real_store.meta(v, MODEL_META) is None for v in variation_ids)
    assert model_of(real_store, parent_id) == model
