"""The repository is whole: no tracked file reaches outside it, and its Markdown renders as written."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A relative path that climbs: `../other/x`, `$(dirname "$0")/../..`, `../.env` (not a name ending in
# dots, such as the job id `adhoc-..` a test or the README quotes as an attack).
CLIMB = re.compile(r"(?<![\w-])(?:\.\./)+(?:[\w.-]+/?)*|(?:\.\./)*\.\.(?=[\"'`\s)]|$)")
# Python climbing from its own file: `Path(__file__).resolve().parents[3]` or `.parent.parent…`.
FILE_PARENTS = re.compile(r"__file__\)(?:\.resolve\(\))?\.parents\[(\d+)\]")
FILE_PARENT_CHAIN = re.compile(r"__file__\)(?:\.resolve\(\))?((?:\.parent)+)")
# The sibling folder the project grew up beside, and the machines it was written on.
OUTSIDE = re.compile(r"""\.\./shared\b|/\s*["']shared["']|["'](?:/work|/home|/Users|/root)/|(?<![\w.])(?:/work|/home/\w+)/""")


def tracked_text_files() -> list[tuple[str, str]]:
    """(path, text) of every tracked text file; fixtures of recorded traffic are data, read as such."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    files = []
    for name in filter(None, names.split("\0")):
        path = ROOT / name
        if name == "tests/test_repository.py" or not path.is_file():  # this file quotes the ways out; a deletion not yet committed
            continue
        try:
            files.append((name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue  # images, archives
    return files


def escapes(base: Path, relative: str) -> bool:
    return not (base / relative).resolve().is_relative_to(ROOT)


def outside_references(name: str, text: str) -> list[str]:
    """What in one file points outside the repository, as `line: excerpt`."""
    found = []
    depth = name.count("/")  # parents[depth] of a file is the repository root
    for number, line in enumerate(text.splitlines(), 1):
        hits = [m.group(0) for m in OUTSIDE.finditer(line)]
        hits += [m.group(0) for m in CLIMB.finditer(line) if escapes((ROOT / name).parent, m.group(0))]
        hits += [m.group(0) for m in FILE_PARENTS.finditer(line) if int(m.group(1)) > depth]
        hits += [m.group(0) for m in FILE_PARENT_CHAIN.finditer(line) if m.group(1).count(".parent") > depth + 1]
        found += [f"{name}:{number}: {hit}" for hit in hits]
    return found


def test_no_tracked_file_refers_to_a_path_outside_the_repository() -> None:
    """A clone with no sibling folders has everything its tests, benchmarks, deploy scripts and docs use."""
    files = tracked_text_files()
    assert len(files) > 100 and any(name == "tests/conftest.py" for name, _ in files)
    # CI alone may point the optional real-store tier at a stack beside the clone (WOO3D_WP_STACK); without
    # it that tier skips, so a lone clone still has everything it needs.
    checked = [(name, text) for name, text in files if name != ".ci/run"]
    assert [hit for name, text in checked for hit in outside_references(name, text)] == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("tests/conftest.py", 'FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"'),
        ("tests/pipeline/test_x.py", "ROOT = Path(__file__).resolve().parents[3]"),
        ("tests/pipeline/test_x.py", "ROOT = Path(__file__).parent.parent.parent.parent"),
        ("README.md", "See [the design](../notes/DESIGN.md)."),
        ("docs/design.md", "recorded traffic (`../../fixtures/`)"),
        ("deploy/run.sh", 'cd "$(dirname "$0")/../.."'),
        ("benchmarks/ingest.py", 'PHOTOS = Path("/work/shared/fixtures/photos")'),
    ],
)
def test_the_check_catches_each_way_out(name: str, line: str) -> None:
    assert outside_references(name, line) != []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("tests/pipeline/test_metrics.py", "ROOT = Path(__file__).resolve().parents[2]"),
        ("tests/conftest.py", 'FIXTURES = Path(__file__).resolve().parent / "fixtures"'),
        ("deploy/compose.yaml", "  env_file: ../.env"),
        ("wp_bridge/wordpress_plugin/bin/refresh-model-viewer.sh", 'repo="$(cd "$(dirname "$0")/../../.." && pwd)"'),
        ("deploy/systemd/woo3d-web.service", "WorkingDirectory=/opt/woo3d"),
        ("README.md", "job file paths that leave the job's folder (`adhoc-../`, `%2e%2e`) 404"),
    ],
)
def test_paths_inside_the_repository_or_on_the_target_machine_pass(name: str, line: str) -> None:
    assert outside_references(name, line) == []


def markdown_tables(text: str) -> list[list[str]]:
    """Each table of a Markdown text: its consecutive `|` lines (outside code fences)."""
    tables: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        is_row = not fenced and line.lstrip().startswith("|")
        if is_row:
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return [table for table in tables if len(table) >= 2 and re.fullmatch(r"\|?[\s:|-]+\|?", table[1].strip())]


def cells(row: str) -> int:
    """The cells GitHub renders in a row: split on every `|` that is not backslash-escaped, code spans
    included (GitHub splits rows before it reads code spans)."""
    inner = row.strip().removeprefix("|")
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return len(re.split(r"(?<!\\)\|", inner))


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", ROOT / "benchmarks" / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def loose_table_rows(text: str) -> list[str]:
    """Table rows cut off from their table (by a blank line) render as loose text."""
    lines = text.splitlines()
    loose = []
    for index, line in enumerate(lines):
        if line.startswith("|") and index > 1 and lines[index - 1] == "" and not (
            index + 1 < len(lines) and re.fullmatch(r"\|?[\s:|-]+\|?", lines[index + 1].strip())
        ):
            loose.append(line)
    return loose


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_markdown_table_row_has_the_header_s_columns(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    tables = markdown_tables(text)
    broken = [f"{row}  ({cells(row)} cells, header {cells(table[0])})"
              for table in tables for row in table if cells(row) != cells(table[0])]
    assert broken == []
    assert loose_table_rows(text) == []


def test_the_table_check_sees_a_broken_cell_and_a_split_table() -> None:
    text = "| a | b |\n| --- | --- |\n| `x|y` | z |\n| ok \\| fine | z |\n\n| stray | row |\n"
    (table,) = markdown_tables(text)
    assert [cells(row) for row in table] == [2, 2, 3, 2]
    assert loose_table_rows(text) == ["| stray | row |"]
