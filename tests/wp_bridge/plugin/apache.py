"""Apache (Debian's apache2) serving the test site's files as a typical WordPress host does.

`php -S` serves static files itself and reads no `.htaccess`; what the plugin writes for Apache
there (types and headers for uploads) is tested by serving the same folder with Apache, with
`.htaccess` files honoured (`AllowOverride FileInfo`) and an empty type map, so every type and
header a response carries comes from the site's own `.htaccess` files.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.redis_server import free_port

APACHE = Path("/usr/sbin/apache2")
MODULES = Path("/usr/lib/apache2/modules")
NEEDED_MODULES = {"mpm_event_module": "mod_mpm_event.so", "authz_core_module": "mod_authz_core.so",
                  "mime_module": "mod_mime.so", "headers_module": "mod_headers.so"}


def missing_apache() -> list[str]:
    """What this machine lacks to run Apache (Debian's apache2 package provides it all)."""
    needed = [APACHE] + [MODULES / name for name in NEEDED_MODULES.values()]
    return [str(path) for path in needed if not path.exists()]


@dataclass
class StaticApache:
    """`start()` serves `docroot` at `url` (no PHP); `stop()` ends it."""

    docroot: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="woo3d-apache-")))
    port: int = field(default_factory=free_port)
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> StaticApache:
        """Raises RuntimeError when Apache does not come up."""
        (self.root / "mime.types").write_text("")
        modules = "\n".join(f"LoadModule {name} {MODULES / so}" for name, so in NEEDED_MODULES.items())
        # Started as root, Apache serves as www-data, which must be able to walk down to the files.
        user = ""
        if os.geteuid() == 0:
            user = "User www-data\nGroup www-data"
            temporary = Path(tempfile.gettempdir())
            for folder in (self.root, *[p for p in self.docroot.parents if temporary in p.parents]):
                folder.chmod(folder.stat().st_mode | 0o711)  # mkdtemp's folders are 0700
        config = self.root / "apache2.conf"
        config.write_text(f"""{modules}
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
{user}
PidFile {self.root}/apache2.pid
DefaultRuntimeDir {self.root}
Mutex file:{self.root} default
ErrorLog {self.root}/error.log
TypesConfig {self.root}/mime.types
DocumentRoot {self.docroot}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {self.docroot}>
    AllowOverride FileInfo
    Require all granted
</Directory>
""")
        self._process = subprocess.Popen([str(APACHE), "-f", str(config), "-DFOREGROUND"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                requests.get(self.url, timeout=2)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        log = self.root / "error.log"
        raise RuntimeError(f"Apache did not start: {log.read_text()[-2000:] if log.exists() else 'no log'}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)
