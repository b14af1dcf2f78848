"""Findings of an outside tester (session 25) on the web API: household filters are
for the roles that see households, one "today" in China time, the 200 m check of a
manual place before anything else, and messages that read numbers and areas alike on
every route. Each failed before its fix."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import mapbox_vector_tile
import openpyxl
import pytest
import sqlalchemy as sa

from gis.exports import long_date
from gis.rules import CHINA_TIME
from tests.conftest import login
from tests.webmap.test_access_matrix import AGGREGATE, MATRIX, PEOPLE, tile_of
from webmap.tiles import CACHE

EN = {"Accept-Language": "en"}

# 1. PRIVACY: certificates, not_visited_days and geocode_level pick households by
# personal attributes; an aggregate filtered by them would tell a planner about the few
# households behind it (江滨 64 residents → 11 without certificates)

HOUSEHOLD_FILTERS = {
    "certificates": "missing",
    "not_visited_days": "30",
    "geocode_level": "none",
}
Z, X, Y = tile_of(120.05, 29.3, 12)
#: the routes that read the map's filters
FILTERED = (
    "/api/density/choropleth?level=village",
    "/api/density/choropleth?level=grid&population=migrants",
    "/api/density/heat?women15_49=1",
    f"/tiles/migrant_density/{Z}/{X}/{Y}.pbf?population=migrants",
)


@pytest.mark.parametrize("role", sorted(AGGREGATE))
def test_aggregate_roles_may_not_filter_by_household_attributes(client, role):
    assert login(client, role).status_code == 302
    failures = []
    for path in FILTERED:
        CACHE.bump()
        plain = client.get(path, headers=EN)
        if plain.status_code != 200:
            failures.append(f"{path}: {plain.status_code} without the filters")
        for name, value in HOUSEHOLD_FILTERS.items():
            CACHE.bump()
            resp = client.get(f"{path}&{name}={value}", headers=EN)
            said = resp.get_data(as_text=True)
            if (
                resp.status_code != 403
                or name not in said
                or "roles that see households" not in said
            ):
                failures.append(f"{path}&{name}={value}: {resp.status_code} {said[:200]}")
        # empty values are the map's "all": no filter, answered
        empty = "&".join(f"{name}=" for name in HOUSEHOLD_FILTERS)
        if client.get(f"{path}&{empty}").status_code != 200:
            failures.append(f"{path}&{empty}: not answered")
    # all three at once: named together, in Chinese too
    path = FILTERED[0] + "&certificates=missing&geocode_level=none"
    resp = client.get(path, headers=EN)
    assert resp.status_code == 403
    assert "certificates, geocode_level" in resp.get_json()["error"]["message"]
    zh = client.get(path, headers={"Accept-Language": "zh"}).get_json()["error"]["message"]
    assert "住户筛选条件" in zh
    assert failures == [], "\n".join(failures)


def _aggregate_paths() -> list[str]:
    """Every other route an aggregate role may call (the access matrix's rows)."""
    out = []
    for kind, method, template, _body in MATRIX.values():
        if kind in ("aggregate", "login") and method == "GET" and "{" not in template:
            out.append(template)
    for layer in ("boundaries", "buildings", "roads", "landcover", "service_points"):
        out.append(f"/tiles/{layer}/{Z}/{X}/{Y}.pbf")
    return [p for p in out if not p.startswith(FILTERED_PREFIXES)]


FILTERED_PREFIXES = ("/api/density/", "/tiles/migrant_density/")


@pytest.mark.parametrize("role", ["planner_u", "auditor_u"])
def test_routes_that_do_not_filter_answer_as_without_the_filters(client, role):
    """The sweep: no other route an aggregate role reaches answers differently with the
    household filters: it refuses them naming them (the OGC API: parameters it does not
    take), or does not read them (same status, same JSON, same tile)."""
    assert login(client, role).status_code == 302
    extra = "&".join(f"{k}={v}" for k, v in HOUSEHOLD_FILTERS.items())
    failures = []
    for path in _aggregate_paths():
        CACHE.bump()
        plain = client.get(path, headers=EN)
        CACHE.bump()
        filtered = client.get(path + ("&" if "?" in path else "?") + extra, headers=EN)
        if (
            filtered.status_code in (400, 403)
            and "certificates" in filtered.json["error"]["message"]
        ):
            continue  # refused, naming them, is fine too (OGC: an unknown parameter)
        if filtered.status_code != plain.status_code:
            failures.append(f"{path}: {filtered.status_code} ≠ {plain.status_code}")
        elif plain.is_json and plain.get_json() != filtered.get_json():
            failures.append(f"{path}: the answer changes with the household filters")
        elif path.startswith("/tiles/") and mapbox_vector_tile.decode(
            plain.data
        ) != mapbox_vector_tile.decode(filtered.data):
            failures.append(f"{path}: the tile changes with the household filters")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_household_roles_keep_the_household_filters(client, role):
    assert login(client, role).status_code == 302
    for path in FILTERED:
        for name, value in HOUSEHOLD_FILTERS.items():
            CACHE.bump()
            resp = client.get(f"{path}&{name}={value}")
            assert resp.status_code == 200, (path, name, resp.get_data(as_text=True)[:200])
    # and the filter works for them: the counts of households missing a certificate differ
    plain = client.get("/api/density/choropleth?level=village").get_json()
    some = client.get("/api/density/choropleth?level=village&certificates=missing").get_json()
    assert plain != some


# 2. one "today": China's (gis.rules), on a server and a database that keep another
# zone's clock (at 23:37 UTC it is 07:37 the next day in the counties)


@pytest.fixture
def far_clock(conn, monkeypatch):
    """The server process and the database session on a zone whose date is not China's
    now; yields China's date."""
    china = datetime.now(CHINA_TIME)
    # UTC−12 is a day behind China until 20:00 there, UTC+14 a day ahead from 18:00
    zone = "Etc/GMT+12" if china.hour < 19 else "Etc/GMT-14"
    assert datetime.now(ZoneInfo(zone)).date() != china.date()
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    conn.execute(sa.text(f"SET LOCAL TIME ZONE '{zone}'"))
    yield china.date()
    monkeypatch.undo()
    time.tzset()


def _file_day(resp) -> str:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return re.search(r"-(\d{8})\.\w+\"", resp.headers["Content-Disposition"]).group(1)


def test_exports_and_the_ogc_api_are_dated_with_chinas_today(client, far_clock):
    day = f"{far_clock:%Y%m%d}"
    assert login(client, "village_a").status_code == 302
    assert _file_day(client.get("/exports/table.csv")) == day
    assert _file_day(client.get("/exports/layers.geojson?layer=village_stats")) == day
    assert _file_day(client.get("/exports/map.png?layer=density&per=village")) == day
    items = client.get("/ogc/collections/village_stats/items?limit=1").get_json()
    assert items["features"][0]["properties"]["as_of"] == far_clock.isoformat()
    # the printed time: China's, with its zone
    book = openpyxl.load_workbook(io.BytesIO(client.get("/exports/table.xlsx", headers=EN).data))
    notes = [row[0] for row in book.worksheets[-1].iter_rows(values_only=True)]
    printed = next(line for line in notes if line and "exported by" in line)
    assert f"{far_clock:%Y-%m-%d} " in printed and printed.endswith("UTC+08:00"), printed
    assert printed.startswith(f"Data as of {long_date(far_clock)};"), printed
    # an event of China's today is no event in the future
    hid = client.get("/api/search?q=HA1").get_json()["results"][0]["id"]
    resp = client.post(
        f"/api/households/{hid}/events", json={"kind": "visit", "date": far_clock.isoformat()}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)


def test_the_map_and_planning_default_as_of_is_chinas_today(far_clock):
    from gis.gate.tiles import Filters

    _conds, params = Filters().sql()
    assert params["as_of"] == far_clock


# 3. a manual place far from the building it names is refused for that first: asking
# to confirm a move to another village for a place that cannot be saved anyway was a
# question for nothing (and "move_village": true then met the distance refusal)


def _ids(conn, household_no, building_ext):
    hid = conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": household_no}
    ).scalar()
    bid = conn.execute(
        sa.text("SELECT id FROM buildings WHERE ext_id = :e"), {"e": building_ext}
    ).scalar()
    return hid, bid


@pytest.mark.parametrize("extra", [{}, {"ask": True}, {"move_village": True}])
def test_the_200_m_check_comes_before_the_village_move(client, conn, extra):
    """HA1 (village 001001) at its own place with building B1 of village 001002, 11 km
    away: 400 "the point is … m from building …", never the question of the move."""
    hid, bid = _ids(conn, "HA1", "B1")
    assert login(client, "town_u").status_code == 302
    body = {"lon": 120.0202, "lat": 29.2502, "building_id": bid, **extra}
    resp = client.post(f"/api/households/{hid}/location", json=body, headers=EN)
    said = resp.get_json()
    assert resp.status_code == 400, said
    assert "m from the building" in said["error"]["message"], said
    assert "confirm" not in said


# 4. messages: one reading of numbers and radii on GET and POST, codes in every empty
# area's message, and answers where an error said too little

COVERAGE = "/api/planning/coverage?kinds=clinic&demand=residents"
PLACE = "/api/planning/place"
RADIUS_REFUSED = "is not allowed: metres, more than 0 and at most 100000; e.g. 800"


def _message(resp, status=400):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    return resp.json["error"]["message"]


@pytest.mark.parametrize("raw", ["1e308", "1e400", "NaN", "-inf", "inf", "0", "-5", "200000"])
def test_a_radius_out_of_range_is_refused_alike_on_get_and_post(client, raw):
    login(client, "planner_u")
    said = _message(client.get(f"{COVERAGE}&radius={raw}", headers=EN))
    assert said == f"radius {raw} {RADIUS_REFUSED}", said
    body = '{"model": "mclp", "k": 1, "demand": "residents", "radius": %s}' % {
        "inf": "Infinity",
        "-inf": "-Infinity",
    }.get(raw, raw)
    said = _message(
        client.post(PLACE, data=body, headers={**EN, "Content-Type": "application/json"})
    )
    # the number as it was sent (1e308 was echoed as 1e+308, 1e400 as "inf")
    shown = {"inf": "Infinity", "-inf": "-Infinity"}.get(raw, raw)
    assert said == f"radius {shown} {RADIUS_REFUSED}", said


def test_a_number_with_an_exponent_is_read_on_get_as_in_json(client):
    """1e5 is 100000 in a JSON body: in a query too (it was "not a number of metres"),
    and lon=120.07e0 is 120.07 (it was "not a number" while 1e308 was one, out of range)."""
    login(client, "planner_u")
    one = client.get(f"{COVERAGE}&radius=1e5")
    assert one.status_code == 200, one.get_data(as_text=True)[:300]
    other = client.get(f"{COVERAGE}&radius=100000")
    assert one.json["totals"] == other.json["totals"]
    site = client.get("/api/planning/site?lon=120.0202e0&lat=2925.02e-2")
    assert site.status_code == 200 and site.json == {"inside": True}, site.get_data(True)


@pytest.mark.parametrize(
    "path",
    ["/api/planning/coverage?radius=800&area=", "/api/planning/site?lon=120.02&lat=29.25&area="],
)
def test_an_empty_area_names_a_code_to_send(client, path):
    login(client, "planner_u")
    said = _message(client.get(path, headers=EN))
    assert said.startswith("area= is empty") and "e.g. 330782" in said, said


def test_restoring_a_household_never_placed_by_hand_says_so(client, conn):
    hid, _bid = _ids(conn, "HA1", "A1")
    login(client, "village_a")
    said = _message(client.post(f"/api/households/{hid}/restore", headers=EN))
    assert "never placed by hand" in said, said


def test_coverage_of_an_area_with_nobody_is_zero_of_zero(client, conn):
    """A grid without residents: an answer (0 of 0 covered, and why), not a 400."""
    conn.execute(
        sa.text(
            "DELETE FROM persons WHERE household_id IN (SELECT id FROM households "
            "WHERE admin_path LIKE '330782001001002%')"
        )
    )
    login(client, "planner_u")
    resp = client.get(f"{COVERAGE}&radius=800&area=330782001001002", headers=EN)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    totals = resp.json["totals"]
    assert totals["demand"] == totals["covered"] == totals["uncovered"] == 0, totals
    assert "nobody" in resp.json["note"], resp.json


@pytest.mark.parametrize("drilled", ["330783001001", "330782001002", "330782999999"])
def test_a_map_drilled_into_an_area_not_yours_is_404_as_area(client, drilled):
    login(client, "village_a")
    base = "/exports/map.png?layer=density&per=village&bbox=119.99,29.19,120.21,29.41"
    drilled_resp = client.get(f"{base}&drilled={drilled}", headers=EN)
    area_resp = client.get(f"{base}&area={drilled}", headers=EN)
    assert drilled_resp.status_code == area_resp.status_code == 404
    assert _message(drilled_resp, 404) == _message(area_resp, 404).replace("area=", "drilled=")


def test_review_candidates_give_the_building_id_location_takes(client, conn):
    """The review queue named buildings by their public id ("B000012"), which the
    location route refuses (a number): it gives the number too."""
    hid, bid = _ids(conn, "HA1", "A1")
    conn.execute(
        sa.text(
            "INSERT INTO geocode_review (household_id, county_code, admin_path, address, "
            "reason, level, score, candidates) SELECT id, county_code, admin_path, address, "
            "'web20', 'building', 0.5, jsonb_build_array(jsonb_build_object('level', "
            "'building', 'building_id', 'A1', 'village_code', village_code, 'score', 0.5)) "
            "FROM households WHERE id = :h"
        ),
        {"h": hid},
    )
    login(client, "village_a")
    items = client.get("/api/review").json["items"]
    cand = next(i for i in items if i["reason"] == "web20")["candidates"][0]
    assert cand["building_id"] == bid and cand["building_ref"] == "A1", cand
    lon, lat = 120.0202, 29.2502
    resp = client.post(
        f"/api/households/{hid}/location",
        json={"lon": lon, "lat": lat, "building_id": cand["building_id"]},
    )
    assert resp.status_code == 200 and resp.json["building_id"] == bid


def test_a_layer_asked_twice_is_exported_and_named_once(client):
    login(client, "village_a")
    resp = client.get("/exports/layers.gpkg?layer=grid_stats&layer=grid_stats")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    name = resp.headers["Content-Disposition"]
    assert "grid_stats-grid_stats" not in name and "-grid_stats-" in name, name
