"""The planner API and panel: planners get aggregates only, village staff are refused,
errors share the JSON shape; the panel works end to end in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CHROMIUM_ARGS, PASSWORD, login

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_coverage_api_for_planner(client):
    login(client, "planner_u")
    r = client.get(
        "/api/planning/coverage?kinds=distribution_point,clinic&radius=1500&demand=residents"
    )
    assert r.status_code == 200, r.json
    body = r.json
    # the disclosure rule: 10 residents published within ±2; 1 unlocated withheld
    assert 8 <= body["totals"]["demand"] <= 12 and body["totals"]["unlocated"] is None
    # only aggregates: villages, grids, cells; no count from 1 to 4
    assert set(body) >= {"totals", "villages", "grids", "gaps"}
    for v in body["villages"] + body["grids"]:
        for f in ("demand", "covered", "uncovered"):
            assert v[f] is None or v[f] == 0 or v[f] >= 5
    assert "units" not in body and "distance" not in body


def test_coverage_api_along_roads(client, conn):
    login(client, "planner_u")
    r = client.get("/api/planning/coverage?kinds=clinic&radius=800&network=1")
    assert r.status_code == 400 and "no roads loaded" in r.json["error"]["message"]
    import sqlalchemy as sa

    conn.execute(
        sa.text("""
        INSERT INTO roads (ext_id, county_code, highway, geom) VALUES ('W1', '330782',
        'residential', ST_Multi(ST_GeomFromText(
        'LINESTRING(120.0202 29.2502, 120.03 29.2502, 120.03 29.26)', 4326)))""")
    )
    r = client.get(
        "/api/planning/coverage?kinds=distribution_point&radius=2000&network=1&demand=households"
    )
    assert r.status_code == 200 and r.json["network"] is True
    assert r.json["walk_kmh"] == 4.5 and r.json["gaps"]["type"] == "FeatureCollection"


def test_place_api_for_planner(client):
    login(client, "planner_u")
    r = client.post(
        "/api/planning/place",
        json={
            "model": "mclp",
            "k": 1,
            "radius": 800,
            "demand": "residents",
            "kinds": ["distribution_point", "clinic"],
        },
    )
    assert r.status_code == 200, r.json
    res = r.json["result"]
    new = [f for f in res["features"] if not f["properties"]["fixed"]]
    assert [f["properties"]["id"] for f in new] == ["grid:330782001001001"]
    assert res["properties"]["optimal"] is True
    assert r.json["newly_covered"]["type"] == "FeatureCollection"
    assert {"pct_before", "pct_after"} <= set(r.json["villages"][0])
    # a site the planner adds on the map right at A2 is chosen over the grid centres
    # when K = 2 (it covers A2; grid 1 covers A1)
    r = client.post(
        "/api/planning/place",
        json={
            "model": "mclp",
            "k": 2,
            "radius": 300,
            "demand": "residents",
            "kinds": ["distribution_point"],
            "sites": [{"lon": 120.0702, "lat": 29.2502, "name": "A2 门口"}],
        },
    )
    ids = {
        f["properties"]["id"] for f in r.json["result"]["features"] if not f["properties"]["fixed"]
    }
    assert "added:1" in ids


@pytest.mark.parametrize(
    "body, message",
    [
        ({"model": "mclp", "k": 99, "radius": 800}, "larger than the number of candidates"),
        ({"model": "mclp", "k": 1, "radius": 0}, "radius 0 is not allowed"),
        ({"model": "mclp", "k": "two", "radius": 800}, "send k as a JSON number"),
        ({"model": "mclp", "k": 1, "radius": 800, "demand": "cats"}, "unknown demand population"),
    ],
)
def test_place_api_bad_input(client, body, message):
    login(client, "planner_u")
    r = client.post("/api/planning/place", json=body)
    assert r.status_code == 400
    assert r.json["error"]["code"] == "invalid_input" and message in r.json["error"]["message"]


def test_village_staff_cannot_plan(client):
    login(client, "village_a")
    assert client.get("/api/planning/coverage?kinds=clinic&radius=500").status_code == 403
    assert client.get("/planner").status_code == 403
    client.post("/logout")
    assert client.get("/api/planning/coverage").status_code == 401


def test_planner_panel_in_chromium(live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(
            viewport={"width": 1280, "height": 800}, accept_downloads=True, locale="zh-CN"
        )
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(live_server + "/login?next=/planner")
        page.fill("#username", "planner_u")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("body[data-ready=true]", timeout=20000)
        page.select_option("#demand", "residents")
        page.select_option("#model", "mclp")
        page.fill("#k", "1")
        page.fill("#radius", "800")
        page.click("#run-coverage")
        page.wait_for_selector("body[data-coverage=done]", timeout=20000)
        assert page.locator("#summary").inner_text().count("需求") == 1
        page.click("#run-place")
        page.wait_for_selector("body[data-solved=true]", timeout=30000)
        assert "已证明最优" in page.locator("#status").inner_text()
        drawn = page.evaluate("window.popgisPlanner.drawn")
        assert drawn["sites"] == 1 and drawn["villages"] == 3
        rows = page.locator("#villages tbody tr")
        assert rows.count() == 3
        assert "江滨社区" in rows.first.inner_text()
        with page.expect_download() as dl:
            page.click("#export-geojson")
        path = tmp_path / "placement.geojson"
        dl.value.save_as(path)
        assert '"grid:330782001001001"' in path.read_text()
        with page.expect_download() as dl:
            page.click("#export-csv")
        dl.value.save_as(tmp_path / "v.csv")
        assert "pct_before" in (tmp_path / "v.csv").read_text(encoding="utf-8-sig")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "planner.png"))
        assert all(
            u.startswith(live_server) or u.startswith(("about:", "data:", "blob:"))
            for u in requests
        ), [u for u in requests if not u.startswith(live_server)]
        browser.close()


def test_statement_timeout_answers_503_with_a_message(client, engine, conn):
    # A coverage request whose statement runs out of time (here: it waits for a lock
    # another session holds) is a 503 with a message in the JSON error shape, not a 500.
    login(client, "planner_u")
    conn.exec_driver_sql("SET LOCAL statement_timeout = '300ms'")
    with engine.connect() as other, other.begin():
        other.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
        other.exec_driver_sql("LOCK TABLE households IN ACCESS EXCLUSIVE MODE")
        r = client.get("/api/planning/coverage?kinds=clinic&radius=800&demand=women15_49")
    assert r.status_code == 503, r.json
    assert r.json["error"]["code"] == "database_unavailable"
    assert "took too long" in r.json["error"]["message"]
    assert r.headers["Retry-After"] == "5"
