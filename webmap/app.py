"""The Flask app factory: settings, the JSON provider, the hooks and every blueprint.

Kept out of ``webmap/__init__`` so that the blueprints and :mod:`webmap.server` (which
builds the app for gunicorn) import it without going round the package.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from gis import rules, settings
from webmap import (
    api,
    audit,
    auth,
    dbconn,
    errors,
    exports,
    health,
    mappage,
    ogc,
    planning,
    proxy,
    review,
    security,
    tiles,
    vendor,
)
from webmap.params import AsciiIntConverter

#: every blueprint, each a module with a ``bp`` (a new capability: add its module here)
BLUEPRINTS = (auth, mappage, api, health, vendor, tiles, review, planning, exports, ogc, audit)


def _secret_key() -> str:
    key = settings.get("POPGIS_SECRET_KEY")
    if key:
        return key
    path = settings.var_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _https() -> bool:
    """Served over HTTPS (TLS here, or a public https:// URL behind a proxy): the
    session cookie is then sent over HTTPS only."""
    return bool(settings.get("POPGIS_TLS_CERT")) or (
        settings.get("POPGIS_PUBLIC_URL") or ""
    ).startswith("https://")


class IsoJSONProvider(DefaultJSONProvider):
    """Dates as YYYY-MM-DD and times as ISO 8601 (Flask's default is an HTTP date)."""

    @staticmethod
    def default(o):
        if isinstance(o, dt.datetime):
            # with China's offset: the database hands times back in UTC, and a page that
            # prints the first 16 characters showed UTC as the counties' time
            return rules.in_china(o).isoformat(timespec="seconds")
        if isinstance(o, dt.date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides settings (tests pass an engine here)."""
    app = Flask("webmap")
    # every <int:…> of every route: ASCII digits only (before any blueprint is added)
    app.url_map.converters["int"] = AsciiIntConverter
    app.config.update(
        SECRET_KEY=_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="popgis_session",
        SESSION_COOKIE_SECURE=_https(),
        JSON_AS_ASCII=False,
        ENGINE=None,
        MAX_CONTENT_LENGTH=int(settings.get("POPGIS_MAX_REQUEST_MB")) << 20,
        PUBLIC_URL=settings.get("POPGIS_PUBLIC_URL"),
        TRUSTED_PROXIES=settings.get("POPGIS_TRUSTED_PROXIES"),
    )
    if config:
        app.config.update(config)
    app.json = IsoJSONProvider(app)
    app.json.ensure_ascii = False

    # headers, CSP nonces, odd query strings refused; its after_request runs last (after
    # dbconn's commit), so even a 503 from a failed commit carries the headers
    security.init_app(app)
    dbconn.init_app(app)
    errors.init_app(app)
    app.before_request(auth.check_csrf)
    app.jinja_env.globals["csrf_token"] = auth.csrf_token
    # every time a page prints: China time with its zone (gis.rules.shown)
    app.jinja_env.filters["china_time"] = rules.shown
    proxy.wrap(app)  # public address for links; forwarded headers from proxies
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    return app
