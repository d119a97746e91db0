"""The real-store tier: one released WordPress + WooCommerce per session, woo3d live beside it, its
webhooks installed by `woo3d webhooks install` and delivered by WooCommerce's Action Scheduler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PHOTOS
from tests.real_store.backend import Woo3dBackend
from tests.real_store.stack import missing_stack, unpacked
from tests.real_store.store import WooCommerceStore
from tests.redis_server import RedisServer
from tests.wp_bridge.plugin.wordpress import missing_requirements
from woo3d.cli.plugin import build_zip

REPO = Path(__file__).resolve().parents[2]
STACK_CACHE = REPO / "var" / "wp-stack"
STORE_PHOTOS = (PHOTOS / "ruby_mug.jpg",)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WooCommerceStore]:
    """Storefront on WooCommerce 10, the woo3d plugin active, one product photo in the media library."""
    reason = missing_stack()
    if reason:
        pytest.skip(reason)
    missing = missing_requirements()
    if missing:
        pytest.skip(f"the real WooCommerce tier needs {', '.join(missing)}: run deploy/setup.sh")
    plugin_zip = tmp_path_factory.mktemp("plugin") / "woo3d.zip"
    build_zip(plugin_zip)
    store = WooCommerceStore(plugin_zip, (), stack=unpacked(STACK_CACHE), photos=STORE_PHOTOS)
    try:
        store.start()
        yield store
    finally:
        store.stop()


@pytest.fixture(scope="session")
def woo3d(real_store: WooCommerceStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Woo3dBackend]:
    """woo3d serve and a worker on a Redis of their own, with webhooks installed in the store."""
    redis = RedisServer().start()
    backend = Woo3dBackend(real_store, f"{redis.url}/0", tmp_path_factory.mktemp("woo3d"))
    try:
        backend.start()
        installed = backend.cli("webhooks", "install", "--json")
        assert installed.returncode == 0, installed.stdout + installed.stderr
        yield backend
    finally:
        backend.stop()
        redis.cleanup()
        print(f"--- woo3d worker log (tail) ---\n{backend.log('worker')[-4000:]}")
