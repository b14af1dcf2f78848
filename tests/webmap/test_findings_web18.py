"""Map and web leftovers of session 24 that the API answers: a neighbouring county's
buildings cut from the building tiles (as the roads), the code an area refusal
suggests, the units and title of a village's density map, and an attacker's sweep of
the routes added in session 23 (the site check, the exports' area, the density drill,
the review score). Each failed before its fix (the map's clicks are in
test_map_findings_web18.py)."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
import sqlalchemy as sa

from tests.conftest import login
from webmap.tiles import CACHE

EN = {"Accept-Language": "en"}

# 1. the building tiles cut to the user's county, as the roads: a neighbouring county's
# buildings are not drawn near the border, one over the border stops at it

# z14 tile at the fixture county's east border (120.2): lon 120.1904–120.2124,
# lat 29.2481–29.2672
BORDER_TILE = (14, 13662, 6798)

#: 东阳市 east of the fixture county with a building of its own, and a building of the
#: county (新光村) that reaches 300 m over the border
NEIGHBOUR_BUILDINGS = """
    INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom)
    SELECT '330783000000', '330783', '东阳市', 'county', '330700000000', '330783',
           ST_Multi(ST_MakeEnvelope(120.2, 29.2, 120.4, 29.4, 4326))
    WHERE NOT EXISTS (SELECT 1 FROM admin_area WHERE code = '330783000000');
    INSERT INTO buildings (ext_id, county_code, village_code, admin_path, address, floors,
                           use, geom) VALUES
      ('DY1', '330783', NULL, '330783', '东阳楼', 5, 'residential',
       ST_Multi(ST_MakeEnvelope(120.205, 29.255, 120.2055, 29.2555, 4326))),
      ('XB1', '330782', '330782100001', '330782100000330782100001', '跨界楼', 2, 'market',
       ST_Multi(ST_MakeEnvelope(120.197, 29.258, 120.203, 29.2585, 4326)))"""


@pytest.fixture
def neighbour_buildings(conn):
    from gis import partitions
    from gis.regions import ensure_regions

    partitions.ensure_county(conn, "330783")
    conn.execute(sa.text(NEIGHBOUR_BUILDINGS))
    ensure_regions(conn)  # the province's and city's outlines take 东阳市 in, as a load does
    CACHE.bump()
    yield
    CACHE.bump()


def _buildings_tile(client, tile=BORDER_TILE):
    z, x, y = tile
    r = client.get(f"/tiles/buildings/{z}/{x}/{y}.pbf")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    layer = mapbox_vector_tile.decode(r.data).get("buildings", {"features": []})
    return {f["properties"]["address"]: f["geometry"] for f in layer["features"]}


def _max_lon(geometry, tile=BORDER_TILE) -> float:
    """The easternmost longitude of a decoded tile geometry (tile units → degrees)."""
    z, x, _y = tile

    def xs(c):
        return [c[0]] if isinstance(c[0], (int, float)) else [v for part in c for v in xs(part)]

    return (x + max(xs(geometry["coordinates"])) / 4096) / 2**z * 360 - 180


@pytest.mark.parametrize("role", ["village_a", "county_u", "town_u", "planner_u", "auditor_u"])
def test_the_map_draws_no_building_outside_the_users_county(client, neighbour_buildings, role):
    login(client, role)
    buildings = _buildings_tile(client)
    assert "东阳楼" not in buildings, buildings.keys()
    assert "跨界楼" in buildings
    # cut at the border (a tile pixel at z14 is 0.000005°), not drawn 300 m into 东阳市
    assert 120.1995 < _max_lon(buildings["跨界楼"]) < 120.2005


@pytest.mark.parametrize("role", ["province_u", "city_u"])
def test_a_province_or_city_map_draws_the_buildings_of_all_its_counties(
    client, neighbour_buildings, role
):
    login(client, role)
    buildings = _buildings_tile(client)
    assert {"东阳楼", "跨界楼"} <= buildings.keys()
    assert _max_lon(buildings["跨界楼"]) > 120.2025


def test_buildings_are_cached_per_county(client, neighbour_buildings):
    """A province user's tile (both counties) is not served to a village user from the
    cache."""
    login(client, "province_u")
    assert "东阳楼" in _buildings_tile(client)  # cached for the province
    client.post("/logout")
    login(client, "village_a")
    assert "东阳楼" not in _buildings_tile(client)


def test_buildings_are_found_through_the_spatial_index(conn, neighbour_buildings):
    """The cut tile looks buildings up through their spatial index, as the roads."""
    from gis import tiles

    z, x, y = BORDER_TILE
    conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = conn.execute(
        sa.text("EXPLAIN (COSTS OFF) " + tiles.tile_sql("buildings")),
        tiles.tile_params("buildings", z, x, y, area="330782000000"),
    ).scalars()
    text = "\n".join(plan)
    assert "Index Scan using buildings_330782_geom" in text, text
    # below zoom 14 no building is looked up at all
    assert tiles.tile(conn, "buildings", 13, x // 2, y // 2, area="330782000000") == b""


# 2. the code a refusal of a malformed area code suggests: what was typed, written out
# to 12 digits, when that is an area of the user's; else the nearest that is; an area
# outside the jurisdiction is never named (it looks like one not loaded)


def _suggested(client, path):
    r = client.get(path, headers=EN)
    assert r.status_code == 400, (path, r.status_code, r.get_data(as_text=True)[:300])
    assert r.json["error"]["code"] == "invalid_input"
    message = r.json["error"]["message"]
    return message.rsplit("e.g. ", 1)[1]


ODD = ("3307", "３３０７", "3307x", " 3307", "33070000000000000")


@pytest.mark.parametrize("typed", ODD)
def test_the_province_user_typing_a_city_is_suggested_the_city(client, typed):
    login(client, "province_u")
    from urllib.parse import quote

    path = f"/api/regions/figures?within={quote(typed)}"
    assert _suggested(client, path) == "330700000000"
    msg = client.get(path, headers=EN).json["error"]["message"]
    assert msg.startswith("within=") and "12-digit code" in msg, msg
    # the city as suggested is answered
    assert client.get("/api/regions/figures?within=330700000000").status_code == 200


@pytest.mark.parametrize(
    "role, typed, suggested",
    [
        # the exports of a province or city take a county: the city's first county
        ("province_u", "3307", "330782000000"),
        ("city_u", "３３０７", "330782000000"),
        # a county written short, or its township
        ("county_u", "330782", "330782000000"),
        ("county_u", "330782100", "330782100000"),
        ("county_u", "330782100x", "330782100000"),
        # the township of a village user is not the user's: the village itself
        ("village_a", "330782001", "330782001001"),
        ("village_a", "330782", "330782001001"),
        # a grid of the village, typed with a letter after it
        ("village_a", "330782001001002z", "330782001001002"),
    ],
)
def test_an_export_suggests_an_area_of_the_users(client, role, typed, suggested):
    from urllib.parse import quote

    login(client, role)
    for path in ("/exports/table.csv?area={}", "/ogc/collections/village_stats/items?area={}"):
        assert _suggested(client, path.format(quote(typed))) == suggested, (path, typed)


@pytest.mark.parametrize("role", ["county_u", "village_a", "city_u"])
def test_a_suggestion_never_names_an_area_outside_the_jurisdiction(client, conn, role):
    """Typing a code of a neighbour (杭州市, a sibling village, the county above a
    village) suggests the user's own area, as the not-found of a well-formed code does."""
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, path, name, level, parent_code, county_code) VALUES
          ('330100000000', '3301', '杭州市', 'city', '330000000000', '330100'),
          ('330108000000', '330108', '滨江区', 'county', '330100000000', '330108')""")
    )
    login(client, role)
    own = {"county_u": "330782000000", "village_a": "330782001001", "city_u": "330782000000"}
    outside = ["3301", "330108", "33", "x", " "]
    if role == "village_a":
        outside += ["330782001002x", "330782100", "3307"]  # a sibling, the township, city
    for typed in outside:
        for path in (
            f"/exports/table.csv?area={typed}",
            f"/api/regions/figures?within={typed}",
        ):
            assert _suggested(client, path) == own[role], path
    # and a well-formed code outside is a 404 alike to one not loaded (but for the code)
    far = client.get("/api/regions/figures?within=330108000000", headers=EN)
    missing = client.get("/api/regions/figures?within=330799000000", headers=EN)
    assert far.status_code == missing.status_code == 404
    assert far.get_data(as_text=True).replace("330108000000", "330799000000") == (
        missing.get_data(as_text=True)
    )


@pytest.mark.parametrize(
    "send",
    [
        lambda c, a: c.get(
            f"/api/planning/coverage?kinds=clinic&radius=900&demand=migrants&area={a}",
            headers=EN,
        ),
        lambda c, a: c.post(
            "/api/planning/place",
            json={"model": "mclp", "k": 1, "radius": 500, "demand": "residents", "area": a},
            headers=EN,
        ),
    ],
    ids=["coverage", "place"],
)
def test_the_planner_answers_an_area_as_the_exports_do(client, send):
    """An area of the planner's not loaded, or outside, is the exports' 404 (it was a
    bare "admin area not found"); a malformed one the same 400."""
    login(client, "planner_u")
    for code in ("330782999000", "330108000000", "110101000000"):
        r = send(client, code)
        assert r.status_code == 404, r.get_data(as_text=True)
        assert r.json["error"]["message"] == (
            f"area={code}: no such area in your jurisdiction (义乌市); send the 12-digit code "
            "of an area in it, e.g. area=330782000000"
        )
    r = send(client, "３３０７８２１００")
    assert r.status_code == 400 and r.json["error"]["message"].endswith("e.g. 330782100000")
    r = send(client, 330782100)  # a JSON number, or text in the query
    assert r.status_code == 400 and r.json["error"]["message"].endswith(
        ("e.g. 330782100000", '"area": "330782100000"')
    ), r.json


# 3. a village's density map: the units asked for when the map shows more than the
# village (the web's view drilled into it, cut to the county), by grid when the map is
# cut to the village or a grid (by village it would be one colour)

JIANGBIN = "330782001001"
JIANGBIN_VIEW = "119.99,29.19,120.11,29.31"  # the village and a strip of its neighbours


def _map_name(client, query):
    from urllib.parse import unquote

    r = client.get(f"/exports/map.png?layer=density&{query}", headers=EN)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return unquote(r.headers["Content-Disposition"].split("filename*=UTF-8''")[1])


@pytest.mark.parametrize("per, units", [("village", "by village"), ("grid", "by grid")])
def test_a_drilled_villages_map_is_drawn_and_titled_by_the_units_asked(client, conn, per, units):
    from gis.exports.map_spec import prepare
    from gis.messages import speaking
    from gis.scope import scope_for_area

    county = scope_for_area(conn, "330782000000", user="units_tester")
    view = tuple(float(v) for v in JIANGBIN_VIEW.split(","))
    with speaking("en"):
        spec = prepare(conn, county, "density", bbox=view, per=per, drilled=JIANGBIN)
    assert spec.area_code == JIANGBIN and spec.units == per, (spec.area_code, spec.units)
    assert spec.title == f"江滨社区居委会 Population density map ({units})", spec.title
    # by village: 江滨 and the neighbours in view (下车门, 新光村) each a colour of its own;
    # by grid: 江滨's two grids
    assert len(spec.choropleth) == (3 if per == "village" else 2), len(spec.choropleth)
    login(client, "county_u")
    name = _map_name(client, f"bbox={JIANGBIN_VIEW}&per={per}&drilled={JIANGBIN}")
    assert name.startswith(f"江滨社区居委会-Population density map ({units})-"), name


@pytest.mark.parametrize("who, query", [("village_a", ""), ("county_u", f"area={JIANGBIN}&")])
def test_a_map_cut_to_one_village_is_drawn_by_grid_whatever_per_asked(client, who, query):
    login(client, who)
    for per in ("village", "grid"):
        name = _map_name(client, f"{query}bbox={JIANGBIN_VIEW}&per={per}")
        assert name.startswith("江滨社区居委会-Population density map (by grid)-"), (per, name)


# 4. an attacker's sweep of the routes of session 23: every odd value a 4xx naming the
# parameter, never a 500 (the roles and areas are in test_access_matrix.py)

ODD_NUMBERS = [
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e309",
    "1e5",
    "9" * 30,
    "120.08.1",
    "１２０",
    "١٢٠",
    "0x10",
    "120,08",
    "' OR 1=1--",
    "x" * 5000,
]
ODD_CODES = ["' OR 1=1--", "x" * 5000, "-1", "nan", "３３０７８２００１００１", "3307820010010010"]


def _refused(r, name, status=400):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    message = r.json["error"]["message"]
    assert name in message and len(message) < 400, message
    return message


@pytest.mark.parametrize("value", ODD_NUMBERS + ["200", "-200"])
@pytest.mark.parametrize("name", ["lon", "lat"])
def test_the_site_check_refuses_odd_numbers_naming_them(client, name, value):
    from urllib.parse import quote

    login(client, "planner_u")
    other = "lat=29.25" if name == "lon" else "lon=120.05"
    _refused(client.get(f"/api/planning/site?{other}&{name}={quote(value)}", headers=EN), name)


def test_the_site_check_says_what_is_missing_or_empty(client):
    login(client, "planner_u")
    assert _refused(client.get("/api/planning/site?lat=29.2", headers=EN), "lon") == (
        "lon is required"
    )
    # required: no "leave lon out for its default" (it said so, and then refused it)
    assert _refused(client.get("/api/planning/site?lon=&lat=29.2", headers=EN), "lon") == (
        "lon= is empty: give a value; lon is required"
    )
    assert _refused(client.get("/api/planning/site?lon=120&lat=29.2&lon=1", headers=EN), "lon")
    _refused(client.get("/api/planning/site?lon=120&lat=29.2&x=1", headers=EN), "'x'")
    r = client.post("/api/planning/site?lon=120.05&lat=29.25", headers=EN)
    assert r.status_code == 405 and "use GET" in r.json["error"]["message"]
    # far outside China: an answer, not an error (the page shows it)
    for lon, lat in (("-73", "40.7"), ("0", "0"), ("-0", "-0")):
        r = client.get(f"/api/planning/site?lon={lon}&lat={lat}", headers=EN)
        assert r.status_code == 200 and r.json["inside"] is False, r.json
        assert "outside 义乌市" in r.json["message"]


@pytest.mark.parametrize("value", ODD_CODES)
@pytest.mark.parametrize(
    "path, name",
    [
        ("/exports/map.png?layer=density&area={}", "area"),
        ("/exports/atlas.pdf?area={}", "area"),
        ("/exports/layers.geojson?layer=village_stats&area={}", "area"),
        ("/exports/map.png?layer=density&bbox=120.0,29.2,120.1,29.3&drilled={}", "drilled"),
        ("/api/regions/figures?within={}", "within"),
        ("/api/planning/site?lon=120.05&lat=29.25&area={}", "area"),
    ],
)
@pytest.mark.parametrize("role", ["county_u", "planner_u"])
def test_an_odd_area_code_is_refused_naming_it(client, role, path, name, value):
    from urllib.parse import quote

    login(client, role)
    _refused(client.get(path.format(quote(value)), headers=EN), name)


@pytest.mark.parametrize(
    "query, name",
    [
        ("level=GRID", "level"),
        ("level=" + "x" * 5000, "level"),
        ("level=' OR 1=1--", "level"),
        ("level=grid&population=x", "population"),
        ("level=grid&women15_49=maybe", "women15_49"),
        ("level=grid&not_visited_days=nan", "not_visited_days"),
        ("level=grid&not_visited_days=1e9", "not_visited_days"),
        ("level=grid&as_of=2026-13-01", "as_of"),
        ("level=grid&geocode_level=x", "geocode_level"),
    ],
)
@pytest.mark.parametrize("role", ["village_a", "auditor_u", "province_u"])
def test_the_density_layers_refuse_odd_input_naming_it(client, role, query, name):
    from urllib.parse import quote

    login(client, role)
    # the household filters are no aggregate role's at all: a 403 naming them, whatever
    # the value (session 25, test_findings_web20)
    household = name in ("not_visited_days", "geocode_level") and role != "village_a"
    _refused(
        client.get("/api/density/choropleth?" + quote(query, safe="=&"), headers=EN),
        name,
        403 if household else 400,
    )


def _review_item(conn, no: str, candidates: str) -> int:
    """Queue household ``no`` for review with ``candidates`` (JSON); its item's id."""
    return conn.execute(
        sa.text("""
        INSERT INTO geocode_review (household_id, county_code, admin_path, address, reason,
                                    level, score, candidates)
        SELECT id, county_code, admin_path, address, 'sweep', 'village', 0.5,
               CAST(replace(:c, '{v}', village_code) AS jsonb)
        FROM households WHERE household_no = :n
        RETURNING id"""),
        {"n": no, "c": candidates},
    ).scalar()


@pytest.mark.parametrize(
    "body, said",
    [
        (
            {"candidate": 5},
            "candidate=5 is not a candidate of this review item: send 0 (the only "
            'candidate), e.g. "candidate": 0',
        ),
        ({"candidate": -1}, "candidate=-1 is not a candidate"),
        ({"candidate": 1e308}, "candidate=1e+308 is not a candidate"),
        ({"candidate": 0.0}, "candidate=0.0 is not a candidate"),
        ({"candidate": True}, "candidate=true is true/false, not a number"),
        ({"candidate": [0]}, "candidate=[0] is not a candidate"),
        ({"candidate": 10**40}, "is not a candidate of this review item"),
        (
            {},
            "candidate is missing: send the number of the candidate to accept, 0 (the "
            'only candidate), e.g. "candidate": 0',
        ),
        ({"candidate": None}, "candidate is null: send the number of the candidate"),
        ({"candidate": "0"}, "candidate='0' is text; send candidate as a JSON number"),
        ({"candidate": 0, "x": 1}, "unknown member 'x'"),
    ],
)
def test_accepting_a_review_candidate_refuses_odd_input_naming_it(client, conn, body, said):
    """It said "candidate must be 0–0" (and "0–-1" for an item without candidates)."""
    rid = _review_item(conn, "HA1", '[{"level": "village", "village_code": "{v}", "score": 0.5}]')
    login(client, "village_a")
    r = client.post(f"/api/review/{rid}/accept", json=body, headers=EN)
    assert said in _refused(r, "candidate"), r.json
    # still open: the refusal placed nothing
    assert client.post(f"/api/review/{rid}/accept", json={"candidate": 0}).status_code == 200


def test_an_item_without_candidates_says_to_place_by_hand(client, conn):
    rid = _review_item(conn, "HA2", "[]")
    login(client, "village_a")
    r = client.post(f"/api/review/{rid}/accept", json={"candidate": 0}, headers=EN)
    assert r.status_code == 400 and r.json["error"]["message"] == (
        "this review item has no candidate to accept; place the household on the map by hand"
    )


@pytest.mark.parametrize(
    "path, name",
    [
        ("/api/density/choropleth?level={}", "level"),
        ("/api/layers/boundaries?level={}", "level"),
        ("/api/regions/figures?level={}", "level"),
        ("/exports/map.png?layer=density&per={}", "per"),
        ("/exports/map.png?layer={}", "layer"),
        ("/exports/atlas.pdf?per={}", "unit"),
        ("/tiles/migrant_density/12/3410/1698.pbf?population={}", "population"),
        ("/tiles/{}/12/3410/1698.pbf", "tile layer"),
    ],
)
def test_a_long_value_is_not_echoed_whole(client, path, name):
    """A 5,000-character value was echoed whole in its refusal (the message grew to
    5 kB): now cut to 60 characters."""
    login(client, "county_u")
    r = client.get(path.format("x" * 5000), headers=EN)
    assert r.status_code in (400, 404), r.status_code
    message = r.json["error"]["message"]
    assert name in message and "x" * 59 + "…" in message and len(message) < 300, message


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e309", "1e308", "1" + "0" * 30])
def test_the_placement_refuses_an_odd_radius_with_its_own_range(client, raw):
    """NaN or inf was "radius=nan is outside [-1e+12, 1e+12]": an internal bound, not
    the radius's range."""
    login(client, "planner_u")
    body = '{"model": "mclp", "k": 1, "demand": "residents", "radius": %s}' % raw
    r = client.post(
        "/api/planning/place", data=body, headers={**EN, "Content-Type": "application/json"}
    )
    message = _refused(r, "radius")
    assert "is not allowed: metres, more than 0 and at most 100000; e.g. 800" in message
    assert "1e+12" not in message, message


@pytest.mark.parametrize("member", ["demand", "uses"])
def test_the_placement_does_not_echo_a_long_name_whole(client, member):
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 500, "demand": "residents"}
    body[member] = "x" * 5000 if member == "demand" else ["x" * 5000]
    message = _refused(client.post("/api/planning/place", json=body, headers=EN), member[:-1])
    assert "x" * 59 + "…" in message and len(message) < 300, message


@pytest.mark.parametrize("member", ["radius", "k"])
def test_a_required_member_sent_null_is_not_told_to_be_left_out(client, member):
    """ "radius": null was told "leave the member out to get its default" (and then
    "radius is required" when left out)."""
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 500, "demand": "residents", member: None}
    message = _refused(client.post("/api/planning/place", json=body, headers=EN), member)
    assert message == f"{member} is null: give a value; {member} is required", message
    # a member with a default still says so
    body = {"model": "mclp", "k": 1, "radius": 500, "demand": None}
    message = _refused(client.post("/api/planning/place", json=body, headers=EN), "demand")
    assert "leave the member out to get its default" in message
