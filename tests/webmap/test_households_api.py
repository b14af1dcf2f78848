"""Search, building popup, manual placement and events through the API, in scope only."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import login


def hid(conn, no):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar()


def bid(conn, ext):
    return conn.execute(sa.text("SELECT id FROM buildings WHERE ext_id = :e"), {"e": ext}).scalar()


def search(client, q):
    r = client.get("/api/search", query_string={"q": q})
    assert r.status_code == 200
    return r.json["results"]


def test_search_kinds_and_ranking(client):
    login(client, "village_a")
    assert [r["household_no"] for r in search(client, "HA1")] == ["HA1"]
    by_name = search(client, "王芳")
    assert by_name[0]["household_no"] == "HA2" and by_name[0]["what"] == "name"
    last4 = search(client, "0115")  # 张伟's ID number ends 0115
    assert last4[0]["household_no"] == "HA1" and last4[0]["matched"] == "330782********0115"
    phone = search(client, "5673")  # 王芳's phone
    assert phone[0]["household_no"] == "HA2" and phone[0]["matched"] == "159****5673"
    assert {r["household_no"] for r in search(client, "幸福小区")} == {"HA1", "HA2"}
    assert search(client, "%") == [] and search(client, "") == []


def test_search_never_leaves_scope(client):
    login(client, "village_a")
    assert search(client, "陈静") == []  # lives in village B
    assert search(client, "HB1") == []
    assert search(client, "5675") == []  # 陈静's phone


def test_building_popup(client, conn):
    login(client, "village_a")
    r = client.get(f"/api/buildings/{bid(conn, 'A1')}")
    assert r.status_code == 200
    assert [h["household_no"] for h in r.json["households"]] == ["HA1"]
    assert r.json["households"][0]["persons"] == 3
    other = client.get(f"/api/buildings/{bid(conn, 'B1')}")
    missing = client.get("/api/buildings/99999999")
    assert other.status_code == missing.status_code == 404 and other.json == missing.json


def test_place_household_and_reload(client, conn):
    login(client, "village_a")
    h = hid(conn, "HA1")
    r = client.post(f"/api/households/{h}/location", json={"lon": 120.0702, "lat": 29.2502})
    assert r.status_code == 200 and r.json["placed_manually"]
    again = client.get(f"/api/households/{h}").json
    assert again["building_id"] == bid(conn, "A2") and again["placed_by"] == "village_a"
    assert abs(again["lon"] - 120.0702) < 1e-9


def test_place_errors(client, conn):
    login(client, "village_a")
    h = hid(conn, "HA1")
    r = client.post(f"/api/households/{h}/location", json={"lon": "east"})
    assert r.status_code == 400 and "lon must be a JSON number" in r.json["error"]["message"]
    r = client.post(f"/api/households/{h}/location", data="nope")
    assert r.status_code == 400
    client.set_cookie("popgis_lang", "zh")  # the language chosen on the map
    r = client.post(f"/api/households/{h}/location", json={"lon": 120.0502, "lat": 29.3502})
    assert r.status_code == 400 and "不在您的辖区内" in r.json["error"]["message"]
    client.set_cookie("popgis_lang", "en")
    r = client.post(f"/api/households/{h}/location", json={"lon": 120.0502, "lat": 29.3502})
    assert r.status_code == 400 and "outside your jurisdiction" in r.json["error"]["message"]
    client.delete_cookie("popgis_lang")
    other = client.post(
        f"/api/households/{hid(conn, 'HB1')}/location", json={"lon": 120.0202, "lat": 29.2502}
    )
    assert other.status_code == 404


def test_record_event(client, conn):
    login(client, "village_a")
    h = hid(conn, "HA1")
    r = client.post(
        f"/api/households/{h}/events",
        json={"kind": "distribution", "date": "2026-11-23", "note": "避孕药具2盒"},
    )
    assert r.status_code == 201
    assert client.get(f"/api/households/{h}").json["events"][0]["note"] == "避孕药具2盒"
    r = client.post(f"/api/households/{h}/events", json={"kind": "party"})
    assert r.status_code == 400 and "visit" in r.json["error"]["message"]
    r = client.post(f"/api/households/{hid(conn, 'HB1')}/events", json={"kind": "visit"})
    assert r.status_code == 404


def test_planner_cannot_search_people(client):
    login(client, "planner_u")
    assert client.get("/api/search?q=HA1").status_code == 403


def test_density_choropleth_and_heat(client):
    login(client, "county_u")
    fc = client.get("/api/density/choropleth?level=village").json
    by_code = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    a = by_code["330782001001"]
    assert (a["residents"], a["migrants"]) == (3, 2)
    assert a["migrants_per_1000_residents"] == round(1000 * 2 / 3, 1)
    assert abs(a["migrants_per_km2"] - 2 / a["area_km2"]) < 0.1
    assert by_code["330782100001"]["migrants"] == 1  # 周杰: no position, still counted
    grids = client.get("/api/density/choropleth?level=grid").json
    assert {f["properties"]["code"]: f["properties"]["migrants"] for f in grids["features"]} == {
        "330782001001001": 0,
        "330782001001002": 2,
    }
    heat = client.get("/api/density/heat").json
    assert sum(c[2] for c in heat) == 2 and all(len(c) == 3 for c in heat)
    assert client.get("/api/density/choropleth?level=planet").status_code == 400


def test_household_json_dates_and_origin(client, conn):
    login(client, "village_a")
    h = client.get(f"/api/households/{hid(conn, 'HA2')}").json
    wang = h["members"][0]
    assert wang["birth_date"] == "1995-**-**" and wang["arrival_date"] == "2024-03-01"
    assert wang["cert_residence_expiry"] == "2026-12-10"
    # 360721 is 赣县's code before it became 赣县区 (360704): named as far as it still exists
    assert wang["origin_name"] == "江西省赣州市"
