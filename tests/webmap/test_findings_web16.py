"""The outside tester's leftovers (s22): the location API's refusal of a building, query
parameters given twice, the planner API's wording (no command-line flags, one message
per rule), the export's paper size. Each failed before its fix."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa

from gis.analysis import optnames, placement
from gis.errors import InvalidInput
from tests.conftest import login
from tests.gis.analysis.test_placement_optimal import instance

EN = {"Accept-Language": "en"}
PLACE = "/api/planning/place"
COVERAGE = "/api/planning/coverage"
BODY = {"model": "mclp", "k": 1, "radius": 800}


def _error(r, status=400, code="invalid_input"):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.json["error"]["code"] == code, r.json
    return r.json["error"]["message"]


def _id(conn, sql, key):
    return conn.execute(sa.text(sql), {"k": key}).scalar()


# 1. the location API: another village's building answers as a missing one


def test_a_building_outside_the_jurisdiction_is_answered_as_a_missing_one(client, conn):
    login(client, "village_a")
    h = _id(conn, "SELECT id FROM households WHERE household_no = :k", "HA1")
    other = _id(conn, "SELECT id FROM buildings WHERE ext_id = :k", "B1")  # village B
    largest = conn.execute(sa.text("SELECT max(id) FROM buildings")).scalar()
    answers = []
    for building in (other, largest + 1000):
        body = {"lon": 120.0202, "lat": 29.2502, "building_id": building}
        r = client.post(f"/api/households/{h}/location", json=body, headers=EN)
        answers.append((r.status_code, r.json))
    assert answers[0] == answers[1], answers
    assert answers[0][0] == 404 and answers[0][1]["error"]["code"] == "not_found"
    assert answers[0][1]["error"]["message"] == "building not found"
    # the household was not moved
    placed = conn.execute(
        sa.text("SELECT placed_manually FROM households WHERE id = :h"), {"h": h}
    ).scalar()
    assert not placed
    # a building of the user's own village is still taken
    own = _id(conn, "SELECT id FROM buildings WHERE ext_id = :k", "A1")
    lon, lat = conn.execute(
        sa.text(
            "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
            "FROM buildings WHERE id = :b"
        ),
        {"b": own},
    ).one()
    r = client.post(
        f"/api/households/{h}/location", json={"lon": lon, "lat": lat, "building_id": own}
    )
    assert r.status_code == 200, r.json


# 2. a query parameter given twice is refused on every GET route


@pytest.mark.parametrize(
    "user, url, name",
    [
        ("county_u", "/api/layers/boundaries?bbox=120,29,121,30&bbox=0,0,1,1", "bbox"),
        ("county_u", "/api/layers/boundaries?level=village&level=grid", "level"),
        ("county_u", "/api/regions/figures?level=township&level=county", "level"),
        ("county_u", "/api/regions/figures?within=330782001000&within=330782002000", "within"),
        ("county_u", "/exports/table.csv?area=330782001001&area=330782001002", "area"),
        ("county_u", "/exports/map.png?layer=migrants&layer=density", "layer"),
        ("county_u", "/exports/atlas.pdf?size=A4&size=A3", "size"),
        ("county_u", "/api/density/choropleth?level=village&level=grid", "level"),
        ("county_u", "/api/density/heat?population=migrants&population=residents", "population"),
        ("county_u", "/tiles/households/14/13718/6812.pbf?datum=wgs84&datum=gcj02", "datum"),
        ("county_u", "/ogc/collections/village_stats/items?limit=1&limit=2", "limit"),
        ("village_a", "/api/search?q=HA1&q=HB1", "q"),
        ("auditor_u", "/api/audit?user=a&user=b", "user"),
        ("county_u", "/api/review?limit=1&limit=2", "limit"),
        ("county_u", "/api/layers/units?level=village&level=grid", "level"),
        ("planner_u", "/api/planning/coverage?radius=800&radius=900", "radius"),
    ],
)
def test_a_query_parameter_given_twice_is_refused_naming_it(client, user, url, name):
    login(client, user)
    msg = _error(client.get(url, headers=EN))
    assert msg == f"query parameter {name} is given more than once; send it once", msg


def test_several_layers_of_a_geopackage_are_still_taken(client):
    """``layer`` of /exports/layers is the one parameter a route takes several times."""
    login(client, "county_u")
    r = client.get("/exports/layers.gpkg?layer=service_points&layer=village_stats")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert r.data[:16] == b"SQLite format 3\x00"


# 3. the planner API


def test_no_candidates_is_told_in_the_web_api_s_words(client):
    login(client, "planner_u")
    body = {**BODY, "uses": [], "grid_centroids": False}
    msg = _error(client.post(PLACE, json=body, headers=EN))
    assert msg == (
        "no candidates: give candidate sites (uses: building uses, grid_centroids: true, "
        "or sites: places added on the map)"
    ), msg
    zh = _error(client.post(PLACE, json=body))
    assert "uses" in zh and "grid_centroids" in zh and "--" not in zh, zh


def test_a_p_median_too_large_is_told_in_the_web_api_s_words(client, monkeypatch):
    import functools

    from gis.analysis import pmedian, pmedian_candidates

    # the limit scaled down to the fixture county (the real one is tens of millions)
    small = functools.partial(pmedian_candidates.candidate_lists, max_pairs=0)
    monkeypatch.setattr(pmedian, "candidate_lists", small)
    login(client, "planner_u")
    msg = _error(client.post(PLACE, json={**BODY, "model": "pmedian"}, headers=EN))
    assert msg.startswith("p-median with "), msg
    assert "use fewer candidates (uses, grid_centroids, sites) or a smaller area" in msg, msg
    assert "--" not in msg, msg


def test_the_capacitated_p_median_too_large_is_worded_for_each_caller(monkeypatch):
    from gis.analysis import pmedian

    monkeypatch.setenv("POPGIS_LANG", "en")
    monkeypatch.setattr(pmedian, "PMEDIAN_MAX_PAIRS", 3)
    d, s = instance(40, 8, fixed=1, capacity=True)
    with pytest.raises(InvalidInput) as err:
        placement.place("pmedian", d, s, k=2, radius=300, capacitated=True)
    assert "--demand-file" in err.value.message
    with optnames.named_as(optnames.WEB), pytest.raises(InvalidInput) as err:
        placement.place("pmedian", d, s, k=2, radius=300, capacitated=True)
    msg = err.value.message
    assert "--" not in msg and "(uses, grid_centroids, sites) or a smaller area" in msg, msg


def test_the_command_line_keeps_its_flags():
    d, s = instance(30, 6, fixed=6)  # every site fixed: no candidates
    with pytest.raises(InvalidInput) as err:
        placement.place("mclp", d, s, k=1, radius=300)
    assert "--candidates" in err.value.message
    with optnames.named_as(optnames.WEB), pytest.raises(InvalidInput) as err:
        placement.place("mclp", d, s, k=1, radius=300)
    assert "--" not in err.value.message and "grid_centroids" in err.value.message


def test_no_solution_within_the_time_limit_says_the_time_was_too_short(monkeypatch):
    monkeypatch.setenv("POPGIS_LANG", "en")
    d, s = instance(400, 80, fixed=2, seed=3)
    with pytest.raises(InvalidInput) as err:
        placement.place("mclp", d, s, k=3, radius=300, time_limit=1e-9)
    msg = err.value.message
    assert msg == (
        "no solution found within --time-limit=1e-09 seconds: too short to find any "
        "solution for this plan; raise --time-limit"
    ), msg
    with optnames.named_as(optnames.WEB), pytest.raises(InvalidInput) as err:
        placement.place("mclp", d, s, k=3, radius=300, time_limit=1e-9)
    assert err.value.message.startswith("no solution found within time_limit=1e-09 seconds")


@pytest.mark.parametrize("limit", [0.001, 0.5, 0, -1, 31])
def test_a_time_limit_below_a_second_is_refused_with_the_range(client, limit):
    login(client, "planner_u")
    msg = _error(client.post(PLACE, json={**BODY, "time_limit": limit}, headers=EN))
    too_short = " (less is too short for the solver to find a solution)" if limit < 1 else ""
    assert msg == (
        f"time_limit={limit!r} is outside the allowed range [1, 30] seconds; send e.g. "
        f'"time_limit": 30{too_short}'
    ), msg


def test_the_least_time_limit_is_taken(client):
    login(client, "planner_u")
    r = client.post(PLACE, json={**BODY, "time_limit": 1})
    assert r.status_code == 200, r.json


@pytest.mark.parametrize("radius", [0, -5, 0.0, 100001])
def test_a_radius_out_of_range_gets_one_message_on_both_routes(client, radius):
    login(client, "planner_u")
    expected = f"radius {radius!r} is not allowed: metres, more than 0 and at most 100000; e.g. 800"
    msg = _error(client.post(PLACE, json={**BODY, "radius": radius}, headers=EN))
    assert msg == expected, msg
    msg = _error(client.get(f"{COVERAGE}?radius={radius!r}", headers=EN))
    assert msg == expected, msg


def test_an_empty_kinds_list_is_refused_alike_on_both_routes(client):
    login(client, "planner_u")
    place = _error(client.post(PLACE, json={**BODY, "kinds": []}, headers=EN))
    for query in ("kinds=", "kinds=,", "kinds=%20"):
        coverage = _error(client.get(f"{COVERAGE}?radius=800&{query}", headers=EN))
        assert coverage == place, (query, coverage, place)
    assert place.startswith("no service point kinds given; expected one or more of")
    # no kinds parameter at all: every kind (the documented default)
    assert client.get(f"{COVERAGE}?radius=800").status_code == 200


@pytest.mark.parametrize(
    "area, expected",
    [
        (
            330782001001,
            'area=330782001001 is a number; send the area code as text in quotes, e.g. "area": '
            '"330782001001"',
        ),
        (
            330782,
            'area=330782 is a number; send the area code as text in quotes, e.g. "area": '
            '"330782000000"',
        ),
        (
            "330782",
            "area='330782': expected the 12-digit code of an area (or the 15-digit code of a "
            "grid) in your jurisdiction, e.g. 330782000000",
        ),
        (
            "330782001",
            "area='330782001': expected the 12-digit code of an area (or the 15-digit code of "
            "a grid) in your jurisdiction, e.g. 330782001000",
        ),
        (
            "12x",
            "area='12x': expected the 12-digit code of an area (or the 15-digit code of a "
            "grid) in your jurisdiction, e.g. 330782000000",
        ),
    ],
)
def test_a_malformed_area_is_refused_naming_it_and_the_fix(client, area, expected):
    login(client, "planner_u")
    msg = _error(client.post(PLACE, json={**BODY, "area": area}, headers=EN))
    assert msg == expected, msg
    if isinstance(area, str):
        assert _error(client.get(f"{COVERAGE}?radius=800&area={area}", headers=EN)) == expected


@pytest.mark.parametrize("url", ["/exports/atlas.pdf?size=A0", "/exports/map.png?size=A0"])
def test_an_unknown_paper_size_is_invalid_input_naming_the_choices(client, url):
    login(client, "county_u")
    r = client.get(url, headers=EN)
    other = client.get("/exports/map.png?layer=nope", headers=EN)
    assert other.json["error"]["code"] == "invalid_input"
    msg = _error(r, code="invalid_input")
    assert msg == "unknown paper size 'A0'; expected A4 or A3", msg


@pytest.mark.parametrize("drilled", ["33078200100", "3307820010010021", "12x"])
def test_a_malformed_drilled_area_is_refused_naming_it(client, drilled):
    login(client, "county_u")
    msg = _error(client.get(f"/exports/map.png?drilled={drilled}", headers=EN))
    assert msg.startswith(f"drilled={drilled!r}: expected the 12-digit code"), msg


def test_the_map_drilled_into_a_grid_exports_a_map_named_after_it(client):
    login(client, "county_u")
    view = "120.0,29.195,120.15,29.305"  # a wide screen's view of grid 2
    r = client.get(f"/exports/map.png?bbox={view}&drilled=330782001001002", headers=EN)
    assert r.status_code == 200
    # with its village (outside tester s23), by its official name (s24): 江滨社区第二网格
    local = "filename*=UTF-8''" + quote("江滨社区第二网格-", safe="")
    assert local in r.headers["Content-Disposition"], r.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "path",
    [
        "/exports/table.csv",
        "/exports/atlas.pdf",
        "/exports/map.png",
        "/exports/layers.geojson?layer=service_points",
        "/ogc/collections/village_stats/items",
    ],
)
@pytest.mark.parametrize(
    "area, example",
    [("123", "330782000000"), ("330782", "330782000000"), ("330782001", "330782001000")],
)
def test_a_malformed_area_of_the_exports_is_refused_naming_it(client, path, area, example):
    """area=123 was answered "admin area not found", as an area outside the user's."""
    login(client, "county_u")
    url = path + ("&" if "?" in path else "?") + f"area={area}"
    msg = _error(client.get(url, headers=EN))
    assert msg == (
        f"area={area!r}: expected the 12-digit code of an area (or the 15-digit code of a "
        f"grid) in your jurisdiction, e.g. {example}"
    ), msg
    # a well-formed code outside the jurisdiction is still a 404, as a missing one
    url = path + ("&" if "?" in path else "?") + "area=330783000000"
    _error(client.get(url, headers=EN), status=404, code="not_found")
