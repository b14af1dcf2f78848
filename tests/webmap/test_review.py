"""The review queue page: unsure geocodes with candidates; accept one with a click."""

from __future__ import annotations

import json
import re

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


def test_candidate_labels_say_the_kind_once_and_never_a_code(client, conn):
    """The candidate buttons in English: "building <no> · <address> · <village>" (the kind
    word once), a village by its name; a kind the page has no word for reads "place",
    never the geocoder's code; the Chinese page reads "楼栋 · <address>"."""
    rid, _hid, c1 = _review_item(conn)
    b = conn.execute(
        sa.text("SELECT building_no, address FROM buildings WHERE id = :b"), {"b": c1}
    ).one()
    cands = conn.execute(
        sa.text("SELECT candidates FROM geocode_review WHERE id = :r"), {"r": rid}
    ).scalar()
    cands[0]["building_id"] = "C1"  # as the geocoder names buildings: by their ext_id
    cands.append({"level": "poi_fuzzy", "method": "poi_fuzzy", "score": 0.5, "village": "新光村"})
    conn.execute(
        sa.text("UPDATE geocode_review SET candidates = CAST(:c AS jsonb) WHERE id = :r"),
        {"c": json.dumps(cands), "r": rid},
    )
    login(client, "county_u")
    buttons = {}
    for lang in ("en", "zh"):
        client.set_cookie("popgis_lang", lang)
        page = client.get("/review").get_data(as_text=True)
        buttons[lang] = re.findall(r'<button class="accept"[^>]*>([^<]*)</button>', page)
    en, zh = buttons["en"], buttons["zh"]
    assert len(en) == len(zh) == 3, buttons
    head = f"building {b.building_no}" if b.building_no else "building"
    assert en[0].startswith(head + " · ") and en[0].count("building") == 1, en
    assert "新光村" in en[0] and (b.address or "") in en[0], en
    assert en[1].startswith("village · 新光村"), en
    assert en[2].startswith("place · 新光村"), en
    assert zh[0].startswith("楼栋 · ") and zh[2].startswith("位置 · 新光村"), zh
    for label in en + zh:
        assert "poi_fuzzy" not in label and "None" not in label, label
