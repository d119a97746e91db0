"""gunicorn settings for the woo3d web process, shared by `woo3d serve` and deploy/gunicorn.conf.py.

They live in the package (`gunicorn -c python:woo3d.gunicorn_conf`) so any install, not only a
checkout with deploy/, serves with them.
"""

import multiprocessing
import os
import tempfile

__all__ = [
    "accesslog", "bind", "child_exit", "control_socket_disable", "graceful_timeout", "keepalive",
    "limit_request_field_size", "limit_request_fields", "max_requests", "max_requests_jitter", "preload_app", "threads",
    "timeout", "worker_class", "workers",
]

bind = os.environ.get("WOO3D_BIND") or "0.0.0.0:8000"
worker_class = "gthread"
# The receiver is CPU-bound (HMAC, JSON, Redis round trips) under the GIL: processes beat threads.
# An empty value (deploy/env.example copied as is) means the default, as everywhere in woo3d.
workers = int(os.environ.get("WOO3D_WEB_WORKERS") or 2 * multiprocessing.cpu_count())
threads = int(os.environ.get("WOO3D_WEB_THREADS") or 4)
# WooCommerce waits for the answer synchronously when delivering: keep requests short-lived.
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
# The app is imported once, in the master, and every worker forks from it: a worker recycled by
# max_requests starts in milliseconds instead of re-importing woo3d (0.6 s of CPU that stalled the
# other workers' requests: the no-op's p99 fell from about 300 ms to 45 ms). Nothing in the app opens
# a connection or a thread before the fork. Code changes need a restart, not a reload (HUP).
preload_app = True
# A WooCommerce delivery or an admin call carries about a dozen short headers: more, or longer,
# ones are refused (431) before the app runs, so a flood of huge headers costs nothing kept.
limit_request_fields = 40
limit_request_field_size = 4096
# gunicorn's control socket (for `gunicornc`, unused by woo3d) defaults to one path per user,
# ~/.gunicorn/gunicorn.ctl, outside the deployment and shared by every gunicorn that user runs.
control_socket_disable = True
accesslog = "-" if os.environ.get("WOO3D_ACCESS_LOG", "").lower() in {"1", "true", "yes"} else None

# /metrics adds up every worker's counters from prometheus-client's files in this directory. It must
# be set before prometheus-client is first imported (workers fork from this process), hence the
# import inside the hook. deploy/ shares one directory per machine between the
# web and the RQ workers (compose: a tmpfs volume; systemd: /run/woo3d-metrics from tmpfiles.d), so
# it is never wiped here; without one, this server gets a fresh private directory.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="woo3d-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def child_exit(server, worker):  # noqa: ANN001 - gunicorn's hook signature
    # Drops the exited worker's live gauges; its counters stay, so totals never go backwards.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
