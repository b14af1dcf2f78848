"""Findings of an outside tester, each a 400 (or 404) with a message in the one JSON
error shape, never a 500 or a silent guess: malformed bboxes, JSON bodies that break the
parser or the database, digits other than ASCII 0-9, unchecked event fields, and the
audit log kept off the browser's disk."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.conftest import login


def hid(conn, no):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar()


def _error(r, status=400):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    error = r.json["error"]
    assert error["status"] == status and error["message"]
    return error["message"]


# ------------------------------------------------------------------ 1. bbox
@pytest.mark.parametrize(
    "path",
    [
        "/ogc/collections/village_stats/items?bbox=,29,120.1,29.4",
        "/ogc/collections/village_stats/items?bbox=120,29,120.1,",
        "/ogc/collections/village_stats/items?bbox=120,,,29.4,1,2",
        "/exports/map.png?layer=density&bbox=,29,120.1,29.4",
        "/exports/map.png?layer=density&bbox=120,29,120.1,%2029.4",
        "/exports/map.png?layer=density&bbox=120,29,120.1,+29.4",
        "/exports/map.png?layer=density&bbox=١٢٠,29,120.1,29.4",
    ],
)
def test_a_malformed_bbox_is_a_400(client, path):
    login(client, "county_u")
    assert "bbox" in _error(client.get(path))


# ------------------------------------------------------------------ 2. JSON bodies
SURROGATE = b'{"kind":"visit","date":"2026-12-01","note":"\\ud800"}'
DEEP = b"[" * 100000 + b"]" * 100000


@pytest.mark.parametrize(
    "suffix,body,says",
    [
        ("events", SURROGATE, "Unicode"),
        ("events", b'{"kind":"visit","\\udfff":1}', "Unicode"),
        ("location", DEEP, "nested"),
        ("location", b'{"lon":' + b"[" * 50000 + b"]" * 50000 + b"}", "nested"),
        ("location", b"[120.07, 29.3]", "JSON object"),
        ("events", b'"visit"', "JSON object"),
        ("events", b"{nope", "not valid JSON"),
        ("events", b"\xff\xfe\x00", "JSON"),
    ],
)
def test_json_bodies_that_break_the_parser_or_the_database_are_400(
    client, conn, suffix, body, says
):
    login(client, "village_a")
    r = client.post(
        f"/api/households/{hid(conn, 'HA1')}/{suffix}", data=body, content_type="application/json"
    )
    assert says in _error(r)


def test_planning_and_review_read_json_through_the_same_helper(client):
    login(client, "county_u")
    r = client.post("/api/planning/place", data=DEEP, content_type="application/json")
    assert "nested" in _error(r)
    r = client.post(
        "/api/planning/place", data=b'{"model":"\\ud800"}', content_type="application/json"
    )
    assert "Unicode" in _error(r)
    login(client, "village_a")
    r = client.post("/api/review/1/accept", data=SURROGATE, content_type="application/json")
    assert "Unicode" in _error(r)


# ------------------------------------------------------------------ 3. ASCII digits
@pytest.mark.parametrize(
    "path",
    [
        "/api/households/{arabic}",
        "/api/households/{wide}",
        "/api/buildings/{arabic}",
        "/api/buildings/{wide}",
        "/tiles/boundaries/12/{arabic}/1698.pbf",
        "/tiles/boundaries/{wide}/3413/1698.pbf",
        "/api/households/+{ascii}",
        "/api/households/-{ascii}",
        "/api/households/1" + "0" * 40,
    ],
)
def test_paths_take_ascii_digits_only(client, conn, path):
    login(client, "county_u")
    h = hid(conn, "HA1")
    # the same number in Arabic-Indic and full-width digits is no route at all
    arabic = str(h).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    wide = str(h).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert client.get(f"/api/households/{h}").status_code == 200
    _error(client.get(path.format(arabic=arabic, wide=wide, ascii=h)), 404)


def test_every_route_uses_the_strict_int_converter(app):
    from werkzeug.routing import IntegerConverter

    from webmap.params import AsciiIntConverter

    ints = [
        conv
        for rule in app.url_map.iter_rules()
        for conv in rule._converters.values()
        if isinstance(conv, IntegerConverter)
    ]
    assert len(ints) >= 5 and all(type(c) is AsciiIntConverter for c in ints)


@pytest.mark.parametrize(
    "path,name",
    [
        ("/api/planning/coverage?radius=١٢", "radius"),
        ("/api/planning/coverage?radius=99999999999999999999999999", "100000"),
        ("/api/planning/coverage?radius=%2B800", "radius"),
        ("/api/planning/coverage?radius=1e", "radius"),
        ("/api/planning/coverage?radius=800&network=maybe", "network"),
        ("/api/density/heat?not_visited_days=%2B5", "not_visited_days"),
        ("/api/density/heat?not_visited_days=%2012", "not_visited_days"),
        ("/api/density/heat?not_visited_days=12%20", "not_visited_days"),
        ("/api/density/heat?not_visited_days=١٢", "not_visited_days"),
        ("/api/density/heat?women15_49=maybe", "women15_49"),
        ("/api/density/heat?women15_49=yes", "women15_49"),
        ("/ogc/collections/village_stats/items?limit=%2B5", "limit"),
        ("/ogc/collections/village_stats/items?offset=%205", "offset"),
        ("/ogc/collections/village_stats/items?limit=5%20", "limit"),
        ("/api/review?limit=１２", "limit"),
        ("/api/audit?limit=%2B5", "limit"),
        ("/exports/map.png?layer=density&landscape=maybe", "landscape"),
        ("/exports/atlas.pdf?layer=density&landscape=2", "landscape"),
    ],
)
def test_strict_query_parameters(client, path, name):
    login(
        client,
        "auditor_u"
        if path.startswith("/api/audit")
        else "village_a"
        if path.startswith("/api/review")
        else "county_u",
    )
    assert name in _error(client.get(path))


@pytest.mark.parametrize(
    "raw,expected",
    [("1", True), ("true", True), ("TRUE", True), ("0", False), ("false", False), ("", False)],
)
def test_switches_take_1_0_true_false(client, raw, expected):
    from webmap.params import boolean

    assert boolean(raw, "x") is expected
    login(client, "county_u")
    assert client.get(f"/api/density/heat?women15_49={raw}").status_code == 200


def test_the_strict_number_parsers(app):
    from gis.errors import InvalidInput
    from webmap.params import integer, number

    assert integer("12", "n") == 12 and number("-120.5", "x", low=-180) == -120.5
    for raw in ("+5", " 12", "12 ", "١٢", "１２", "1_000", "²"):
        with pytest.raises(InvalidInput):
            integer(raw, "n")
    for raw in ("+5", " 1.5", "1.5 ", "١.٥", "1e", "e3", "inf", "nan"):
        with pytest.raises(InvalidInput):
            number(raw, "x")
    # an exponent is read as a JSON body reads it (session 25: 120.07e0 was "not a
    # number" while 1e308 was one, out of range)
    assert number("1e3", "x") == 1000 and number("120.07e0", "x", low=-180) == 120.07


# ------------------------------------------------------------------ 5. events
def _events(conn, h):
    return conn.execute(
        sa.text(
            "SELECT kind, event_date, person_id, team_id FROM events "
            "WHERE household_id = :h ORDER BY id"
        ),
        {"h": h},
    ).all()


def test_event_fields_are_checked(client, conn):
    login(client, "village_a")
    h, other = hid(conn, "HA1"), hid(conn, "HB1")
    url = f"/api/households/{h}/events"
    before = _events(conn, h)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    for body, says in [
        ({"kind": "visit", "date": "9999-12-31"}, "9999-12-31"),
        ({"kind": "visit", "date": tomorrow}, "today"),
        ({"kind": "visit", "date": "1899-12-31"}, "1900-01-01"),
        # 陈静 lives in another household (and another village)
        ({"kind": "visit", "id_number": "330782197911110624"}, "member"),
        ({"kind": "visit", "id_number": "no such number"}, "member"),
        ({"kind": "visit", "team_id": "../../x"}, "team_id"),
        ({"kind": "visit", "team_id": 999999}, "team_id"),
        ({"kind": "visit", "team_id": True}, "team_id"),
    ]:
        r = client.post(url, json=body)
        assert says in _error(r), body
    assert _events(conn, h) == before  # nothing stored
    assert other != h

    team = conn.execute(
        sa.text(
            "INSERT INTO service_teams (ext_id, county_code, name) VALUES ('T1', '330782', '一队') "
            "RETURNING id"
        )
    ).scalar()
    r = client.post(
        url,
        json={
            "kind": "visit",
            "date": "2026-12-01",
            "id_number": "330782198707010225",
            "team_id": team,
        },
    )
    assert r.status_code == 201, r.json
    person = conn.execute(
        sa.text("SELECT id FROM persons WHERE id_number = '330782198707010225'")
    ).scalar()
    assert _events(conn, h)[-1] == ("visit", dt.date(2026, 12, 1), person, team)
    assert client.post(url, json={"kind": "visit", "date": "1900-01-01"}).status_code == 201
    # no date: today
    assert client.post(url, json={"kind": "follow_up"}).status_code == 201


# ------------------------------------------------------------------ 7. audit answers
def test_the_audit_answers_are_not_stored_by_the_browser(client):
    login(client, "auditor_u")
    for path in ("/audit", "/api/audit"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
