"""The WSGI middleware that fixes the public address (used by every app, served or tested).

Absolute links (OGC API links, ``url_for(..., _external=True)``) are built from
POPGIS_PUBLIC_URL, or else from the address the server listens on, never from the
client's Host header. X-Forwarded-For/-Proto are read only from the proxies listed in
POPGIS_TRUSTED_PROXIES.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


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
