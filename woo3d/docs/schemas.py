"""JSON Schemas of what woo3d writes: the `_woo3d_model` product meta and each model's report.json.

The meta's schema is made from the ModelMeta dataclass (its fields and their types; the words for each
field are here, and a field without them fails the build); report.json's is written out here, as the
dict finish.py builds has no class of its own. tests/test_docs.py validates real outputs against both.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any

from wp_bridge.metadata import META_KEY, ModelMeta

DIALECT = "https://json-schema.org/draft/2020-12/schema"

META_FIELDS: dict[str, str] = {
    "fingerprint": "SHA-256 of what the model was made from (name, text, photos, dimensions, look attributes, "
                   "shape choice): the same fingerprint never generates again",
    "product_id": "the product (or variation) the value was written for; a value copied onto another product is "
                  "no model there (0 or absent in values older than the field, which count as the product's own)",
    "glb": "URL of the GLB the storefront serves (compressed as `WOO3D_GLB_COMPRESSION` says); none before the "
           "first approval of a held model",
    "usdz": "URL of the USDZ for AR Quick Look",
    "poster": "URL of the poster image",
    "formats": "URLs of further formats, by extension",
    "attachment_ids": "media-library attachment ids by role (`glb`, `usdz`, `poster`, views); a newer model "
                      "deletes only those woo3d's own upload ledger recorded; older values wrote 0 for none",
    "generator": "which generator made the model (`local`, `tripo`, …)",
    "quality": "the quality score and its terms, as in report.json's `quality`",
    "dimensions_m": "the model's real size in metres (`width`, `height`, `depth`); null when it was guessed",
    "generated_at": "when the model was made (ISO 8601, UTC)",
    "schema": "the version of this shape",
    "state": "`live` at the top level; `review` for the held model in `pending`",
    "reasons": "the score's reasons in plain words (a held model)",
    "held_because": "why the review gate held the model, in words for the merchant",
    "views": "turntable renders of a held model by angle (`front`, `45`, `side`): URLs",
    "pending": "the model held for the merchant's approval, of this same shape (one level only), or null",
    "declined": "the fingerprint of the last model the merchant discarded",
    "alt": "`<model-viewer>` `alt` text",
    "ar": "`<model-viewer>` `ar`",
    "ar_modes": "`<model-viewer>` `ar-modes`",
    "ar_scale": "`fixed` when the model has its real size, `auto` when it was guessed",
    "ar_placement": "`wall` for a thin thing that hangs on one, else `floor`",
    "camera_controls": "`<model-viewer>` `camera-controls`",
    "auto_rotate": "`<model-viewer>` `auto-rotate`",
    "camera_orbit": "`<model-viewer>` `camera-orbit`",
    "shadow_intensity": "`<model-viewer>` `shadow-intensity`",
    "exposure": "`<model-viewer>` `exposure`",
    "environment_image": "`<model-viewer>` `environment-image`",
}
_ENUMS = {"state": ["live", "review"], "ar_scale": ["fixed", "auto"], "ar_placement": ["floor", "wall"]}


def _json_type(hint: Any) -> dict[str, Any]:
    """A JSON Schema for one field's annotation, as ModelMeta.to_json writes it."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        options = [_json_type(arg) for arg in args if arg is not type(None)]
        return {"anyOf": [*options, {"type": "null"}]} if type(None) in args else {"anyOf": options}
    if hint is ModelMeta:
        return {"$ref": "#"}
    if origin in (Mapping, dict):
        return {"type": "object", "additionalProperties": {} if args[1] is Any else _json_type(args[1])}
    if origin is tuple:
        return {"type": "array", "items": _json_type(args[0])}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if hint in simple:
        return {"type": simple[hint]}
    raise TypeError(f"ModelMeta: no JSON Schema for {hint!r}")


def meta_schema() -> dict[str, Any]:
    """The JSON Schema of the `_woo3d_model` value, from ModelMeta's fields."""
    hints = typing.get_type_hints(ModelMeta)
    missing = [f.name for f in fields(ModelMeta) if f.name not in META_FIELDS]
    if missing:
        raise KeyError(f"describe the new ModelMeta fields in woo3d/docs/schemas.py META_FIELDS: {missing}")
    properties: dict[str, Any] = {}
    for f in fields(ModelMeta):
        schema = _json_type(hints[f.name]) | {"description": META_FIELDS[f.name]}
        if f.name in _ENUMS:
            schema["enum"] = _ENUMS[f.name]
        if f.default is not MISSING and isinstance(f.default, str | int | float | bool):
            schema["default"] = f.default
        properties[f.name] = schema
    return {
        "$schema": DIALECT,
        "$id": "woo3d-model-meta.schema.json",
        "title": META_KEY,
        "description": "The product meta woo3d writes: the model's files, provenance and `<model-viewer>` "
                       "attributes (wp_bridge/metadata.py, ModelMeta).",
        "type": "object",
        "required": [f.name for f in fields(ModelMeta)],
        "additionalProperties": False,
        "properties": properties,
    }


def _obj(description: str, properties: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "description": description}
    if properties:
        schema["properties"] = properties
        schema["required"] = list(properties)
    return schema | extra


def _t(kind: str | list[str], description: str, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "description": description} | extra


_SIZE = {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}
REPORT_PROPERTIES: dict[str, Any] = {
    "schema": _t("integer", "the version of this shape (pipeline/stage2/finish.py REPORT_SCHEMA)"),
    "generated_at": _t("string", "when Stage 2 finished (ISO 8601, UTC)"),
    "generator": _t("string", "the generator that made the mesh (`local`, `tripo`, …)"),
    "generator_details": _obj("what the generator says about its work: `segmentation` (the cut-out), `shape` "
                              "(class, confidence, reasons), `hybrid` (which candidate won and why), …"),
    "product": _obj("the product the model was made for", {
        "id": _t(["integer", "null"], "product id; null for `woo3d generate` and ad-hoc requests"),
        "title": _t("string", "its title"),
        "images": _t("integer", "how many photos were used"),
        "shape": _t("string", "the merchant's shape choice (`auto` unless chosen)"),
    }),
    "stages": _t("array", "seconds per stage, in order", items=_obj("one stage", {
        "name": _t("string", "the stage"), "seconds": _t("number", "seconds the job spent on it or waited")})),
    "total_s": _t("number", "seconds of the whole generation"),
    "input_mesh": _obj("the generator's mesh", {"faces": _t("integer", "faces"), "vertices": _t("integer", "vertices")}),
    "repair": _obj("what mesh repair changed (faces and vertices before and after, faces removed, normals fixed)"),
    "decimation": _obj("the face budget and the faces before and after decimation", {
        "face_budget": _t("integer", "the budget"), "faces_before": _t("integer", "before"),
        "faces_after": _t("integer", "after")}),
    "texture": {"description": "the texture's original and final size and encoding; null without one",
                "anyOf": [_obj("the texture", {
                    "original_size": _SIZE | {"description": "width and height in pixels as the generator made it"},
                    "size": _SIZE | {"description": "width and height in pixels after sizing to the face budget"},
                    "encoding": _t("string", "the texture's image format in the uncompressed files")}),
                    {"type": "null"}]},
    "dimensions_m": _obj("the model's size in metres", {"width": _t("number", "x"), "height": _t("number", "y"),
                                                         "depth": _t("number", "z")}),
    "dimensions_source": _t("string", "where the size came from", enum=["product", "store", "default"]),
    "size_match": _t(["object", "null"], "how the store's three numbers were matched to the photo "
                                         "(assignment, stretch, uniform, camera elevation); null without numbers"),
    "ar_placement": _obj("where AR puts the model and why", {
        "placement": _t("string", "floor or wall", enum=["floor", "wall"]), "reason": _t("string", "why, in words")}),
    "files": _t("object", "each written format: its file name and size",
                additionalProperties=_obj("one file", {"file": _t("string", "file name"),
                                                       "bytes": _t("integer", "size")})),
    "glb_compression": _obj("what GLB compression did: `method` (`draco`, `meshopt`, `none`), bytes before and "
                            "after, the extensions a viewer needs",
                            {"method": _t("string", "the method", enum=["draco", "meshopt", "none"])}),
    "poster": _t(["string", "null"], "the poster's file name; null when the render did not finish"),
    "preview": _t("string", "the preview page's file name"),
    "quality": _obj("the quality score with its terms and reasons (see How it works → Quality score)", {
        "score": _t("integer", "0–100", minimum=0, maximum=100),
        "terms": _t("object", "each measured term, 0–1", additionalProperties={"type": "number"}),
        "reasons": _t("array", "why it is low, in words", items={"type": "string"}),
    }),
    "warnings": _t("array", "what the merchant should know, in words", items={"type": "string"}),
}


def report_schema() -> dict[str, Any]:
    """The JSON Schema of report.json."""
    return {
        "$schema": DIALECT,
        "$id": "woo3d-report.schema.json",
        "title": "report.json",
        "description": "What one generation did, written beside the model (pipeline/stage2/finish.py).",
        "type": "object",
        "required": list(REPORT_PROPERTIES),
        "additionalProperties": False,
        "properties": REPORT_PROPERTIES,
    }


def _kind(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "the same object"
    if "anyOf" in schema:
        return " or ".join(_kind(option) for option in schema["anyOf"])
    kind = schema.get("type", "any")
    return " or ".join(kind) if isinstance(kind, list) else kind


def _object_properties(schema: dict[str, Any]) -> dict[str, Any]:
    """The named properties of an object schema, or of the object in an `anyOf` (a nullable object)."""
    for option in [schema, *schema.get("anyOf", [])]:
        if "properties" in option:
            return dict(option["properties"])
    return {}


def _schema_row(name: str, prop: dict[str, Any]) -> str:
    meaning = prop.get("description", "")
    if "enum" in prop:
        meaning += " (" + ", ".join(f"`{value}`" for value in prop["enum"]) + ")"
    default = prop.get("default")
    if default not in (None, ""):
        meaning += f"; default `{str(default).lower() if isinstance(default, bool) else default}`"
    return f"| `{name}` | {_kind(prop)} | {meaning.replace('|', chr(92) + '|')} |"


def schema_page(title: str, intro: str, schema: dict[str, Any], file_name: str) -> str:
    """A reference page: the schema's top-level properties as a table, and a link to the schema file."""
    lines = [f"# {title}", "",
             "<!-- Generated by `python -m woo3d.docs` (woo3d/docs/schemas.py): edit the text there. -->", "",
             intro, "", f"JSON Schema: [{file_name}](schemas/{file_name}).", "",
             "| field | type | meaning |", "| --- | --- | --- |"]
    for name, prop in schema["properties"].items():
        lines.append(_schema_row(name, prop))
        for sub, sub_prop in _object_properties(prop).items():
            lines.append(_schema_row(f"{name}.{sub}", sub_prop))
    return "\n".join(lines) + "\n"
