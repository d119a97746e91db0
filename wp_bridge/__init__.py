"""The store side of woo3d: WooCommerce REST, WordPress media, the model metadata, write-back."""

from wp_bridge.clients import StoreClients, StoreNotConfigured
from wp_bridge.config import StoreConfig
from wp_bridge.errors import (
    AuthenticationError,
    FileTypeRefused,
    MediaTypeRejected,
    PermanentStoreError,
    ProductNotFound,
    ResourceNotFound,
    RetryableStoreError,
    StoreError,
    store_error,
)
from wp_bridge.ledger import AttachmentLedger, LedgerEntry
from wp_bridge.media import Attachment, MediaClient, WordPressUser, content_type_for
from wp_bridge.metadata import META_KEY, SCHEMA_VERSION, ModelMeta
from wp_bridge.retry import RetryPolicy
from wp_bridge.review import NothingToReview, ReviewResult, approve, discard, held_model
from wp_bridge.woocommerce import (
    Product,
    ProductAttribute,
    ProductCategory,
    ProductTag,
    ProductDimensions,
    ProductImage,
    ProductPage,
    StoreStatus,
    Webhook,
    WooCommerceClient,
)
from wp_bridge.writeback import WriteBackResult, remove_model, write_back

__all__ = [
    "Attachment",
    "AttachmentLedger",
    "AuthenticationError",
    "FileTypeRefused",
    "LedgerEntry",
    "META_KEY",
    "MediaClient",
    "MediaTypeRejected",
    "ModelMeta",
    "NothingToReview",
    "PermanentStoreError",
    "Product",
    "ProductAttribute",
    "ProductCategory",
    "ProductTag",
    "ProductDimensions",
    "ProductImage",
    "ProductNotFound",
    "ProductPage",
    "ResourceNotFound",
    "RetryPolicy",
    "RetryableStoreError",
    "ReviewResult",
    "SCHEMA_VERSION",
    "StoreClients",
    "StoreConfig",
    "StoreError",
    "StoreNotConfigured",
    "StoreStatus",
    "Webhook",
    "WooCommerceClient",
    "WordPressUser",
    "WriteBackResult",
    "approve",
    "content_type_for",
    "discard",
    "held_model",
    "remove_model",
    "store_error",
    "write_back",
]
