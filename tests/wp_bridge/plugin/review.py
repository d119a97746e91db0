"""The WordPress.org review tools (PHPCS, WPCS, Plugin Check) run over the zip `woo3d wp-plugin` builds.

The tools come as one archive beside the released WordPress stack (WOO3D_WP_STACK, see
tests.real_store.stack); nothing is downloaded. Findings are compared with a committed baseline of
accepted ones, each with its reason, so a new finding fails and a fixed one shows as stale.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.real_store.stack import STACK_ENV, missing_archives, unpack

TOOLS_ARCHIVE = "wp-review-tools.tar.gz"
HOW_TO_GET = (
    f"set {STACK_ENV} to a folder holding {TOOLS_ARCHIVE}: a tools/ folder with PHP_CodeSniffer 3.10.3 (phpcs/), "
    "WordPress Coding Standards 3.1.0 (wpcs/, with PHPCSUtils 1.0 as phpcsutils/ and PHPCSExtra 1.2 as phpcsextra/), "
    "WordPress/plugin-check 1.2.0 (plugin-check/), VIP Coding Standards 3.0 (vipcs/), VariableAnalysis "
    "(varanalysis/), PHPCompatibility develop (phpcompat/) and the WordPress.org readme parser (readme-parser/), "
    "each from its GitHub repository at that tag"
)
STANDARDS = ("wpcs", "phpcsutils", "phpcsextra", "plugin-check/phpcs-sniffs", "vipcs", "varanalysis", "phpcompat")
HARNESS = Path(__file__).resolve().parent / "harness" / "review-checks.php"
BASELINE = Path(__file__).resolve().parent / "review_baseline.json"
# The newest WordPress when this was written (7.1, 2026): Plugin Check compares "Tested up to" with it.
LATEST_WORDPRESS = "7.1"


@dataclass(frozen=True)
class Finding:
    """One report line: which check, its level (ERROR/WARNING), its code, the file (and line)."""

    check: str
    level: str
    code: str
    file: str
    line: int = 0
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What the baseline matches on: the line moves with every edit, the rest does not."""
        return (self.check, self.level, self.code, self.file)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{self.level:7} {self.check}: {self.code} at {where} {self.message}".rstrip()


def missing_tools() -> str | None:
    """Why the review tier cannot run here, or None."""
    return missing_archives((TOOLS_ARCHIVE,), HOW_TO_GET, "the WordPress.org review tier")


def tools(cache: Path) -> Path:
    """The unpacked tools/ folder (once per archive content)."""
    return unpack(cache, (TOOLS_ARCHIVE,)) / "tools"


def phpcs(tools_dir: Path, plugin: Path, check: str, args: Sequence[str]) -> list[Finding]:
    """PHPCS over the plugin's PHP as Plugin Check calls it (vendor/ ignored, WordPress 6.1 the minimum).

    Raises RuntimeError when PHPCS itself fails (not when it finds something).
    """
    installed = ",".join(str(tools_dir / name) for name in STANDARDS)
    command = [
        "php", str(tools_dir / "phpcs" / "bin" / "phpcs"), str(plugin), "--report=json", "--extensions=php",
        "--ignore=*/.git/*,*/vendor/*,*/node_modules/*", "--runtime-set", "installed_paths", installed,
        "--runtime-set", "minimum_wp_version", "6.1", "-s", *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1, 2):
        raise RuntimeError(f"phpcs exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    return [
        Finding(check, message["type"], message["source"], str(Path(path).relative_to(plugin)), message["line"], message["message"])
        for path, result in sorted(report["files"].items())
        for message in result["messages"]
    ]


def other_checks(tools_dir: Path, plugin: Path) -> list[Finding]:
    """Plugin Check's readme, header, trademark, file and image rules (harness/review-checks.php).

    Raises RuntimeError when the harness fails.
    """
    done = subprocess.run(["php", str(HARNESS), str(plugin), str(tools_dir), LATEST_WORDPRESS],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"review-checks.php exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    found = []
    for row in json.loads(done.stdout):
        file, _, line = row["file"].partition(":")
        found.append(Finding(row["check"], row["level"], row["code"], file, int(line or 0), row["message"]))
    return found


def baseline() -> dict[tuple[str, str, str, str], int]:
    """Accepted findings and how many of each (every entry in the file gives its reason)."""
    accepted: Counter[tuple[str, str, str, str]] = Counter()
    for entry in json.loads(BASELINE.read_text())["accepted"]:
        if not entry.get("reason"):
            raise ValueError(f"{BASELINE.name}: {entry} gives no reason")
        accepted[(entry["check"], entry["level"], entry["code"], entry["file"])] += entry.get("count", 1)
    return dict(accepted)


def new_findings(found: Iterable[Finding], accepted: dict[tuple[str, str, str, str], int]) -> list[Finding]:
    """The findings beyond what the baseline accepts for their check, code and file."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    beyond = []
    for finding in found:
        seen[finding.key] += 1
        if seen[finding.key] > accepted.get(finding.key, 0):
            beyond.append(finding)
    return beyond


def summary(check: str, found: Sequence[Finding], beyond: Sequence[Finding]) -> str:
    """One line per check for the note: errors, warnings, how many the baseline accepts."""
    errors = sum(f.level == "ERROR" for f in found)
    warnings = len(found) - errors
    return f"{check}: {errors} error(s), {warnings} warning(s), {len(found) - len(beyond)} accepted, {len(beyond)} new"
