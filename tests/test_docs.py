"""The docs: generated references match the code, the schemas hold for real outputs, the site builds strictly."""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from woo3d.cli import main
from woo3d.docs import GENERATED, write
from woo3d.docs.openapi import docs_app, openapi_document
from woo3d.docs.schemas import meta_schema, report_schema
from woo3d.settings import VARIABLES
from wp_bridge.metadata import ModelMeta

ROOT = Path(__file__).resolve().parent.parent
# deploy/run.sh's own variables: not settings of a deployment (deploy/env.example), documented with run.sh.
RUN_SH_ONLY = {"WOO3D_REDIS_PORT": "docs/operators/install.md"}


def test_generated_reference_pages_are_current(tmp_path: Path) -> None:
    """Regenerated into a fresh folder, every generated file equals the committed one: else run `woo3d docs write`."""
    write(tmp_path, main)
    stale = [str(path) for path in GENERATED
             if not (ROOT / path).is_file()
             or (ROOT / path).read_text(encoding="utf-8") != (tmp_path / path).read_text(encoding="utf-8")]
    assert stale == [], f"stale generated docs {stale}: run `woo3d docs write` (python -m woo3d.docs) and commit"


def _string_arguments(tree: ast.AST, pattern: str) -> set[str]:
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(pattern, node.value)}


def test_every_variable_the_code_reads_is_in_the_registry_and_every_one_there_is_read() -> None:
    """Names read by Settings, HuggingFace3DConfig, gunicorn and run.sh are exactly the registry's."""
    settings_tree = ast.parse((ROOT / "woo3d/settings.py").read_text())
    reader = next(n for n in ast.walk(settings_tree) if isinstance(n, ast.FunctionDef) and n.name == "settings")
    read = {"settings": {node.args[0].value for node in ast.walk(reader)
                         if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                         and node.args and isinstance(node.args[0], ast.Constant)
                         and node.func.attr in {"text", "string", "path", "integer", "optional_integer", "flag", "words"}}}
    read["settings"] |= {"WOO3D_REVIEW", "WOO3D_GLB_COMPRESSION"}  # read by their own _Reader methods
    config_tree = ast.parse((ROOT / "pipeline/config.py").read_text())
    from_env = next(n for n in ast.walk(config_tree) if isinstance(n, ast.FunctionDef) and n.name == "from_env")
    read["huggingface"] = _string_arguments(from_env, r"(HF|HUGGINGFACE)_[A-Z0-9_]+")
    read["gunicorn"] = _string_arguments(ast.parse((ROOT / "woo3d/gunicorn_conf.py").read_text()),
                                         r"WOO3D_[A-Z0-9_]+")
    read["run.sh"] = set(re.findall(r"\$\{(WOO3D_[A-Z0-9_]+):-", (ROOT / "deploy/run.sh").read_text()))
    for reader_name, names in read.items():
        registered = {v.name for v in VARIABLES.values() if v.read_by == reader_name}
        if reader_name == "settings":
            registered |= {"HF_3D_OUTPUT_DIR"}  # HuggingFace's, also WOO3D_OUTPUT_DIR's fallback
        if reader_name == "run.sh":  # run.sh also passes on others' variables: each must be documented
            assert names - set(VARIABLES) == set(RUN_SH_ONLY)
        else:
            assert names == registered, reader_name
    # PROMETHEUS_MULTIPROC_DIR is read by Settings and by gunicorn; it is documented once.
    assert "PROMETHEUS_MULTIPROC_DIR" in read["settings"]


def test_documented_defaults_are_what_gunicorn_and_run_sh_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("WOO3D_BIND", "WOO3D_WEB_WORKERS", "WOO3D_WEB_THREADS", "WOO3D_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    gunicorn_conf = importlib.reload(importlib.import_module("woo3d.gunicorn_conf"))
    assert gunicorn_conf.bind == VARIABLES["WOO3D_BIND"].default
    assert gunicorn_conf.threads == VARIABLES["WOO3D_WEB_THREADS"].default
    assert gunicorn_conf.workers == 2 * (os.cpu_count() or 1) and VARIABLES["WOO3D_WEB_WORKERS"].shown == "2 × cores"
    assert (gunicorn_conf.accesslog is None) is (VARIABLES["WOO3D_ACCESS_LOG"].default is False)
    for name, page in RUN_SH_ONLY.items():
        assert f"`{name}`" in (ROOT / page).read_text()


def test_every_variable_has_a_meaning_and_no_cell_breaks_the_table() -> None:
    for variable in VARIABLES.values():
        assert variable.meaning.strip(), variable.name
        assert "|" not in variable.meaning + variable.shown_default, variable.name


def test_openapi_document_is_valid_and_covers_every_route() -> None:
    from openapi_spec_validator import validate

    document = openapi_document()
    validate(document)
    app = docs_app()
    documented = {re.sub(r"\{(\w+)\}", "", path) for path in document["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static" and "any(" not in rule.rule:
            assert re.sub(r"<[^>]+>", "", rule.rule) in documented, rule.rule
    admin = document["paths"]["/api/products/{product_id}/generate"]["post"]
    assert admin["security"] == [{"adminToken": []}] and admin["parameters"][0]["schema"] == {"type": "integer"}
    assert document["paths"]["/healthz"]["get"]["security"] == []
    assert {"/api/products/{product_id}/review/approve", "/api/products/{product_id}/review/discard"} <= set(
        document["paths"])


def _recorded_meta_values() -> list[object]:
    values = []
    for path in sorted((ROOT / "tests/fixtures/woocommerce/rest").glob("*.json")):
        for match in re.finditer(r'"key": "_woo3d_model",\s*"value": (\{.*?\})\s*\}', path.read_text(), re.S):
            values.append(json.loads(match[1]))
    return values


def test_meta_schema_holds_for_what_woo3d_writes_and_refuses_what_it_never_writes() -> None:
    schema = meta_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    held = ModelMeta(fingerprint="sha256:new", glb="https://shop.example/model.glb", state="review", reasons=("a",),
                     held_because="its quality score 41 is below 75 (WOO3D_PUBLISH_MIN_SCORE)",
                     views={"front": "https://shop.example/front.png"}, quality={"score": 41},
                     attachment_ids={"glb": 12})
    live = ModelMeta(fingerprint="sha256:old", glb="https://shop.example/old.glb", dimensions_m={"width": 0.1},
                     generated_at="2026-12-07T00:00:00+00:00", pending=held, ar_placement="wall")
    recorded = [meta for value in _recorded_meta_values() if (meta := ModelMeta.from_meta(value)) is not None]
    assert recorded, "the recorded store traffic holds _woo3d_model values"
    for meta in (ModelMeta(), live, held, *recorded):
        jsonschema.validate(meta.to_json(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(live.to_json() | {"state": "maybe"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(live.to_json() | {"unknown": 1}, schema)


@pytest.mark.slow
def test_report_schema_holds_for_a_real_generation(tmp_path: Path) -> None:
    """The sample mug through the whole pipeline: its report.json validates against the published schema."""
    from pipeline.config import PipelineConfig
    from pipeline.generate import generate_assets
    from pipeline.product import ProductInput, SourceImage

    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    product = ProductInput(images=(SourceImage((ROOT / "samples/ruby_mug.jpg").read_bytes(), "ruby_mug.jpg"),),
                           title="Ruby mug")
    config = PipelineConfig(face_budget=4000, max_texture_size=256, glb_compression="none")
    result = generate_assets(product, tmp_path, config)
    report = json.loads(result.report_path.read_text())
    jsonschema.validate(report, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in report.items() if k != "quality"}, schema)


def test_docs_site_builds_in_strict_mode(tmp_path: Path) -> None:
    """A broken link, a missing page or a page left out of the nav fails the build."""
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "site/reference/configuration/index.html").is_file()


def test_readme_is_the_front_door() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    assert "## The two commands" in readme and "deploy/run.sh" in readme and "deploy/test.sh" in readme
    for target in re.findall(r"\]\(((?!https?:)[^)#]+)", readme):
        assert (ROOT / target).exists(), target
