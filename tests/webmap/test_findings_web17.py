"""The outside tester's leftovers (s23) that the API answers: a province or city export
without ``area`` (a missing parameter, not a refusal), the review queue's score of a
row that was not found, the roads of the map's tiles cut to the jurisdiction, grids
named with their village in the exports, the planner's time_limit range and its
check of an added site. Each failed before its fix (the map's clicks are in
test_map_findings_web17.py)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import login

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}
COUNTY = "330782000000"


def _error(r, status=400, code="invalid_input"):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.json["error"]["code"] == code, r.json
    return r.json["error"]["message"]


# 3. a province or city export without area: a missing parameter, 400 naming it

EXPORTS = (
    "/exports/table.csv",
    "/exports/table.xlsx",
    "/exports/map.png?layer=migrants",
    "/exports/map.pdf?layer=density",
    "/exports/atlas.pdf?layer=migrants",
    "/exports/layers.gpkg",
    "/exports/layers.geojson?layer=village_stats",
    "/ogc/collections/village_stats/items",
    "/ogc/collections/village_stats/items/330782001001",
)


@pytest.mark.parametrize("role, own", [("province_u", "330000000000"), ("city_u", "330700000000")])
@pytest.mark.parametrize("path", EXPORTS)
def test_a_regional_export_without_area_is_a_400_naming_area(client, role, own, path):
    login(client, role)
    sep = "&" if "?" in path else "?"
    msg = _error(client.get(path, headers=EN))
    assert msg == (
        "area is missing: exports are made one county at a time; send area=<12-digit county "
        f"code> with one of your counties, e.g. area={COUNTY}"
    ), msg
    assert "area=" in _error(client.get(path, headers=ZH))
    # its own province or city as area: not a county, the same advice
    msg = _error(client.get(f"{path}{sep}area={own}", headers=EN))
    assert msg.startswith(f"area={own} is ") and msg.endswith(
        "not a county: exports are made one county at a time; send area=<12-digit county "
        f"code> with one of its counties, e.g. area={COUNTY}"
    ), msg
    # one of its counties: the export
    r = client.get(f"{path}{sep}area={COUNTY}")
    assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:300])


def test_a_county_user_exports_without_area_as_before(client):
    login(client, "county_u")
    assert client.get("/exports/table.csv").status_code == 200


# 4. the review queue: no score for a row where something was not found

REVIEW_ROWS = {
    # household: (level, score, reason) as the geocoder stores them
    "HA1": ("township", 1.0, "village or compound not found"),
    "HA2": ("unmatched", 0.0, "no place name of the county recognised"),
    "HB1": ("compound", 0.7, "ambiguous: several places fit"),
    "HX1": ("compound", 0.42, "low score 0.42"),
}


def add_review_rows(conn, rows: dict) -> None:
    """Queue the fixture households of ``rows`` ({household_no: (level, score,
    reason)}) for review, as the geocoder stores them."""
    for no, (level, score, reason) in rows.items():
        conn.execute(
            sa.text("""
            INSERT INTO geocode_review (household_id, county_code, admin_path, address,
                                        reason, level, score, candidates)
            SELECT id, county_code, admin_path, address, :r, :l, :s, '[]'
            FROM households WHERE household_no = :n"""),
            {"n": no, "l": level, "s": score, "r": reason},
        )


def _reason_cells(page: str) -> dict[str, str]:
    """household → the text of its reason cell (tags dropped)."""
    rows = re.findall(
        r'<td class="hh">(\w+)</td>\s*<td class="addr">.*?<span class="reason">(.*?)</td>',
        page,
        re.S,
    )
    return {no: re.sub(r"<[^>]+>", "", cell) for no, cell in rows}


def test_the_review_queue_shows_no_score_for_what_was_not_found(client, conn):
    add_review_rows(conn, REVIEW_ROWS)
    login(client, "county_u")
    en = _reason_cells(client.get("/review?lang=en").get_data(as_text=True))
    assert en["HA1"] == "village or compound not found · placed at the township only", en
    assert en["HA2"] == "no place name of the county recognised · not found", en
    assert en["HB1"] == "ambiguous: several places fit · score 0.70", en
    assert en["HX1"] == "low score 0.42", en  # the reason says it once
    assert not any("1.00" in text for text in en.values())
    zh = _reason_cells(client.get("/review?lang=zh").get_data(as_text=True))
    assert zh["HA1"] == "找不到村/社区或小区 · 只定位到乡镇", zh
    assert zh["HA2"] == "未识别出本县的地名 · 未找到", zh
    assert zh["HB1"] == "有多个地点相符 · 匹配分数 0.70", zh


# 8. the planner's time_limit: the allowed range and the value given


def test_a_time_limit_above_the_range_says_the_range_and_the_value(client):
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 800}
    msg = _error(client.post("/api/planning/place", json={**body, "time_limit": 31}, headers=EN))
    # no "less is too short" for a value above the range
    assert msg == (
        'time_limit=31 is outside the allowed range [1, 30] seconds; send e.g. "time_limit": 30'
    ), msg
    msg = _error(client.post("/api/planning/place", json={**body, "time_limit": 31}, headers=ZH))
    assert msg == 'time_limit=31 超出允许范围 [1, 30] 秒；请给出例如 "time_limit": 30', msg
    msg = _error(client.post("/api/planning/place", json={**body, "time_limit": 0.5}, headers=EN))
    assert msg.endswith(
        'seconds; send e.g. "time_limit": 30 (less is too short for the solver to find a solution)'
    ), msg


# 5. the map's roads: a neighbouring county's roads are not drawn, a road over the
# border stops at it

BORDER_TILE = (
    12,
    3415,
    1699,
)  # lon 120.145–120.236, lat 29.227–29.307: the county's east border (120.2) in it


def _roads_tile(client):
    import mapbox_vector_tile

    from webmap.tiles import CACHE

    CACHE.bump()
    z, x, y = BORDER_TILE
    r = client.get(f"/tiles/roads/{z}/{x}/{y}.pbf")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    layer = mapbox_vector_tile.decode(r.data).get("roads", {"features": []})
    return {f["properties"]["name"]: f["geometry"] for f in layer["features"]}


def _max_lon(geometry) -> float:
    """The easternmost longitude of a decoded tile geometry (tile units → degrees)."""
    z, x, _y = BORDER_TILE

    def xs(c):
        return [c[0]] if isinstance(c[0], (int, float)) else [v for part in c for v in xs(part)]

    return (x + max(xs(geometry["coordinates"])) / 4096) / 2**z * 360 - 180


@pytest.fixture
def neighbour_roads(conn):
    """东阳市 east of the fixture county, a road of its own, and one of the county that
    runs 3 km over the border into it."""
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom)
        VALUES ('330783000000', '330783', '东阳市', 'county', '330700000000', '330783',
                ST_Multi(ST_MakeEnvelope(120.2, 29.2, 120.4, 29.4, 4326)));
        INSERT INTO roads (ext_id, county_code, name, highway, geom) VALUES
          ('R-DY', '330783', '东阳路', 'primary',
           ST_Multi(ST_GeomFromText('LINESTRING(120.21 29.26, 120.23 29.26)', 4326))),
          ('R-X', '330782', '跨界路', 'primary',
           ST_Multi(ST_GeomFromText('LINESTRING(120.15 29.27, 120.23 29.27)', 4326)))""")
    )
    from gis.regions import ensure_regions

    ensure_regions(conn)  # the province's and city's outlines take 东阳市 in, as a load does


@pytest.mark.parametrize("role", ["county_u", "town_u", "village_a", "planner_u", "auditor_u"])
def test_the_map_draws_no_road_outside_the_users_county(client, neighbour_roads, role):
    login(client, role)
    roads = _roads_tile(client)
    assert "东阳路" not in roads, roads.keys()
    assert "跨界路" in roads
    # cut at the border (a tile pixel is 0.00002°), not drawn 3 km into 东阳市
    assert 120.199 < _max_lon(roads["跨界路"]) < 120.201


@pytest.mark.parametrize("role", ["province_u", "city_u"])
def test_a_province_or_city_map_draws_the_roads_of_all_its_counties(client, neighbour_roads, role):
    login(client, role)
    roads = _roads_tile(client)
    assert {"东阳路", "跨界路"} <= roads.keys()
    assert _max_lon(roads["跨界路"]) > 120.229


def test_roads_are_cached_per_county(client, neighbour_roads, conn):
    """A province user's tile (both counties) is not served to a county user from the
    cache, nor the county user's to the province user."""
    from webmap.tiles import CACHE

    z, x, y = BORDER_TILE
    login(client, "province_u")
    client.get(f"/tiles/roads/{z}/{x}/{y}.pbf")  # cached for the province
    client.post("/logout")
    login(client, "county_u")
    import mapbox_vector_tile

    r = client.get(f"/tiles/roads/{z}/{x}/{y}.pbf")
    names = {
        f["properties"]["name"] for f in mapbox_vector_tile.decode(r.data)["roads"]["features"]
    }
    assert "东阳路" not in names
    CACHE.bump()


# 6. grids named with their village in the exports ("Grid 3" alone: every village has one)


def test_grid_label_names_the_village():
    from gis.messages import grid_label, speaking

    with speaking("en"):
        assert grid_label("江滨社区第3网格", "330782001001003") == "江滨社区 Grid 3"
        assert grid_label("江滨社区第十二网格", "330782001001012") == "江滨社区 Grid 12"
        # a name without its village: the village's name, without 居委会
        assert grid_label("第3网格", "330782001001003", "江滨社区居委会") == "江滨社区 Grid 3"
        assert grid_label("第3网格", "330782001001003") == "Grid 3"  # nothing more known
        assert grid_label("江滨社区居委会", "330782001001") == "江滨社区居委会"  # no grid
    with speaking("zh"):
        assert grid_label("江滨社区第3网格", "330782001001003") == "江滨社区第3网格"
        assert grid_label("第3网格", "330782001001003", "江滨社区居委会") == "江滨社区 第3网格"


def test_the_grid_layers_and_file_names_name_the_village(client, conn):
    """A county's grid_stats layer (GeoJSON, GeoPackage, OGC API) labels each grid with
    its village, and a map framed on a grid is named after "江滨社区 Grid 2"."""
    from urllib.parse import unquote

    # a grid 1 of another village: without the village the two "Grid 1" were one name
    conn.execute(
        sa.text("""
        INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom)
        VALUES ('330782001002001', '330782001002001', '下车门社区第一网格', 'grid',
                '330782001002', '330782',
                ST_Multi(ST_MakeEnvelope(120.0, 29.3, 120.05, 29.4, 4326)))""")
    )
    login(client, "county_u")
    r = client.get("/exports/layers.geojson?layer=grid_stats", headers=EN)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    labels = {f["id"]: f["properties"]["label"] for f in r.get_json()["features"]}
    assert labels == {
        "330782001001001": "江滨社区 Grid 1",
        "330782001001002": "江滨社区 Grid 2",
        "330782001002001": "下车门社区 Grid 1",
    }
    r = client.get("/ogc/collections/boundaries/items?limit=100", headers=EN)
    labels = {f["id"]: f["properties"]["label"] for f in r.get_json()["features"]}
    assert labels["330782001002001"] == "下车门社区 Grid 1"
    assert labels["330782001001"] == "江滨社区居委会"  # a village keeps its name
    # a map of the view drilled into grid 2: its title and file name say whose grid 2
    view = "120.06,29.21,120.09,29.29"
    r = client.get(
        f"/exports/map.png?layer=density&per=grid&bbox={view}&drilled=330782001001002",
        headers=EN,
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    local = unquote(r.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    # by its official name, with its village, in every language (outside tester, s24)
    assert local.startswith("江滨社区第二网格-Population density map (by grid)-"), local
    # the statistics table of a grid names it by its official name (which holds the village)
    r = client.get("/exports/table.csv?area=330782001001002", headers=EN)
    assert "江滨社区第二网格" in r.data.decode("utf-8-sig")


# 7. the legend lists the boundaries the map draws in the view, in their style


def _legend(conn, scope, **kw):
    from gis.exports import cartography, mapping

    with cartography.style():
        page = mapping.Page("A4", False)
        spec = mapping.prepare(conn, scope, "density", aspect=page.aspect, **kw)
        page.draw(spec)
        legend = page.ax.get_legend()
        entries = {
            t.get_text(): (h.get_color(), h.get_linewidth())
            for t, h in zip(legend.get_texts(), legend.legend_handles, strict=True)
            if hasattr(h, "get_linewidth") and hasattr(h, "get_color")
        }
        # the boundary lines drawn, by colour and width
        drawn = {
            (tuple(c.get_colors()[0]), c.get_linewidths()[0])
            for c in page.ax.collections
            if type(c).__name__ == "LineCollection" and len(c.get_segments())
        }
    return spec, entries, drawn, page.fs


def test_a_grid_export_outlines_the_grid_and_its_legend_matches(conn):
    from matplotlib.colors import to_rgba

    from gis.gate import scope_for_area
    from gis.messages import speaking

    county = scope_for_area(conn, "330782000000", user="legend_tester")
    with speaking("en"):
        # the view of grid 2 after a drill: the county's boundary is far outside it
        spec, entries, drawn, fs = _legend(
            conn, county, per="grid", bbox=(120.06, 29.21, 120.09, 29.29), drilled="330782001001002"
        )
    assert "Jurisdiction boundary" not in entries, entries  # not drawn in this view
    colour, width = entries["Boundary of 江滨社区 Grid 2"]
    assert (tuple(to_rgba(colour)), width) in {(c, w) for c, w in drawn}, (colour, width, drawn)
    # the grid's own outline is drawn
    assert spec.framed_outline
    # the whole county: its boundary is drawn and listed, in the style it is drawn with
    with speaking("en"):
        spec, entries, drawn, fs = _legend(conn, county)
    colour, width = entries["Jurisdiction boundary"]
    assert (tuple(to_rgba(colour)), width) in drawn, (colour, width, drawn)
    assert not spec.framed_outline and not any(k.startswith("Boundary of") for k in entries)
    # a grid user's own map: the grid is the jurisdiction, drawn and listed
    grid = scope_for_area(conn, "330782001001002", user="legend_tester", role="village")
    with speaking("zh"):
        spec, entries, drawn, fs = _legend(conn, grid, per="grid")
    assert "辖区界" in entries and not spec.framed_outline


# 2. the planner's added site: checked when it is placed, by the plan's own test

SITE = "/api/planning/site"


def test_the_site_check_answers_inside_or_outside_by_the_plans_test(client):
    login(client, "planner_u")
    assert client.get(f"{SITE}?lon=120.0202&lat=29.2502").json == {"inside": True}
    r = client.get(f"{SITE}?lon=120.3&lat=29.3", headers=EN)
    assert r.status_code == 200  # an answer the page shows, not a failed request
    assert r.json == {
        "inside": False,
        "message": "this place (lon 120.30000, lat 29.30000) lies outside 义乌市, the area of "
        "this plan: a candidate site there serves none of its demand; click inside the "
        "outline of 义乌市",
    }
    zh = client.get(f"{SITE}?lon=120.3&lat=29.3", headers=ZH).json["message"]
    assert zh.startswith("此处（经度 120.30000，纬度 29.30000）位于本次规划的区域义乌市之外"), zh
    # the area narrows it, as it narrows the plan
    r = client.get(f"{SITE}?lon=120.07&lat=29.35&area=330782001001", headers=EN)
    assert r.json["inside"] is False and "江滨社区居委会" in r.json["message"]
    # a site the check accepts is one the plan takes
    body = {"model": "mclp", "k": 1, "radius": 800, "sites": [{"lon": 120.0202, "lat": 29.2502}]}
    assert client.post("/api/planning/place", json=body).status_code == 200


@pytest.mark.parametrize(
    "query, named",
    [
        ("lon=120.02", "lat"),
        ("lat=29.25", "lon"),
        ("lon=abc&lat=29.25", "lon"),
        ("lon=120.02&lat=95", "lat"),
        ("lon=120.02&lat=29.25&radius=800", "radius"),
        ("lon=120.02&lat=29.25&area=330782", "area"),
    ],
)
def test_the_site_check_refuses_bad_input_naming_it(client, query, named):
    login(client, "planner_u")
    msg = _error(client.get(f"{SITE}?{query}", headers=EN))
    assert named in msg, msg


@pytest.mark.parametrize("role", ["village_a", "auditor_u", "province_u"])
def test_the_site_check_is_for_planner_roles_only(client, role):
    login(client, role)
    _error(client.get(f"{SITE}?lon=120.02&lat=29.25"), status=403, code="forbidden")


def test_the_export_command_names_its_own_area_option(db_url, tmp_path):
    """The command line's export as a province user without --area: the same refusal,
    naming --area (the web's says area=); with it, the file."""
    from click.testing import CliRunner

    from cli.main import main

    out = tmp_path / "t.csv"
    args = ["--lang", "en", "export", "table", "--user", "province_u", "--format", "csv"]
    r = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert r.exit_code != 0 and not out.exists()
    assert "--area is missing: a Province staff account exports one county at a time" in r.output
    r = CliRunner().invoke(main, [*args, "--area", COUNTY, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0
