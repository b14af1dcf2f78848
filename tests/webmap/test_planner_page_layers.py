"""The planner page's legend and layer list in headless Chromium (outside tester, s21):
on a phone the legend is a button that opens it (open, it covered a third of the map);
the result layers (uncovered areas, newly covered areas, new sites) have their switches
in the layer list; the legend lists only what is drawn and switched on. Every test fails
on a browser console error. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import wait_js
from tests.webmap.mapsite import ARTIFACTS, Page

NAMES = {"newly": "Newly covered", "sites": "New sites", "added": "Added candidate sites"}
LEGEND_KIND = {"newly": "newly", "sites": "new_site", "added": "added"}


@pytest.fixture(scope="module", autouse=True)
def far_households(site):
    """Ten households placed in the north-east of 新光村, far from every service point: an
    uncovered area large enough to be shown (smaller ones are withheld)."""
    _base, engine = site
    with engine.begin() as c:
        c.execute(
            sa.text("""
            INSERT INTO households (household_no, county_code, admin_path, village_code, geom,
                                    geocode_level, persons_count)
            SELECT 'FAR' || n, '330782', path, code,
                   ST_SetSRID(ST_MakePoint(120.185 + n * 0.0001, 29.385), 4326), 'village', 1
            FROM admin_area, generate_series(1, 10) AS n WHERE code = '330782100001'""")
        )


def _open_planner(browser, base, width, height):
    pg = Page(browser, base, "planner_u", width=width, height=height, lang="en")
    p = pg.page
    p.goto(base + "/planner")
    p.wait_for_selector("body[data-ready=true]", timeout=20000)
    return pg, p


def _overlay_names(p):
    return p.eval_on_selector_all(
        ".leaflet-control-layers-overlays label", "ls => ls.map(l => l.textContent.trim())"
    )


def _legend_kinds(p):
    return p.eval_on_selector_all(
        "#planner-legend #legend-body [data-kind]", "ls => ls.map(l => l.dataset.kind)"
    )


def test_the_legend_on_a_phone_is_a_button_that_opens_it(site, browser):
    base, _ = site
    pg, p = _open_planner(browser, base, 390, 844)
    legend = p.locator("#planner-legend")
    m = p.locator("#map").bounding_box()
    closed = legend.bounding_box()
    assert p.evaluate("popgisPlanner.legendCollapsed") is True
    assert p.locator("#legend-body").is_hidden()
    assert closed["width"] * closed["height"] <= 0.03 * m["width"] * m["height"], (closed, m)
    assert p.get_attribute("#legend-toggle", "aria-expanded") == "false"
    p.screenshot(path=str(ARTIFACTS / "planner-phone-legend-closed.png"))
    p.click("#legend-toggle")
    assert p.locator("#legend-body").is_visible()
    assert p.get_attribute("#legend-toggle", "aria-expanded") == "true"
    # before any run: the existing service points' kinds only (nothing else is drawn)
    kinds = _legend_kinds(p)
    assert kinds and not set(kinds) & {"gaps", "newly", "new_site"}, kinds
    p.screenshot(path=str(ARTIFACTS / "planner-phone-legend-open.png"))
    p.click("#legend-toggle")
    assert p.locator("#legend-body").is_hidden()
    assert pg.errors == []
    pg.close()
    # on a desktop it starts open
    pg, p = _open_planner(browser, base, 1280, 800)
    assert p.locator("#legend-body").is_visible()
    assert pg.errors == []
    pg.close()


def test_result_layers_have_switches_and_the_legend_lists_what_is_drawn(site, browser):
    base, _ = site
    pg, p = _open_planner(browser, base, 1280, 800)
    assert sorted(_overlay_names(p)) == ["Existing service points", "Villages"]
    p.select_option("#demand", "households")
    p.fill("#k", "1")
    p.fill("#radius", "800")
    p.click("#run-coverage")
    p.wait_for_selector("body[data-coverage=done]", timeout=30000)
    gaps = p.evaluate("popgisPlanner.drawn.gaps")
    assert gaps > 0  # the ten households far from every point
    assert _overlay_names(p)[2:] == ["Uncovered"]
    assert "gaps" in _legend_kinds(p) and "new_site" not in _legend_kinds(p)
    p.screenshot(path=str(ARTIFACTS / "planner-coverage-layers.png"))
    # a candidate site beside the far households: the plan covers them anew
    x, y = p.evaluate("popgisPlanner.pixel(29.385, 120.1855)")
    p.mouse.click(x, y)
    # the site is checked against the plan's area first (outside tester, s23)
    wait_js(p, "document.getElementById('added-count').textContent === '1'")
    assert _overlay_names(p)[2:] == ["Uncovered", "Added candidate sites"]
    assert "added" in _legend_kinds(p)
    p.click("#run-place")
    p.wait_for_selector("body[data-solved=true]", timeout=60000)
    drawn = p.evaluate("popgisPlanner.drawn")
    assert drawn["sites"] >= 1 and drawn["newly"] >= 1, drawn
    # the coverage run's gaps are gone with its result: no switch, no legend entry
    assert _overlay_names(p)[2:] == ["Added candidate sites", "Newly covered", "New sites"]
    assert set(_legend_kinds(p)) >= {"newly", "new_site", "added"}
    assert "gaps" not in _legend_kinds(p)
    p.screenshot(path=str(ARTIFACTS / "planner-result-layers.png"))
    # each switch: off takes the layer and its legend entry away, on brings both back
    for key in ("newly", "sites", "added"):
        box = p.locator(".leaflet-control-layers-overlays label", has_text=NAMES[key])
        box.locator("input").click()
        assert p.evaluate(f"popgisPlanner.onMap('{key}')") is False, key
        assert LEGEND_KIND[key] not in _legend_kinds(p)
        p.screenshot(path=str(ARTIFACTS / f"planner-result-{key}-off.png"))
        box.locator("input").click()
        assert p.evaluate(f"popgisPlanner.onMap('{key}')") is True
        assert LEGEND_KIND[key] in _legend_kinds(p)
    # the existing points' switch takes their kinds out of the legend
    box = p.locator(".leaflet-control-layers-overlays label", has_text="Existing service points")
    box.locator("input").click()
    assert set(_legend_kinds(p)) == {"newly", "new_site", "added"}, _legend_kinds(p)
    box.locator("input").click()
    assert "distribution_point" in _legend_kinds(p)
    assert pg.errors == []
    pg.close()
