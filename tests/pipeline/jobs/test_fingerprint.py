"""The fingerprint changes with what a model is made of, and with nothing else."""

from __future__ import annotations

import copy

from pipeline.jobs.fingerprint import LookFields, covered_fingerprint, plain_text, product_fingerprint
from tests.recorded import recorded_payload


def _mug() -> dict:
    return recorded_payload("product_created__publish_with_media_ids")


def test_price_stock_dates_and_our_meta_do_not_change_it() -> None:
    product = _mug()
    changed = {
        **copy.deepcopy(product), "price": "99.00", "regular_price": "99.00", "stock_quantity": 3,
        "date_modified": "2030-01-01T00:00:00", "meta_data": [{"id": 1, "key": "_woo3d_model", "value": {"fingerprint": "x"}}],
    }
    assert product_fingerprint(changed) == product_fingerprint(product)


def test_recorded_price_only_and_no_op_updates_keep_it() -> None:
    prints = {
        product_fingerprint(recorded_payload(name))
        for name in ("product_updated__two_puts_collapsed_into_one", "product_updated__after_empty_put",
                     "product_updated__name_and_price", "product_updated__after_put_that_changes_nothing")
    }
    assert len(prints) == 1


def test_images_name_description_dimensions_and_colour_change_it() -> None:
    base = product_fingerprint(_mug())
    for change in (
        {"images": [{"id": 99, "src": "http://127.0.0.1:8080/wp-content/uploads/other.jpg"}]},
        {"name": "Blue Ceramic Mug"},
        {"description": "<p>A matte blue mug.</p>"},
        {"dimensions": {"length": "12", "width": "9", "height": "11"}},
        {"attributes": [{"name": "Color", "options": ["Blue"]}]},
    ):
        assert product_fingerprint({**_mug(), **change}) != base, change


def test_markup_only_description_edits_and_unrelated_attributes_keep_it() -> None:
    base = product_fingerprint(_mug())
    reformatted = {**_mug(), "description": "<div>A glossy  red ceramic mug,\n350 ml.</div>"}
    assert product_fingerprint(reformatted) == base
    assert product_fingerprint({**_mug(), "attributes": [{"name": "Warranty", "options": ["2 years"]}]}) == base


def test_fingerprint_is_stable_and_prefixed() -> None:
    assert product_fingerprint(_mug()) == product_fingerprint(_mug())
    assert product_fingerprint(_mug()).startswith("sha256:") and len(product_fingerprint(_mug())) == 71


def test_the_stored_fingerprint_is_read_from_object_and_json_string_meta() -> None:
    product = recorded_payload("product_updated__after_meta_only_writeback")
    assert covered_fingerprint(product, "sha256:aaaa") == "live"
    assert covered_fingerprint(product, "sha256:other") is None
    as_string = {**product, "meta_data": [{"key": "_woo3d_model", "value": '{"fingerprint": "sha256:bbbb"}'}]}
    assert covered_fingerprint(as_string, "sha256:bbbb") == "live"
    assert covered_fingerprint({**product, "meta_data": [{"key": "_woo3d_model", "value": "junk"}]}, "junk") is None
    assert covered_fingerprint(_mug(), product_fingerprint(_mug())) is None


def test_a_held_or_discarded_model_covers_its_fingerprint_so_no_run_pays_for_it_again() -> None:
    """A webhook echo of the held model's own write-back, or of a discard, queues nothing."""
    held = {"fingerprint": "", "glb": None, "pending": {"fingerprint": "sha256:held", "state": "review"}}
    assert covered_fingerprint({"meta_data": [{"key": "_woo3d_model", "value": held}]}, "sha256:held") == "review"
    declined = {"fingerprint": "sha256:live", "glb": "https://s/x.glb", "declined": "sha256:gone"}
    assert covered_fingerprint({"meta_data": [{"key": "_woo3d_model", "value": declined}]}, "sha256:gone") == "declined"
    assert covered_fingerprint({"meta_data": [{"key": "_woo3d_model", "value": declined}]}, "sha256:new") is None


def test_look_fields_tolerate_junk() -> None:
    fields = LookFields.from_payload({"images": "x", "dimensions": [1], "attributes": [1, {"name": "colour", "option": "Red"}]})
    assert fields.images == () and fields.dimensions == ("", "", "")
    assert fields.attributes == (("colour", ("Red",)),)
    assert plain_text("<p>A &amp; B</p>\n") == "A & B"


def test_the_job_and_the_receiver_compute_the_same_fingerprint_for_every_recorded_product() -> None:
    from tests.recorded import webhook_files
    from wp_bridge import Product

    for path in webhook_files():
        if path.stem.startswith("ping"):
            continue
        payload = recorded_payload(path.stem)
        assert LookFields.from_product(Product.from_api(payload)) == LookFields.from_payload(payload), path.stem
