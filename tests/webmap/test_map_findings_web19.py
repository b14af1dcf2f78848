"""The planner page in headless Chromium (outside tester, s24 round 2): Solve with K
left empty says what to enter, in the page's language, and sends nothing (it showed
only the server's "缺少 k"); a K entered then solves. Fails on any console error."""

from __future__ import annotations

import pytest

from tests.conftest import wait_js
from tests.webmap.mapsite import ARTIFACTS, Page

SAID = {
    "zh": "请填写新增点数 K：1 到 1000000 的整数，例如 2",
    "en": "Enter the number of new sites K: a whole number from 1 to 1000000, e.g. 2",
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_solve_with_k_empty_says_what_to_enter(site, browser, lang):
    base, _ = site
    pg = Page(browser, base, "planner_u", lang=lang)
    p = pg.page
    p.goto(base + "/planner")
    p.wait_for_selector("body[data-ready=true]", timeout=20000)
    places = []
    p.on("request", lambda r: "/api/planning/place" in r.url and places.append(r.url))
    p.fill("#k", "")
    p.click("#run-place")
    wait_js(p, "document.getElementById('status').textContent.length > 0")
    assert p.inner_text("#status") == SAID[lang]
    assert p.get_attribute("#status", "class") == "error"
    assert p.evaluate("document.activeElement.id") == "k"
    assert places == []  # nothing sent: no 400, no console error
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / f"planner-k-empty-{lang}.png"))
    # with K the plan is solved
    p.fill("#k", "1")
    p.click("#run-place")
    wait_js(
        p, "!/求解中|Solving/.test(document.getElementById('status').textContent)", timeout=60000
    )
    assert places and p.get_attribute("#status", "class") != "error", p.inner_text("#status")
    pg.close()
