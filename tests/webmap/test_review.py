"""The review queue page: unsure geocodes with candidates; accept one with a click."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.conftest import login


def _review_item(conn):
    hid, path = conn.execute(
        sa.text("SELECT id, admin_path FROM households WHERE household_no = 'HX1'")
    ).one()
    c1 = conn.execute(sa.text("SELECT id FROM buildings WHERE ext_id = 'C1'")).scalar()
    cands = [
        {
            "level": "building",
            "building_id": c1,
            "village_code": "330782100001",
            "village": "新光村",
            "score": 0.71,
        },
        {
            "level": "village",
            "building_id": None,
            "village_code": "330782100001",
            "village": "新光村",
            "score": 0.6,
        },
    ]
    rid = conn.execute(
        sa.text(
            "INSERT INTO geocode_review (household_id, county_code, admin_path, address, "
            "reason, level, score, candidates) VALUES (:h, '330782', :p, '新光村五组', "
            "'two candidates are close', 'group', 0.7, CAST(:c AS jsonb)) RETURNING id"
        ),
        {"h": hid, "p": path, "c": json.dumps(cands)},
    ).scalar()
    return rid, hid, c1


def test_review_page_lists_and_accepts(client, conn):
    rid, hid, c1 = _review_item(conn)
    login(client, "county_u")
    page = client.get("/review").get_data(as_text=True)
    assert "HX1" in page and "two candidates are close" in page and "新光村" in page
    items = client.get("/api/review").json["items"]
    assert [i["id"] for i in items] == [rid]
    r = client.post(f"/api/review/{rid}/accept", json={"candidate": 0})
    assert r.status_code == 200, r.json
    assert r.json["building_id"] == c1 and r.json["placed_manually"]
    assert client.get("/api/review").json["items"] == []  # closed
    status = conn.execute(
        sa.text("SELECT status, resolved_by FROM geocode_review WHERE id = :r"), {"r": rid}
    ).one()
    assert tuple(status) == ("resolved", "county_u")


def test_review_scope_and_bad_input(client, conn):
    rid, _, _ = _review_item(conn)
    login(client, "village_a")  # HX1 is in village C
    assert client.get("/api/review").json["items"] == []
    assert client.post(f"/api/review/{rid}/accept", json={"candidate": 0}).status_code == 404
    client.post("/logout")
    login(client, "county_u")
    r = client.post(f"/api/review/{rid}/accept", json={"candidate": 7})
    assert r.status_code == 400 and "candidate" in r.json["error"]["message"]
