"""The layout is the architecture: imports run one way between layers, and no module imports itself in a circle.

Every import counts, including the lazy ones inside functions; only `if TYPE_CHECKING:` blocks are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("webhooks", "pipeline", "wp_bridge", "woo3d")
VOCABULARY = {f"pipeline.{name}" for name in ("product", "result", "errors", "config", "metrics", "backends", "progress", "capped")}

# Which layers each layer may import (a layer may always import itself and the vocabulary).
PIPELINE_LAYERS: dict[str, set[str]] = {
    "vocabulary": set(),
    "photos": set(),
    "stage2": {"photos"},
    "generators": {"photos", "stage2"},
    "generate": {"photos", "stage2", "generators"},
    "jobs": {"photos", "stage2", "generators", "generate"},
}
# webhooks → pipeline → wp_bridge; the woo3d CLI and entry points wire them all.
PACKAGE_LAYERS: dict[str, set[str]] = {
    "wp_bridge": set(),
    "pipeline": {"wp_bridge"},
    "webhooks": {"pipeline", "wp_bridge"},
    "woo3d": {"webhooks", "pipeline", "wp_bridge"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The repository's modules that `name` imports (a `from package import module` names the module)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped = _type_checking_lines(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in modules and target != name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def pipeline_layer(module: str) -> str | None:
    """The layer of a pipeline module; the package itself (lazy public names) belongs to none."""
    parts = module.split(".")
    if parts[0] != "pipeline" or len(parts) == 1:
        return None
    if module in VOCABULARY:
        return "vocabulary"
    return parts[1]


def test_every_pipeline_module_has_a_layer():
    unknown = [m for m in all_modules() if (layer := pipeline_layer(m)) is not None and layer not in PIPELINE_LAYERS]
    assert unknown == [], "put these in a layer (or add the layer to PIPELINE_LAYERS): " + ", ".join(unknown)


def test_pipeline_layers_import_one_way():
    wrong = []
    for module, targets in import_graph().items():
        layer = pipeline_layer(module)
        if layer is None:
            continue
        allowed = PIPELINE_LAYERS[layer] | {layer, "vocabulary"}
        wrong += [f"{module} → {target}" for target in sorted(targets)
                  if (target_layer := pipeline_layer(target)) is not None and target_layer not in allowed]
    assert wrong == []


def test_packages_import_one_way():
    wrong = []
    for module, targets in import_graph().items():
        top = module.split(".")[0]
        wrong += [f"{module} → {target}" for target in sorted(targets)
                  if (other := target.split(".")[0]) != top and other not in PACKAGE_LAYERS[top]]
    assert wrong == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in `graph`, as the list of modules around it, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_circles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " → ".join(cycle or [])


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
])
def test_the_circle_finder_finds_circles(graph, expected):
    assert find_cycle(graph) == expected


def test_a_forbidden_import_is_seen(tmp_path):
    """The checker sees lazy imports inside functions, and skips only TYPE_CHECKING blocks."""
    source = tmp_path / "finish.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pipeline.jobs import sweep\n"
                      "def f():\n    from pipeline.generators import hybrid\n")
    modules = {"pipeline.stage2.finish": source, "pipeline.jobs.sweep": source, "pipeline.generators.hybrid": source}
    assert imports_of("pipeline.stage2.finish", source, modules) == {"pipeline.generators.hybrid"}
