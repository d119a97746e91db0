"""gunicorn settings for the woo3d web process: `gunicorn -c deploy/gunicorn.conf.py woo3d.wsgi:app`.

The settings are woo3d/gunicorn_conf.py's, the same that `woo3d serve` runs; set them through the
environment (WOO3D_BIND, WOO3D_WEB_WORKERS, WOO3D_WEB_THREADS, WOO3D_ACCESS_LOG).
"""

from woo3d.gunicorn_conf import *  # noqa: F403
