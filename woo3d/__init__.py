"""woo3d: a 3D/AR model for every WooCommerce product (the CLI and settings on top of the packages)."""

__version__ = "0.2.0"
