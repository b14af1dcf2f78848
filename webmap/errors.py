"""One JSON error shape for every /api route: {"error": {"status", "code", "message"}},
and the language of messages for each request.

``PopgisError`` messages are made when they are raised (``gis.messages._``), in the
request's language: the ``popgis_lang`` cookie (the map's language toggle sets it), else
the browser's ``Accept-Language``, else ``POPGIS_LANG`` (default Chinese).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from gis.errors import PopgisError
from gis.messages import LANGUAGES, _, language, set_language, speaking

LANG_COOKIE = "popgis_lang"
#: blueprints whose clients are GIS programs and scripts with API tokens: they answer in
#: JSON on every path, and a 401 names the Bearer scheme
TOKEN_BLUEPRINTS = ("ogc", "exports")


def request_language() -> str | None:
    """The language the request asks for (``zh`` or ``en``), or None for the default:
    ``?lang=`` (the login page's link), else the cookie ``popgis_lang``, else
    Accept-Language."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES)


def _start_language():
    g.lang_token = set_language(request_language())


def _end_language(exc=None):
    token = g.pop("lang_token", None)
    if token is not None:
        token.var.reset(token)


def error_response(status: int, code: str, message: str):
    resp = jsonify({"error": {"status": status, "code": code, "message": message}})
    resp.status_code = status
    return resp


def database_error_response(exc):
    """503 for a database that is down, restarting or too slow (with Retry-After)."""
    g.rollback = True
    timeout = "statement timeout" in str(getattr(exc, "orig", exc))
    message = (
        _("the database took too long to answer; narrow the request")
        if timeout
        else _("the database is unavailable; try again in a few seconds")
    )
    if _wants_json():
        resp = error_response(503, "database_unavailable", message)
    else:
        resp = _error_page(503, message)
    resp.headers["Retry-After"] = "5"
    return resp


#: paths whose clients are programs: every error there is JSON
JSON_PATHS = ("/api/", "/tiles/", "/exports/", "/ogc/")


def _wants_json() -> bool:
    path = request.path
    if path.startswith(JSON_PATHS) or path == "/ogc":
        return True
    # a client that asks for JSON rather than a page (a browser asks for text/html)
    accept = request.accept_mimetypes
    return accept.quality("application/json") > accept.quality("text/html")


def http_message(exc: HTTPException) -> str:
    """What went wrong, in the current language (Werkzeug's texts are English only)."""
    if exc.code == 404:
        return _("there is nothing at {path}", path=request.path)
    if exc.code == 405:
        allowed = ", ".join(
            m for m in (getattr(exc, "valid_methods", None) or []) if m not in ("HEAD", "OPTIONS")
        )
        return _(
            "{method} is not accepted at {path}; use {allowed}",
            method=request.method,
            path=request.path,
            allowed=allowed or "GET",
        )
    if exc.code == 413:
        return _("the request is too large")
    return _("the request could not be served (HTTP {status})", status=exc.code)


def _error_page(status: int, message: str, headers=None):
    """An error as a page in the user's language, with the way back to the map."""
    with speaking(request_language()):
        if status == 404:
            title = _("Page not found")
        elif status == 503:
            title = _("Service unavailable")
        elif status >= 500:
            title = _("Server error")
        else:
            title = _("Request refused")
        html = render_template(
            "error.html",
            lang=language(),
            status=status,
            title=title,
            message=message,
            back=_("Back to the map"),
        )
    resp = make_response(html, status)
    for name, value in headers or []:
        if name.lower() != "content-type":
            resp.headers[name] = value
    return resp


def init_app(app):
    # the language is chosen before any other hook can raise an error
    app.before_request_funcs.setdefault(None, []).insert(0, _start_language)
    app.teardown_request(_end_language)

    @app.errorhandler(PopgisError)
    def popgis_error(exc):
        g.rollback = True
        token_api = request.blueprint in TOKEN_BLUEPRINTS
        if not (token_api or _wants_json()):
            # a browser page: the error page in the user's language, with the way back
            return _error_page(exc.status, exc.message)
        resp = error_response(exc.status, exc.code, exc.message)
        if token_api and exc.status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="popgis"'
        return resp

    @app.errorhandler(HTTPException)
    def http_error(exc):
        # unmatched routes and wrong methods too: in the user's language, never
        # Werkzeug's English page; headers such as Allow (405) are kept
        if exc.code is None or exc.code < 400:
            return exc
        with speaking(request_language()):
            message = http_message(exc)
        headers = exc.get_headers()
        if _wants_json():
            resp = error_response(exc.code, exc.name.lower().replace(" ", "_"), message)
            for name, value in headers:
                if name.lower() != "content-type":
                    resp.headers[name] = value
            return resp
        return _error_page(exc.code, message, headers)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(exc):
        # the server is down or restarting, or a statement ran out of time: 503, and the
        # broken connection is dropped from the pool by SQLAlchemy (disconnect detection)
        return database_error_response(exc)

    @app.errorhandler(sa.exc.DataError)
    def bad_value(exc):
        # a value PostgreSQL refuses (out of range, bad text): the caller's input
        g.rollback = True
        app.logger.warning("refused value: %s", exc.orig)
        message = _("invalid value: {problem}", problem=str(exc.orig).split("\n", 1)[0])
        if _wants_json():
            return error_response(400, "invalid_input", message)
        return _error_page(400, message)

    @app.errorhandler(Exception)
    def unexpected(exc):
        g.rollback = True
        app.logger.exception("unhandled error")
        if _wants_json():
            return error_response(500, "internal_error", _("internal error; see the server log"))
        return _error_page(500, _("internal error"))
