"""The keyless generator's shape classes: deciding a product's class, and one builder per class.

May import what pipeline.generators may: the vocabulary, pipeline.photos and pipeline.stage2.
"""

from pipeline.generators.shapes.classify import (
    ShapeDecision,
    SilhouetteFeatures,
    decide_shape,
    headwear_kind,
    is_open_vessel,
    silhouette_features,
    slab_thickness,
)
from pipeline.generators.shapes.surface import Surface

__all__ = ["ShapeDecision", "SilhouetteFeatures", "Surface", "decide_shape", "headwear_kind", "is_open_vessel",
           "silhouette_features", "slab_thickness"]
