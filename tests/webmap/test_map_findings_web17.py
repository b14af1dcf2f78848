"""The outside tester's leftovers (s23) on the map and the planner page, in headless
Chromium, by clicks: a grid of another village clicked after zooming out of a drilled
grid is the grid drilled into; a candidate site clicked outside the planner's area is
refused at once and never blocks Solve. Every test fails on any browser console error.

Runs against its own database (the flows commit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import wait_js
from tests.webmap.mapsite import Page

# 下车门 (lat 29.3–29.4, north of 江滨) gets two grids too: 江滨's grids are 120.0–120.05
# and 120.05–120.1 of lat 29.2–29.3
XIACHEMEN_GRIDS = """
    INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom)
    SELECT g.code, g.code, g.name, 'grid', '330782001002', '330782',
           ST_Multi(ST_MakeEnvelope(g.w, 29.3, g.e, 29.4, 4326))
    FROM (VALUES ('330782001002001', '下车门社区第一网格', 120.0, 120.05),
                 ('330782001002002', '下车门社区第二网格', 120.05, 120.1)) g(code, name, w, e)
    WHERE NOT EXISTS (SELECT 1 FROM admin_area WHERE code = g.code)"""


@pytest.fixture(scope="module")
def grids(site):
    base, engine = site
    with engine.begin() as c:
        c.execute(sa.text(XIACHEMEN_GRIDS))
    return base


def _drill_state(p):
    return p.evaluate("""(() => { const S = PopGIS.state, c = PopGIS.currentArea();
        return {code: c.code, level: c.level, crumbs: document.getElementById('crumbs').innerText,
                highlight: S.highlightCode, drill: document.body.dataset.drill,
                zoom: S.map.getZoom()}; })()""")


@pytest.mark.parametrize(
    "density",
    [None, "流动人口密度（村/社区）", "流动人口密度（网格）"],
    ids=["no-density", "village-density", "grid-density"],
)
def test_a_grid_of_another_village_after_zooming_out_of_a_grid(grids, browser, density):
    """County → 稠城街道 → 江滨 → its grid 2, all by clicks; zoom out with the zoom
    control; a click on 下车门's grid 1 drills into that grid (its breadcrumb, its outline,
    the grids shown), with or without a density layer on (a village choropleth on top
    took the click and drilled into the village; a grid's drilled past the rules)."""
    pg = Page(browser, grids, "county_u")
    p = pg.page
    if density:
        p.locator("#side-layers label", has_text=density).locator("input").click()
        key = "choro" if "村" in density else "choro_grid"
        wait_js(p, f"window.popgisDrawn.{key} >= 1")
    pg.settle()
    for level in ("township", "village", "grid"):
        pg.click_at(29.27, 120.075)  # 稠城街道 › 江滨 › 江滨's second grid
        wait_js(p, f"document.body.dataset.drill === '{level}'")
        pg.settle()
    assert _drill_state(p)["code"] == "330782001001002"
    zoom = _drill_state(p)["zoom"]
    # zoom out with the zoom control, as a person does, until 下车门 is in view
    for _ in range(2):
        p.click(".leaflet-control-zoom-out")
        wait_js(
            p,
            f"PopGIS.state.map.getZoom() < {zoom} && !PopGIS.state.map._animatingZoom",
            timeout=10000,
        )
        zoom = _drill_state(p)["zoom"]
    pg.settle()
    pg.click_at(29.35, 120.025)  # 下车门's first grid
    wait_js(p, "PopGIS.currentArea().code !== '330782001001002'")
    pg.settle()
    state = _drill_state(p)
    assert state["code"] == "330782001002001", state
    assert state["level"] == state["drill"] == "grid", state
    assert state["crumbs"] == "义乌市 › 稠城街道 › 下车门社区居委会 › 下车门社区第一网格", state
    assert state["highlight"] == "330782001002001", state
    # the map frames that grid, and its grids are the ones that take clicks
    assert p.evaluate("""(() => { const S = PopGIS.state, c = PopGIS.currentArea();
        return S.map.getBounds().pad(0.05).contains(c.bounds); })()""")
    assert p.evaluate("PopGIS.state.map.hasLayer(PopGIS.state.areas.grid)")
    pg.shot(f"web17-other-grid-{'none' if not density else key}.png")
    pg.close()


def test_a_candidate_site_outside_the_area_is_refused_when_placed(grids, browser):
    """A click on the planner's map outside the county adds no site and says why at once
    (before, it was added, and Solve then failed for every site with "added site 1 …
    lies outside"); the sites clicked inside are added and solved."""
    pg = Page(browser, grids, "planner_u", lang="en")
    p = pg.page
    p.goto(grids + "/planner")
    p.wait_for_selector("body[data-ready=true]", timeout=20000)
    # the fixture county is lon 120.0–120.2: the first click lies east of it
    x, y = p.evaluate("popgisPlanner.pixel(29.3, 120.2)")
    box = p.locator("#map").bounding_box()
    assert box["x"] < x < box["x"] + box["width"], "the county's east edge is not in view"
    p.mouse.click(x + 40, y)  # 40 px east of the county's edge
    wait_js(p, "popgisPlanner.refused === 1 && popgisPlanner.checking === 0")
    assert p.inner_text("#added-count") == "0"
    message = p.inner_text("#status")
    assert "lies outside 义乌市, the area of this plan" in message, message
    assert p.get_attribute("#status", "class") == "error"
    pg.shot("web17-planner-site-refused.png")
    for lat, lon in ((29.2502, 120.0202), (29.385, 120.1855)):  # two inside
        x, y = p.evaluate(f"popgisPlanner.pixel({lat}, {lon})")
        p.mouse.click(x, y)
    wait_js(p, "popgisPlanner.added.length === 2 && popgisPlanner.checking === 0")
    assert p.inner_text("#added-count") == "2"
    assert p.inner_text("#status") == ""  # the refusal is cleared by the next site
    # (the export buttons wait for a result: display:flex showed them before any)
    assert not p.locator("#export-geojson").is_visible()
    p.fill("#k", "1")
    p.click("#run-place")
    p.wait_for_selector("body[data-solved=true]", timeout=60000)
    assert "Solved" in p.inner_text("#status") or "Stopped" in p.inner_text("#status")
    assert p.locator("#export-geojson").is_visible()
    assert p.evaluate("popgisPlanner.drawn.sites") >= 1
    pg.shot("web17-planner-solved.png")
    pg.close()
