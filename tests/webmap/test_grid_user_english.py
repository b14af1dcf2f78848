"""A grid's user in English sees the grid named as the map names it (outside tester,
issue 15 finding 15): "Grid 2" in the header, the breadcrumb and the popup, with the
Chinese name beside it in the popup as for every grid. Before, the header and the
breadcrumb showed the Chinese name only. In headless Chromium, failing on any console
error; the screenshot goes to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _grid_user(browser, base, locale):
    page = browser.new_page(
        viewport={"width": 1440, "height": 900},
        locale=locale,
        extra_http_headers={"Accept-Language": locale},
    )
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/login")
    page.fill("#username", "grid_a2")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]", state="attached", timeout=20000)
    page.wait_for_function("window.popgisDrawn && window.popgisDrawn.grid >= 1", timeout=20000)
    return page, errors


def _click_centre(page):
    x, y = page.evaluate("""(() => { const m = PopGIS.state.map;
        const p = m.latLngToContainerPoint(m.getCenter());
        const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; })()""")
    page.mouse.click(x, y)
    page.wait_for_selector(".area-popup")


def test_a_grid_user_in_english_sees_grid_2(live_server, browser):
    page, errors = _grid_user(browser, live_server, "en-US")
    assert page.inner_text("#who").endswith("· Grid 2"), page.inner_text("#who")
    assert page.inner_text("#crumbs") == "Grid 2"
    _click_centre(page)
    assert page.inner_text(".area-popup").split("\n") == ["Grid 2", "江滨社区第二网格", "Grid"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "grid-user-english.png"))
    page.close()
    assert errors == [], errors


def test_a_grid_user_in_chinese_sees_its_name(live_server, browser):
    page, errors = _grid_user(browser, live_server, "zh-CN")
    assert page.inner_text("#who").endswith("江滨社区第二网格")
    assert page.inner_text("#crumbs") == "江滨社区第二网格"
    page.close()
    assert errors == [], errors
