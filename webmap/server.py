"""Serving: gunicorn for production, and the WSGI middleware that fixes the public address.

``popgis serve`` runs the app under gunicorn (threaded workers sized to the cores,
graceful reload on HUP, access log, request limits, optional TLS); ``--dev`` runs
Flask's development server instead.

Absolute links (OGC API links, ``url_for(..., _external=True)``) are built from
POPGIS_PUBLIC_URL, or else from the address the server listens on, never from the
client's Host header. X-Forwarded-For/-Proto are read only from the proxies listed in
POPGIS_TRUSTED_PROXIES.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from gis import settings


def trusted_networks(raw: str | None) -> list:
    nets = []
    for part in (raw or "").replace(";", ",").split(","):
        if part.strip():
            nets.append(ipaddress.ip_network(part.strip(), strict=False))
    return nets


class PublicAddress:
    """WSGI middleware: the client address and scheme from a trusted proxy, and the host
    (and path prefix) from the public URL, or from the listening address."""

    def __init__(self, app, public_url: str | None, trusted_proxies: str | None):
        self.app = app
        self.public = urlsplit(public_url.rstrip("/")) if public_url else None
        self.trusted = trusted_networks(trusted_proxies)

    def _from_trusted_proxy(self, environ) -> bool:
        try:
            peer = ipaddress.ip_address(environ.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(peer in net for net in self.trusted)

    def __call__(self, environ, start_response):
        environ["popgis.client_host"] = environ.get("HTTP_HOST", "")
        if self.trusted and self._from_trusted_proxy(environ):
            forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
            # the right-most address is the one our proxy saw
            client = forwarded.split(",")[-1].strip()
            if client:
                environ["REMOTE_ADDR"] = client
            proto = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[-1].strip()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
        if self.public is not None:
            environ["wsgi.url_scheme"] = self.public.scheme
            environ["HTTP_HOST"] = self.public.netloc
            if self.public.path:
                environ["SCRIPT_NAME"] = self.public.path
                path = environ.get("PATH_INFO", "")
                if path.startswith(self.public.path + "/") or path == self.public.path:
                    environ["PATH_INFO"] = path[len(self.public.path) :]
        else:
            name, port = environ.get("SERVER_NAME", ""), environ.get("SERVER_PORT", "")
            default = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
            environ["HTTP_HOST"] = name if port in ("", default) else f"{name}:{port}"
        return self.app(environ, start_response)


def wrap(app) -> None:
    """Install the middleware on a Flask app (settings read now)."""
    app.wsgi_app = PublicAddress(
        app.wsgi_app, app.config.get("PUBLIC_URL"), app.config.get("TRUSTED_PROXIES")
    )


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
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(host, port)

    class PopgisApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                if key in self.cfg.settings:  # (older gunicorn lacks some)
                    self.cfg.set(key, value)

        def load(self):
            # built in the master before the fork; it opens no connection until a
            # request comes, so each worker gets its own database pools
            from webmap import create_app

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
    from webmap import create_app

    app = create_app()
    echo(f"popgis map on http://{host}:{port}/  (DEVELOPMENT server; Ctrl-C to stop)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
