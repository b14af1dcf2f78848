"""Serving: gunicorn for production, Flask's development server for development.

``popgis serve`` runs the app under gunicorn (threaded workers sized to the cores,
graceful reload on HUP, access log, request limits, optional TLS); ``--dev`` runs
Flask's development server instead.

The middleware that fixes the public address behind a proxy is in :mod:`webmap.proxy`.
"""

from __future__ import annotations

import os

from gis import settings
from webmap.app import create_app
from webmap.proxy import trusted_networks


# ------------------------------------------------------------------------- gunicorn
def worker_counts() -> tuple[int, int]:
    """(workers, threads): one worker per two cores, threads for the database waits;
    POPGIS_WORKERS / POPGIS_THREADS override.

    PostgreSQL renders the tiles and runs the searches on the same cores, and each
    worker keeps its own tile cache: on 2 cores one worker of 24 threads served 270
    requests/s where three of 8 served 129-203 (bench/serving.py, 50 clients)."""
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    workers = int(settings.get("POPGIS_WORKERS") or max(1, cores // 2))
    threads = int(settings.get("POPGIS_THREADS"))
    return max(1, workers), max(1, threads)


def gunicorn_options(host: str, port: int) -> dict:
    workers, threads = worker_counts()
    try:
        trusted_networks(settings.get("POPGIS_TRUSTED_PROXIES"))
    except ValueError as exc:
        raise ValueError(f"POPGIS_TRUSTED_PROXIES: {exc}") from None
    cert, key = settings.get("POPGIS_TLS_CERT"), settings.get("POPGIS_TLS_KEY")
    if bool(cert) != bool(key):
        raise ValueError("set both POPGIS_TLS_CERT and POPGIS_TLS_KEY, or neither")
    access_log = settings.get("POPGIS_ACCESS_LOG")
    options = {
        "bind": [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": int(settings.get("POPGIS_WORKER_TIMEOUT_S")),
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None if access_log in ("", "off") else access_log,
        "errorlog": "-",
        # the path without its query string: a search's query is a person's name
        "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms "%(a)s"',
        # request-line and header limits (the body limit is Flask's MAX_CONTENT_LENGTH)
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        # X-Forwarded-* are handled by PublicAddress, from trusted proxies only
        "forwarded_allow_ips": "",
        "proxy_allow_ips": "",
        "proc_name": "popgis",
        # the app is imported once, in the master: workers fork ready to serve, so a
        # HUP replaces them without a gap (new code needs a restart, or USR2 + WINCH)
        "preload_app": True,
        # gunicorn ≥ 24 opens a control socket in $HOME; several servers would share it
        "control_socket_disable": True,
    }
    if cert:
        options.update(certfile=cert, keyfile=key)
    return options


def run_gunicorn(host: str, port: int, echo=print) -> None:
    """Serve the app under gunicorn in the foreground (HUP: graceful reload of the
    workers; TERM/INT: graceful stop)."""
    from gunicorn.app.base import BaseApplication  # only when serving in production

    options = gunicorn_options(host, port)

    class PopgisApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # (older gunicorn lacks some)
                    self.cfg.set(key, value)

        def load(self):
            # built in the master before the fork; it opens no connection until a
            # request comes, so each worker gets its own database pools
            return create_app()

    scheme = "https" if options.get("certfile") else "http"
    echo(
        f"popgis map on {settings.get('POPGIS_PUBLIC_URL') or f'{scheme}://{host}:{port}'}/"
        f"  (gunicorn, {options['workers']} workers × {options['threads']} threads; "
        "Ctrl-C to stop, kill -HUP to reload)"
    )
    PopgisApplication().run()


def run_dev(host: str, port: int, echo=print) -> None:
    """Flask's development server (for development only: one process, no limits)."""
    app = create_app()
    echo(f"popgis map on http://{host}:{port}/  (DEVELOPMENT server; Ctrl-C to stop)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
