"""docs/reference/openapi.json and http-api.md: an OpenAPI 3.1 document made from the Flask app's routes.

Paths, methods and path parameters come from the URL map, each operation's text from its view's
docstring, its security from which blueprint serves it: nothing here lists a route by hand.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from flask import Flask
from redis import Redis

from woo3d import __version__

_PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "adminToken": {"type": "http", "scheme": "bearer",
                   "description": "`Authorization: Bearer $WOO3D_ADMIN_TOKEN`; 401 without it, and on every "
                                  "route while `WOO3D_ADMIN_TOKEN` is unset"},
    "metricsToken": {"type": "http", "scheme": "bearer",
                     "description": "`Authorization: Bearer $WOO3D_METRICS_TOKEN`, only when that is set"},
    "wooCommerceSignature": {"type": "apiKey", "in": "header", "name": "X-WC-Webhook-Signature",
                             "description": "base64 HMAC-SHA256 of the raw body keyed with `WC_WEBHOOK_SECRET`; "
                                            "WooCommerce's unsigned activation ping (`webhook_id=N`) is answered too"},
    "tripoSignature": {"type": "apiKey", "in": "header", "name": "Tripo-Webhook-Signature",
                       "description": "`t=<unix>,v1=<hex>`: HMAC-SHA256 of `<t>.<raw body>` keyed with "
                                      "`TRIPO_WEBHOOK_SECRET`, within 5 minutes of now"},
}
# Who may call what, by blueprint, and for the receiver by view: a route the map lacks fails the build.
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "admin": [{"adminToken": []}],
    "metrics": [{}, {"metricsToken": []}],
    "health": [],
    "receiver.woocommerce_delivery": [{"wooCommerceSignature": []}],
    "receiver.tripo_task_update": [{"tripoSignature": []}],
}
TAGS = {"receiver": "Webhooks in", "admin": "Admin API", "health": "Probes", "metrics": "Metrics"}


def docs_app() -> Flask:
    """The real app, wired with placeholder settings and a Redis connection that is never opened."""
    from pipeline.config import PipelineConfig
    from webhooks import ReceiverConfig, create_app
    from woo3d.settings import Settings
    from wp_bridge.config import StoreConfig

    settings = Settings(receiver=ReceiverConfig(webhook_secret="docs"), pipeline=PipelineConfig(), store=StoreConfig())
    return create_app(settings, Redis(host="127.0.0.1", port=1))


def _paths(rule: str) -> list[tuple[str, dict[str, str], list[dict[str, Any]]]]:
    """OpenAPI paths for one Flask rule: `any(a, b)` becomes one concrete path per choice."""
    variants: list[tuple[str, dict[str, str]]] = [(rule, {})]
    for match in _PARAMETER.finditer(rule):
        if match["converter"] == "any":
            choices = [c.strip().strip("'\"") for c in (match["args"] or "").split(",")]
            variants = [(path.replace(match[0], choice), {**fixed, match["name"]: choice})
                        for path, fixed in variants for choice in choices]
    found = []
    for path, fixed in variants:
        parameters = [{"name": m["name"], "in": "path", "required": True,
                       "schema": {"type": "integer"} if m["converter"] == "int" else {"type": "string"}}
                      for m in _PARAMETER.finditer(path)]
        found.append((_PARAMETER.sub(r"{\g<name>}", path), fixed, parameters))
    return found


def _text(view: Any) -> tuple[str, str]:
    doc = inspect.getdoc(view)
    if not doc:
        raise ValueError(f"{view.__module__}.{view.__name__} has no docstring: the API reference needs one")
    description = " ".join(doc.split())
    summary = re.split(r"(?<=[.;:])\s", description, maxsplit=1)[0].rstrip(".;:")
    return summary, description


def openapi_document(app: Flask | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every route but Flask's own static files."""
    app = app or docs_app()
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static":
            continue
        blueprint = rule.endpoint.split(".", 1)[0]
        security = SECURITY.get(rule.endpoint, SECURITY.get(blueprint))
        if security is None:
            raise KeyError(f"{rule.endpoint} ({rule.rule}): say who may call it in woo3d/docs/openapi.py SECURITY")
        summary, description = _text(app.view_functions[rule.endpoint])
        responses: dict[str, Any] = {"default": {"description": "JSON (Prometheus text for /metrics); the statuses "
                                                                "are in the description"}}
        if security and {} not in security:
            responses["401"] = {"description": "missing or wrong credentials"}
        for path, fixed, parameters in _paths(rule.rule):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                suffix = "".join(f"_{value}" for value in fixed.values())
                operation: dict[str, Any] = {
                    "operationId": rule.endpoint.replace(".", "_") + suffix,
                    "tags": [TAGS[blueprint]],
                    "summary": summary,
                    "description": description,
                    "security": security,
                    "responses": responses,
                }
                if parameters:
                    operation["parameters"] = parameters
                paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "woo3d", "version": __version__,
                 "description": "The webhook receiver (WooCommerce, Tripo3D), the admin API the WordPress plugin "
                                "and scripts call, the probes and the metrics."},
        "tags": [{"name": name} for name in TAGS.values()],
        "paths": paths,
        "components": {"securitySchemes": SECURITY_SCHEMES},
    }


def _auth(security: list[dict[str, list[str]]]) -> str:
    if not security:
        return "none"
    names = [f"`{name}`" for requirement in security for name in requirement]
    return " or ".join(names) + (" (when set)" if {} in security else "")


def http_api_page(document: dict[str, Any]) -> str:
    """The API reference as tables, one per tag, from the OpenAPI document."""
    lines = [
        "# HTTP API reference",
        "",
        "<!-- Generated by `python -m woo3d.docs` from the Flask routes (webhooks/routes/): edit the docstrings. -->",
        "",
        "Every route the web process answers, made from its code. The same as an OpenAPI 3.1 document:",
        "[openapi.json](openapi.json). What the receiver does with a delivery, and each answer's body, is in",
        "[The receiver and the admin API](../how-it-works/receiver.md).",
        "",
        "Credentials: " + "; ".join(f"`{name}`: {scheme['description']}"
                                    for name, scheme in document["components"]["securitySchemes"].items()) + ".",
    ]
    for tag in document["tags"]:
        lines += ["", f"## {tag['name']}", "", "| method | path | auth | does |", "| --- | --- | --- | --- |"]
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if tag["name"] in operation["tags"]:
                    text = operation["description"].replace("|", "\\|")
                    lines.append(f"| {method.upper()} | `{path}` | {_auth(operation['security'])} | {text} |")
    return "\n".join(lines) + "\n"
