"""One JSON error shape for every /api route: {"error": {"status", "code", "message"}}."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException

from gis.errors import PopgisError


def error_response(status: int, code: str, message: str):
    resp = jsonify({"error": {"status": status, "code": code, "message": message}})
    resp.status_code = status
    return resp


def database_error_response(exc):
    """503 for a database that is down, restarting or too slow (with Retry-After)."""
    g.rollback = True
    timeout = "statement timeout" in str(getattr(exc, "orig", exc))
    message = ("the database took too long to answer; narrow the request" if timeout else
               "the database is unavailable; try again in a few seconds")
    if _wants_json():
        resp = error_response(503, "database_unavailable", message)
    else:
        from flask import make_response

        resp = make_response(message, 503)
    resp.headers["Retry-After"] = "5"
    return resp


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/tiles/")


def init_app(app):
    @app.errorhandler(PopgisError)
    def popgis_error(exc):
        g.rollback = True
        if _wants_json():
            return error_response(exc.status, exc.code, exc.message)
        return exc.message, exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if _wants_json():
            return error_response(exc.code, exc.name.lower().replace(" ", "_"),
                                  exc.description or exc.name)
        return exc

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
        message = str(exc.orig).split("\n", 1)[0]
        if _wants_json():
            return error_response(400, "invalid_input", f"invalid value: {message}")
        return f"invalid value: {message}", 400

    @app.errorhandler(Exception)
    def unexpected(exc):
        g.rollback = True
        app.logger.exception("unhandled error")
        if _wants_json():
            return error_response(500, "internal_error", "internal error; see the server log")
        return "internal error", 500
