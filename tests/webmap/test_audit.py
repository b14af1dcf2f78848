"""The access log: every read of personal data is written (search results, building
popups, household panels, household tiles, from the cache too, review items, exports),
with user, role, what, when and from where; the auditor's page and `popgis audit`; the
accounts reading far more than usual."""

from __future__ import annotations

import json
import math
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from tests.conftest import PASSWORD, login
from webmap.tiles import CACHE

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _hid(conn, no):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar()


def _log(conn, since_id):
    return [
        dict(r._mapping)
        for r in conn.execute(
            sa.text(
                "SELECT user_name, role, client_addr, action, target_kind, target_id, household_ids,"
                " households FROM access_log WHERE id > :i ORDER BY id"
            ),
            {"i": since_id},
        )
    ]


def _last_id(conn):
    return conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM access_log")).scalar()


def test_every_personal_read_is_logged(client, conn):
    ha1, ha2 = _hid(conn, "HA1"), _hid(conn, "HA2")
    bid = conn.execute(
        sa.text("SELECT building_id FROM households WHERE id = :h"), {"h": ha1}
    ).scalar()
    conn.execute(
        sa.text("""
        INSERT INTO geocode_review (household_id, county_code, admin_path, reason, candidates)
        SELECT id, county_code, admin_path, 'test', '[]' FROM households
        WHERE household_no = 'HA2'""")
    )
    start = _last_id(conn)
    login(client, "village_a")
    assert client.get("/api/search?q=HA").status_code == 200
    assert client.get(f"/api/buildings/{bid}").status_code == 200
    assert client.get(f"/api/households/{ha1}").status_code == 200
    assert client.get("/api/review").status_code == 200
    n = 2**16
    x = int((120.0202 + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(29.2502))) / math.pi) / 2 * n)
    CACHE.bump()
    for _ in range(2):  # from the database, then from the cache: both logged
        r = client.get(f"/tiles/households/16/{x}/{y}.pbf")
        assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert client.get("/exports/table.csv").status_code == 200
    # every entry names the role and the address, exports too
    # a read of nothing personal is not a read
    assert client.get("/api/layers/boundaries").status_code == 200
    log = _log(conn, start)
    actions = [e["action"] for e in log]
    assert actions == [
        "login",
        "search",
        "view_building",
        "view_household",
        "review_items",
        "household_tile",
        "household_tile",
        "export",
    ], actions
    assert all(e["user_name"] == "village_a" for e in log)
    assert all(e["role"] == "village" for e in log[1:])
    assert log[-1]["action"] == "export" and log[-1]["client_addr"] == "127.0.0.1"
    assert all(e["client_addr"] == "127.0.0.1" for e in log)
    by = {e["action"]: e for e in log}
    assert set(by["search"]["household_ids"]) == {ha1, ha2}
    # what was typed is not kept (a name, the last digits of an ID): its first character
    assert by["search"]["target_id"] == "H*"
    assert by["view_building"]["household_ids"] == [ha1]
    assert by["view_household"]["household_ids"] == [ha1]
    assert by["review_items"]["household_ids"] == [ha2]
    tiles = [e for e in log if e["action"] == "household_tile"]
    assert [t["households"] for t in tiles] == [1, 1]
    assert tiles[0]["target_id"] == f"households/16/{x}/{y}"
    # what came out: masked, the birth date too (it is the ID's masked middle)
    panel = client.get(f"/api/households/{ha1}")
    assert panel.headers["Cache-Control"] == "no-store"
    zhang = [m for m in panel.json["members"] if m["name"] == "张伟"][0]
    assert zhang["id_number"] == "330782********0115" and zhang["birth_date"] == "1985-**-**"


def test_failed_logins_of_unknown_names_reach_the_auditor(client, conn):
    client.get("/login")
    with client.session_transaction() as s:
        token = s["csrf"]
    r = client.post(
        "/login", data={"username": "nosuch_person", "password": "x" * 12, "csrf_token": token}
    )
    assert r.status_code == 401
    login(client, "auditor_u")
    entries = client.get("/api/audit?user=nosuch_person").json["entries"]
    assert [e["action"] for e in entries] == ["login_failed"]


def test_the_auditor_and_no_one_else(client, conn):
    login(client, "village_a")
    client.get("/api/search?q=HA1")
    client.post("/logout")
    for name in ("planner_u", "county_u", "village_a"):
        login(client, name)
        assert client.get("/api/audit").status_code == 403
        assert client.get("/audit").status_code == 403
        client.post("/logout")
    login(client, "auditor_u")
    body = client.get("/api/audit?user=village_a").json
    assert [e["action"] for e in body["entries"]][:3] == ["login", "search", "login"]
    assert {e["user_name"] for e in body["entries"]} == {"village_a"}
    ha1 = _hid(conn, "HA1")
    hits = client.get("/api/audit?household=HA1").json["entries"]
    assert hits and all(ha1 in e["household_ids"] for e in hits)
    assert client.get("/api/audit?since=yesterday").status_code == 400
    page = client.get("/audit?user=village_a")
    assert page.status_code == 200 and "village_a" in page.get_data(as_text=True)


def test_exports_are_shown_with_the_area_name(client):
    login(client, "village_a")
    assert client.get("/exports/table.csv").status_code == 200
    client.post("/logout")
    login(client, "auditor_u")
    entry = client.get("/api/audit?user=village_a").json["entries"][0]
    assert entry["action"] == "export" and entry["target_id"] == "330782001001"
    assert entry["target_name"] == "江滨社区居委会"
    page = client.get("/audit?user=village_a").get_data(as_text=True)
    # the name, its code kept for those who need it
    assert '<span title="330782001001">江滨社区居委会</span>' in page


def test_accounts_reading_far_more_than_usual(conn):
    from gis import audit

    conn.execute(
        sa.text("""
        INSERT INTO access_log (at, user_name, role, action, households)
        SELECT now() - make_interval(hours => h), u, 'village', 'view_household', 3
        FROM generate_series(30, 24 * 20, 5) h, unnest(ARRAY['village_a', 'village_b']) u""")
    )
    # village_a reads 400 households within the last hour; village_b keeps to its habit
    conn.execute(
        sa.text("""
        INSERT INTO access_log (at, user_name, role, action, household_ids)
        SELECT now() - interval '10 minutes', 'village_a', 'village', 'search',
               ARRAY(SELECT generate_series(1, 40)) FROM generate_series(1, 10)""")
    )
    conn.execute(
        sa.text("""
        INSERT INTO access_log (at, user_name, role, action, households)
        VALUES (now() - interval '5 minutes', 'village_b', 'village', 'view_household', 4)""")
    )
    # an account without a usual level yet: listed only for a volume no one reads by hand
    conn.execute(
        sa.text("""
        INSERT INTO access_log (at, user_name, role, action, households)
        VALUES (now() - interval '3 minutes', 'grid_a2', 'village', 'household_tile', 60),
               (now() - interval '3 minutes', 'county_u', 'county', 'household_tile', 700)
        """)
    )
    flagged = audit.unusual(conn)
    assert [f["user_name"] for f in flagged] == ["county_u", "village_a"]
    assert flagged[1]["reads"] == 400 and flagged[1]["usual_per_hour"] == 3


def test_audit_command(engine, url_string):
    from cli.main import main

    with engine.begin() as c:
        c.execute(
            sa.text("""
            INSERT INTO access_log (user_name, role, client_addr, action, target_kind,
                                    target_id, household_ids)
            SELECT 'village_a', 'village', '10.0.0.9', 'view_household', 'household',
                   id::text, ARRAY[id] FROM households WHERE household_no = 'HA1'""")
        )
    r = CliRunner().invoke(main, ["audit", "--user", "village_a", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows and {e["user_name"] for e in rows} == {"village_a"}
    r = CliRunner().invoke(main, ["audit", "--household", "HA1", "--since", "2020-01-01", "--csv"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("\ufeffid,at,user_name") and "10.0.0.9" in r.stdout
    r = CliRunner().invoke(main, ["audit", "--unusual", "--json"])
    assert r.exit_code == 0 and isinstance(json.loads(r.stdout), list)


def test_tokens_expire_and_are_listed(engine):
    from cli.main import main
    from gis import users_tokens

    r = CliRunner().invoke(
        main, ["users", "token", "planner_u", "--days", "7", "--label", "QGIS", "--json"]
    )
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)
    assert made["scope"] == "read" and made["label"] == "QGIS" and made["valid"]
    with engine.begin() as c:
        assert users_tokens.verify_token(c, made["token"]).user == "planner_u"
        c.execute(
            sa.text("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = :i"),
            {"i": made["id"]},
        )
        assert users_tokens.verify_token(c, made["token"]) is None  # expired
    r = CliRunner().invoke(main, ["users", "tokens", "planner_u", "--json"])
    listed = {t["id"]: t for t in json.loads(r.stdout)}
    assert listed[made["id"]]["valid"] is False and "token_hash" not in listed[made["id"]]
    r = CliRunner().invoke(main, ["users", "revoke-token", str(made["id"])])
    assert r.exit_code == 0
    r = CliRunner().invoke(main, ["users", "revoke-token", "999999"])
    assert r.exit_code == 2


def test_auditor_page_in_the_browser(live_server, browser, engine):
    with engine.begin() as c:
        c.execute(
            sa.text("""
            INSERT INTO access_log (user_name, role, client_addr, action, target_kind,
                                    target_id, household_ids, households)
            SELECT 'village_a', 'village', '127.0.0.1', 'household_tile', 'tile',
                   'households/16/54613/27247', NULL, 3""")
        )
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server + "/audit")
    page.fill("#username", "auditor_u")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#log tbody tr")
    assert page.locator("#log tbody tr").count() >= 1
    # actions by name, their code kept in an attribute
    assert "浏览住户地图" in page.locator("#log").inner_text()
    assert page.locator("#log td[data-code=household_tile]").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "audit-page.png"), full_page=True)
    assert errors == []
    page.close()
