"""The `_woo3d_model` product meta: the model's files, provenance and `<model-viewer>` attributes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

META_KEY = "_woo3d_model"
SCHEMA_VERSION = 1
Standing = Literal["live", "review", "declined"]


@dataclass(frozen=True)
class ModelMeta:
    """What woo3d writes to a product, and the companion plugin renders.

    File URLs (`glb`, `usdz`, `poster`, extra `formats` by extension) and `attachment_ids` by
    role are filled in by `write_back`; the pipeline supplies provenance (`generator`,
    `quality`, `dimensions_m` as width/height/depth in metres) and may override the
    `<model-viewer>` attributes below, whose names are the attribute names in snake_case.

    The review gate keeps two models in one value, so one PUT changes both at once: the top level
    is the live model the storefront shows (`state` "live"; empty, with no `glb`, before the first
    approval), and `pending` is a model held for the merchant's approval (`state` "review", with
    its `reasons`, why it was held in `held_because`, and turntable `views` by angle). `declined`
    is the fingerprint of the last model the merchant discarded: automatic runs leave that product
    alone until its photos or text change.

    `product_id` names the product the value was written for. A value copied onto another product
    (an importer, a REST client copying meta) names the original's files: for the copy it is no model
    (`belongs_to`), so the copy gets a model of its own and never deletes the original's files.
    """

    fingerprint: str = ""
    product_id: int = 0  # the product (or variation) it was written for; 0 in values older than this field
    glb: str | None = None
    usdz: str | None = None
    poster: str | None = None
    formats: Mapping[str, str] = field(default_factory=dict)
    attachment_ids: Mapping[str, int] = field(default_factory=dict)
    generator: str = ""
    quality: Mapping[str, Any] = field(default_factory=dict)
    dimensions_m: Mapping[str, float] | None = None
    generated_at: str | None = None
    schema: int = SCHEMA_VERSION
    state: str = "live"
    reasons: tuple[str, ...] = ()
    held_because: str = ""
    views: Mapping[str, str] = field(default_factory=dict)
    pending: ModelMeta | None = None
    declined: str = ""
    # <model-viewer> attributes
    alt: str = ""
    ar: bool = True
    ar_modes: str = "webxr scene-viewer quick-look"
    ar_scale: str = "fixed"
    ar_placement: str = "floor"
    camera_controls: bool = True
    auto_rotate: bool = True
    camera_orbit: str = "0deg 75deg 105%"
    shadow_intensity: float = 1.0
    exposure: float = 1.0
    environment_image: str = "neutral"

    def to_json(self) -> dict[str, Any]:
        """The JSON object stored as the meta value (WooCommerce keeps it as an object, not a string)."""
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_meta(cls, value: object) -> ModelMeta | None:
        """Read a stored value leniently: an object or a JSON string, older shapes (schema 1's
        `attachment_ids` of 0, a null poster), fields of the wrong type dropped. None when the
        value is not a woo3d model at all."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return None
        if not isinstance(value, dict) or not isinstance(value.get("fingerprint"), str):
            return None
        known: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in value and (parsed := _parse(f.name, value[f.name], f.default)) is not None:
                known[f.name] = parsed
        return cls(**known)

    @classmethod
    def of_product(cls, value: object, product_id: int) -> ModelMeta | None:
        """The stored value as `product_id`'s own model (`from_meta`), or None when it is none or was
        written for another product."""
        model = cls.from_meta(value)
        return model if model is not None and model.belongs_to(product_id) else None

    def standing(self, fingerprint: str) -> Standing | None:
        """Which model of this value was made from `fingerprint`: the live one, the one held for
        review, or the one the merchant discarded; None when none was (a run would be new work)."""
        if self.fingerprint and self.fingerprint == fingerprint:
            return "live"
        if self.pending is not None and self.pending.fingerprint == fingerprint:
            return "review"
        if self.declined and self.declined == fingerprint:
            return "declined"
        return None

    def belongs_to(self, product_id: int) -> bool:
        """Whether this value was written for `product_id` (values older than the field are taken as theirs)."""
        return self.product_id in (0, product_id)

    @property
    def attachment_id_set(self) -> frozenset[int]:
        """The real attachment ids this model uses (older values wrote 0 for none)."""
        return frozenset(i for i in self.attachment_ids.values() if i > 0)


def _json_value(value: Any) -> Any:
    if isinstance(value, ModelMeta):
        return value.to_json()
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _parse(name: str, raw: Any, default: Any) -> Any:
    """`raw` if it fits the field's type, else None (the field keeps its default)."""
    if name == "pending":
        held = ModelMeta.from_meta(raw)
        # One level only: a held model never holds another.
        return replace(held, pending=None) if held is not None else None
    if name == "reasons":
        return tuple(r for r in raw if isinstance(r, str) and r) if isinstance(raw, list) else None
    if name in ("formats", "views"):
        return {str(k): v for k, v in raw.items() if isinstance(v, str) and v} if isinstance(raw, dict) else None
    if name == "attachment_ids":
        if not isinstance(raw, dict):
            return None
        return {str(k): v for k, v in raw.items() if isinstance(v, int) and not isinstance(v, bool) and v > 0}
    if name == "quality":
        return dict(raw) if isinstance(raw, dict) else None
    if name == "dimensions_m":
        if not isinstance(raw, dict):
            return None
        numbers = {str(k): float(v) for k, v in raw.items() if isinstance(v, int | float) and not isinstance(v, bool)}
        return numbers or None
    if name in ("glb", "usdz", "poster", "generated_at"):
        return raw if isinstance(raw, str) and raw else None
    if isinstance(default, bool):
        return raw if isinstance(raw, bool) else None
    if name == "product_id":
        return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None
    if isinstance(default, int):
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if isinstance(default, float):
        return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    return raw if isinstance(raw, str) else None
