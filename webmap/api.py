"""JSON API. Errors share one shape (webmap.errors)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from gis import layers
from gis.errors import InvalidInput
from gis.gate import Gate
from webmap.auth import current_scope, login_required
from webmap.dbconn import get_conn

bp = Blueprint("api", __name__, url_prefix="/api")


def _geojson(text: str) -> Response:
    return Response(text, mimetype="application/geo+json")


@bp.route("/layers/boundaries")
@login_required
def boundaries():
    level = request.args.get("level", "village")
    if level not in layers.SIMPLIFY:
        raise InvalidInput(f"unknown level {level!r}; expected county, township, village "
                           "or grid")
    return _geojson(layers.boundaries(get_conn(), current_scope(), level))


@bp.route("/layers/service_points")
@login_required
def service_points():
    return _geojson(layers.service_points(get_conn(), current_scope()))


@bp.route("/households/<int:household_id>")
@login_required
def household(household_id):
    return jsonify(Gate(get_conn(), current_scope()).household(household_id))


@bp.route("/me")
@login_required
def me():
    s = current_scope()
    return jsonify({"user": s.user, "role": s.role, "area_code": s.area_code,
                    "level": s.level})
