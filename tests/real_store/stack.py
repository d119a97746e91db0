"""The released WordPress, WooCommerce and Storefront the real-store tier runs, found through WOO3D_WP_STACK.

The tier never downloads anything: it needs a folder holding the release archives. `.ci/run` points
WOO3D_WP_STACK at one when the CI machine has it; without it the tier skips and says how to get them.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
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
    folder = os.environ.get(STACK_ENV)
    if not folder:
        return f"the real WooCommerce tier needs the released stack: {HOW_TO_GET}"
    absent = [name for name in ARCHIVES.values() if not (Path(folder) / name).is_file()]
    if absent:
        return f"{STACK_ENV}={folder} lacks {', '.join(absent)}: {HOW_TO_GET}"
    return None


def unpacked(cache: Path) -> Path:
    """The stack unpacked under `cache` (once per archive content; later sessions reuse it), with
    `wordpress/`, `woocommerce/` and `storefront/` side by side. Raises FileNotFoundError without the stack."""
    folder = Path(os.environ[STACK_ENV])
    digest = hashlib.sha256(b"".join(_sha256(folder / name).encode() for name in ARCHIVES.values())).hexdigest()[:16]
    target = cache / digest
    done = target / ".unpacked"
    if not done.exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in ARCHIVES.values():
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
