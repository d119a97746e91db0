"""The `_woo3d_model` meta value: written as an object, read back leniently."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.wp_bridge.recordings import load
from wp_bridge import META_KEY, SCHEMA_VERSION, ModelMeta


def full_meta() -> ModelMeta:
    return ModelMeta(
        fingerprint="sha256:abc",
        glb="https://shop.example/wp-content/uploads/m.glb",
        usdz="https://shop.example/wp-content/uploads/m.usdz",
        poster="https://shop.example/wp-content/uploads/m.png",
        formats={"obj": "https://shop.example/wp-content/uploads/m.obj"},
        attachment_ids={"glb": 18, "usdz": 19, "poster": 20},
        generator="tripo",
        quality={"score": 0.82, "faces": 48000},
        dimensions_m={"width": 0.12, "height": 0.1, "depth": 0.09},
        generated_at="2026-11-24T13:26:49+00:00",
        alt="Red mug",
        camera_orbit="10deg 70deg 100%",
    )


def test_to_json_is_a_plain_json_object_with_the_design_fields() -> None:
    value = full_meta().to_json()
    assert json.loads(json.dumps(value)) == value
    for name in ("glb", "usdz", "poster", "attachment_ids", "fingerprint", "generator", "quality", "dimensions_m", "generated_at", "schema", "alt", "ar_modes", "camera_orbit", "shadow_intensity"):
        assert name in value
    assert value["schema"] == SCHEMA_VERSION
    assert value["ar_modes"] == "webxr scene-viewer quick-look"


def test_round_trip_through_the_stored_value() -> None:
    assert ModelMeta.from_meta(full_meta().to_json()) == full_meta()


def test_a_json_string_value_is_read_too() -> None:
    assert ModelMeta.from_meta(json.dumps(full_meta().to_json())) == full_meta()


def test_the_recorded_older_value_is_read_with_zero_attachment_ids_dropped() -> None:
    product = load("wc_products_get")["response"]["body_json"]
    stored = next(row["value"] for row in product["meta_data"] if row["key"] == META_KEY)
    meta = ModelMeta.from_meta(stored)

    assert meta is not None
    assert meta.fingerprint == "sha256:bbbb"
    assert meta.glb == "http://127.0.0.1:8080/wp-content/uploads/2026/11/model.glb"
    assert meta.poster is None
    assert meta.attachment_ids == {}
    assert meta.attachment_id_set == frozenset()
    assert (meta.alt, meta.camera_orbit, meta.generator) == ("Red mug", "0deg 75deg 105%", "local")


def test_the_recorded_minimal_value_is_read() -> None:
    body = load("wc_products_put_meta_add_b")["request"]["body_json"]
    meta = ModelMeta.from_meta(body["meta_data"][0]["value"])
    assert meta is not None and meta.fingerprint == "sha256:1111" and meta.glb is None


@pytest.mark.parametrize("junk", [None, "", "not json", "[]", [], 42, {"glb": "x"}, {"fingerprint": 7}])
def test_values_that_are_not_a_woo3d_model_read_as_none(junk: Any) -> None:
    assert ModelMeta.from_meta(junk) is None


def test_fields_of_the_wrong_type_fall_back_to_defaults() -> None:
    meta = ModelMeta.from_meta(
        {
            "fingerprint": "sha256:x",
            "glb": 5,
            "attachment_ids": {"glb": "18", "usdz": True, "poster": 20},
            "quality": "good",
            "dimensions_m": {"width": "wide", "height": 0.2},
            "ar": "yes",
            "shadow_intensity": 2,
            "schema": "1",
            "camera_orbit": None,
            "unknown_future_field": 1,
        }
    )
    assert meta is not None
    assert meta.glb is None
    assert meta.attachment_ids == {"poster": 20}
    assert meta.quality == {}
    assert meta.dimensions_m == {"height": 0.2}
    assert meta.ar is True and meta.shadow_intensity == 2.0
    assert meta.schema == SCHEMA_VERSION and meta.camera_orbit == ModelMeta().camera_orbit
