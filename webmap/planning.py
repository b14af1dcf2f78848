"""Planner panel and its JSON API: coverage gaps and placement of new sites.

Thin: parse the request, call gis.analysis, return JSON. Only aggregates leave (tables
per village and grid, cells, chosen sites), with small counts withheld.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from flask import Blueprint, jsonify, render_template, request

from gis.analysis import coverage, instance, optnames, plans
from gis.analysis.placement import MODELS
from gis.errors import Forbidden, InvalidInput, NotFound
from gis.gate import scope_for_area
from gis.gate.demand import POPULATIONS
from gis.messages import _, role_name, role_names
from gis.scope import not_in_jurisdiction, suggested_area
from webmap import params
from webmap.auth import current_scope, login_required
from webmap.dbconn import get_conn

bp = Blueprint("planning", __name__)

#: in this order in the refusal ("for Planner, County staff or Township staff accounts")
PLANNER_ROLES = ("planner", "county", "township")
WEB_TIME_LIMIT_S = 30.0
#: the least time limit the web takes: below a second the solver of a county's plan
#: often stops before it has any solution to show (an answer of "no solution")
MIN_TIME_LIMIT_S = 1.0
#: what each route takes; anything else is a 400 naming it (a typo is never a default)
COVERAGE_PARAMS = ("kinds", "radius", "demand", "network", "as_of", "area")
PLACE_MEMBERS = (
    "model",
    "k",
    "radius",
    "demand",
    "kinds",
    "uses",
    "grid_centroids",
    "sites",
    "time_limit",
    "cover_pct",
    "as_of",
    "area",
)
MAX_ADDED_SITES = 500
#: dates ages can be counted on (persons' birth dates are checked against the same years)
AS_OF_RANGE = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))


def _planner_scope():
    scope = current_scope()
    if scope.role not in PLANNER_ROLES:
        raise Forbidden(
            _(
                "this is for {items} accounts; your account's role is {role}",
                items=role_names(PLANNER_ROLES),
                role=role_name(scope.role),
            )
        )
    return scope


#: the number of new sites the web takes: k outside it is refused with this range
K_RANGE = (1, 10**6)
#: an example of each numeric member, for the message that asks for a JSON number
_EXAMPLES = {"k": "2", "radius": "800", "time_limit": "30", "cover_pct": "95"}


def _not_text(value, name: str) -> None:
    """A numeric member sent as text ("2") is refused: JSON has numbers, and a form's
    text taken as a number here would be taken differently elsewhere."""
    params.not_text(value, name, _EXAMPLES[name])


def _k(value) -> int:
    """k: the number of new sites, a whole JSON number in K_RANGE (the one range every
    refusal of k states; the solver's own "at least 1" agrees)."""
    if value in (None, ""):
        # what to enter, not only "k is required" (the planner page shows this as is)
        raise InvalidInput(
            _(
                "k is missing: give the number of new sites to place (K on the planner "
                'page), a whole number in [{low}, {high}], e.g. "k": 2',
                low=K_RANGE[0],
                high=K_RANGE[1],
            )
        )
    _not_text(value, "k")
    if isinstance(value, bool):  # true/false is no number, in JSON as in Python
        raise InvalidInput(
            _(
                "k={show} is true/false, not a number: send the number of new sites, a "
                'whole number in [{low}, {high}], e.g. "k": 2',
                show=params.json_show(value),
                low=K_RANGE[0],
                high=K_RANGE[1],
            )
        )
    if not isinstance(value, int) or not K_RANGE[0] <= value <= K_RANGE[1]:
        raise InvalidInput(
            _(
                'k={show} is not allowed: the number of new sites, a whole number in [{low}, {high}]; send e.g. "k": 2',
                show=params.json_show(value),
                low=K_RANGE[0],
                high=K_RANGE[1],
            )
        )
    return value


def _number_within(value, name: str, low: float, high: float) -> float | None:
    """``value`` as a JSON number within [low, high], or None when it is none (the
    caller refuses it, stating its one range); a number sent as text is refused here."""
    _not_text(value, name)
    try:
        return params.json_number(value, name, low=low, high=high)
    except InvalidInput:
        return None


def _cover_pct(value) -> float:
    """cover_pct in (0, 100], named as the web API names it (not the CLI's --cover)."""
    if value in (None, ""):
        return 100.0
    pct = _number_within(value, "cover_pct", 0, 100)
    if pct is None or pct <= 0:
        raise InvalidInput(
            _(
                "cover_pct={show} is not allowed: it is the percentage of demand to cover, "
                "a number in (0, 100]; send e.g. cover_pct=95 (100 covers everyone)",
                show=params.json_show(value),
            )
        )
    return pct


def _time_limit(value) -> float:
    """time_limit: seconds in [MIN_TIME_LIMIT_S, WEB_TIME_LIMIT_S]; absent means the
    web's limit. Every refusal states that one range and the value given, as the other
    range messages do ("time_limit=31 is outside the allowed range [1, 30] seconds");
    below the range it also says why (0.001 s is too short for the solver to find any
    solution of a real plan)."""
    if value in (None, ""):
        return WEB_TIME_LIMIT_S
    _not_text(value, "time_limit")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and MIN_TIME_LIMIT_S <= value <= WEB_TIME_LIMIT_S:
        return float(value)
    limits = {"low": MIN_TIME_LIMIT_S, "high": WEB_TIME_LIMIT_S, "show": params.json_show(value)}
    if not number:
        raise InvalidInput(
            _(
                "time_limit={show} is not a number of seconds: send a number in the "
                'allowed range [{low:g}, {high:g}] seconds, e.g. "time_limit": 30',
                **limits,
            )
        )
    message = _(
        "time_limit={show} is outside the allowed range [{low:g}, {high:g}] seconds; "
        'send e.g. "time_limit": 30',
        **limits,
    )
    if value < MIN_TIME_LIMIT_S:
        message += _(" (less is too short for the solver to find a solution)")
    raise InvalidInput(message)


def _radius(value) -> float:
    """The body's radius: a JSON number of metres in (0, MAX_RADIUS_M]; 0, -5 and too
    large get the one refusal the coverage route and the command line give."""
    if value in (None, ""):
        raise InvalidInput(_("{name} is required", name="radius"))
    _not_text(value, "radius")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and not (math.isfinite(value) and abs(value) <= 1e12):
        # NaN, inf (1e309), 1e308: the radius's own range, not "radius=nan is outside
        # [-1e+12, 1e+12]"
        raise coverage.radius_not_allowed(params.json_show(value))
    radius = params.json_number(value, "radius", low=-1e12, high=1e12)
    if not 0 < radius <= coverage.MAX_RADIUS_M:
        raise coverage.radius_not_allowed(params.json_show(value))
    return radius


def _as_of(value) -> dt.date | None:
    """as_of: the date ages are counted on (women15_49), YYYY-MM-DD; absent: today."""
    if value in (None, ""):
        return None
    text = params.text(value, "as_of", max_len=10) if isinstance(value, str) else None
    try:
        day = dt.date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
        raise InvalidInput(
            _(
                "as_of={show} is not a date YYYY-MM-DD between {low} and {high}",
                show=params.json_show(value),
                low=AS_OF_RANGE[0].isoformat(),
                high=AS_OF_RANGE[1].isoformat(),
            )
        )
    return day


def _area(scope, value):
    """``area``: a 12-digit area (or 15-digit grid) code inside the user's jurisdiction,
    as ``popgis coverage --area``; absent: the whole jurisdiction. An area outside it is
    answered exactly like one that does not exist (404); an empty one is a 400
    (:func:`params.area_code`)."""
    if value is None:
        return scope
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # 330782001001 sent as a JSON number: a code is text (its leading zeros and its
        # 15 digits of a grid would not survive as a number)
        raise InvalidInput(
            _(
                'area={show} is a number; send the area code as text in quotes, e.g. "area": "{example}"',
                show=params.json_show(value),
                # the number as text when it is a code of the user's (a county's 6 or
                # a township's 9 digits written out to 12), else the nearest that is
                example=suggested_area(get_conn(), scope, params.leading_digits(repr(value))),
            )
        )
    code = params.area_code(value, "area", scope)
    try:
        inner = scope_for_area(get_conn(), code, user=scope.user, role=scope.role)
    except NotFound:
        inner = None
    if inner is None or not inner.path.startswith(scope.path):
        # the same answer as the exports' and the figures' to an area not loaded
        raise not_in_jurisdiction(get_conn(), scope, code)
    return dataclasses.replace(scope, area_code=code, path=inner.path, level=inner.level)


def _choice(value, name, allowed, default):
    """One of ``allowed`` (text); absent: ``default``."""
    if value in (None, ""):
        return default
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(
            _(
                "{name}={v!r}; expected one of {items}",
                name=name,
                v=value[:60] if isinstance(value, str) else value,
                items=", ".join(allowed),
            )
        )
    return value


def _demand(value, default: str) -> str:
    """The demand population: text is checked by gis (its message lists them by name);
    anything else (a number, a list) is refused here."""
    if value in (None, ""):
        return default
    if isinstance(value, str):
        return value
    return _choice(value, "demand", POPULATIONS, default)


def _only_query(allowed, required=()) -> None:
    """400 for a query parameter this route does not take (one given twice is refused
    for every route by ``params.check_request``), for one given empty (``radius=``: a
    value left out by mistake, never a silent default) and for a ``required`` one
    missing."""
    params.refuse_unknown(allowed)
    # (an empty kinds= has its own message, no kinds given; an empty area= too, with a
    # code to send, as on every route taking an area: params.area_code)
    for name in allowed:
        if (
            name not in ("kinds", "area")
            and name in request.args
            and not request.args[name].strip()
        ):
            if name in required:  # no default to fall back on: leaving it out is refused too
                raise InvalidInput(
                    _("{name}= is empty: give a value; {name} is required", name=name)
                )
            raise InvalidInput(
                _(
                    "{name}= is empty: give a value, or leave {name} out for its default",
                    name=name,
                )
            )
    for name in required:
        if name not in request.args:
            raise InvalidInput(_("{name} is required", name=name))


def _kinds(value):
    """The body's ``kinds``: a JSON list of known service kinds (all when absent)."""
    if value is None:
        return list(instance.SERVICE_KINDS)
    if not isinstance(value, list) or not all(k in instance.SERVICE_KINDS for k in value):
        raise InvalidInput(
            _(
                "kinds must be a list of service kinds: {items}; got {show}",
                items=instance.kind_names(),
                show=params.json_show(value),
            )
        )
    return value


def _query_kinds(value) -> list:
    """The query's ``kinds`` (comma-separated): all kinds when the parameter is absent;
    ``kinds=`` (none) is refused by gis as the body's ``"kinds": []`` is."""
    if value is None:
        return list(instance.SERVICE_KINDS)
    return [v.strip() for v in value.split(",") if v.strip()]


#: the members of an added site (what planner.js sends)
SITE_MEMBERS = ("lon", "lat", "name")


def _sites(value) -> list:
    """The body's added sites, numbered from 1 as the user sent them in messages."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise InvalidInput(_("sites must be a list of {lon, lat, name}"))
    if len(value) > MAX_ADDED_SITES:
        raise InvalidInput(
            _("sites: at most {limit} added sites; got {n}", limit=MAX_ADDED_SITES, n=len(value))
        )
    for n, site in enumerate(value, start=1):
        params.only_members(site, SITE_MEMBERS, where=_("added site {n}", n=n))
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
                        show=params.json_show(raw),
                    )
                )
        name = site.get("name")
        if name is not None:
            params.text(name, f"sites[{n}].name", max_len=60)
    return value


def _list(value, default, name="uses"):
    """Comma-separated text or a JSON list of text; absent: ``default``."""
    if value in (None, ""):
        return list(default)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidInput(
        _("{name} must be a list of names; got {show}", name=name, show=params.json_show(value))
    )


@bp.route("/planner")
@login_required
def page():
    scope = _planner_scope()
    # the form's fields take the API's ranges (min/max), and say them in its own words
    limits = {"k": K_RANGE, "radius_max": coverage.MAX_RADIUS_M}
    return render_template("planner.html", scope=scope, kinds=instance.SERVICE_KINDS, limits=limits)


@bp.route("/api/planning/coverage")
@login_required
def coverage_api():
    scope = _planner_scope()
    _only_query(COVERAGE_PARAMS, required=("radius",))
    args = request.args
    scope = _area(scope, args.get("area"))
    with optnames.named_as(optnames.WEB):
        res = coverage.coverage_in_db(
            get_conn(),
            scope,
            _query_kinds(params.arg_text("kinds")),
            params.arg_text("radius"),
            population=_demand(args.get("demand"), "households"),
            use_network=params.arg_bool("network"),
            as_of=_as_of(args.get("as_of")),
            allow_empty=True,  # an area with nobody: 0 of 0 covered, with a note
        )
    return jsonify(plans.coverage_report(res, suppress=True))


#: what the site check takes
SITE_PARAMS = ("lon", "lat", "area")


@bp.route("/api/planning/site")
@login_required
def site_api():
    """Whether a candidate site clicked on the planner's map lies in the plan's area
    (``area``, else the user's), by the test the plan applies to its added sites: the
    page asks before it adds one, so a site outside is refused at once, saying why,
    and never blocks Solve for the others. 200 either way ({"inside": false,
    "message"}): the page shows the answer, and a browser logs every 4xx as an error."""
    scope = _planner_scope()
    _only_query(SITE_PARAMS, required=("lon", "lat"))
    scope = _area(scope, request.args.get("area"))
    lon = params.number(request.args.get("lon"), "lon", low=-180, high=180)
    lat = params.number(request.args.get("lat"), "lat", low=-90, high=90)
    outside = plans.first_site_outside(get_conn(), scope, [{"lon": lon, "lat": lat}])
    if outside is None:
        return jsonify({"inside": True})
    return jsonify(
        {
            "inside": False,
            "message": _(
                "this place (lon {lon:.5f}, lat {lat:.5f}) lies outside {area}, the area of "
                "this plan: a candidate site there serves none of its demand; click inside "
                "the outline of {area}",
                lon=lon,
                lat=lat,
                area=outside[1],
            ),
        }
    )


@bp.route("/api/planning/place", methods=["POST"])
@login_required
def place_api():
    scope = _planner_scope()
    _only_query(())
    body = params.json_body()
    if not isinstance(body, dict):
        raise InvalidInput(_("send a JSON object: {model, k, radius, demand, …}"))
    params.only_members(body, PLACE_MEMBERS)
    model = _choice(body.get("model"), "model", MODELS, "mclp")
    # k is required but by set cover (which finds the number of sites itself)
    params.no_nulls(body, required=("radius",) if model == "setcover" else ("radius", "k"))
    scope = _area(scope, body.get("area"))
    k = None if model == "setcover" and body.get("k") in (None, "") else _k(body.get("k"))
    added = _sites(body.get("sites"))
    outside = plans.first_site_outside(get_conn(), scope, added)
    if outside is not None:
        n, area_name = outside
        site = added[n - 1]
        raise InvalidInput(
            _(
                "added site {n} (lon {lon}, lat {lat}) lies outside {area}, the area of this "
                "plan; place added sites inside it",
                n=n,
                lon=site["lon"],
                lat=site["lat"],
                area=area_name,
            )
        )
    with optnames.named_as(optnames.WEB):
        out = plans.plan_in_db(
            get_conn(),
            scope,
            model=model,
            k=k,
            radius=_radius(body.get("radius")),
            population=_demand(body.get("demand"), "residents"),
            kinds=_kinds(body.get("kinds")),
            uses=_list(body.get("uses"), instance.DEFAULT_CANDIDATE_USES),
            grid_centroids=params.json_switch(
                body.get("grid_centroids"), "grid_centroids", default=True
            ),
            added=added,
            time_limit=_time_limit(body.get("time_limit")),
            cover_pct=_cover_pct(body.get("cover_pct")),
            as_of=_as_of(body.get("as_of")),
            suppress=True,
        )
    return jsonify(
        {
            "result": out["result"],
            "villages": out["villages"],
            "newly_covered": out["newly_covered"],
        }
    )
