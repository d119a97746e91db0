"""A throwaway real store: released WordPress + WooCommerce + a theme, a private MariaDB, `php -S` on loopback.

Unlike the plugin tier's stand-in, nothing of WooCommerce is reproduced here: products, Duplicate,
variations and webhooks are WooCommerce's own code, and webhooks go out when the test runs Action
Scheduler (`deliver_webhooks`), as WP-cron would on a live store.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from tests.wp_bridge.plugin.wordpress import ADMIN_PASSWORD, WordPressSite

HARNESS = Path(__file__).resolve().parent / "harness"
PLUGIN_HARNESS = Path(__file__).resolve().parents[1] / "wp_bridge" / "plugin" / "harness"


@dataclass
class WooCommerceStore(WordPressSite):
    """Start with `start()`, stop with `stop()`. `stack`: the unpacked stack (tests.real_store.stack)."""

    stack: Path = Path()
    theme: str = "storefront"
    photos: tuple[Path, ...] = ()
    photo_ids: list[int] = field(default_factory=list)

    def start(self) -> WooCommerceStore:
        """Raises RuntimeError when MariaDB, the install or the web server fails."""
        socket_path = self._start_mariadb()
        shutil.copytree(self.stack / "wordpress", self.docroot, ignore=shutil.ignore_patterns("wp-config-sample.php"))
        shutil.copy(PLUGIN_HARNESS / "router.php", self.docroot / "router.php")
        shutil.copy(HARNESS / "install-woocommerce.php", self.docroot / "install-woocommerce.php")
        content = self.docroot / "wp-content"
        (content / "mu-plugins").mkdir(parents=True, exist_ok=True)
        shutil.copy(HARNESS / "woo3d-test-loopback.php", content / "mu-plugins")
        # WooCommerce and Storefront are read-only here: linked, not copied (20,000 files).
        (content / "plugins" / "woocommerce").symlink_to(self.stack / "woocommerce")
        (content / "themes" / "storefront").symlink_to(self.stack / "storefront")
        with zipfile.ZipFile(self.plugin_zip) as archive:
            archive.extractall(content / "plugins")
        self._write_config(socket_path, extra=(
            "define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost' );\n"
            "define( 'WP_MEMORY_LIMIT', '256M' );"
        ))
        installed = self._php_file("install-woocommerce.php", json.dumps({
            "admin_password": ADMIN_PASSWORD, "theme": self.theme,
            "consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret,
            "photos": [str(photo) for photo in self.photos],
        }))
        self.app_password = installed["app_password"]
        self.users = {role: int(uid) for role, uid in installed["users"].items()}
        self.photo_ids = [int(i) for i in installed["photos"]]
        # Several workers: Action Scheduler's deliveries, woo3d's write-backs and the tests run at once.
        self._start_web_server(workers=8)
        return self

    def wc(self, method: str, path: str, **kwargs: Any) -> Any:
        """A WooCommerce REST v3 call as the merchant's admin; returns the JSON, asserting a 2xx answer."""
        response = self.rest(method, f"/wc/v3{path}", **kwargs)
        assert response.ok, f"{method} {path}: {response.status_code} {response.text[:2000]}"
        return response.json()

    def deliver_webhooks(self) -> int:
        """Run Action Scheduler's due actions until none is left, as WP-cron would: WooCommerce builds
        and sends the webhook deliveries queued by earlier requests. Returns how many actions ran."""
        return int(self.php(
            "$runner = ActionScheduler_QueueRunner::instance(); $ran = 0;"
            "do { $batch = $runner->run( 'woo3d tests' ); $ran += $batch; } while ( $batch > 0 );"
            "return $ran;"
        ))

    def pending_deliveries(self) -> int:
        """Webhook deliveries WooCommerce has queued and not sent yet."""
        return len(self.php(
            "return as_get_scheduled_actions( array( 'hook' => 'woocommerce_deliver_webhook_async',"
            " 'status' => ActionScheduler_Store::STATUS_PENDING, 'per_page' => -1 ), 'ids' );"
        ))

    def variable_product(self, name: str, options: tuple[str, ...] = ("Red", "Blue"), *, status: str = "publish",
                         password: str = "", image_ids: tuple[int, ...] = ()) -> dict[str, int]:
        """A variable product made with WooCommerce's classes (attribute Colour, one published variation per
        option): its id under "product" and each variation's under its option in lower case. `image_ids`:
        the main photo, then the gallery's."""
        return {k: int(v) for k, v in self.php(f"""
            $p = new WC_Product_Variable();
            $p->set_name( {json.dumps(name)} );
            $p->set_status( {json.dumps(status)} );
            $p->set_post_password( {json.dumps(password)} );
            $images = {json.dumps(list(image_ids))};
            if ( $images ) {{
                $p->set_image_id( array_shift( $images ) );
                $p->set_gallery_image_ids( $images );
            }}
            $colour = new WC_Product_Attribute();
            $colour->set_name( 'Colour' );
            $colour->set_options( {json.dumps(list(options))} );
            $colour->set_visible( true );
            $colour->set_variation( true );
            $p->set_attributes( array( $colour ) );
            $p->save();
            $ids = array( 'product' => $p->get_id() );
            foreach ( {json.dumps(list(options))} as $option ) {{
                $v = new WC_Product_Variation();
                $v->set_parent_id( $p->get_id() );
                $v->set_attributes( array( 'colour' => $option ) );
                $v->set_regular_price( '20' );
                $v->set_status( 'publish' );
                $v->save();
                $ids[ strtolower( $option ) ] = $v->get_id();
            }}
            return $ids;
        """).items()}

    def meta(self, post_id: int, key: str) -> Any:
        """A post's meta value as WordPress stores it (unserialized), or None."""
        value = self.php(f"$v = get_post_meta( {int(post_id)}, {json.dumps(key)}, true ); return '' === $v ? null : $v;")
        return value

    def status(self, url: str) -> int:
        return requests.get(url, timeout=30).status_code
