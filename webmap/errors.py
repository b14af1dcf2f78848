"""One JSON error shape for every /api route: {"error": {"status", "code", "message"}}."""

from __future__ import annotations

from flask import g, jsonify, request
from werkzeug.exceptions import HTTPException

from gis.errors import PopgisError


def error_response(status: int, code: str, message: str):
    resp = jsonify({"error": {"status": status, "code": code, "message": message}})
    resp.status_code = status
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

    @app.errorhandler(Exception)
    def unexpected(exc):
        g.rollback = True
        app.logger.exception("unhandled error")
        if _wants_json():
            return error_response(500, "internal_error", "internal error; see the server log")
        return "internal error", 500
