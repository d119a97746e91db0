"""The generated parts of the docs site (configuration, CLI, HTTP API, schemas) and the screenshots command.

`python -m woo3d.docs` (or `woo3d docs`) rewrites them; tests/test_docs.py fails when they are stale.
"""

from __future__ import annotations

from woo3d.docs.pages import GENERATED, check, render, write

__all__ = ["GENERATED", "check", "render", "write"]
