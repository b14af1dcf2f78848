"""Security headers on every response, and a nonce on every inline script of HTML pages.

The Content-Security-Policy allows scripts from this site and inline scripts that carry
the request's nonce only (no 'unsafe-inline' for scripts). folium writes its map set-up
as inline <script> blocks; rather than changing every page, ``after_request`` adds the
nonce to each <script> tag of an HTML response. That is safe because every page is
rendered from templates with autoescaping (and folium's JSON with ``tojson``): no
request text can produce a ``<script`` tag of its own. Styles keep 'unsafe-inline'
(folium and Leaflet set inline styles).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import g, request

from gis import settings
from webmap import params

_SCRIPT_TAG = re.compile(rb"<script(?=[\s>])(?![^>]*\bnonce=)", re.IGNORECASE)


def _basemap_origin() -> str:
    """The online basemap's origin for img-src ('' when tiles are our own)."""
    url = settings.get("POPGIS_BASEMAP_URL")
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.netloc
    if "{s}" in host:  # sub-domain placeholder: any sub-domain
        host = "*." + host.split(".", 1)[-1]
    return f" {parts.scheme or 'https'}://{host}" if host else ""


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob:{_basemap_origin()}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def add_nonces(body: bytes, nonce: str) -> bytes:
    """Every <script …> tag of ``body`` with ``nonce="…"`` (tags that have one kept)."""
    return _SCRIPT_TAG.sub(b'<script nonce="' + nonce.encode() + b'"', body)


def init_app(app):
    @app.before_request
    def _hygiene():
        g.csp_nonce = secrets.token_urlsafe(18)
        params.check_request()

    @app.after_request
    def _headers(response):
        nonce = g.get("csp_nonce") or secrets.token_urlsafe(18)
        if (
            response.mimetype == "text/html"
            and not response.direct_passthrough
            and response.is_sequence
        ):
            response.set_data(add_nonces(response.get_data(), nonce))
        h = response.headers
        h.setdefault("Content-Security-Policy", content_security_policy(nonce))
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
