"""Planner panel and its JSON API: coverage gaps and placement of new sites.

Thin: parse the request, call gis.analysis, return JSON. Only aggregates leave (tables
per village and grid, cells, chosen sites), with small counts withheld.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from gis.analysis import coverage, instance, plans
from gis.errors import Forbidden, InvalidInput
from gis.messages import _, role_name, role_names
from webmap import params
from webmap.auth import current_scope, login_required
from webmap.dbconn import get_conn

bp = Blueprint("planning", __name__)

#: in this order in the refusal ("for Planner, County staff or Township staff accounts")
PLANNER_ROLES = ("planner", "county", "township")
WEB_TIME_LIMIT_S = 30.0


def _planner_scope():
    scope = current_scope()
    if scope.role not in PLANNER_ROLES:
        raise Forbidden(
            _(
                "this is for {items} accounts; yours is a {role} account",
                items=role_names(PLANNER_ROLES),
                role=role_name(scope.role),
            )
        )
    return scope


def _number(value, name, *, integer=False, default=None, high=1e7):
    # the planner page sends its form's values as text ("5"): digits are accepted here
    if value in (None, ""):
        if default is not None:
            return default
        raise InvalidInput(_("{name} is required", name=name))
    if integer:
        return params.integer(value, name, low=0, high=10**6)
    return params.number(value, name, low=0, high=high)


def _cover_pct(value) -> float:
    """cover_pct in (0, 100], named as the web API names it (not the CLI's --cover)."""
    pct = _number(value, "cover_pct", default=100.0, high=100)
    if pct <= 0:
        raise InvalidInput(
            _("cover_pct must be a percentage in (0, 100]; got {show}", show=repr(value))
        )
    return pct


def _kinds(value):
    """The body's ``kinds``: a JSON list of known service kinds (all when absent)."""
    if value is None:
        return list(instance.SERVICE_KINDS)
    if not isinstance(value, list) or not all(k in instance.SERVICE_KINDS for k in value):
        raise InvalidInput(
            _(
                "kinds must be a list of service kinds: {items}; got {show}",
                items=instance.kind_names(),
                show=repr(value)[:60],
            )
        )
    return value


def _sites(value) -> list:
    """The body's added sites, numbered from 1 as the user sent them in messages."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise InvalidInput(_("sites must be a list of {lon, lat, name}"))
    for n, site in enumerate(value, start=1):
        for key, low, high in (("lon", -180, 180), ("lat", -90, 90)):
            raw = site.get(key)
            if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not low <= raw <= high:
                raise InvalidInput(
                    _(
                        "added site {n}: {key} must be a number within [{low}, {high}]; got {show}",
                        n=n,
                        key=key,
                        low=low,
                        high=high,
                        show=repr(raw)[:60],
                    )
                )
    return value


def _list(value, default):
    if value in (None, ""):
        return list(default)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


@bp.route("/planner")
@login_required
def page():
    scope = _planner_scope()
    return render_template("planner.html", scope=scope, kinds=instance.SERVICE_KINDS)


@bp.route("/api/planning/coverage")
@login_required
def coverage_api():
    scope = _planner_scope()
    args = request.args
    res = coverage.coverage_in_db(
        get_conn(),
        scope,
        _list(args.get("kinds"), instance.SERVICE_KINDS),
        args.get("radius", "800"),
        population=args.get("demand", "households"),
        use_network=params.arg_bool("network"),
    )
    return jsonify(plans.coverage_report(res, suppress=True))


@bp.route("/api/planning/place", methods=["POST"])
@login_required
def place_api():
    scope = _planner_scope()
    body = params.json_body()
    if not isinstance(body, dict):
        raise InvalidInput(_("send a JSON object: {model, k, radius, demand, …}"))
    model = body.get("model", "mclp")
    k = (
        None
        if model == "setcover" and body.get("k") in (None, "")
        else _number(body.get("k"), "k", integer=True)
    )
    added = _sites(body.get("sites"))
    time_limit = min(
        _number(body.get("time_limit"), "time_limit", default=WEB_TIME_LIMIT_S), WEB_TIME_LIMIT_S
    )
    out = plans.plan_in_db(
        get_conn(),
        scope,
        model=model,
        k=k,
        radius=_number(body.get("radius"), "radius", high=coverage.MAX_RADIUS_M),
        population=body.get("demand", "residents"),
        kinds=_kinds(body.get("kinds")),
        uses=_list(body.get("uses"), instance.DEFAULT_CANDIDATE_USES),
        grid_centroids=params.boolean(body.get("grid_centroids"), "grid_centroids", default=True),
        added=added,
        time_limit=time_limit,
        cover_pct=_cover_pct(body.get("cover_pct")),
        suppress=True,
    )
    return jsonify(
        {
            "result": out["result"],
            "villages": out["villages"],
            "newly_covered": out["newly_covered"],
        }
    )
