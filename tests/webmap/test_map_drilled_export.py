"""The web map's export names the area drilled into (outside tester, s21): after a drill
into a narrow grid a wide screen also shows much of its village, and the map was titled
with the village. In headless Chromium; fails on any browser console error."""

from __future__ import annotations

from tests.conftest import wait_js
from tests.webmap.mapsite import Page

GRID_2 = "330782001001002"


def test_an_export_after_a_drill_into_a_grid_is_named_after_the_grid(site, browser):
    base, _ = site
    pg = Page(browser, base, "county_u", lang="en")
    p = pg.page
    # the village first: its grids are loaded when it is drilled into
    p.evaluate("PopGIS.drill('330782001001')")
    wait_js(p, f"document.body.dataset.drill === 'village' && !!PopGIS.state.areaIndex['{GRID_2}']")
    p.evaluate(f"PopGIS.drill('{GRID_2}')")
    wait_js(p, "document.body.dataset.drill === 'grid'")
    pg.settle()
    p.click("#export")
    p.wait_for_selector("#export-dialog[open]")
    href = p.get_attribute("#export-go", "href")
    assert f"drilled={GRID_2}" in href, href
    with p.expect_download() as dl:
        p.click("#export-go")
    name = dl.value.suggested_filename
    # with its village (s23), by its official name in every language (s24)
    assert name.startswith("江滨社区第二网格-"), name
    pg.shot("map-drilled-grid-export.png")
    assert pg.errors == []
    pg.close()
