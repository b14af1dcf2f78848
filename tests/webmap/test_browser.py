"""End to end in headless Chromium (Debian's chromium driven by Playwright): log in, the
map draws boundaries and service points from local assets; screenshots are saved in
test-artifacts/ to be looked at."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]


@pytest.fixture(scope="module")
def live_server(db_url):
    from webmap import create_app

    app = create_app({"SECRET_KEY": "browser-test"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_login_and_map(live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server + "/")
    assert "/login" in page.url
    page.fill("#username", "village_a")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]", state="attached", timeout=20000)
    # the village outline and its one service point are drawn
    page.wait_for_function("window.popgisDrawn && window.popgisDrawn.village >= 1")
    drawn = page.evaluate("window.popgisDrawn")
    assert drawn["village"] == 1 and drawn["service_points"] == 1
    assert page.locator("text=药具发放点").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "map-village.png"))
    # nothing was fetched from outside this machine
    assert all(u.startswith(live_server) or u.startswith("about:") or u.startswith("data:")
               for u in requests), [u for u in requests if not u.startswith(live_server)]
    page.close()


def test_bad_login_stays_on_login_page(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "/login")
    page.fill("#username", "village_a")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("用户名或密码错误")
    page.close()
