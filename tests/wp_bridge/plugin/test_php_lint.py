"""Every PHP file of the plugin and of the test harness parses (`php -l`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from woo3d.cli.plugin import plugin_source

HARNESS = Path(__file__).resolve().parent / "harness"
PHP_FILES = sorted(Path(str(plugin_source())).rglob("*.php")) + sorted(HARNESS.rglob("*.php"))


def test_there_are_php_files_to_lint() -> None:
    assert len(PHP_FILES) >= 10


@pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed: run deploy/setup.sh")
@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: p.name)
def test_php_file_parses(path: Path) -> None:
    done = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
