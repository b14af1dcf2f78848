"""Every route × every role (and anonymous) × own area and a sibling area: the status
and the content. Built from ``app.url_map``: a route without a row here fails.

* people routes (households, persons, events, the review queue): aggregate roles get
  403 before anything is looked up; a sibling's record is answered exactly like a
  missing one;
* aggregate routes: no household field and no count from 1 to 4 reaches a role without
  people access;
* the auditor's pages: auditors only.
"""

from __future__ import annotations

import json
import math
import re

import mapbox_vector_tile
import pytest
import sqlalchemy as sa

from tests.conftest import USERS, login
from webmap.tiles import CACHE

PEOPLE = {"county_u", "town_u", "village_a"}
REGIONAL = {"province_u", "city_u"}
AGGREGATE = {"planner_u", "auditor_u", *REGIONAL}
ROLES = ["anonymous", *sorted(PEOPLE), *sorted(AGGREGATE)]
PLANNERS = {"planner_u", "county_u", "town_u"}
# a household of the user's own area and one of a sibling area (None: the user's area
# is the whole county, so the sibling is a household that does not exist)
OWN = {
    "county_u": "HA1",
    "town_u": "HA1",
    "village_a": "HA1",
    "planner_u": "HA1",
    "auditor_u": "HA1",
    "province_u": "HA1",
    "city_u": "HA1",
    "anonymous": "HA1",
}
SIBLING = {
    "county_u": None,
    "town_u": "HC1",
    "village_a": "HB1",
    "planner_u": None,
    "auditor_u": None,
    "province_u": None,
    "city_u": None,
    "anonymous": "HB1",
}
SIBLING_AREA = {"town_u": "330782100000", "village_a": "330782001002"}
OWN_BUILDING = "A1"
SIBLING_BUILDING = {"town_u": "C1", "village_a": "B1"}
COUNT_FIELDS = {
    "persons",
    "migrants",
    "residents",
    "households",
    "population",
    "women15_49",
    "cert_issues",
    "served",
    "demand",
    "covered",
    "uncovered",
    "covered_before",
    "covered_after",
    "newly_covered",
    "total_demand",
    "covered_demand",
    "unlocated",
    "unlocated_demand",
    "objective",
}
HOUSEHOLD_FIELDS = {
    "household_no",
    "household_id",
    "id_number",
    "phone",
    "members",
    "birth_date",
    "registered_address",
}

# endpoint → (kind, method, path with {hid}/{bid}/{rid}/{area}/{tile}, JSON body)
# kind: people | aggregate | planner | auditor | login (any logged-in role) | open
MATRIX = {
    # first: placing a household by hand closes its review item
    "review.accept": ("people", "POST", "/api/review/{rid}/accept", {"candidate": 0}),
    "api.household": ("people", "GET", "/api/households/{hid}", None),
    "api.record_event": (
        "people",
        "POST",
        "/api/households/{hid}/events",
        {"kind": "visit", "note": "matrix"},
    ),
    "api.place_household": (
        "people",
        "POST",
        "/api/households/{hid}/location",
        {"lon": "{lon}", "lat": "{lat}"},
    ),
    "api.search": ("people", "GET", "/api/search?q={no}", None),
    "api.building": ("people", "GET", "/api/buildings/{bid}", None),
    "review.page": ("people", "GET", "/review", None),
    "review.items": ("people", "GET", "/api/review", None),
    "tiles.tile": ("tiles", "GET", "/tiles/{layer}/{tile}.pbf", None),
    "map.placements": ("people", "GET", "/api/households/{hid}/placements", None),
    "map.restore": ("people", "POST", "/api/households/{hid}/restore", None),
    "map.units": ("login", "GET", "/api/layers/units", None),
    "map.favicon": ("open", "GET", "/favicon.ico", None),
    "api.density_choropleth": (
        "aggregate",
        "GET",
        "/api/density/choropleth?level=grid&population=migrants",
        None,
    ),
    "api.region_figures": ("aggregate", "GET", "/api/regions/figures?level=township", None),
    "api.density_heat": ("aggregate", "GET", "/api/density/heat?women15_49=1", None),
    "api.boundaries": ("login", "GET", "/api/layers/boundaries?level=village", None),
    "api.service_points": ("login", "GET", "/api/layers/service_points", None),
    "api.me": ("login", "GET", "/api/me", None),
    "map.index": ("login", "GET", "/", None),
    "planning.page": ("planner", "GET", "/planner", None),
    "planning.coverage_api": (
        "planner",
        "GET",
        "/api/planning/coverage?kinds=clinic&radius=900&demand=migrants",
        None,
    ),
    "planning.site_api": ("planner", "GET", "/api/planning/site?lon={lon}&lat={lat}", None),
    "planning.place_api": (
        "planner",
        "POST",
        "/api/planning/place",
        {"model": "mclp", "k": 1, "radius": 500, "demand": "residents"},
    ),
    "audit.page": ("auditor", "GET", "/audit", None),
    "audit.entries": ("auditor", "GET", "/api/audit", None),
    "exports.map_file": ("aggregate", "GET", "/exports/map.png?layer=migrants&area={area}", None),
    "exports.atlas_file": ("aggregate", "GET", "/exports/atlas.pdf?area={area}", None),
    "exports.table_file": ("aggregate", "GET", "/exports/table.csv?area={area}", None),
    "exports.layers_file": (
        "aggregate",
        "GET",
        "/exports/layers.geojson?layer=village_stats&area={area}",
        None,
    ),
    "ogc.landing": ("aggregate", "GET", "/ogc", None),
    "ogc.conformance": ("aggregate", "GET", "/ogc/conformance", None),
    "ogc.collections": ("aggregate", "GET", "/ogc/collections", None),
    "ogc.collection": ("aggregate", "GET", "/ogc/collections/village_stats", None),
    "ogc.items": ("aggregate", "GET", "/ogc/collections/grid_stats/items", None),
    "ogc.item": ("aggregate", "GET", "/ogc/collections/village_stats/items/{village}", None),
    "health.healthz": ("open", "GET", "/healthz", None),
    "auth.login": ("open", "GET", "/login", None),
    "auth.logout": ("open", "POST", "/logout", None),
    "static": ("open", "GET", "/static/map/core.js", None),
    "map.script": ("open", "GET", "/map.js", None),
    "vendor.asset": ("open", "GET", "/vendor/leaflet/leaflet.js", None),
}
TILE_LAYERS = {
    "households": "people",
    "migrant_density": "aggregate",
    "boundaries": "login",
    "buildings": "login",
    "roads": "login",
    "landcover": "login",
    "service_points": "login",
}


def test_every_route_has_a_row(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add the new routes to MATRIX"
    assert set(MATRIX) - endpoints == set()
    from webmap.tiles import LAYERS

    assert set(LAYERS) == set(TILE_LAYERS)


def tile_of(lon, lat, z):
    n = 2**z
    return (
        z,
        int((lon + 180) / 360 * n),
        int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n),
    )


def _hid(conn, no):
    if no is None:
        return 987654321
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar()


def _ctx(conn, role, which):
    no = OWN[role] if which == "own" else SIBLING[role]
    hid = _hid(conn, no)
    row = conn.execute(
        sa.text(
            "SELECT h.building_id, ST_X(h.geom), ST_Y(h.geom), h.village_code, r.id "
            "FROM households h LEFT JOIN geocode_review r ON r.household_id = h.id "
            "WHERE h.id = :h"
        ),
        {"h": hid},
    ).one_or_none()
    _, lon, lat, village, rid = row if row else (None, 120.0, 29.0, "x", 987654321)
    area = "" if which == "own" else SIBLING_AREA.get(role, "330782999999")
    ext = OWN_BUILDING if which == "own" else SIBLING_BUILDING.get(role)
    bid = (
        conn.execute(sa.text("SELECT id FROM buildings WHERE ext_id = :e"), {"e": ext}).scalar()
        if ext
        else None
    )
    return {
        "hid": hid,
        "no": no or "NOPE",
        "bid": bid or 987654321,
        "lon": lon or 120.0,
        "lat": lat or 29.0,
        "rid": rid or 987654321,
        "area": area,
        "village": village if which == "own" else SIBLING_AREA.get(role, "330782999999"),
    }


@pytest.fixture
def review_items(conn):
    """An open review item for each household, so the queue has something to leak."""
    conn.execute(
        sa.text("""
        INSERT INTO geocode_review (household_id, county_code, admin_path, address, reason,
                                    level, score, candidates)
        SELECT id, county_code, admin_path, address, 'matrix', 'village', 0.5,
               jsonb_build_array(jsonb_build_object('level', 'village', 'village_code',
                                                    village_code, 'score', 0.5))
        FROM households""")
    )


def _walk(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{path}.{k}")
            yield k, v, f"{path}.{k}"
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{path}[{i}]")


def _content(resp):
    if resp.mimetype in ("application/json", "application/geo+json"):
        return resp.get_json()
    if resp.mimetype == "application/vnd.mapbox-vector-tile":
        return {
            k: [f["properties"] for f in v["features"]]
            for k, v in mapbox_vector_tile.decode(resp.data).items()
        }
    if resp.mimetype.startswith("text/csv"):
        return resp.data.decode("utf-8-sig")
    return None


def assert_aggregate_only(resp, where):
    body = _content(resp)
    if body is None:
        return
    if isinstance(body, str):  # a CSV table: every number cell is 0, ≥ 5, or withheld
        for line in body.splitlines()[1:]:
            for cell in line.split(",")[2:]:
                if cell.strip().isdigit():
                    assert not 1 <= int(cell) <= 4, f"{where}: small count in {line}"
        return
    for key, value, path in _walk(body):
        assert key not in HOUSEHOLD_FIELDS, f"{where}: household field {path}"
        if key in COUNT_FIELDS and isinstance(value, (int, float)) and not isinstance(value, bool):
            assert not 0 < value < 5, f"{where}: small count {path} = {value}"


def _expected(kind, role, which, method, path):
    """(status, what) for one call; what is 'page' for HTML redirects to login."""
    html = path in ("/", "/review", "/planner", "/audit") or path.startswith("/audit?")
    if kind == "open":
        return {"/logout": 302}.get(path, 200)
    if role == "anonymous":
        return 302 if html else 401
    if path.startswith("/api/regions/figures") and role == "village_a":
        # townships of a village: a level above the area is a 400 saying so, not an
        # empty answer read as "no figures" (session 25, web21)
        return 400
    if kind == "people":
        if role not in PEOPLE:
            return 403
        if (
            which == "sibling"
            and not path.startswith("/tiles/")
            and any(s in path for s in ("/households/", "/buildings/", "/review/"))
        ):
            return 404
        return 201 if path.endswith("/events") else 200
    if kind == "planner":
        return 200 if role in PLANNERS else 403
    if kind == "auditor":
        return 200 if role == "auditor_u" else 403
    return 200


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, conn, review_items, role):
    if role != "anonymous":
        assert login(client, role).status_code == 302
    failures = []
    for endpoint, (kind, method, template, body) in MATRIX.items():
        for which in ("own", "sibling"):
            ctx = _ctx(conn, role, which)
            for call_kind, path in _calls(kind, template, ctx):
                CACHE.bump()
                failures += _check_call(
                    client, role, which, endpoint, call_kind, method, path, ctx, _body(body, ctx)
                )
            if role != "anonymous" and endpoint == "auth.logout":
                login(client, role)
    assert failures == [], "\n".join(failures)


def _without_empty_area(path: str) -> str:
    """``path`` without an empty ``area=``: the own area is asked by leaving the parameter
    out (an empty one is a 400 naming it, see test_findings_web19)."""
    path = re.sub(r"([?&])area=(?:&|$)", r"\1", path)
    return path.rstrip("?&")


def _calls(kind, template, ctx) -> list[tuple[str, str]]:
    """(kind, path) of the calls to one endpoint: for tiles, one tile of each layer."""
    if kind != "tiles":
        return [(kind, _without_empty_area(template.format(**ctx)))]
    calls = []
    for layer, layer_kind in TILE_LAYERS.items():
        z = 16 if layer == "households" else 12
        tile = "/".join(map(str, tile_of(ctx["lon"], ctx["lat"], z)))
        calls.append((layer_kind, template.format(layer=layer, tile=tile)))
    return calls


def _body(body, ctx):
    """The JSON body of a call, with the context's position put in."""
    if body is None:
        return None
    return json.loads(
        json.dumps(body).replace('"{lon}"', str(ctx["lon"])).replace('"{lat}"', str(ctx["lat"]))
    )


def _check_call(client, role, which, endpoint, call_kind, method, path, ctx, data) -> list[str]:
    """Make one call as ``role`` and return what is wrong with its answer."""
    failures: list[str] = []
    resp = client.open(path, method=method, json=data)
    want = _expected(call_kind, role, which, method, path)
    # the sibling's record is answered exactly like a missing one
    if (
        which == "sibling"
        and call_kind == "people"
        and role in PEOPLE
        and not path.startswith("/tiles/")
        and any(s in path for s in ("/households/", "/buildings/", "/review/"))
    ):
        want = 404
        # (whole path segments only: an id of 2 must not turn /review/21/… into a route
        # that does not exist)
        ids = {str(ctx["hid"]), str(ctx["bid"]), str(ctx["rid"])}
        base, sep, query = path.partition("?")
        gone = "/".join("987654321" if seg in ids else seg for seg in base.split("/"))
        missing = client.open(
            gone + sep + query,
            method=method,
            json=data,
        )
        if missing.status_code == 404 and resp.status_code == 404:
            if resp.get_json() != missing.get_json():
                failures.append(f"{role} {which} {path}: sibling ≠ missing")
    if call_kind == "people" and which == "sibling" and "/search" in path and role in PEOPLE:
        if resp.status_code == 200 and resp.get_json()["results"]:
            failures.append(f"{role} {path}: sibling household found")
    if (
        path.startswith("/tiles/households/")
        and which == "sibling"
        and role in PEOPLE
        and SIBLING[role]
        and resp.status_code == 200
    ):
        if mapbox_vector_tile.decode(resp.data):
            failures.append(f"{role} {path}: a sibling's households in a tile")
    # the boundaries at a sibling's place: not the sibling's area (its code and name)
    if path.startswith("/tiles/boundaries/") and which == "sibling" and resp.status_code == 200:
        layer = mapbox_vector_tile.decode(resp.data).get("boundaries", {"features": []})
        codes = {f["properties"]["code"] for f in layer["features"]}
        if SIBLING_AREA.get(role) in codes:
            failures.append(f"{role} {path}: the sibling area {SIBLING_AREA[role]} in a tile")
    if (
        endpoint.startswith("exports.")
        and which == "sibling"
        and role not in ("anonymous",)
        and ctx["area"]
    ):
        want = 404
    if endpoint == "ogc.item" and which == "sibling" and role != "anonymous":
        want = 404
    # a province or city exports one county at a time: without area= it is a missing
    # parameter, a 400 naming it (before any lookup of an item; an area that does not
    # exist is still 404)
    regional_without_area = role in REGIONAL and (
        endpoint in ("ogc.items", "ogc.item")
        or (endpoint.startswith("exports.") and which == "own")
    )
    if regional_without_area:
        want = 400
    if resp.status_code != want:
        failures.append(f"{role} {which} {method} {path}: {resp.status_code}, expected {want}")
        return failures
    if regional_without_area and "area=<12-digit county code>" not in resp.get_json()["error"][
        "message"
    ].replace("area=<12 位县级代码>", "area=<12-digit county code>"):
        failures.append(f"{role} {path}: the 400 does not say how to send area")
    # the access log names the households each user read: that is what the
    # auditor is for (issue 10), so it is no aggregate answer
    if role in AGGREGATE and resp.status_code == 200 and not endpoint.startswith("audit."):
        try:
            assert_aggregate_only(resp, f"{role} {path}")
        except AssertionError as exc:
            failures.append(str(exc))
    if role in AGGREGATE and resp.status_code == 403:
        text = resp.get_data(as_text=True)
        assert "HA1" not in text and "张伟" not in text
    return failures


COUNTY = "330782000000"  # the fixture county, inside both regional users' areas
OGC_COLLECTIONS = ("village_stats", "grid_stats", "service_points", "boundaries")


@pytest.mark.parametrize("role", sorted(REGIONAL))
def test_regional_users_read_the_ogc_api_per_county(app, client, conn, role):
    """A province or city user reads the OGC API one county at a time, as the exports:
    ``area=<county code>`` inside its area answers that county's features (aggregates
    only), with ``area`` kept in the paging links; no area → 400 naming it, with a county
    to send; a county outside its area, or one that does not exist, → 404 alike."""
    # a county of 杭州市: inside the province, outside 金华市 (rolled back with conn)
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, path, name, level, parent_code, county_code) VALUES
          ('330100000000', '3301', '杭州市', 'city', '330000000000', '330100'),
          ('330108000000', '330108', '滨江区', 'county', '330100000000', '330108')""")
    )
    assert login(client, role).status_code == 302
    failures = []
    for col in OGC_COLLECTIONS:
        items = f"/ogc/collections/{col}/items"
        resp = client.get(f"{items}?limit=2&area={COUNTY}")
        if resp.status_code != 200:
            failures.append(f"{col} area={COUNTY}: {resp.status_code} {resp.get_data(True)}")
            continue
        body = resp.get_json()
        assert body["numberReturned"] == len(body["features"]) <= 2
        assert body["features"], f"{col}: no feature of the county"
        assert_aggregate_only(resp, f"{role} {col}")
        links = {link["rel"]: link["href"] for link in body["links"]}
        assert f"area={COUNTY}" in links["self"]
        if "next" in links:
            assert f"area={COUNTY}" in links["next"]
        # one feature, by its id, in the same county
        fid = body["features"][0]["id"]
        one = client.get(f"{items}/{fid}?area={COUNTY}")
        if one.status_code != 200 or one.get_json()["id"] != fid:
            failures.append(f"{col}/{fid} area={COUNTY}: {one.status_code}")
        # without area: a missing parameter, a 400 naming it and a county to send
        whole = client.get(f"{items}?limit=2")
        # (the first county of the user's by code: 滨江区 for the province, 义乌市 for 金华市)
        example = "330108000000" if role == "province_u" else COUNTY
        if (
            whole.status_code != 400
            or f"e.g. area={example}" not in whole.get_json()["error"]["message"]
        ):
            failures.append(f"{col} no area: {whole.status_code} {whole.get_data(True)}")
        # outside the user's area, or unknown: 404, answered alike
        outside = "330108000000" if role == "city_u" else "110101000000"
        far = client.get(f"{items}?limit=2&area={outside}")
        missing = client.get(f"{items}?limit=2&area=330799000000")
        # (alike but for the code sent, which the message names)
        same = far.get_data(True).replace(outside, "330799000000") == missing.get_data(True)
        if far.status_code != 404 or not same:
            failures.append(f"{col} area={outside}: {far.status_code} {far.get_data(True)}")
        # a feature of the county asked for under a county outside: 404
        if client.get(f"{items}/{fid}?area={outside}").status_code != 404:
            failures.append(f"{col}/{fid} area={outside}: not 404")
    # the province's other county is its own: inside, answered (no feature there)
    if role == "province_u":
        resp = client.get("/ogc/collections/boundaries/items?area=330108000000")
        assert resp.status_code == 200 and resp.get_json()["numberMatched"] == 0
    # every read is logged as an export of the county
    logged = conn.execute(
        sa.text(
            "SELECT count(*) FROM access_log WHERE action = 'export' AND target_id = :c"
            " AND target_kind LIKE 'ogc:%'"
        ),
        {"c": COUNTY},
    ).scalar()
    assert logged >= 2 * len(OGC_COLLECTIONS)
    assert failures == [], "\n".join(failures)


# The routes of session 23 with an area of the user's and one of a sibling (web18): the
# site check, the figures and a map drilled into a sibling answer a sibling's area as
# one not loaded (404, the same words but for the code); the density choropleth holds
# no sibling's area.
AREA_CALLS = {
    "site": ("planner", "/api/planning/site?lon={lon}&lat={lat}&area={area}"),
    "figures": ("aggregate", "/api/regions/figures?level=township&within={area}"),
    "choropleth": ("aggregate", "/api/density/choropleth?level=village&population=migrants"),
    "drilled": (
        "aggregate",
        "/exports/map.png?layer=density&per=village&bbox=119.99,29.19,120.21,29.41"
        "&drilled={village}",
    ),
}


def _area_call_status(kind, role, which, name):
    if role == "anonymous":
        return 401
    if kind == "planner" and role not in PLANNERS:
        return 403
    if name == "drilled" and role in REGIONAL and which == "own":
        # one county at a time: area= is missing (an area that does not exist, as the
        # sibling's 330782999999 of a regional user, is still a 404)
        return 400
    # a map drilled into a sibling's area: 404 as area= (it was made of the user's own
    # area and the code ignored silently; session 25)
    if which == "sibling" and name in ("site", "figures", "drilled"):
        return 404
    if name == "figures" and role == "village_a":
        return 400  # townships within a village (web21): a level above the area
    return 200


@pytest.mark.parametrize("role", ROLES)
def test_the_session_23_routes_by_role_and_area(client, conn, role):
    if role != "anonymous":
        assert login(client, role).status_code == 302
    failures = []
    own_area = {name: area for name, _role, area in USERS}.get(role, COUNTY)
    for which in ("own", "sibling"):
        ctx = _ctx(conn, role, which)
        if which == "own":
            ctx["area"] = own_area
        for name, (kind, template) in AREA_CALLS.items():
            path = template.format(**ctx)
            resp = client.get(path, headers={"Accept-Language": "en"})
            want = _area_call_status(kind, role, which, name)
            if resp.status_code != want:
                failures.append(f"{role} {which} {path}: {resp.status_code}, expected {want}")
                continue
            if want == 404:
                missing = client.get(
                    path.replace(ctx["area"], "330782999999"), headers={"Accept-Language": "en"}
                )
                said = resp.get_data(as_text=True).replace(ctx["area"], "330782999999")
                if said != missing.get_data(as_text=True):
                    failures.append(f"{role} {path}: a sibling ≠ an area not loaded")
            if want != 200 or which != "sibling":
                continue
            sibling = SIBLING_AREA.get(role, "330782999999")
            if name == "choropleth":
                codes = {f["properties"].get("code") for f in resp.get_json()["features"]}
                if sibling in codes:
                    failures.append(f"{role} {path}: the sibling {sibling} is coloured")
            if name == "drilled" and sibling in resp.headers["Content-Disposition"]:
                failures.append(f"{role} {path}: named after the sibling")
            if role in AGGREGATE:
                try:
                    assert_aggregate_only(resp, f"{role} {path}")
                except AssertionError as exc:
                    failures.append(str(exc))
    assert failures == [], "\n".join(failures)


# The household filters (certificates, visits, geocode level) on every route that reads
# them: the roles that see households get the filtered answer, every aggregate role a
# 403 naming the filter (session 25: a planner's choropleth narrowed to the households
# without certificates pointed at them); anonymous 401.
HOUSEHOLD_FILTER_CALLS = {
    "api.density_choropleth": "/api/density/choropleth?level=village&{filter}",
    "api.density_heat": "/api/density/heat?{filter}",
    "tiles.tile": "/tiles/migrant_density/{tile}.pbf?{filter}",
}
HOUSEHOLD_FILTERS = ("certificates=missing", "not_visited_days=30", "geocode_level=none")


@pytest.mark.parametrize("role", ROLES)
def test_household_filters_by_role(client, conn, role):
    assert set(HOUSEHOLD_FILTER_CALLS) <= set(MATRIX)
    if role != "anonymous":
        assert login(client, role).status_code == 302
    ctx = _ctx(conn, role, "own")
    tile = "/".join(map(str, tile_of(ctx["lon"], ctx["lat"], 12)))
    want = 401 if role == "anonymous" else 200 if role in PEOPLE else 403
    failures = []
    for template in HOUSEHOLD_FILTER_CALLS.values():
        for household_filter in HOUSEHOLD_FILTERS:
            CACHE.bump()
            path = template.format(tile=tile, filter=household_filter)
            resp = client.get(path)
            if resp.status_code != want:
                failures.append(f"{role} {path}: {resp.status_code}, expected {want}")
            elif want == 403 and household_filter.split("=")[0] not in resp.get_data(True):
                failures.append(f"{role} {path}: the 403 does not name the filter")
    assert failures == [], "\n".join(failures)
