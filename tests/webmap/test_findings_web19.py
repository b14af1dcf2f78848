"""Findings of an outside tester (session 24, round 2) that the API answers: the
boundary tiles hold only the user's areas (as /api/layers/boundaries), a service point
just outside the area is context without its village's code, an empty area parameter
is a 400 on every route taking one, messages that suggest what to send, and the layer
in a GIS download's local name. Each failed before its fix."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
import sqlalchemy as sa

from tests.conftest import login
from webmap.tiles import CACHE

EN = {"Accept-Language": "en"}

# 1. the boundary tiles hold the areas of the user's jurisdiction only

# z14 tile at the fixture county's east border (120.2): lon 120.1904–120.2124,
# lat 29.2481–29.2672
BORDER_TILE = (14, 13662, 6798)

#: 东阳市 east of the fixture county with a township, a village and a service station
#: 200 m over the border
NEIGHBOUR = """
    INSERT INTO admin_area (code, path, name, level, parent_code, county_code, geom)
    SELECT * FROM (VALUES
      ('330783000000', '330783', '东阳市', 'county', '330700000000', '330783',
       ST_Multi(ST_MakeEnvelope(120.2, 29.2, 120.4, 29.4, 4326))),
      ('330783108000', '330783108', '歌山镇', 'township', '330783000000', '330783',
       ST_Multi(ST_MakeEnvelope(120.2, 29.2, 120.3, 29.3, 4326))),
      ('330783108200', '330783108200', '歌山村委会', 'village', '330783108000', '330783',
       ST_Multi(ST_MakeEnvelope(120.2, 29.25, 120.25, 29.3, 4326)))) v
    WHERE NOT EXISTS (SELECT 1 FROM admin_area WHERE code = '330783000000');
    INSERT INTO service_points (ext_id, county_code, kind, name, admin_path, village_code,
                                geom, active)
    VALUES ('330783SP00105', '330783', 'service_station', '歌山服务站', '330783108200',
            '330783108200', ST_SetSRID(ST_MakePoint(120.202, 29.26), 4326), true)"""


@pytest.fixture
def neighbour(conn):
    from gis import partitions
    from gis.regions import ensure_regions

    partitions.ensure_county(conn, "330783")
    conn.execute(sa.text(NEIGHBOUR))
    ensure_regions(conn)
    CACHE.bump()
    yield
    CACHE.bump()


def _tile_codes(client, tile) -> set[str]:
    z, x, y = tile
    r = client.get(f"/tiles/boundaries/{z}/{x}/{y}.pbf")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    layer = mapbox_vector_tile.decode(r.data).get("boundaries", {"features": []})
    return {f["properties"]["code"] for f in layer["features"]}


def _api_codes(client) -> set[str]:
    codes = set()
    for level in ("county", "township", "village", "grid"):
        fc = client.get(f"/api/layers/boundaries?level={level}").json
        codes |= {f["properties"]["code"] for f in fc["features"]}
    return codes


def _tile_at(lon, lat, z):
    import math

    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


@pytest.mark.parametrize("role", ["county_u", "town_u", "village_a", "grid_a2", "planner_u"])
@pytest.mark.parametrize("z", [9, 12, 14])
def test_boundary_tiles_hold_only_the_areas_the_layers_api_gives(client, neighbour, role, z):
    login(client, role)
    api = _api_codes(client)
    # at the county's east border, and at 江滨 and 下车门 (two villages side by side)
    for lon, lat in ((120.201, 29.26), (120.035, 29.26), (120.05, 29.3045)):
        codes = _tile_codes(client, _tile_at(lon, lat, z))
        assert codes <= api, (role, z, codes - api)
        assert not {"330783000000", "330783108000", "330783108200"} & codes


def test_a_county_user_still_sees_its_own_areas_in_the_tiles(client, neighbour):
    login(client, "county_u")
    codes = _tile_codes(client, _tile_at(120.035, 29.26, 12))
    assert {"330782000000", "330782001000", "330782001001"} <= codes


def test_a_service_point_just_outside_is_context_without_its_village_code(client, neighbour):
    login(client, "county_u")
    fc = client.get("/api/layers/service_points").json
    by_id = {f["properties"]["point_id"]: f["properties"] for f in fc["features"]}
    sp = by_id["330783SP00105"]
    assert sp["outside"] and 100 < sp["distance_m"] < 300
    assert sp["village_code"] is None
    # a point of the user's own area keeps its village
    assert by_id["SP1"]["village_code"] == "330782001001"


# 2. an empty area is a 400 naming it on every route taking one (before: the planning
# place, the exports and the figures took it as "the user's whole area")

EMPTY_AREA_GETS = [
    ("/api/planning/coverage?radius=800&area=", "area"),
    ("/api/planning/site?lon=120.03&lat=29.26&area=", "area"),
    ("/exports/table.csv?area=", "area"),
    ("/exports/map.png?area=", "area"),
    ("/exports/map.png?drilled=", "drilled"),
    ("/exports/atlas.pdf?area=", "area"),
    ("/exports/layers.geojson?layer=village_stats&area=", "area"),
    ("/api/regions/figures?within=", "within"),
    ("/api/regions/figures?within=%20", "within"),
    ("/ogc/collections/village_stats/items?area=", "area"),
]


@pytest.mark.parametrize("url, name", EMPTY_AREA_GETS)
def test_an_empty_area_parameter_is_a_400_naming_it(client, url, name):
    login(client, "planner_u")
    r = client.get(url, headers=EN)
    assert r.status_code == 400, (url, r.status_code, r.get_data(as_text=True)[:200])
    msg = r.json["error"]["message"]
    assert msg.startswith(f"{name}= is empty"), msg


@pytest.mark.parametrize("blank", ["", " "])
def test_an_empty_area_in_a_plan_is_a_400_naming_it(client, blank):
    login(client, "planner_u")
    body = {"model": "mclp", "k": 1, "radius": 800, "demand": "residents", "area": blank}
    r = client.post("/api/planning/place", json=body, headers=EN)
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    msg = r.json["error"]["message"]
    assert msg.startswith("area= is empty") and "330782" in msg, msg


def test_the_empty_area_message_suggests_a_code_in_chinese_too(client):
    login(client, "county_u")
    r = client.get("/exports/table.csv?area=", headers={"Accept-Language": "zh"})
    assert r.status_code == 400
    assert r.json["error"]["message"] == (
        "area= 为空：请去掉 area，或给出您管辖范围内某个区划的代码，例如 330782000000"
    )


# 3. messages that say what to send


def test_a_malformed_drilled_area_suggests_a_code(client):
    login(client, "county_u")
    r = client.get("/exports/map.png?drilled=3307", headers=EN)
    assert r.status_code == 400
    msg = r.json["error"]["message"]
    assert msg.startswith("drilled='3307': expected the 12-digit code") and "e.g. 33078" in msg


def test_a_grid_atlas_names_the_atlas_to_ask_for_instead(client):
    login(client, "county_u")
    r = client.get("/exports/atlas.pdf?area=330782001001002", headers=EN)
    assert r.status_code == 400
    assert r.json["error"]["message"] == (
        "area 330782001001002 has no village to make pages of: it lies inside one; ask for "
        "the atlas of 330782001001 (its village), or for a map of 330782001001002 alone"
    )


@pytest.mark.parametrize(
    "query, said",
    [
        ("lon=1e308&lat=29.26", "lon='1e308' is outside [-180, 180]"),
        ("lon=120.03&lat=-1e400", "lat='-1e400' is outside [-90, 90]"),
        ("lon=-inf&lat=29.26", "lon='-inf' is outside [-180, 180]"),
        # NaN is a number out of range, as the README says (session 25, web21)
        ("lon=nan&lat=29.26", "lon='nan' is outside [-180, 180]"),
        ("lon=12o&lat=29.26", "lon must be a number; got '12o'"),
    ],
)
def test_a_site_far_out_of_range_says_the_range(client, query, said):
    login(client, "planner_u")
    r = client.get("/api/planning/site?" + query, headers=EN)
    assert r.status_code == 400 and r.json["error"]["message"] == said, r.json


PLACE = {"model": "mclp", "radius": 800, "demand": "residents"}


@pytest.mark.parametrize(
    "k, said",
    [
        (
            True,
            "k=true is true/false, not a number: send the number of new sites, a whole "
            'number in [1, 1000000], e.g. "k": 2',
        ),
        (False, "k=false is true/false, not a number"),
        ([2], "k=[2] is not allowed"),
        ({"n": "二"}, 'k={"n": "二"} is not allowed'),
    ],
)
def test_k_is_named_as_json_spells_it(client, k, said):
    login(client, "planner_u")
    r = client.post("/api/planning/place", json={**PLACE, "k": k}, headers=EN)
    assert r.status_code == 400 and r.json["error"]["message"].startswith(said), r.json


def test_k_missing_says_what_to_give(client):
    login(client, "planner_u")
    r = client.post("/api/planning/place", json=PLACE, headers=EN)
    assert r.status_code == 400
    assert r.json["error"]["message"] == (
        "k is missing: give the number of new sites to place (K on the planner page), a "
        'whole number in [1, 1000000], e.g. "k": 2'
    )


def _review_item(conn, no: str, n: int) -> int:
    cands = ", ".join(['{"level": "village", "village_code": "330782001001", "score": 0.5}'] * n)
    return conn.execute(
        sa.text("""
        INSERT INTO geocode_review (household_id, county_code, admin_path, address, reason,
                                    level, score, candidates)
        SELECT id, county_code, admin_path, address, 'web19', 'village', 0.5,
               CAST(:c AS jsonb)
        FROM households WHERE household_no = :n
        RETURNING id"""),
        {"n": no, "c": f"[{cands}]"},
    ).scalar()


@pytest.mark.parametrize(
    "n, body, said",
    [
        (
            1,
            {"candidate": 1},
            "candidate=1 is not a candidate of this review item: send 0 (the "
            'only candidate), e.g. "candidate": 0',
        ),
        (
            1,
            {"candidate": None},
            "candidate is null: send the number of the candidate to "
            'accept, 0 (the only candidate), e.g. "candidate": 0',
        ),
        (
            1,
            {"candidate": True},
            "candidate=true is true/false, not a number: send the number "
            'of the candidate to accept, 0 (the only candidate), e.g. "candidate": 0',
        ),
        (
            3,
            {"candidate": 3},
            "candidate=3 is not a candidate of this review item: send a "
            'whole number from 0 to 2, e.g. "candidate": 0',
        ),
        (3, {"candidate": 1.5}, "candidate=1.5 is not a candidate"),
    ],
)
def test_a_review_refusal_says_which_candidates_there_are(client, conn, n, body, said):
    rid = _review_item(conn, "HA1", n)
    login(client, "village_a")
    r = client.post(f"/api/review/{rid}/accept", json=body, headers=EN)
    assert r.status_code == 400 and r.json["error"]["message"].startswith(said), r.json
    zh = client.post(f"/api/review/{rid}/accept", json=body, headers={"Accept-Language": "zh"})
    if n == 1:
        assert "0（唯一的候选位置）" in zh.json["error"]["message"]
        assert "0 到 0" not in zh.json["error"]["message"]


def test_a_grid_atlas_refusal_in_chinese_names_the_village(client):
    login(client, "county_u")
    r = client.get("/exports/atlas.pdf?area=330782001001002", headers={"Accept-Language": "zh"})
    assert r.status_code == 400 and r.json["error"]["message"] == (
        "地区 330782001001002 没有可制作图页的村/社区：它位于一个村/社区之内；请导出 "
        "330782001001（其所在村/社区）的图集，或只导出 330782001001002 的一幅地图"
    )


# 4. a GIS layer's local download name carries the layer, as the ASCII name does


@pytest.mark.parametrize("lang, kind", [("zh", "图层"), ("en", "GIS layers")])
def test_each_layer_downloads_under_its_own_name(client, conn, lang, kind):
    from urllib.parse import unquote

    today = conn.execute(sa.text("SELECT to_char(current_date, 'YYYYMMDD')")).scalar()
    login(client, "county_u")
    names = set()
    for layer in ("village_stats", "grid_stats", "service_points"):
        r = client.get(f"/exports/layers.geojson?layer={layer}", headers={"Accept-Language": lang})
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        disposition = r.headers["Content-Disposition"]
        ascii_name = disposition.split('filename="')[1].split('"')[0]
        local = unquote(disposition.split("filename*=UTF-8''")[1])
        assert ascii_name == f"popgis-layers-{layer}-330782000000-{today}.geojson"
        assert local == f"义乌市-{kind}-{layer}-{today}.geojson"
        names.add(local)
    assert len(names) == 3
    # several layers in one GeoPackage: all of them, in the order asked
    r = client.get("/exports/layers.gpkg?layer=grid_stats&layer=village_stats")
    local = unquote(r.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert local.startswith("义乌市-GIS layers-grid_stats-village_stats-"), local
