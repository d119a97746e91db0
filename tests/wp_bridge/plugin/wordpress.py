"""A throwaway WordPress for the plugin tests: Debian's core, a private MariaDB, `php -S` on loopback.

The site gets the woo3d plugin from the zip `woo3d wp-plugin` builds (so the packaging is tested
too), the test-only WooCommerce stand-in as a must-use plugin, an admin with an application
password, a customer and a shop manager, WooCommerce-style consumer keys and a few products.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Browser, sync_playwright

from tests.redis_server import free_port

HARNESS = Path(__file__).resolve().parent / "harness"
WORDPRESS_CORE = Path("/usr/share/wordpress")  # Debian's `wordpress` package
CHROMIUM = Path("/usr/bin/chromium")  # Debian's `chromium` package
# No GPU here: SwiftShader gives model-viewer its WebGL.
CHROMIUM_ARGS = ("--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist")
REQUIRED_COMMANDS = ("php", "mariadbd", "mariadb-install-db", "mariadb")
ADMIN_PASSWORD = "admin-pass-123"


def php_value(value: Any) -> str:
    """A PHP expression for a JSON-able Python value (arrays associative), for the code given to
    WordPressSite.php(): JSON in a double-quoted PHP string, its `$` escaped so PHP reads no variable."""
    return "json_decode( " + json.dumps(json.dumps(value)).replace("$", "\\$") + ", true )"


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, with WebGL from SwiftShader."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def missing_requirements() -> list[str]:
    """What this machine lacks to run the WordPress tests (empty when deploy/setup.sh has run)."""
    missing = [name for name in REQUIRED_COMMANDS if shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin") is None]
    missing += [str(path) for path in (WORDPRESS_CORE / "wp-settings.php", CHROMIUM) if not path.exists()]
    return missing


@dataclass(frozen=True)
class ProductSeed:
    name: str
    description: str = ""
    dimensions: dict[str, str] = field(default_factory=dict)  # length/width/height in cm
    image: Path | None = None


@dataclass
class WordPressSite:
    """Start with `start()`, stop with `stop()`; `url` serves WordPress once started."""

    plugin_zip: Path
    products: tuple[ProductSeed, ...]
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="woo3d-wp-")))
    port: int = field(default_factory=free_port)
    consumer_key: str = field(default_factory=lambda: "ck_" + secrets.token_hex(20))
    consumer_secret: str = field(default_factory=lambda: "cs_" + secrets.token_hex(20))
    app_password: str = ""
    product_ids: list[int] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)
    _processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def docroot(self) -> Path:
        return self.root / "site"

    @property
    def debug_log(self) -> Path:
        return self.root / "debug.log"

    def start(self) -> WordPressSite:
        """Raises RuntimeError when MariaDB, the install or the web server fails."""
        socket_path = self._start_mariadb()
        self._copy_core(socket_path)
        installed = self._php_file("install.php", json.dumps({
            "admin_password": ADMIN_PASSWORD,
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "products": [
                {"name": p.name, "description": p.description, "dimensions": p.dimensions,
                 "image": str(p.image) if p.image else ""}
                for p in self.products
            ],
        }))
        self.app_password = installed["app_password"]
        self.product_ids = [int(i) for i in installed["products"]]
        self.users = {role: int(uid) for role, uid in installed["users"].items()}
        self._start_web_server()
        return self

    def stop(self) -> None:
        # Each server leads a process group of its own (php -S forks workers that outlive their master),
        # and the whole group is stopped: nothing of this site is left running after the tests.
        for process in reversed(self._processes):
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                pass
            _signal_group(process, signal.SIGKILL)
            process.wait(5)
        self._processes.clear()
        shutil.rmtree(self.root, ignore_errors=True)

    def php(self, code: str) -> Any:
        """Runs PHP `code` inside WordPress (as no user) and returns what it `return`s, via JSON.

        Raises RuntimeError with PHP's output when it fails.
        """
        script = (
            f"$_SERVER['HTTP_HOST'] = '127.0.0.1:{self.port}';\n"
            f"require {json.dumps(str(self.docroot / 'wp-load.php'))};\n"
            f"echo wp_json_encode( ( function () {{ {code} }} )() );\n"
        )
        done = subprocess.run(["php", "-r", script], capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"php failed ({done.returncode}): {done.stdout[-2000:]} {done.stderr[-2000:]}")
        return json.loads(done.stdout)

    def rest(self, method: str, path: str, *, user: str = "admin", password: str | None = None, **kwargs: Any
             ) -> requests.Response:
        """A REST call authenticated with the admin's application password (or the given one)."""
        auth = (user, password if password is not None else self.app_password)
        kwargs.setdefault("timeout", 30)
        return requests.request(method, f"{self.url}/wp-json{path}", auth=auth, **kwargs)

    def _start_mariadb(self) -> str:
        data = self.root / "mysql"
        socket_path = str(self.root / "mysql.sock")
        user = getpass.getuser()
        subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", f"--user={user}",
             "--auth-root-authentication-method=normal", "--skip-test-db"],
            check=True, capture_output=True, timeout=120,
        )
        mariadbd = shutil.which("mariadbd", path=f"{os.environ.get('PATH', '')}:/usr/sbin") or "mariadbd"
        self._processes.append(subprocess.Popen(
            [mariadbd, "--no-defaults", f"--datadir={data}", f"--socket={socket_path}", f"--user={user}",
             "--skip-networking", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
             f"--log-error={self.root / 'mariadb.err'}", f"--pid-file={self.root / 'mariadb.pid'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        ))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            created = subprocess.run(
                ["mariadb", "--no-defaults", f"--socket={socket_path}", "-uroot",
                 "-e", "CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4"],
                capture_output=True, check=False,
            )
            if created.returncode == 0:
                return socket_path
            time.sleep(0.2)
        raise RuntimeError(f"MariaDB did not start: {(self.root / 'mariadb.err').read_text(errors='replace')[-2000:]}")

    def _copy_core(self, socket_path: str) -> None:
        # Debian's tree links bundled JS to /usr/share/javascript: copy the targets, and give the
        # site its own wp-config.php instead of Debian's per-host /etc/wordpress scheme.
        shutil.copytree(WORDPRESS_CORE, self.docroot, symlinks=False, ignore=shutil.ignore_patterns(
            "wp-config.php", ".htaccess"))
        for name in ("router.php", "install.php"):
            shutil.copy(HARNESS / name, self.docroot / name)
        content = self.docroot / "wp-content"
        (content / "mu-plugins").mkdir(parents=True, exist_ok=True)
        for name in ("woo3d-test-store.php", "woo3d-test-variations.php", "woo3d-test-variations.js"):
            shutil.copy(HARNESS / name, content / "mu-plugins" / name)
        (content / "plugins").mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(self.plugin_zip) as archive:
            archive.extractall(content / "plugins")
        self._write_config(socket_path)

    def _write_config(self, socket_path: str, extra: str = "") -> None:
        """The site's wp-config.php: its database, its own salts, and what a loopback test site needs."""
        salts = "\n".join(
            f"define( '{name}', '{secrets.token_hex(32)}' );"
            for name in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
                         "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
        )
        (self.docroot / "wp-config.php").write_text(f"""<?php
define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost:{socket_path}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
{salts}
$table_prefix = 'wp_';
define( 'WP_HOME', '{self.url}' );
define( 'WP_SITEURL', '{self.url}' );
// 'local' makes application passwords available over plain http (WordPress's own rule).
define( 'WP_ENVIRONMENT_TYPE', 'local' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', '{self.debug_log}' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'FS_METHOD', 'direct' );
{extra}
if ( ! defined( 'ABSPATH' ) ) {{
	define( 'ABSPATH', __DIR__ . '/' );
}}
require_once ABSPATH . 'wp-settings.php';
""")

    def _php_file(self, name: str, stdin: str) -> Any:
        done = subprocess.run(["php", name], input=stdin, cwd=self.docroot, capture_output=True, text=True,
                              timeout=120, check=False, env={**os.environ, "HTTP_HOST": f"127.0.0.1:{self.port}"})
        if done.returncode != 0:
            raise RuntimeError(f"{name} failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        return json.loads(done.stdout)

    def _start_web_server(self, workers: int = 4) -> None:
        with (self.root / "php-server.log").open("wb") as log:
            self._processes.append(subprocess.Popen(
                ["php", "-d", "upload_max_filesize=64M", "-d", "post_max_size=64M", "-d", "memory_limit=512M",
                 "-S", f"127.0.0.1:{self.port}", "-t", str(self.docroot), str(self.docroot / "router.php")],
                cwd=self.docroot, stdout=log, stderr=subprocess.STDOUT,
                # Several workers: the backend calls WordPress while the browser is polling it.
                env={**os.environ, "PHP_CLI_SERVER_WORKERS": str(workers)}, start_new_session=True,
            ))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/wp-login.php", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"php -S did not serve WordPress: {(self.root / 'php-server.log').read_text()[-2000:]}")


def _signal_group(leader: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(leader.pid, signum)
    except ProcessLookupError:  # the group has no process left
        pass
