"""The released WordPress, WooCommerce and Storefront the real-store tier runs, found through WOO3D_WP_STACK.

The tier never downloads anything: it needs a folder holding the release archives. `.ci/run` points
WOO3D_WP_STACK at one when the CI machine has it; without it the tier skips and says how to get them.
The WordPress.org review tier finds its tools' archive in the same folder (`missing_archives`, `unpack`).
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from collections.abc import Iterable
from pathlib import Path

STACK_ENV = "WOO3D_WP_STACK"
ARCHIVES = {
    "wordpress": "wordpress-6.8.3.tar.gz",
    "woocommerce": "woocommerce-10.0.2.tar.gz",
    "storefront": "storefront-4.5.4.tar.gz",
}
HOW_TO_GET = (
    f"set {STACK_ENV} to a folder holding {', '.join(ARCHIVES.values())} (wordpress.org/download/releases, "
    "wordpress.org/plugins/woocommerce/advanced → previous versions, wordpress.org/themes/storefront), each "
    "unpacking to its own folder (wordpress/, woocommerce/, storefront/)"
)


def missing_stack() -> str | None:
    """Why the tier cannot run here, or None when the archives are there."""
    return missing_archives(ARCHIVES.values(), HOW_TO_GET, "the real WooCommerce tier")


def unpacked(cache: Path) -> Path:
    """The stack unpacked under `cache` (once per archive content; later sessions reuse it), with
    `wordpress/`, `woocommerce/` and `storefront/` side by side. Raises FileNotFoundError without the stack."""
    return unpack(cache, ARCHIVES.values())


def missing_archives(names: Iterable[str], how_to_get: str, tier: str) -> str | None:
    """Why `tier` cannot run here (WOO3D_WP_STACK unset, or its folder lacks one of `names`), or None."""
    folder = os.environ.get(STACK_ENV)
    if not folder:
        return f"{tier} needs {STACK_ENV}: {how_to_get}"
    absent = [name for name in names if not (Path(folder) / name).is_file()]
    if absent:
        return f"{STACK_ENV}={folder} lacks {', '.join(absent)}: {how_to_get}"
    return None


def unpack(cache: Path, names: Iterable[str]) -> Path:
    """The archives `names` from WOO3D_WP_STACK unpacked side by side under `cache`, in a folder keyed by
    their contents' hash (unpacked once; later sessions reuse it). Raises FileNotFoundError without them."""
    folder = Path(os.environ[STACK_ENV])
    names = list(names)
    digest = hashlib.sha256(b"".join(_sha256(folder / name).encode() for name in names)).hexdigest()[:16]
    target = cache / digest
    done = target / ".unpacked"
    if not done.exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in names:
            with tarfile.open(folder / name) as archive:
                archive.extractall(target, filter="tar")
        done.touch()
    return target


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
