"""The map of province and city users, clicked through in headless Chromium: their
counties coloured with a legend, a click on a county shows its townships coloured, the
breadcrumb leads back; a city user sees only its own counties; never a household (no
household tiles, no search, no panel); no console errors. Screenshots in test-artifacts/.

A small province of its own: three real counties of 浙江 in two cities (义乌市 and 金东区
of 金华市, 滨江区 of 杭州市), synthetic people, loaded as ``popgis demo --province`` does.
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.conftest import PASSWORD, serving, wait_js
from tests.webmap.mapsite import ARTIFACTS

COUNTIES = ["330782", "330703", "330108"]
JINHUA = {"330782000000", "330703000000"}


@pytest.fixture(scope="module")
def province_site(db_url, tmp_path_factory):
    from gis import db, users
    from loaders import demo_province
    from loaders.demo.province import generate_province

    out = tmp_path_factory.mktemp("regional")
    generate_province(out, "330000", scale=0.001, seed=3, counties=COUNTIES)
    url = db_url.set(database=f"{db_url.database}_regional")
    db.ensure_database(url, drop_first=True)
    db.migrate(url)
    engine = db.engine(url)
    demo_province.load(out, engine=engine, echo=lambda *_: None)
    with engine.begin() as c:
        users.add_user(c, "prov", "province", "330000000000", PASSWORD)
        users.add_user(c, "jinhua", "city", "330700000000", PASSWORD)
    from webmap import create_app

    with serving(create_app({"SECRET_KEY": "regional", "ENGINE": engine})) as base:
        yield base
    engine.dispose()
    db.dispose_engines()


def open_map(browser, base, user, lang="zh"):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.context.add_cookies([{"name": "popgis_lang", "value": lang, "url": base}])
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    # every request the map makes, to check that none asks for people
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]", state="attached", timeout=30000)
    wait_js(page, "window.popgisDrawn && window.popgisDrawn.regions_county >= 1")
    page.wait_for_timeout(300)
    return page, errors, asked


def county_codes(page):
    return page.evaluate(
        "(() => { const out = []; PopGIS.state.regionLayer.eachLayer("
        "l => out.push(l.feature.properties.code)); return out.sort(); })()"
    )


def fill_colours(page):
    return page.evaluate(
        "(() => { const out = {}; PopGIS.state.regionLayer.eachLayer("
        "l => { out[l.feature.properties.code] = l.options.fillColor; }); return out; })()"
    )


def click_area(page, code):
    """Click the inside point of an area as a user would (a real mouse click)."""
    lon, lat = page.evaluate(
        f"(() => {{ let p; PopGIS.state.regionLayer.eachLayer(l => {{"
        f" if (l.feature.properties.code === '{code}') p = l.feature.properties.label; }});"
        f" return p; }})()"
    )
    xy = page.evaluate(
        f"(() => {{ const m = PopGIS.state.map, c = m.getContainer().getBoundingClientRect();"
        f" const p = m.latLngToContainerPoint([{lat}, {lon}]);"
        f" return [c.left + p.x, c.top + p.y]; }})()"
    )
    page.mouse.click(xy[0], xy[1])


def test_province_user_drills_into_a_county_and_back(browser, province_site):
    page, errors, asked = open_map(browser, province_site, "prov")
    # every county of the province, coloured, with a legend of classes
    assert county_codes(page) == sorted(c + "000000" for c in COUNTIES)
    colours = fill_colours(page)
    assert all(c and c.startswith("#") for c in colours.values())
    legend = page.inner_text("#legend")
    assert "各县（市、区）" in legend and "人口" in legend
    assert page.locator("#legend .cls").count() >= 2
    assert page.inner_text("#crumbs").strip() == "浙江省"
    assert page.evaluate("document.body.dataset.drill") == "province"
    assert not page.is_visible("#search")
    page.screenshot(path=str(ARTIFACTS / "regional-province.png"))

    # the measure switch recolours the counties
    page.check("input[name=rg-measure][value=distribution_points]")
    assert "药具发放点" in page.inner_text("#legend")
    page.check("input[name=rg-measure][value=persons]")

    # a click on 义乌市: its townships, coloured, and the breadcrumb
    click_area(page, "330782000000")
    wait_js(page, "window.popgisDrawn.regions_township >= 1")
    page.wait_for_timeout(300)
    townships = county_codes(page)
    assert len(townships) > 3 and all(c.startswith("330782") for c in townships)
    assert "各乡镇（街道）" in page.inner_text("#legend")
    assert page.inner_text("#crumbs").replace("\xa0", " ") == "浙江省 › 义乌市"
    assert page.evaluate("document.body.dataset.drill") == "county"
    # a township's figures on a click, with no person in them
    click_area(page, townships[0])
    wait_js(page, "window.popgisDrawn.region_popup")
    page.wait_for_timeout(400)  # the popup's fade-in
    popup = page.inner_text(".leaflet-popup-content")
    assert "人口" in popup and "户数" in popup and "流动人口" in popup
    page.screenshot(path=str(ARTIFACTS / "regional-county-townships.png"))

    # exports: the county drilled into
    page.click("#export")
    assert "area=330782000000" in page.get_attribute("#export-go", "href")
    page.click("#export-cancel")

    # back to the province by the breadcrumb
    page.click("#crumbs a[data-i='-1']")
    wait_js(page, "PopGIS.state.regionLayer && PopGIS.state.regionClasses.level === 'county'")
    assert county_codes(page) == sorted(c + "000000" for c in COUNTIES)
    assert page.inner_text("#crumbs").strip() == "浙江省"
    page.click("#export")
    assert "先点击一个县" in page.inner_text("#export-msg")
    page.click("#export-cancel")

    # never a household: no household tile, search or household asked for
    assert not [u for u in asked if "/tiles/households" in u or "/api/households" in u]
    assert not [u for u in asked if "/api/search" in u]
    assert errors == []
    page.close()


def test_download_waits_for_a_county(browser, province_site):
    """Issue 15 follow-up (9): at the province view Download was enabled and sent a
    request for the whole province; it is disabled, with the hint, until a county is
    drilled into."""
    page, errors, asked = open_map(browser, province_site, "prov")
    page.click("#export")
    go = page.locator("#export-go")
    assert go.get_attribute("aria-disabled") == "true"
    assert go.get_attribute("href") is None and "disabled" in go.get_attribute("class")
    assert "先点击一个县" in page.inner_text("#export-msg")
    assert "先点击一个县" in go.get_attribute("title")
    page.screenshot(path=str(ARTIFACTS / "regional-export-disabled.png"))
    go.click()  # a real click: nothing is asked for, the dialog stays open
    page.wait_for_timeout(300)
    assert not [u for u in asked if "/exports/" in u], asked
    assert page.evaluate("document.getElementById('export-dialog').open")
    # other choices do not enable it either
    page.check("input[name=format][value=pdf]")
    assert go.get_attribute("aria-disabled") == "true" and go.get_attribute("href") is None
    page.click("#export-cancel")
    # a county drilled into: enabled, for that county
    click_area(page, "330782000000")
    wait_js(page, "window.popgisDrawn.regions_township >= 1")
    page.click("#export")
    assert go.get_attribute("aria-disabled") == "false"
    assert "area=330782000000" in go.get_attribute("href")
    assert "disabled" not in go.get_attribute("class") and page.inner_text("#export-msg") == ""
    page.click("#export-cancel")
    assert errors == []
    page.close()


def test_city_user_sees_only_its_counties(browser, province_site):
    page, errors, _ = open_map(browser, province_site, "jinhua", lang="en")
    assert set(county_codes(page)) == JINHUA
    assert page.inner_text("#crumbs").strip() == "金华市"
    assert "Counties" in page.inner_text("#legend")
    page.screenshot(path=str(ARTIFACTS / "regional-city.png"))
    click_area(page, "330703000000")
    wait_js(page, "window.popgisDrawn.regions_township >= 1")
    assert all(c.startswith("330703") for c in county_codes(page))
    assert "Townships" in page.inner_text("#legend")
    assert errors == []
    # the people API refuses the city user outright
    status = page.evaluate("fetch('/api/search?q=a').then(r => r.status)")
    assert status == 403
    page.close()


def legend_ranges(page):
    """The legend's class rows (not the withheld one) and the values it classes."""
    rows = [
        r.strip()
        for r in page.locator("#legend .lg[data-layer=regions] .cls").all_inner_texts()
        if re.search(r"\d", r)
    ]
    values = page.evaluate(
        "(() => { const out = []; PopGIS.state.regionLayer.eachLayer(l => {"
        " const v = l.feature.properties[PopGIS.state.measure];"
        " if (v != null) out.push(v); }); return out; })()"
    )
    return rows, values


def test_counts_are_classed_in_whole_numbers(browser, province_site):
    """Distribution points (a handful per township, some tens per county) are counts:
    the legend's classes are whole-number ranges apart ("0", "1 – 2", "33 – 34", "35"),
    never "0.0 – 0.9" or "3.0", the same labels as the exported maps."""
    from gis.exports import mapping

    page, errors, _ = open_map(browser, province_site, "prov")
    page.check("input[name=rg-measure][value=distribution_points]")
    wait_js(page, "PopGIS.state.regionClasses && PopGIS.state.measure === 'distribution_points'")
    checked = []
    for level in ("county", "township"):
        if level == "township":
            click_area(page, "330782000000")
            wait_js(page, "PopGIS.state.regionClasses.level === 'township'")
        rows, values = legend_ranges(page)
        assert values and all(v == int(v) for v in values), values
        assert rows, page.inner_text("#legend")
        for row in rows:
            assert re.fullmatch(r"\d[\d,]*( – \d[\d,]*)?", row), rows  # no decimal point
        ranges = [[int(x.replace(",", "")) for x in re.findall(r"\d[\d,]*", r)] for r in rows]
        for a, b in itertools.pairwise(ranges):
            assert b[0] == a[-1] + 1, rows  # "0", "1 – 2": apart, no gap
        assert rows == mapping.classes(values).labels, (rows, values)
        assert ranges[0][0] <= min(values) and max(values) == ranges[-1][-1], (rows, values)
        checked.append(rows)
    assert errors == []
    page.close()
    assert len(checked) == 2
