"""The receiving side of woo3d: the Flask app, webhook verification, the delivery store and replay."""

from webhooks.app import create_app
from webhooks.config import ReceiverConfig
from webhooks.services import ConfigurationError, Services, build_services

__all__ = ["ConfigurationError", "ReceiverConfig", "Services", "build_services", "create_app"]
