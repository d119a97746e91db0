"""gunicorn settings for the woo3d web process (`gunicorn -c deploy/gunicorn.conf.py woo3d.wsgi:app`)."""

import multiprocessing
import os

bind = os.environ.get("WOO3D_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WOO3D_WEB_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("WOO3D_WEB_THREADS", 8))
# WooCommerce waits for the answer synchronously when delivering: keep requests short-lived.
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
accesslog = "-" if os.environ.get("WOO3D_ACCESS_LOG", "").lower() in {"1", "true", "yes"} else None
