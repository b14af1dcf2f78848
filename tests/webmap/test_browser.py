"""End to end in headless Chromium (Debian's chromium driven by Playwright): log in, the
map draws boundaries and service points from local assets; screenshots are saved in
test-artifacts/ to be looked at."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PASSWORD, wait_js

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def test_login_and_map(live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server + "/")
    assert "/login" in page.url
    page.fill("#username", "village_a")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]", state="attached", timeout=20000)
    # the village outline and its one service point are drawn
    wait_js(page, "window.popgisDrawn && window.popgisDrawn.village >= 1")
    drawn = page.evaluate("window.popgisDrawn")
    assert drawn["village"] == 1 and drawn["service_points"] == 1
    assert page.locator("text=药具发放点").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-village.png"))
    # nothing was fetched from outside this machine
    assert all(
        u.startswith(live_server) or u.startswith("about:") or u.startswith("data:")
        for u in requests
    ), [u for u in requests if not u.startswith(live_server)]
    page.close()


def test_bad_login_stays_on_login_page(live_server, browser):
    page = browser.new_page(locale="zh-CN")
    page.goto(live_server + "/login")
    page.fill("#username", "village_a")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("用户名或密码错误")
    page.close()
