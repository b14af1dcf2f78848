"""The staff flow in headless Chromium: log in → search → the building opens → the
household panel → drag the marker to fix the place → reload shows the fix; and a
village user cannot reach another village's household in the UI or the API.

Runs against its own database (the flow commits), with screenshots in test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, prepare_fixture_db, serving, wait_js

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def e2e(db_url):
    url = db_url.set(database=db_url.database + "_e2e")
    engine = prepare_fixture_db(url)
    from webmap import create_app

    with serving(create_app({"SECRET_KEY": "e2e", "ENGINE": engine})) as base:
        yield base, engine
    engine.dispose()


def login(page, base, user):
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]", state="attached", timeout=20000)


def test_search_open_fix_and_reload(e2e, browser):
    base, engine = e2e
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "village_a")
    page.screenshot(path=str(ARTIFACTS / "e2e-1-village-map.png"))
    # search by name → ranked result → zoom to the building, open it and the household
    page.fill("#search", "张伟")
    page.wait_for_selector("#results li[data-i]")
    assert "HA1" in page.inner_text("#results li[data-i] >> nth=0")
    page.click("#results li[data-i] >> nth=0")
    page.wait_for_selector(".building-popup")
    assert "HA1" in page.inner_text(".building-popup")
    page.wait_for_selector("#panel.open #panel-title")
    assert page.inner_text("#panel-title") == "HA1"
    panel = page.inner_text("#panel")
    assert "张伟" in panel and "330782********0115" in panel and "138****5671" in panel
    assert "330782198503120115" not in page.content()
    page.wait_for_timeout(400)  # the panel slides in
    page.screenshot(path=str(ARTIFACTS / "e2e-2-household-panel.png"))
    # drag the marker ~70 m east
    page.click("#move")
    marker = page.wait_for_selector(".drag-marker")
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 5, steps=8)
    page.mouse.up()
    page.wait_for_selector("#placed-manually")
    with engine.connect() as c:
        row = c.execute(
            sa.text(
                "SELECT placed_manually, placed_by, ST_X(geom) FROM households "
                "WHERE household_no = 'HA1'"
            )
        ).one()
    assert row.placed_manually and row.placed_by == "village_a" and row[2] > 120.0203
    page.screenshot(path=str(ARTIFACTS / "e2e-3-fixed.png"))
    # reload: the panel shows the manual placement
    page.reload()
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    hid = page.evaluate("fetch('/api/search?q=HA1').then(r => r.json()).then(j => j.results[0].id)")
    page.evaluate(f"fetch('/api/households/{hid}').then(r => r.json()).then(h => window.__h = h)")
    wait_js(page, "window.__h")
    assert page.evaluate("window.__h.placed_manually") is True
    assert errors == []
    page.close()


def test_village_user_cannot_reach_other_village(e2e, browser):
    base, engine = e2e
    with engine.connect() as c:
        hb1 = c.execute(sa.text("SELECT id FROM households WHERE household_no = 'HB1'")).scalar()
    page = browser.new_page(locale="zh-CN")
    login(page, base, "village_a")
    page.fill("#search", "陈静")  # lives in village B
    page.wait_for_selector("#results li.empty")
    status = page.evaluate(f"fetch('/api/households/{hb1}').then(r => r.status)")
    missing = page.evaluate("fetch('/api/households/99999999').then(r => r.status)")
    assert status == missing == 404
    body = page.evaluate(f"fetch('/api/households/{hb1}').then(r => r.json())")
    gone = page.evaluate("fetch('/api/households/99999999').then(r => r.json())")
    # the map speaks the user's language (Chinese by default): the same words either way
    assert body == gone == {"error": {"status": 404, "code": "not_found", "message": "未找到户"}}
    page.close()


def test_english_switch_and_phone_screen(e2e, browser):
    base, _ = e2e
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    login(page, base, "village_a")
    page.click("#menu-btn")  # English is in the menu
    page.click("#lang")
    page.wait_for_selector("body[data-loaded=true]", state="attached")
    assert page.get_attribute("#search", "placeholder").startswith(
        "Household"
    )  # the short phone one
    page.screenshot(path=str(ARTIFACTS / "e2e-4-phone-english.png"))
    page.evaluate("localStorage.removeItem('popgis.lang')")
    page.close()
