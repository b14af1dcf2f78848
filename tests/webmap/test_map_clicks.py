"""The map as a map, in headless Chromium: tests that CLICK ON THE MAP (not only search).

A household dot opens its panel; a building opens its popup; "click a building to place"
saves, shows in the placement history and can be restored; drill-down county → township
→ village → grid and back; a legend entry for every layer switched on; the phone top bar
on one line; English mode without raw codes; every export combination of the dialog gives
a file. Every test fails on any browser console error. Screenshots go to test-artifacts/.

Runs against its own database (the flows commit).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, prepare_fixture_db, serving, wait_js

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def site(db_url):
    url = db_url.set(database=db_url.database + "_clicks")
    engine = prepare_fixture_db(url)
    with engine.begin() as c:
        # a distribution point 500 m outside 江滨 (in 下车门) serves 江滨's residents too
        c.execute(sa.text("""
            INSERT INTO service_points (ext_id, county_code, kind, name, admin_path,
                                        village_code, geom, active)
            SELECT 'SP9', '330782', 'distribution_point', '下车门药具发放点', path, code,
                   ST_SetSRID(ST_MakePoint(120.05, 29.3045), 4326), true
            FROM admin_area WHERE code = '330782001002'"""))
        c.execute(sa.text("UPDATE buildings SET compound = '佛堂小商品市场' WHERE ext_id = 'M1'"))
        # 王芳's residence permit is marked valid but expired five days ago
        c.execute(sa.text("UPDATE persons SET cert_residence = 'valid', "
                          "cert_residence_expiry = current_date - 5 WHERE name = '王芳'"))
        from gis import users

        if not c.execute(sa.text("SELECT 1 FROM app_users WHERE name = 'auditor_u'")).scalar():
            users.add_user(c, "auditor_u", "auditor", "330782000000", PASSWORD)
    from webmap import create_app

    with serving(create_app({"SECRET_KEY": "clicks", "ENGINE": engine})) as base:
        yield base, engine
    engine.dispose()


class Page:
    """A logged-in page that collects every console error and page error."""

    def __init__(self, browser, base, user, *, width=1440, height=900, lang="zh"):
        self.base = base
        self.errors = []
        self.page = browser.new_page(viewport={"width": width, "height": height},
                                     accept_downloads=True)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        p = self.page
        p.goto(base + "/login")
        p.evaluate(f"localStorage.setItem('popgis.lang', '{lang}')")
        p.fill("#username", user)
        p.fill("#password", PASSWORD)
        p.click("button[type=submit]")
        p.wait_for_selector("body[data-loaded=true]", state="attached", timeout=20000)
        wait_js(p, "window.popgisDrawn && window.popgisDrawn.village >= 1 "
                            "&& document.body.dataset.drill")

    def view(self, lat, lon, zoom):
        self.page.evaluate(f"PopGIS.state.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
        self.page.wait_for_timeout(300)
        self.settle()

    def settle(self):
        # all vector tiles in: no tile of any grid layer still loading
        wait_js(self.page, """(() => {
            const m = PopGIS.state.map; let busy = false;
            m.eachLayer(l => { if (l._tiles) { for (const k in l._tiles) {
                if (!l._tiles[k].loaded) busy = true; } } });
            return !busy; })()""", timeout=20000)
        self.page.wait_for_timeout(250)

    def point(self, lat, lon):
        """Viewport pixel of a WGS-84 position on the map."""
        return self.page.evaluate(f"""(() => {{
            const m = PopGIS.state.map, r = m.getContainer().getBoundingClientRect();
            const p = m.latLngToContainerPoint([{lat}, {lon}]);
            return [r.left + p.x, r.top + p.y]; }})()""")

    def click_at(self, lat, lon, dx=0, dy=0):
        x, y = self.point(lat, lon)
        self.page.mouse.click(x + dx, y + dy)

    def shot(self, name):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name))

    def close(self):
        self.page.close()
        assert self.errors == [], self.errors


def test_household_dot_and_building_clicks(site, browser):
    base, _ = site
    pg = Page(browser, base, "village_a")
    p = pg.page
    pg.shot("map-1-village-desktop.png")
    pg.view(29.2502, 120.0202, 18)
    pg.click_at(29.2502, 120.0202)                     # HA1's dot
    p.wait_for_selector("#panel.open #panel-title")
    assert p.inner_text("#panel-title") == "HA1"
    assert "张伟" in p.inner_text("#panel")
    p.wait_for_timeout(300)
    pg.shot("map-2-dot-click-panel.png")
    p.click("#panel-close")
    pg.click_at(29.2502, 120.0202, dx=22, dy=-14)      # the building around it
    p.wait_for_selector(".building-popup")
    popup = p.inner_text(".building-popup")
    assert "HA1" in popup and "住宅" in popup and "residential" not in popup
    p.wait_for_timeout(400)
    pg.shot("map-3-building-popup.png")
    # the breadcrumb did not jump: no village was drilled by the click
    assert p.get_attribute("body", "data-drill") == "village"
    pg.close()


def test_click_building_to_place_history_and_restore(site, browser):
    base, engine = site
    with engine.connect() as c:
        hid, a1, a2 = c.execute(sa.text("""
            SELECT h.id, (SELECT id FROM buildings WHERE ext_id = 'A1'), h.building_id
            FROM households h WHERE household_no = 'HA2'""")).one()
    pg = Page(browser, base, "village_a")
    p = pg.page
    pg.view(29.2502, 120.0702, 18)
    pg.click_at(29.2502, 120.0702)                     # HA2's dot
    p.wait_for_selector("#panel.open #panel-title")
    assert p.inner_text("#panel-title") == "HA2"
    # an expired residence permit shows as expired, not 有效
    assert p.locator("#panel .cert[data-status=expired]").count() == 1
    assert "已过期" in p.inner_text("#panel")
    p.click("#pick")
    pg.view(29.2502, 120.0202, 18)
    pg.click_at(29.2502, 120.0202, dx=22, dy=-14)      # building A1, 5 km west
    p.wait_for_selector("#placed-manually")
    p.wait_for_selector("#history-list li")
    with engine.connect() as c:
        row = c.execute(sa.text("SELECT building_id, placed_manually, placed_by FROM households "
                                "WHERE id = :h"), {"h": hid}).one()
    assert row.building_id == a1 and row.placed_manually and row.placed_by == "village_a"
    history = p.inner_text("#history-list")
    assert "village_a" in history and "坐标定位" in history and "coordinates" not in history
    p.wait_for_timeout(300)
    pg.shot("map-4-placed-by-click-history.png")
    p.click("#restore")
    p.wait_for_selector("#placed-manually", state="detached")
    with engine.connect() as c:
        row = c.execute(sa.text("SELECT building_id, placed_manually, geocode_method "
                                "FROM households WHERE id = :h"), {"h": hid}).one()
    assert row.building_id == a2 and not row.placed_manually and row.geocode_method != "manual"
    p.wait_for_selector("#history-list li >> nth=1")
    pg.shot("map-5-restored.png")
    pg.close()


def _label(page, code):
    return page.evaluate(f"PopGIS.state.areaIndex['{code}'].props.label")


def test_drill_county_township_village_grid_and_back(site, browser):
    base, _ = site
    pg = Page(browser, base, "county_u")
    p = pg.page
    assert p.get_attribute("body", "data-drill") == "county"
    pg.settle()
    pg.shot("map-6-county.png")
    # a click inside 江滨 (a village) at county level drills into its township only
    pg.click_at(29.27, 120.03)
    wait_js(p, "document.body.dataset.drill === 'township'")
    assert p.inner_text("#crumbs") == "义乌市 › 稠城街道"
    pg.settle()
    pg.shot("map-7-township.png")
    pg.click_at(29.27, 120.03)
    wait_js(p, "document.body.dataset.drill === 'village'")
    assert p.inner_text("#crumbs") == "义乌市 › 稠城街道 › 江滨社区居委会"
    wait_js(p, "window.popgisDrawn.grid >= 1")   # grids load when first shown
    pg.settle()
    assert p.locator("#legend .lg[data-layer=boundaries]").inner_text().count("网格") == 1
    pg.shot("map-8-village-grids.png")
    pg.click_at(29.27, 120.075)                        # the second grid
    wait_js(p, "document.body.dataset.drill === 'grid'")
    assert p.inner_text("#crumbs").endswith("江滨社区第二网格")
    pg.settle()
    pg.click_at(29.27, 120.075)                        # the grid names itself
    p.wait_for_selector(".area-popup")
    assert "江滨社区第二网格" in p.inner_text(".area-popup")
    p.wait_for_timeout(300)
    pg.shot("map-9-grid.png")
    p.click("#crumbs a[data-i='0']")                   # back up to the township
    wait_js(p, "document.body.dataset.drill === 'township'")
    p.click("#crumbs a[data-i='-1']")                  # and to the county
    wait_js(p, "document.body.dataset.drill === 'county'")
    assert p.inner_text("#crumbs") == "义乌市"
    pg.close()


def _legend_covers_layers(p):
    on = p.evaluate("""Object.keys(PopGIS.state.layers).filter(
        k => PopGIS.state.map.hasLayer(PopGIS.state.layers[k].layer))""")
    missing = [k for k in on if not p.locator(f"#legend .lg[data-layer='{k}']").count()]
    assert not missing, missing
    return on


def _overlap(a, b):
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def test_legend_for_every_layer_switched_on(site, browser):
    base, _ = site
    pg = Page(browser, base, "county_u")
    p = pg.page
    on = _legend_covers_layers(p)
    # layers drawn only from a deeper zoom: one note for all of them, not one each
    assert p.locator("#legend .lg-note").count() == 1
    assert "市场与驻街单位 13" in p.inner_text("#legend .lg-note")
    assert {"buildings", "households", "units", "roads", "sp_distribution_point"} <= set(on)
    # switch every overlay on (density layers load when first shown)
    for box in p.locator("#side-layers input[type=checkbox]").all():
        if not box.is_checked():
            box.check()
    wait_js(p, "PopGIS.state.layers.choro.layer.breaks && "
                        "PopGIS.state.layers.choro_grid.layer.breaks && window.popgisDrawn.heat_cells >= 0")
    p.wait_for_timeout(300)
    on = _legend_covers_layers(p)
    assert {"heat", "choro", "choro_grid", "radius_clinic"} <= set(on)
    legend = p.locator("#legend").bounding_box()
    for other in ("#topbar", "#searchbox", ".leaflet-control-zoom", "#crumbs",
                  ".leaflet-control-scale"):
        assert not _overlap(legend, p.locator(other).first.bounding_box()), other
    pg.shot("map-10-legend-all-layers-1440.png")
    pg.close()


def test_phone_top_bar_one_line_and_sheet(site, browser):
    base, _ = site
    pg = Page(browser, base, "village_a", width=390, height=844)
    p = pg.page
    bar = p.locator("#topbar").bounding_box()
    assert bar["height"] <= 44
    for el in p.locator("#topbar > *").all():
        if el.is_visible():
            b = el.bounding_box()
            assert b["y"] >= bar["y"] and b["y"] + b["height"] <= bar["y"] + bar["height"] + 0.5
            assert b["x"] + b["width"] <= 390.5, el.inner_text()
    assert p.evaluate("(() => { const t = document.getElementById('topbar');"
                      " return t.scrollWidth <= t.clientWidth; })()")
    pg.shot("map-11-phone.png")
    # the breadcrumb never covers the search results
    p.fill("#search", "HA")
    p.wait_for_selector("#results li[data-i]")
    first = p.locator("#results li[data-i]").first
    assert not p.locator("#crumbs").is_visible() or not _overlap(
        first.bounding_box(), p.locator("#crumbs").bounding_box())
    first.click()
    p.wait_for_selector("#panel.open #panel-title")
    p.click("#panel-close")
    # filters, layers and legend in one sheet, clear of the other controls
    p.click("#side-toggle")
    p.wait_for_selector("#legend .lg[data-layer=buildings]")
    legend = p.locator("#legend").bounding_box()
    for other in ("#topbar", "#searchbox", ".leaflet-control-zoom", "#side-toggle"):
        box = p.locator(other).first.bounding_box()
        assert not _overlap(legend, box), other
    _legend_covers_layers(p)
    pg.shot("map-12-phone-sheet.png")
    pg.close()


RAW = re.compile(r"\b(follow_up|move_in|move_out|distribution_point|service_station|clinic|"
                 r"pharmacy|machine|outreach|residential|market|enterprise|dormitory|"
                 r"n/a|valid|level_\w+)\b")


def test_english_mode_no_raw_codes(site, browser):
    base, engine = site
    with engine.begin() as c:
        c.execute(sa.text("""INSERT INTO events (county_code, household_id, kind, event_date,
                             recorded_by) SELECT county_code, id, 'follow_up', current_date,
                             'village_a' FROM households WHERE household_no = 'HA1'"""))
    pg = Page(browser, base, "village_a", lang="en")
    p = pg.page
    assert p.title() == "Map · popgis"
    pg.view(29.2502, 120.0202, 18)
    pg.click_at(29.2502, 120.0202)
    p.wait_for_selector("#panel.open #panel-title")
    panel = p.inner_text("#panel")
    assert "Follow-up" in panel and "follow_up" not in panel
    assert not re.search(r"[男女]|\d人", panel), panel
    pg.click_at(29.2502, 120.0202, dx=22, dy=-14)
    p.wait_for_selector(".building-popup")
    popup = p.inner_text(".building-popup")
    assert "Residential" in popup and "persons" in popup and "人" not in popup
    p.click("#menu-btn")
    text = " ".join(p.inner_text(s) for s in ("#topbar", "#legend", "#side-layers", "#filters",
                                             "#panel", ".building-popup"))
    assert not RAW.search(text.replace("village_a", "")), RAW.search(text)
    assert p.inner_text("#topbar").count("village") == 2   # village_a · village staff
    bar = p.inner_text("#topbar").replace(p.inner_text("#who"), "").replace("中文", "")
    assert not re.search(r"[\u4e00-\u9fff]", bar), bar   # area names and 中文 aside
    pg.shot("map-13-english.png")
    p.evaluate("localStorage.removeItem('popgis.lang')")
    pg.close()


def test_menu_links_by_role(site, browser):
    base, _ = site
    for user, present, absent in (("village_a", ["#review"], ["#menu-planner", "#menu-audit"]),
                                  ("planner_u", ["#menu-planner"], ["#review", "#menu-audit"]),
                                  ("county_u", ["#menu-planner", "#review"], ["#menu-audit"]),
                                  ("auditor_u", ["#menu-audit"], ["#review", "#menu-planner"])):
        pg = Page(browser, base, user)
        pg.page.click("#menu-btn")
        for sel in present:
            assert pg.page.locator(sel).is_visible(), (user, sel)
        for sel in absent:
            assert pg.page.locator(sel).count() == 0, (user, sel)
        if user == "planner_u":
            pg.shot("map-14-planner-menu.png")
        pg.close()


EXPORT_LAYERS = ("heat", "choro_village", "choro_grid", "points")


def test_export_dialog_every_combination(site, browser):
    base, _ = site
    pg = Page(browser, base, "county_u")
    p = pg.page
    p.click("#export")
    p.wait_for_selector("#export-dialog[open]")
    pg.shot("map-15-export-dialog.png")
    # one download through the dialog itself …
    p.check("#export-form input[name=layer][value=choro_grid]")
    p.check("#export-form input[name=format][value=pdf]")
    p.check("#export-form input[name=size][value=A3]")
    p.check("#export-form input[name=orient][value=portrait]")
    with p.expect_download() as dl:
        p.click("#export-go")
    path = dl.value.path()
    assert Path(path).read_bytes()[:4] == b"%PDF"
    # … and every combination of layer × format × paper × orientation gives a file
    for layer in EXPORT_LAYERS:
        for fmt in ("png", "pdf"):
            for size in ("A4", "A3"):
                for orient in ("portrait", "landscape"):
                    url = p.evaluate("c => PopGIS.state.exportUrl(c)", {
                        "layer": layer, "format": fmt, "size": size, "orient": orient})
                    r = p.request.get(base + url)
                    assert r.status == 200, (layer, fmt, size, orient, r.text()[:300])
                    body = r.body()
                    assert body[:4] == (b"\x89PNG" if fmt == "png" else b"%PDF"), url
                    if layer == "choro_grid" and fmt == "png" and size == "A4":
                        (ARTIFACTS / f"map-16-export-grid-{orient}.png").write_bytes(body)
    pg.close()


def test_service_points_outside_marked_and_favicon(site, browser):
    base, _ = site
    pg = Page(browser, base, "village_a")
    p = pg.page
    drawn = p.evaluate("window.popgisDrawn")
    assert drawn["service_points"] == 1 and drawn["service_points_outside"] == 1
    # the point across the street is drawn and identifies itself on click
    pg.view(29.3045, 120.05, 16)
    pg.click_at(29.3045, 120.05)
    p.wait_for_selector(".sp-popup")
    popup = p.inner_text(".sp-popup")
    assert "下车门药具发放点" in popup and "辖区外" in popup
    pg.shot("map-17-service-point-outside.png")
    assert p.locator("#legend .lg[data-layer=sp_outside]").count() == 1
    assert p.request.get(base + "/favicon.ico").status == 200
    pg.close()
