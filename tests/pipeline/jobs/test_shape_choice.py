"""The merchant's shape choice: read from the product, handed to the generator, and in the fingerprint."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from pipeline.backends import GeneratedMesh, Progress, no_progress
from pipeline.generators import local_generator
from pipeline.jobs.fingerprint import product_fingerprint
from pipeline.jobs.product_job import JobContext, generate_product_model
from pipeline.jobs.shape_choice import merchant_shape, parse_shape
from pipeline.product import ProductInput
from tests.fake_store import FakeStore
from tests.pipeline.jobs.support import mug_product
from tests.recorded import recorded_payload
from wp_bridge import StoreClients


class _RecordingGenerator(local_generator.LocalGenerator):
    """The real local generator, remembering every product it was asked to build."""

    seen: list[ProductInput] = []

    def generate(self, product: ProductInput, progress: Progress = no_progress) -> GeneratedMesh:
        type(self).seen.append(product)
        return super().generate(product, progress)


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[ProductInput]]:
    """Every ProductInput the job's generator receives (the hybrid backend falls back to the local one)."""
    _RecordingGenerator.seen = []
    monkeypatch.setattr(local_generator, "LocalGenerator", _RecordingGenerator)
    yield _RecordingGenerator.seen


@pytest.mark.usefixtures("context")
def test_the_generator_receives_the_shape_the_merchant_chose_in_the_meta(store: FakeStore, recorded) -> None:  # noqa: F811
    product_id = mug_product(store, meta={"_woo3d_shape": "round"})
    assert generate_product_model(product_id, None)["state"] == "done"
    assert [product.shape for product in recorded] == ["round"]


@pytest.mark.usefixtures("context")
def test_a_3d_shape_attribute_is_a_choice_too_and_no_choice_is_auto(store: FakeStore, recorded) -> None:  # noqa: F811
    boxed = mug_product(store, attributes=[{"id": 0, "name": "3D shape", "options": ["Box"], "visible": False}])
    plain = mug_product(store)
    generate_product_model(boxed, None)
    generate_product_model(plain, None)
    assert [product.shape for product in recorded] == ["box", "auto"]


def test_changing_the_choice_regenerates_the_model_and_nothing_else_does(
    store: FakeStore, context: JobContext, recorded  # noqa: F811
) -> None:
    product_id = mug_product(store)
    assert generate_product_model(product_id, None)["state"] == "done"
    clients = StoreClients.from_config(context.store)
    clients.woocommerce.update_product_meta(product_id, {"_woo3d_other": "x"})
    assert generate_product_model(product_id, None)["state"] == "unchanged"

    clients.woocommerce.update_product_meta(product_id, {"_woo3d_shape": "flat"})
    # Regenerated; a mug forced flat scores low, so the review gate may hold the new model.
    assert generate_product_model(product_id, product_fingerprint(store.product(product_id)))["state"] in {"done", "held"}
    assert generate_product_model(product_id, None)["state"] == "unchanged"
    assert [product.shape for product in recorded] == ["auto", "flat"]


def test_fingerprint_changes_with_the_choice_and_not_for_auto_or_nonsense() -> None:
    mug = recorded_payload("product_created__publish_with_media_ids")
    base = product_fingerprint(mug)

    def with_meta(value: object) -> dict:
        changed = copy.deepcopy(mug)
        changed["meta_data"] = [*changed.get("meta_data", []), {"id": 9, "key": "_woo3d_shape", "value": value}]
        return changed

    assert product_fingerprint(with_meta("auto")) == base
    assert product_fingerprint(with_meta("sphere")) == base
    assert product_fingerprint(with_meta(["round"])) == base
    prints = {product_fingerprint(with_meta(shape)) for shape in ("round", "box", "flat", "garment", "free-form")}
    assert len(prints) == 5 and base not in prints
    assert product_fingerprint(with_meta("Round")) == product_fingerprint(with_meta("round"))


@pytest.mark.parametrize(
    ("typed", "choice"),
    [("round", "round"), (" BOX ", "box"), ("Free form", "free-form"), ("freeform", "free-form"),
     ("free_form", "free-form"), ("auto", "auto"), ("sphere", None), ("", None), (None, None), (3, None)],
)
def test_parse_shape_accepts_what_a_person_types(typed: object, choice: str | None) -> None:
    assert parse_shape(typed) == choice


def test_the_meta_wins_over_the_attribute_unless_it_is_auto() -> None:
    attribute = [("3D Shape", ["Garment"])]
    assert merchant_shape({"_woo3d_shape": "box"}, attribute) == "box"
    assert merchant_shape({"_woo3d_shape": "auto"}, attribute) == "garment"
    assert merchant_shape({}, [("Shape", ["round"])]) == "auto"  # only the "3D shape" attribute is a choice
