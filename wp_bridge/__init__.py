"""The store side of woo3d: WooCommerce REST, WordPress media, the model metadata, write-back."""

from wp_bridge.config import StoreConfig

__all__ = ["StoreConfig"]
