"""The map served from its own database for the browser tests (tests/webmap/test_map_*.py):
the fixture county with a market, a distribution point just outside, an expired permit;
a logged-in page that collects console errors. The flows commit, so the database is the
tests' own."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import PASSWORD, wait_js

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


#: two households of 江滨 waiting for review, reasons as the geocoder writes them
REVIEWS = """
            INSERT INTO geocode_review (household_id, county_code, admin_path, address,
                                        reason, level, score, candidates)
            SELECT h.id, '330782', h.admin_path, h.address, r.reason, 'compound', 0.42,
                   CAST(r.cands AS jsonb)
            FROM households h JOIN (VALUES
              ('HA1', 'coordinates ignored: lon/lat is not a number; low score 0.42',
               '[{"level": "building", "score": 0.62, "building_id": "A1",
                  "village_code": "330782001001", "village": "江滨社区",
                  "compound": "幸福小区", "group": null}]'),
              ('HA2', 'ambiguous: several places fit', '[]')) r(no, reason, cands)
              ON r.no = h.household_no
            ORDER BY h.household_no"""  # ids in this order: the page lists by id


class Page:
    """A logged-in page that collects every console error and page error."""

    def __init__(self, browser, base, user, *, width=1440, height=900, lang="zh", locale=None):
        """``lang``: the language chosen before login (the cookie popgis_lang), None for
        none (the browser's ``locale`` decides)."""
        self.base = base
        self.errors = []
        extra = {"locale": locale, "extra_http_headers": {"Accept-Language": locale}}
        self.page = browser.new_page(
            viewport={"width": width, "height": height},
            accept_downloads=True,
            **(extra if locale else {}),
        )
        if lang:
            self.page.context.add_cookies([{"name": "popgis_lang", "value": lang, "url": base}])
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        p = self.page
        p.goto(base + "/login")
        p.fill("#username", user)
        p.fill("#password", PASSWORD)
        p.click("button[type=submit]")
        p.wait_for_selector("body[data-loaded=true]", state="attached", timeout=20000)
        wait_js(
            p,
            "window.popgisDrawn && window.popgisDrawn.village >= 1 && document.body.dataset.drill",
        )

    def view(self, lat, lon, zoom):
        self.page.evaluate(f"PopGIS.state.map.setView([{lat}, {lon}], {zoom}, {{animate: false}})")
        self.page.wait_for_timeout(300)
        self.settle()

    def settle(self):
        # all vector tiles in: no tile of any grid layer still loading
        wait_js(
            self.page,
            """(() => {
            const m = PopGIS.state.map; let busy = false;
            m.eachLayer(l => { if (l._tiles) { for (const k in l._tiles) {
                if (!l._tiles[k].loaded) busy = true; } } });
            return !busy; })()""",
            timeout=20000,
        )
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

    def allow(self, status):
        """An HTTP error the test provokes on purpose (a refusal): Chromium logs every
        failed request as a console error."""
        self.allowed = getattr(self, "allowed", ()) + (f"status of {status} ",)

    def close(self):
        self.page.close()
        errors = [e for e in self.errors if not any(a in e for a in getattr(self, "allowed", ()))]
        assert errors == [], errors


EXPORT_LAYERS = ("heat", "choro_village", "choro_grid", "points")


def _no_chinese(text, allowed=()):
    for a in allowed:
        text = text.replace(a, "")
    return not re.search(r"[\u4e00-\u9fff]", text)
