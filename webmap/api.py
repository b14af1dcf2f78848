"""JSON API. Errors share one shape (webmap.errors)."""

from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify, request

from gis import layers
from gis.errors import Conflict, InvalidInput
from gis.gate import Gate, density, regional, today
from gis.gate.search import building_households
from gis.gate.search import search as run_search
from gis.messages import _, clip, role_name
from webmap import params
from webmap.auth import current_scope, login_required, people_required
from webmap.dbconn import get_conn
from webmap.tiles import CACHE, parse_filters

bp = Blueprint("api", __name__, url_prefix="/api")


def _geojson(text: str) -> Response:
    return Response(text, mimetype="application/geo+json")


# Boundaries and service points change only with a load: cached per scope for a while.
_STATIC: dict = {}
STATIC_TTL = 300.0


def _cached(key, make) -> str:
    key = (id(current_app._get_current_object()), *key)
    hit = _STATIC.get(key)
    if hit is None or time.monotonic() - hit[1] > STATIC_TTL:
        hit = (make(), time.monotonic())
        if len(_STATIC) > 500:
            _STATIC.clear()
        _STATIC[key] = hit
    return hit[0]


@bp.route("/layers/boundaries")
@login_required
def boundaries():
    level = request.args.get("level", "village")
    if level not in layers.SIMPLIFY:
        raise InvalidInput(
            _(
                "unknown level {level!r}; expected county, township, village or grid",
                level=clip(level),
            )
        )
    # the whole layer of the user's area is cached; with a bbox, only the areas that
    # intersect it are sent (not cached: every view is another box)
    bbox = params.bbox_arg()
    scope = current_scope()
    if bbox is not None:
        return _geojson(layers.boundaries(get_conn(), scope, level, bbox))
    return _geojson(
        _cached(
            ("boundaries", scope.path, level), lambda: layers.boundaries(get_conn(), scope, level)
        )
    )


@bp.route("/layers/service_points")
@login_required
def service_points():
    scope = current_scope()
    return _geojson(
        _cached(("service_points", scope.path), lambda: layers.service_points(get_conn(), scope))
    )


@bp.route("/households/<int:household_id>")
@people_required
def household(household_id):
    return jsonify(Gate(get_conn(), current_scope()).household(household_id))


@bp.route("/search")
@people_required
def search():
    return jsonify(
        {"results": run_search(get_conn(), current_scope(), params.arg_text("q", default=""))}
    )


@bp.route("/buildings/<int:building_id>")
@people_required
def building(building_id):
    return jsonify(building_households(get_conn(), current_scope(), building_id))


def _number(body, key) -> float:
    # a JSON number: "120.08" (text) is refused as true is
    value = params.json_number(body.get(key), key, low=-180, high=180)
    if value is None:
        raise InvalidInput(_("{key} must be a number (WGS-84 degrees)", key=key))
    return value


#: what the location route takes; anything else is a 400 naming it
LOCATION_MEMBERS = ("lon", "lat", "building_id", "move_village", "ask")


@bp.route("/households/<int:household_id>/location", methods=["POST"])
@people_required
def place_household(household_id):
    """Manual placement: {lon, lat} (WGS-84) and optionally {building_id}; a place in
    another village is refused (409, code confirm_village_move) unless
    {move_village: true}; with {ask: true} that refusal is a 200 answer
    {confirm: {code, message}} instead."""
    body = params.json_object(LOCATION_MEMBERS)
    params.not_text(body.get("building_id"), "building_id", "1234")
    bid = params.integer(body.get("building_id"), "building_id", low=1)
    ask = params.json_switch(body.get("ask"), "ask")
    move_village = params.json_switch(body.get("move_village"), "move_village")
    try:
        result = Gate(get_conn(), current_scope()).place_household(
            household_id,
            _number(body, "lon"),
            _number(body, "lat"),
            building_id=bid,
            move_village=move_village,
        )
    except Conflict as exc:
        # {ask: true} (the map): the question comes back as an answer (200), not as a
        # failed request, which browsers log as an error on the console
        if ask:
            return jsonify({"confirm": {"code": exc.code, "message": exc.message}})
        raise
    CACHE.bump()
    return jsonify(result)


#: what the event route takes
EVENT_MEMBERS = ("kind", "date", "note", "id_number", "team_id")


@bp.route("/households/<int:household_id>/events", methods=["POST"])
@people_required
def record_event(household_id):
    """A dated event: {kind: visit|distribution|follow_up|move_in|move_out, date, note,
    id_number (a member of the household), team_id (a service team)}."""
    body = params.json_object(EVENT_MEMBERS)
    params.not_text(body.get("team_id"), "team_id", "3")
    raw_day = params.text(body.get("date"), "date", max_len=10)
    day = params.day(raw_day, "date") if raw_day else today()
    gate = Gate(get_conn(), current_scope())
    event_id = gate.record_event(
        household_id,
        params.text(body.get("kind"), "kind", default=""),
        day,
        note=params.text(body.get("note"), "note", max_len=2000) or None,
        id_number=params.text(body.get("id_number"), "id_number", max_len=30) or None,
        team_id=params.json_integer(body.get("team_id"), "team_id", low=1),
    )
    return jsonify({"id": event_id}), 201


@bp.route("/density/choropleth")
@login_required
def density_choropleth():
    level = request.args.get("level", "village")
    if level not in density.CHOROPLETH_KEYS:
        raise InvalidInput(
            _(
                "unknown level {level!r}; expected county, township, village or grid",
                level=clip(level),
            )
        )
    return _geojson(
        density.choropleth(
            get_conn(), current_scope(), level, parse_filters(request.args, current_scope())
        )
    )


@bp.route("/regions/figures")
@login_required
def region_figures():
    """Households, persons, migrants and distribution points per county or township
    (``level``), of the user's area or of area ``within`` inside it: the map of a
    province or city user. Cached per scope for a while, as the boundaries are."""
    level = request.args.get("level", "county")
    scope = current_scope()
    # an area code is 12 ASCII digits, as every numeric parameter ('１２３' is refused,
    # not read as 123): anything else is a 400 naming it and a code to send (what was
    # typed written out to 12 digits when that is an area of the user's), not a 404
    within = params.area_code(request.args.get("within"), "within", scope, grids=False)
    return _geojson(
        _cached(
            ("figures", scope.path, scope.can_read_people, level, within),
            lambda: regional.area_figures(get_conn(), scope, level, within),
        )
    )


@bp.route("/density/heat")
@login_required
def density_heat():
    cells = density.heat_cells(
        get_conn(), current_scope(), parse_filters(request.args, current_scope())
    )
    return Response(density.as_json(cells), mimetype="application/json")


@bp.route("/me")
@login_required
def me():
    s = current_scope()
    return jsonify(
        {
            "user": s.user,
            "role": s.role,
            "role_name": role_name(s.role),
            "area_code": s.area_code,
            "level": s.level,
        }
    )
