"""Bulk changes as WooCommerce delivers them: every delivery of one webhook within one second carries the
same X-WC-Webhook-Delivery-ID (`wp_hash( webhook_id . strtotime('now') )`), so an import, a sale or a
bulk edit sends many deliveries under one id. Each product change must still count once, and only once."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.real_store.backend import Woo3dBackend
from tests.real_store.store import WooCommerceStore

BATCH = 40


def _batch(store: WooCommerceStore, action: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """POST /products/batch, what importers and the CSV importer's batches amount to."""
    done = store.wc("POST", "/products/batch", json={action: items}, timeout=300)[action]
    assert all("error" not in item for item in done), done
    return list(done)


def _delivered(store: WooCommerceStore, woo3d: Woo3dBackend) -> list[dict[str, Any]]:
    """What WooCommerce's Action Scheduler delivers now, as woo3d stored it."""
    before = len(woo3d.deliveries())
    store.deliver_webhooks()
    return woo3d.deliveries_since(before)


def _jobs(deliveries: list[dict[str, Any]]) -> dict[int, str]:
    return {d["product_id"]: d["job_id"] for d in deliveries if d["outcome"] == "queued"}


def test_an_import_a_sale_and_a_bulk_publish_each_count_every_product_once(
    real_store: WooCommerceStore, woo3d: Woo3dBackend
) -> None:
    """Counted in jobs queued: the worker stays stopped, so nothing runs (80 models would take minutes here)."""
    woo3d.stop_worker()
    photo = real_store.photo_ids[0]
    created = _batch(real_store, "create", [
        {"name": f"Imported mug {n}", "description": f"A ceramic mug, design {n}.", "regular_price": "12.00",
         "images": [{"id": photo}]} for n in range(BATCH)
    ])
    ids = {product["id"] for product in created}

    deliveries = _delivered(real_store, woo3d)
    shared = Counter(d["wc_delivery_id"] for d in deliveries)
    assert max(shared.values()) > 1, "premise: WooCommerce gave several deliveries of this batch one id"
    jobs = _jobs(deliveries)
    assert set(jobs) == ids, [d for d in deliveries if d["product_id"] in ids - set(jobs)][:3]
    assert len(set(jobs.values())) == BATCH
    assert woo3d.queued_job_ids() == set(jobs.values())

    # A sale on all 40: the price is not part of the look, so the jobs are the ones already queued.
    _batch(real_store, "update", [{"id": pid, "sale_price": "9.00"} for pid in ids])
    sale = _delivered(real_store, woo3d)
    assert {d["product_id"] for d in sale} == ids
    assert set(_jobs(sale).values()) <= set(jobs.values())
    assert woo3d.queued_job_ids() == set(jobs.values())

    # The operator re-sends one delivery by hand: nothing is queued again.
    first = next(d for d in deliveries if d["product_id"] in ids)
    replayed = woo3d.cli("deliveries", "replay", first["id"])
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "duplicate delivery" in replayed.stdout
    assert woo3d.queued_job_ids() == set(jobs.values())

    # 40 drafts published in one bulk edit: 40 jobs.
    drafts = _batch(real_store, "create", [
        {"name": f"Draft vase {n}", "description": f"A glass vase, shape {n}.", "status": "draft",
         "images": [{"id": photo}]} for n in range(BATCH)
    ])
    draft_ids = {product["id"] for product in drafts}
    assert not _jobs(_delivered(real_store, woo3d)), "a draft gets no model"
    _batch(real_store, "update", [{"id": pid, "status": "publish"} for pid in draft_ids])
    published = _jobs(_delivered(real_store, woo3d))
    assert set(published) == draft_ids
    assert woo3d.queued_job_ids() == set(jobs.values()) | set(published.values())
    woo3d.discard_queued_jobs()
    woo3d.start_worker()
