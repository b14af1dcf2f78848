"""Strict JSON input on the remaining write routes (the outside tester's findings after
web15): events, review accept, restore, the location switches and the planner's added
sites refuse unknown members, null, numbers as text and switches that are not JSON
booleans, with a 400 naming the member and the fix; nothing is stored."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.webmap.test_review import _review_item

EN = {"Accept-Language": "en"}


def _hid(conn, no):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar()


def _error(r, status=400):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    return r.json["error"]["message"]


def _events(conn, h):
    return conn.execute(
        sa.text("SELECT count(*) FROM events WHERE household_id = :h"), {"h": h}
    ).scalar()


# ------------------------------------------------------------------ events
@pytest.mark.parametrize(
    "body, says",
    [
        (
            {"kind": "visit", "id_numbr": "x", "dat": "2020-01-01"},
            "unknown member 'dat' in the JSON body; this resource takes "
            "date, id_number, kind, note, team_id",
        ),
        ({"kind": "visit", "foo": 1}, "unknown member 'foo'"),
        ({"kind": "visit", "date": None}, "date is null; leave the member out"),
        ({"kind": "visit", "note": None}, "note is null"),
        (
            {"kind": "visit", "team_id": "1"},
            "team_id='1' is text; send team_id as a JSON number without quotes",
        ),
    ],
)
def test_an_event_with_an_odd_member_is_refused_and_not_stored(client, conn, body, says):
    login(client, "village_a")
    h = _hid(conn, "HA1")
    before = _events(conn, h)
    msg = _error(client.post(f"/api/households/{h}/events", json=body, headers=EN))
    assert msg.startswith(says), msg
    assert _events(conn, h) == before


def test_the_event_the_map_sends_is_still_stored(client, conn):
    login(client, "village_a")
    h = _hid(conn, "HA1")
    r = client.post(f"/api/households/{h}/events", json={"kind": "visit", "date": "2026-11-30"})
    assert r.status_code == 201, r.json


# ------------------------------------------------------------------ review accept
@pytest.mark.parametrize(
    "body, says",
    [
        (
            {"candidate": 0, "x": 1},
            "unknown member 'x' in the JSON body; this resource takes candidate",
        ),
        ({"candidate": "0"}, "candidate='0' is text; send candidate as a JSON number"),
        ({"candidate": None}, "candidate is null"),
    ],
)
def test_accept_refuses_odd_members_naming_them(client, conn, body, says):
    rid, hid, _ = _review_item(conn)
    before = conn.execute(
        sa.text("SELECT building_id FROM households WHERE id = :h"), {"h": hid}
    ).scalar()
    login(client, "county_u")
    msg = _error(client.post(f"/api/review/{rid}/accept", json=body, headers=EN))
    assert msg.startswith(says), msg
    assert [i["id"] for i in client.get("/api/review").json["items"]] == [rid]  # still open
    after = conn.execute(
        sa.text("SELECT building_id FROM households WHERE id = :h"), {"h": hid}
    ).scalar()
    assert after == before


# ------------------------------------------------------------------ restore
def test_restore_takes_no_members(client, conn):
    h = _hid(conn, "HA2")
    login(client, "village_a")
    r = client.post(f"/api/households/{h}/location", json={"lon": 120.0705, "lat": 29.2502})
    assert r.status_code == 200, r.json
    url = f"/api/households/{h}/restore"
    msg = _error(client.post(url, json={"zz": 1}, headers=EN))
    assert msg.startswith("unknown member 'zz' in the JSON body; this resource takes none"), msg
    assert client.get(f"/api/households/{h}/placements").json["can_restore"]  # not restored
    # what the map sends ({}) and no body at all still restore
    assert client.post(url, json={}).status_code == 200
    client.post(f"/api/households/{h}/location", json={"lon": 120.0705, "lat": 29.2502})
    assert client.post(url).status_code == 200


# ------------------------------------------------------------------ location switches
@pytest.mark.parametrize(
    "member, value, says",
    [
        ("move_village", "yes", "move_village='yes'; send true or false"),
        ("move_village", 1, "move_village=1; send true or false"),
        ("ask", "no", "ask='no'; send true or false"),
        ("ask", None, "ask is null"),
        ("move_village", None, "move_village is null"),
    ],
)
def test_location_switches_are_json_booleans(client, conn, member, value, says):
    h = _hid(conn, "HA1")
    path = conn.execute(sa.text("SELECT admin_path FROM households WHERE id = :h"), {"h": h})
    path = path.scalar()
    login(client, "town_u")
    here = {"lon": 120.0502, "lat": 29.3502}  # in village B: a move needs confirming
    r = client.post(f"/api/households/{h}/location", json={**here, member: value}, headers=EN)
    msg = _error(r)
    assert msg.startswith(says), msg
    now = conn.execute(sa.text("SELECT admin_path FROM households WHERE id = :h"), {"h": h})
    assert now.scalar() == path  # nothing moved


def test_location_building_id_as_text_is_refused(client, conn):
    """(outside tester s22, 7) "building_id": "2" was taken as building 2."""
    h = _hid(conn, "HA1")
    before = conn.execute(sa.text("SELECT building_id FROM households WHERE id = :h"), {"h": h})
    before = before.scalar()
    b = conn.execute(sa.text("SELECT id FROM buildings ORDER BY id LIMIT 1")).scalar()
    login(client, "town_u")
    r = client.post(
        f"/api/households/{h}/location",
        json={"lon": 120.0205, "lat": 29.2505, "building_id": str(b)},
        headers=EN,
    )
    assert r.status_code == 400
    assert _error(r).startswith(f"building_id='{b}' is text; send building_id as a JSON number")
    now = conn.execute(sa.text("SELECT building_id FROM households WHERE id = :h"), {"h": h})
    assert now.scalar() == before


def test_location_switches_the_map_sends_still_work(client, conn):
    h = _hid(conn, "HA1")
    login(client, "town_u")
    here = {"lon": 120.0502, "lat": 29.3502}
    r = client.post(f"/api/households/{h}/location", json={**here, "ask": True})
    assert r.status_code == 200 and r.json["confirm"]["code"] == "confirm_village_move"
    r = client.post(
        f"/api/households/{h}/location", json={**here, "ask": True, "move_village": True}
    )
    assert r.status_code == 200 and "confirm" not in r.json, r.json


# ------------------------------------------------------------------ planner sites
PLACE = "/api/planning/place"


def test_an_added_site_with_an_unknown_member_is_refused(client, monkeypatch):
    monkeypatch.delenv("POPGIS_LANG", raising=False)
    login(client, "planner_u")
    body = {
        "model": "mclp",
        "k": 1,
        "radius": 800,
        "sites": [
            {"lon": 120.02, "lat": 29.25, "name": "a"},
            {"id": "x", "lon": 120.02, "lat": 29.25},
        ],
    }
    msg = _error(client.post(PLACE, json=body, headers=EN))
    assert msg == "added site 2: unknown member 'id'; it takes lat, lon, name", msg
    zh = _error(client.post(PLACE, json=body))
    assert zh.startswith("第 2 个新增点：有未知成员 'id'"), zh


def test_the_sites_the_planner_page_sends_are_taken(client):
    # planner.js sends {lon, lat, name} per added site (see its map click handler)
    login(client, "planner_u")
    body = {
        "model": "mclp",
        "k": 1,
        "radius": 800,
        "sites": [{"lon": 120.0202, "lat": 29.2502, "name": "新增点 1"}],
    }
    r = client.post(PLACE, json=body)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]


def test_grid_centroids_is_a_json_boolean(client):
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 800, "grid_centroids": "true"}
    msg = _error(client.post(PLACE, json=body, headers=EN))
    assert msg.startswith("grid_centroids='true'; send true or false"), msg


def test_a_duplicate_member_is_refused_on_these_routes(client, conn):
    login(client, "village_a")
    h = _hid(conn, "HA1")
    raw = json.dumps({"kind": "visit"})[:-1] + ', "kind": "follow_up"}'
    r = client.post(
        f"/api/households/{h}/events", data=raw, content_type="application/json", headers=EN
    )
    assert "member 'kind' more than once" in _error(r)
