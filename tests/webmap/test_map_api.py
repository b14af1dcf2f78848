"""The map's own endpoints and fixes of issue 13, against the real PostGIS: accepting a
geocoder's candidate (public building id), the 200 m check of a manual point, placement
history and restore, service points just outside the area, markets and work units,
the favicon, the menu by role and the planner header."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.conftest import login


def _ids(conn, household_no):
    return conn.execute(
        sa.text("SELECT id, admin_path, building_id FROM households WHERE household_no = :n"),
        {"n": household_no},
    ).one()


def test_a_place_in_another_village_must_be_confirmed(client, conn):
    """A slip of the mouse must not hand a family's record to another village's staff."""
    hid, path, _ = _ids(conn, "HA1")
    login(client, "town_u")
    client.set_cookie("popgis_lang", "en")
    here = {"lon": 120.0502, "lat": 29.3502}  # building B1, in village B
    r = client.post(f"/api/households/{hid}/location", json=here)
    assert r.status_code == 409 and r.json["error"]["code"] == "confirm_village_move"
    assert "江滨社区" in r.json["error"]["message"] and "下车门社区" in r.json["error"]["message"]
    # the map asks ({ask: true}): the question is a 200 answer (a browser logs every 409
    # as a console error), and nothing moves either
    r = client.post(f"/api/households/{hid}/location", json={**here, "ask": True})
    assert r.status_code == 200 and r.json["confirm"]["code"] == "confirm_village_move"
    assert "下车门社区" in r.json["confirm"]["message"]
    assert _ids(conn, "HA1").admin_path == path
    assert _ids(conn, "HA1").admin_path == path  # nothing moved
    for not_yes in ("true", 1, "yes"):  # only JSON true confirms: anything else is a 400
        r = client.post(f"/api/households/{hid}/location", json={**here, "move_village": not_yes})
        assert r.status_code == 400 and "move_village" in r.json["error"]["message"]
    assert _ids(conn, "HA1").admin_path == path  # nothing moved
    r = client.post(f"/api/households/{hid}/location", json={**here, "move_village": True})
    assert r.status_code == 200
    assert _ids(conn, "HA1").admin_path.startswith("330782001002")
    # within its own village no question is asked
    r = client.post(f"/api/households/{hid}/location", json={"lon": 120.0505, "lat": 29.3505})
    assert r.status_code == 200


def test_accept_candidate_with_public_building_id(client, conn):
    hid, path, _ = _ids(conn, "HX1")
    c1 = conn.execute(sa.text("SELECT id FROM buildings WHERE ext_id = 'C1'")).scalar()
    # what the geocoder writes: the building's public id, a string
    cands = [
        {
            "level": "building",
            "building_id": "C1",
            "village_code": "330782100001",
            "village": "新光村",
            "score": 0.71,
        }
    ]
    rid = conn.execute(
        sa.text(
            "INSERT INTO geocode_review (household_id, county_code, admin_path, address, "
            "reason, level, score, candidates) VALUES (:h, '330782', :p, '新光村五组', "
            "'unsure', 'group', 0.7, CAST(:c AS jsonb)) RETURNING id"
        ),
        {"h": hid, "p": path, "c": json.dumps(cands)},
    ).scalar()
    login(client, "county_u")
    r = client.post(f"/api/review/{rid}/accept", json={"candidate": 0})
    assert r.status_code == 200, r.json
    assert r.json["building_id"] == c1 and r.json["placed_manually"]


def test_manual_point_far_from_its_building_is_refused(client, conn):
    hid, _, _ = _ids(conn, "HA1")
    a1 = conn.execute(sa.text("SELECT id FROM buildings WHERE ext_id = 'A1'")).scalar()
    login(client, "village_a")
    client.set_cookie("popgis_lang", "zh")
    # 5 km east of building A1 (inside the village, on building A2)
    r = client.post(
        f"/api/households/{hid}/location", json={"lon": 120.0702, "lat": 29.2502, "building_id": a1}
    )
    # the refusal in the user's language
    assert r.status_code == 400 and "200 米以内" in r.json["error"]["message"]
    client.set_cookie("popgis_lang", "en")
    r = client.post(
        f"/api/households/{hid}/location", json={"lon": 120.0702, "lat": 29.2502, "building_id": a1}
    )
    assert r.status_code == 400 and "within 200 m" in r.json["error"]["message"]
    client.delete_cookie("popgis_lang")
    # 100 m from the building: accepted
    r = client.post(
        f"/api/households/{hid}/location", json={"lon": 120.0214, "lat": 29.2502, "building_id": a1}
    )
    assert r.status_code == 200, r.json


def test_placement_history_and_restore(client, conn):
    hid, _, b_before = _ids(conn, "HA2")
    before = conn.execute(
        sa.text(
            "SELECT ST_AsText(geom), geocode_method, geocode_level FROM households WHERE id = :h"
        ),
        {"h": hid},
    ).one()
    login(client, "village_a")
    h = client.get(f"/api/households/{hid}/placements").json
    assert h["history"] == [] and not h["can_restore"]
    assert client.post(f"/api/households/{hid}/restore").status_code == 400
    # moved, and moved again
    for lon in (120.0705, 120.0710):
        r = client.post(f"/api/households/{hid}/location", json={"lon": lon, "lat": 29.2502})
        assert r.status_code == 200, r.json
    h = client.get(f"/api/households/{hid}/placements").json
    assert [e["action"] for e in h["history"]] == ["manual", "manual"]
    first = h["history"][-1]
    assert first["placed_by"] == "village_a" and first["placed_at"]
    assert not first["from_manual"] and first["from_method"] == before.geocode_method
    assert h["history"][0]["from_manual"] and h["can_restore"]
    r = client.post(f"/api/households/{hid}/restore")
    assert r.status_code == 200, r.json
    assert not r.json["placed_manually"] and r.json["building_id"] == b_before
    after = conn.execute(
        sa.text(
            "SELECT ST_AsText(geom), geocode_method, geocode_level FROM households WHERE id = :h"
        ),
        {"h": hid},
    ).one()
    assert tuple(after) == tuple(before)
    h = client.get(f"/api/households/{hid}/placements").json
    assert h["history"][0]["action"] == "restore" and not h["can_restore"]
    # another village's user sees nothing of it
    client.get("/logout")
    login(client, "village_b")
    assert client.get(f"/api/households/{hid}/placements").status_code == 404
    assert client.post(f"/api/households/{hid}/restore").status_code == 404


def test_service_points_just_outside_are_marked(client, conn):
    conn.execute(
        sa.text("""
        INSERT INTO service_points (ext_id, county_code, kind, name, admin_path, village_code,
                                    geom, active)
        SELECT 'SPX', '330782', 'distribution_point', '街对面药具发放点', path, code,
               ST_SetSRID(ST_MakePoint(120.05, 29.3045), 4326), true
        FROM admin_area WHERE code = '330782001002'""")
    )
    login(client, "village_a")
    fc = client.get("/api/layers/service_points").json
    by_id = {f["properties"]["point_id"]: f["properties"] for f in fc["features"]}
    assert not by_id["SP1"]["outside"]
    assert by_id["SPX"]["outside"] and 400 < by_id["SPX"]["distance_m"] < 600
    assert "SP2" not in by_id  # 6 km away: serves no one in 江滨


def test_units_layer_and_favicon(client, conn):
    conn.execute(sa.text("UPDATE buildings SET compound = '佛堂小商品市场' WHERE ext_id = 'M1'"))
    login(client, "county_u")
    fc = client.get("/api/layers/units").json
    assert [(f["properties"]["name"], f["properties"]["use"]) for f in fc["features"]] == [
        ("佛堂小商品市场", "market")
    ]
    client.get("/logout")
    login(client, "village_a")
    assert client.get("/api/layers/units").json["features"] == []
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.data[:4] == b"\x00\x00\x01\x00"


def test_menu_and_planner_header(client, conn):
    login(client, "planner_u")
    client.set_cookie("popgis_lang", "zh")  # the tests' POPGIS_LANG is en
    page = client.get("/").get_data(as_text=True)
    assert 'href="/planner"' in page and 'href="/review"' not in page
    assert 'href="/audit"' not in page
    planner = client.get("/planner").get_data(as_text=True)
    assert "义乌市" in planner and "330782000000" not in planner
    assert ">药具发放点<" in planner and "distribution point" not in planner
    assert ">distribution_point<" not in planner
    client.set_cookie("popgis_lang", "en")
    planner = client.get("/planner").get_data(as_text=True)
    assert ">Distribution point<" in planner and "药具发放点" not in planner
    assert "Service planning" in planner and "服务点规划" not in planner
    client.delete_cookie("popgis_lang")
    client.get("/logout")
    login(client, "village_a")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/review"' in page and 'href="/planner"' not in page
    assert "onclick=" not in page and "javascript:" not in page
