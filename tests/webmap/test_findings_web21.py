"""Findings of an outside tester (session 25, quick round): every time shown to a person
is China time with its zone, and a day a person gives (``--since``, the audit page's
date) is a China day; small refusals that said the wrong thing. Each failed before its
fix."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tests.conftest import login, wait_js

# C. TIMES IN CHINA TIME. Two reads, either side of midnight in China on 2025-03-01:
# 23:30 on 28 February there (15:30 UTC) and 01:30 on 1 March there (17:30 UTC, still
# 28 February on the server's UTC clock)
BEFORE, AFTER = "2025-02-28 15:30:00+00", "2025-02-28 17:30:00+00"
SHOWN_AFTER = "2025-03-01 01:30:00 UTC+08:00"


def _two_reads(c, user: str) -> tuple[int, int]:
    ids = c.execute(
        sa.text("""
        INSERT INTO access_log (at, user_name, role, client_addr, action)
        VALUES (CAST(:b AS timestamptz), :u, 'village', '10.0.0.21', 'search'),
               (CAST(:a AS timestamptz), :u, 'village', '10.0.0.21', 'search')
        RETURNING id"""),
        {"b": BEFORE, "a": AFTER, "u": user},
    ).scalars()
    first, second = ids
    return first, second


def test_audit_command_prints_china_time_and_reads_china_days(engine, url_string):
    from cli.main import main

    with engine.begin() as c:
        before, after = _two_reads(c, "tz_web21")
    run = CliRunner().invoke
    r = run(main, ["audit", "--user", "tz_web21", "--since", "2025-03-01", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    # 1 March in China began at 16:00 UTC on 28 February: the 17:30 UTC read is in it,
    # the 15:30 UTC one (23:30 on 28 February in China) is not
    assert [e["id"] for e in rows] == [after]
    assert rows[0]["at"] == "2025-03-01T01:30:00+08:00"
    r = run(main, ["audit", "--user", "tz_web21"])
    assert r.exit_code == 0, r.output
    assert SHOWN_AFTER in r.stdout and "2025-02-28 23:30:00 UTC+08:00" in r.stdout
    assert "17:30" not in r.stdout and "15:30" not in r.stdout
    r = run(main, ["audit", "--user", "tz_web21", "--csv"])
    assert r.exit_code == 0, r.output
    assert "2025-03-01T01:30:00+08:00" in r.stdout and "+00:00" not in r.stdout


def test_audit_page_and_api_in_china_time(client, conn):
    before, after = _two_reads(conn, "village_a")
    login(client, "auditor_u")
    entries = client.get("/api/audit?user=village_a&since=2025-03-01&limit=5000").json["entries"]
    ids = {e["id"] for e in entries}
    assert after in ids and before not in ids
    assert next(e["at"] for e in entries if e["id"] == after) == "2025-03-01T01:30:00+08:00"
    page = client.get("/audit?user=village_a&limit=5000").get_data(as_text=True)
    assert f">{SHOWN_AFTER}<" in page and ">2025-02-28 23:30:00 UTC+08:00<" in page


def test_unusual_hours_in_china_time(client, conn):
    # 700 households read by hand in an hour by an account with no usual level yet
    hour = conn.execute(
        sa.text("""
        INSERT INTO access_log (at, user_name, role, action, households)
        VALUES (now() - interval '3 minutes', 'county_u', 'county', 'household_tile', 700)
        RETURNING date_trunc('hour', at)""")
    ).scalar()
    login(client, "auditor_u")
    page = client.get("/audit").get_data(as_text=True)
    from gis.rules import shown

    assert shown(hour).endswith(":00 UTC+08:00")
    assert f">{shown(hour)}<" in page


def test_placement_history_in_china_time(live_server, browser, engine):
    """The household panel's placement history: the time of a placement as the county
    reads it, with its zone."""
    from tests.webmap.mapsite import Page

    with engine.begin() as c:
        hid, county = c.execute(
            sa.text("SELECT id, county_code FROM households WHERE household_no = 'HA1'")
        ).one()
        pid = c.execute(
            sa.text("""
            INSERT INTO placement_history (household_id, county_code, action, placed_by,
                                           placed_at, from_level)
            VALUES (:h, :c, 'manual', 'county_u', CAST(:at AS timestamptz), 'none')
            RETURNING id"""),
            {"h": hid, "c": county, "at": AFTER},
        ).scalar()
    pg = Page(browser, live_server, "village_a")
    p = pg.page
    try:
        p.goto(f"{live_server}/?household={hid}")
        wait_js(p, "window.popgisDrawn && window.popgisDrawn.household_panel >= 1")
        p.wait_for_selector("#history-list li")
        text = p.inner_text("#history-list")
        assert "2025-03-01 01:30 UTC+08:00" in text and "17:30" not in text, text
    finally:
        pg.close()
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM placement_history WHERE id = :i"), {"i": pid})


# F. REFUSALS THAT SAID THE WRONG THING
EN = {"Accept-Language": "en"}


@pytest.mark.parametrize(
    "path, said",
    [
        # NaN is a number out of range, as the README says (and radius says): it was
        # "lon must be a number" while 1e308 and -inf were out of range
        ("/api/planning/site?lon=NaN&lat=29.26", "lon='NaN' is outside [-180, 180]"),
        ("/api/planning/site?lon=120.03&lat=nan", "lat='nan' is outside [-90, 90]"),
        ("/ogc/collections/boundaries/items?bbox=nan,29,121,30", "bbox='nan' is outside"),
        ("/api/layers/boundaries?level=village&bbox=120,NaN,121,30", "bbox='NaN' is outside"),
    ],
)
def test_nan_is_refused_as_out_of_range(client, path, said):
    login(client, "planner_u")
    r = client.get(path, headers=EN)
    assert r.status_code == 400 and r.json["error"]["message"].startswith(said), r.json


@pytest.mark.parametrize(
    "day, status, said",
    [
        ("2026-02-30", 400, "date=2026-02-30: there is no such day (2026-02 has 28 days)"),
        ("2024-02-30", 400, "date=2024-02-30: there is no such day (2024-02 has 29 days)"),
        ("2025-13-01", 400, "date=2025-13-01: there is no month 13"),
        ("2025-04-31", 400, "date=2025-04-31: there is no such day (2025-04 has 30 days)"),
        ("2025/04/01", 400, "date must be YYYY-MM-DD"),
        ("20250401", 400, "date must be YYYY-MM-DD"),
        ("2024-02-29", 201, None),
    ],
)
def test_an_event_date_the_calendar_lacks_is_told_so(client, conn, day, status, said):
    hid = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HA1'")).scalar()
    login(client, "village_a")
    r = client.post(
        f"/api/households/{hid}/events", json={"kind": "visit", "date": day}, headers=EN
    )
    assert r.status_code == status, r.get_data(as_text=True)
    if said:
        assert r.json["error"]["message"] == said


def test_an_event_date_the_calendar_lacks_in_chinese(client, conn):
    hid = conn.execute(sa.text("SELECT id FROM households WHERE household_no = 'HA1'")).scalar()
    login(client, "village_a")
    r = client.post(
        f"/api/households/{hid}/events",
        json={"kind": "visit", "date": "2026-02-30"},
        headers={"Accept-Language": "zh"},
    )
    assert r.json["error"]["message"] == "date=2026-02-30：没有这一天（2026 年 2 月只有 28 天）"


@pytest.mark.parametrize(
    "user, path, said",
    [
        (
            "village_a",
            "/api/regions/figures?level=county",
            "level=county: 江滨社区居委会 (330782001001) is smaller than a township",
        ),
        (
            "village_a",
            "/api/regions/figures?level=township",
            "level=township: 江滨社区居委会 (330782001001) is smaller than a township",
        ),
        (
            "town_u",
            "/api/regions/figures?level=county",
            "level=county is above the area summed in, 稠城街道 (330782001000): ask for "
            "level=township",
        ),
        (
            "county_u",
            "/api/regions/figures?level=township&within=330782001001",
            "level=township: 江滨社区居委会 (330782001001) is smaller than a township",
        ),
    ],
)
def test_figures_of_a_level_above_the_area_are_refused(client, user, path, said):
    """A village user's counties were a 200 with no features: read as "no figures"."""
    login(client, user)
    r = client.get(path, headers=EN)
    assert r.status_code == 400 and r.json["error"]["message"].startswith(said), r.json
    # the levels that fit still answer
    fits = client.get(
        "/api/regions/figures?level=township" if user == "town_u" else path, headers=EN
    )
    if user == "town_u":
        assert fits.status_code == 200 and len(fits.json["features"]) == 1


def test_figures_of_a_province_and_a_county_still_answer(client):
    for user, level in (("province_u", "county"), ("county_u", "township"), ("county_u", "county")):
        login(client, user)
        r = client.get(f"/api/regions/figures?level={level}", headers=EN)
        assert r.status_code == 200 and r.json["features"], (user, level, r.json)
        client.post("/logout")
