"""Coverage across a county line: a city's coverage is the sum of its counties', each
county covered by its own service points only, on the command line and on the map.

Two counties of 金华市 side by side: the fixture county 义乌市 (lon 120.0–120.2) and a
neighbour 东阳市 (120.2–120.4) added in the test's transaction. Six households of
义乌市 live 600 m from the line; 东阳市 has a service station 400 m beyond it (≈ 970 m
from them) and none of 义乌市's points is within reach. As one demand set (the city in
one projection, every point of the city) they would count as covered; county by county
they are not.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gis import disclosure
from gis.analysis import coverage, coverage_batch, instance, plans
from gis.errors import InvalidInput
from gis.gate import scope_for_area
from gis.partitions import ensure_county
from tests.conftest import login

CITY, YIWU, DONGYANG = "330700000000", "330782000000", "330783000000"
KINDS = ("distribution_point", "service_station")
RADIUS = "2000"
#: the line households (6), their service station across the line and 东阳市's own
#: households (5) next to it
LINE_HOUSEHOLDS, NEIGHBOUR_HOUSEHOLDS = 6, 5


def _admin(conn, code, path, name, level, parent, box):
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom)
        VALUES (:c, :p, :n, :l, :parent, left(:c, 6),
                ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)))"""),
        {
            "c": code,
            "p": path,
            "n": name,
            "l": level,
            "parent": parent,
            "x0": box[0],
            "y0": box[1],
            "x1": box[2],
            "y1": box[3],
        },
    )


def _building_with_households(conn, ext_id, village, lon, lat, n):
    county = village[:6]
    bid = conn.execute(
        sa.text("""
        INSERT INTO buildings (ext_id, county_code, village_code, admin_path, use, geom)
        VALUES (:e, :c, :v, :v, 'residential', ST_Multi(ST_MakeEnvelope(:x - 0.0002,
                :y - 0.0002, :x + 0.0002, :y + 0.0002, 4326))) RETURNING id"""),
        {"e": ext_id, "c": county, "v": village, "x": lon, "y": lat},
    ).scalar()
    for h in range(n):
        conn.execute(
            sa.text("""
            INSERT INTO households (household_no, county_code, admin_path, village_code,
                                    building_id, geom, geocode_level)
            VALUES (:no, :c, :v, :v, :b, ST_SetSRID(ST_MakePoint(:x, :y), 4326),
                    'building')"""),
            {"no": f"{ext_id}-{h}", "c": county, "v": village, "b": bid, "x": lon, "y": lat},
        )


@pytest.fixture
def two_counties(conn):
    """东阳市 beside the fixture county, the line households and the station beyond the
    line; every record key 0, so that a published count is ``protect(n, 0)``."""
    ensure_county(conn, DONGYANG[:6])
    _admin(conn, DONGYANG, "330783", "东阳市", "county", None, (120.2, 29.2, 120.4, 29.4))
    _admin(
        conn,
        "330783001000",
        "330783001",
        "吴宁街道",
        "township",
        DONGYANG,
        (120.2, 29.2, 120.4, 29.4),
    )
    _admin(
        conn,
        "330783001001",
        "330783001001",
        "东门社区",
        "village",
        "330783001000",
        (120.2, 29.2, 120.4, 29.4),
    )
    # 600 m west of the line, in 义乌市's village C (新光村, lon 120.1–120.2)
    _building_with_households(conn, "LINE1", "330782100001", 120.194, 29.30, LINE_HOUSEHOLDS)
    _building_with_households(conn, "DY1", "330783001001", 120.21, 29.30, NEIGHBOUR_HOUSEHOLDS)
    conn.execute(
        sa.text("""
        INSERT INTO service_points (ext_id, county_code, kind, name, admin_path, geom)
        VALUES ('DYSP1', '330783', 'service_station', '东门服务站', '330783001001',
                ST_SetSRID(ST_MakePoint(120.204, 29.30), 4326))"""),
    )
    conn.execute(sa.text("UPDATE households SET rkey = 0"))
    return conn


def _params():
    return coverage_batch.Params(kinds=KINDS, radius=RADIUS, lang="en")


def test_the_city_is_the_sum_of_its_counties_each_covered_by_its_own_points(two_counties):
    conn = two_counties
    city = scope_for_area(conn, CITY)
    out = coverage_batch.coverage_by_county(conn, city, _params())
    rows = {c["code"]: c for c in out["counties"]}
    assert list(rows) == [YIWU, DONGYANG]
    for code, row in rows.items():
        alone = plans.coverage_report(
            coverage.coverage_in_db(conn, scope_for_area(conn, code), list(KINDS), RADIUS)
        )
        assert row["totals"] == alone["totals"], code
    yiwu, dongyang = rows[YIWU]["totals"], rows[DONGYANG]["totals"]
    # 义乌市: the fixture's 4 located households and the 6 by the line; only HA1 (SP1,
    # 1.5 km) is covered: the station across the line is 东阳市's
    assert (yiwu["demand"], yiwu["covered"]) == (4 + LINE_HOUSEHOLDS, 1)
    assert (dongyang["demand"], dongyang["covered"]) == (NEIGHBOUR_HOUSEHOLDS,) * 2
    for key in ("demand", "covered", "uncovered", "unlocated"):
        assert out["totals"][key] == yiwu[key] + dongyang[key], key
    line = next(v for v in rows[YIWU]["villages"] if v["code"] == "330782100001")
    assert line["covered"] == 0 and line["uncovered"] == 1 + LINE_HOUSEHOLDS  # HC1 too

    # the fixture tells the two apart: the city as one demand set with every point of
    # the city (what the counties' sum replaced) counts the line households covered
    epsg = instance.county_epsg(conn, city)
    one_set = coverage.coverage(
        instance.demand_from_db(conn, city, "households", epsg=epsg),
        instance.service_points(conn, city, KINDS, epsg=epsg),
        coverage.parse_radius(RADIUS, KINDS),
    )
    assert one_set.total == out["totals"]["demand"]
    assert one_set.covered == out["totals"]["covered"] + LINE_HOUSEHOLDS


def test_a_city_as_one_demand_set_is_refused(two_counties):
    """Coverage of one demand set is for a county or a part of one: a city (the line
    households covered by 东阳市's station) is refused, saying how it is computed."""
    city = scope_for_area(two_counties, CITY, user="t", role="planner")
    with pytest.raises(InvalidInput) as err:
        coverage.coverage_in_db(two_counties, city, list(KINDS), RADIUS)
    message = err.value.message
    assert message.startswith("330700000000 is a city of several counties"), message
    assert "county by county (`popgis coverage --area 330700000000`)" in message, message


def test_the_map_gives_the_command_line_s_county_figures(two_counties, app, client):
    """The planner of 义乌市 gets its county's row of the city's batch, published
    (record keys 0: ``protect(n, 0)``); the line households stay uncovered. No web
    account sees the city's coverage as one set: a planner's area= of the city or the
    neighbour is a 404, a city account is refused the planner's API."""
    conn = two_counties
    out = coverage_batch.coverage_by_county(conn, scope_for_area(conn, CITY), _params())
    cli = next(c for c in out["counties"] if c["code"] == YIWU)["totals"]
    url = f"/api/planning/coverage?kinds={','.join(KINDS)}&radius={RADIUS}"
    assert login(client, "planner_u").status_code == 302
    web = client.get(url).get_json()["totals"]
    for key in ("demand", "covered", "uncovered"):
        assert web[key] == disclosure.protect(cli[key], 0), (key, web, cli)
    # HA2, HB1, HC1 and the line households; as one set it would be HA2, HB1, HC1 (3:
    # withheld)
    assert web["uncovered"] == disclosure.protect(3 + LINE_HOUSEHOLDS, 0) == 7
    for area in (CITY, DONGYANG):
        assert client.get(f"{url}&area={area}").status_code == 404, area
    city_user = app.test_client()
    city_user.environ_base["HTTP_ORIGIN"] = "http://localhost"
    assert login(city_user, "city_u").status_code == 302
    assert city_user.get(f"{url}&area={CITY}").status_code == 403
