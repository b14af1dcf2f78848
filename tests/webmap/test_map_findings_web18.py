"""Map leftovers of session 24 in headless Chromium: a village user's map at the
county's border draws no building of the neighbouring county, and its own building
over the border stops at it. Fails on any browser console error.

Runs against its own database (the flows commit)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.webmap.mapsite import Page
from tests.webmap.test_findings_web18 import NEIGHBOUR_BUILDINGS


@pytest.fixture(scope="module")
def neighbour(site):
    base, engine = site
    from gis import partitions
    from gis.regions import ensure_regions

    with engine.begin() as c:
        partitions.ensure_county(c, "330783")
        c.execute(sa.text(NEIGHBOUR_BUILDINGS))
        ensure_regions(c)
    return base


#: the buildings drawn on the page: address → the right edge of its outline on screen
#: (the easternmost of its parts in the tiles it spans)
DRAWN = """(() => { const out = {}, vt = PopGIS.state.buildings._vectorTiles;
    for (const k in vt) { for (const id in vt[k]._features) {
        const f = vt[k]._features[id].feature, a = f.properties.address;
        out[a] = Math.max(out[a] || 0, f._path.getBoundingClientRect().right); } }
    return out; })()"""


def test_a_village_users_map_at_the_border_draws_only_its_countys_buildings(neighbour, browser):
    pg = Page(browser, neighbour, "village_a")
    pg.view(29.258, 120.2, 17)
    drawn = pg.page.evaluate(DRAWN)
    pg.shot("web18-buildings-border.png")
    assert "东阳楼" not in drawn, drawn
    assert "跨界楼" in drawn, drawn
    border_x, _y = pg.point(29.258, 120.2)
    # cut at the border: at zoom 17 its 300 m beyond would be some 500 px
    assert abs(drawn["跨界楼"] - border_x) <= 2, (drawn, border_x)
    pg.close()
