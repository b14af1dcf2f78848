"""The login page speaks the language the user asks for (outside tester, issue 15
finding 15): Accept-Language, the cookie popgis_lang or ?lang=en, as the other pages.
Before, it was Chinese with English glosses whatever was asked. In headless Chromium,
failing on any console error."""

from __future__ import annotations

import re

from tests.conftest import PASSWORD, wait_js

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _page(browser, locale):
    page = browser.new_page(locale=locale, extra_http_headers={"Accept-Language": locale})
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def _english(page):
    assert page.locator("html").get_attribute("lang") == "en"
    text = page.locator("body").inner_text()
    assert "User name" in text and "Password" in text and "Log in" in text, text
    assert CHINESE.findall(text.replace("中文", "")) == [], text  # the switch names 中文


def test_login_page_in_english_from_the_browser_language(live_server, browser):
    page, errors = _page(browser, "en-US")
    page.goto(live_server + "/login")
    _english(page)
    assert page.title() == "Log in · popgis"
    page.fill("#username", "village_a")
    page.fill("#password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "wrong name or password"
    page.close()
    # the refused login is a 401 page: the only console error allowed
    assert [e for e in errors if "401" not in e] == [], errors


def test_login_page_in_english_on_request_and_the_choice_stays(live_server, browser):
    page, errors = _page(browser, "zh-CN")
    page.goto(live_server + "/login?next=/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "用户名" in page.locator("body").inner_text()
    page.click("#lang")  # "English", keeping where the user was going
    page.wait_for_url(re.compile(r"lang=en"))
    assert "next=" in page.url
    _english(page)
    page.fill("#username", "village_a")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-loaded=true]", state="attached", timeout=20000)
    wait_js(page, "window.popgisDrawn && window.popgisDrawn.village >= 1")
    # the map after login is in English too: ?lang=en set the cookie every page reads
    assert page.locator("html").get_attribute("lang") == "en"
    page.close()
    assert errors == [], errors
    page, errors = _page(browser, "zh-CN")
    page.goto(live_server + "/login?lang=en")
    _english(page)
    page.click("#lang")
    page.wait_for_url(re.compile(r"lang=zh"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "登录" in page.locator("body").inner_text()
    page.close()
    assert errors == [], errors


def test_login_page_follows_the_cookie(live_server, browser):
    page, errors = _page(browser, "zh-CN")
    page.context.add_cookies([{"name": "popgis_lang", "value": "en", "url": live_server}])
    page.goto(live_server + "/login")
    _english(page)
    page.close()
    assert errors == [], errors
