"""The receiving side of woo3d: the Flask app, webhook verification, the delivery store and replay."""

from webhooks.app import ConfigurationError, Services, build_services, create_app
from webhooks.config import ReceiverConfig

__all__ = ["ConfigurationError", "ReceiverConfig", "Services", "build_services", "create_app"]
