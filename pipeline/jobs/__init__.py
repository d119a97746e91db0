"""The RQ side: the product job, queueing, status board, snapshots, sweep, backfill, eligibility,
fingerprints, variations (and the checks of the files they copy), image download and ad-hoc requests.

May import the vocabulary (pipeline.product, .result, .errors, .config, .metrics, .backends, .progress, .capped),
pipeline.generate, pipeline.generators, pipeline.stage2, pipeline.photos and wp_bridge; nothing
below imports jobs.
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    # Queued jobs name their function by dotted path; this one keeps its pre-subpackage path working
    # without importing the job's heavy dependencies whenever pipeline.jobs is imported.
    if name == "generate_product_model":
        return importlib.import_module("pipeline.jobs.product_job").generate_product_model
    raise AttributeError(f"module 'pipeline.jobs' has no attribute {name!r}")
