"""Vector tiles against the real PostGIS, decoded and their features checked."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
import sqlalchemy as sa

from tests.conftest import login
from webmap.tiles import CACHE


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def get(client, layer, lon, lat, z, **params):
    zz, x, y = tile_of(lon, lat, z)
    r = client.get(f"/tiles/{layer}/{zz}/{x}/{y}.pbf", query_string=params)
    assert r.status_code == 200, r.data
    assert r.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(r.data).get(layer, {"features": []})["features"]


@pytest.fixture(autouse=True)
def fresh_cache():
    CACHE.bump()


def ids(features):
    return sorted(f["properties"]["id"] for f in features)


def hid(conn, no):
    return conn.execute(
        sa.text("SELECT id FROM households WHERE household_no = :n"), {"n": no}
    ).scalar()


def test_households_only_in_scope(client, conn):
    login(client, "village_a")
    # HA1 (building A1) at street zoom
    feats = get(client, "households", 120.0202, 29.2502, 16)
    assert ids(feats) == [hid(conn, "HA1")]
    props = feats[0]["properties"]
    assert props["persons"] == 3 and props["migrants"] == 0 and props["level"] == "building"
    # HB1 is in village B: the tile is empty for village A
    assert get(client, "households", 120.0502, 29.3502, 16) == []
    client.post("/logout")
    login(client, "village_b")
    assert ids(get(client, "households", 120.0502, 29.3502, 16)) == [hid(conn, "HB1")]


def test_households_aggregated_below_street_zoom(client):
    login(client, "county_u")
    feats = get(client, "households", 120.1, 29.3, 10)
    assert sum(f["properties"]["households"] for f in feats) == 4  # HX1 has no point
    assert all("id" not in f["properties"] for f in feats)


def test_filters(client, conn):
    login(client, "village_a")
    assert ids(get(client, "households", 120.0702, 29.2502, 16, population="migrants")) == [
        hid(conn, "HA2")
    ]
    assert get(client, "households", 120.0202, 29.2502, 16, population="migrants") == []
    # women aged 15–49: 李娜 (1987) lives in HA1
    assert len(get(client, "households", 120.0202, 29.2502, 16, women15_49="1")) == 1
    # residence permits of HA2 expire on 2026-12-10: within 30 days of 2026-11-20
    assert (
        len(
            get(
                client,
                "households",
                120.0702,
                29.2502,
                16,
                certificates="expiring",
                as_of="2026-11-20",
            )
        )
        == 1
    )
    assert (
        get(
            client, "households", 120.0702, 29.2502, 16, certificates="expiring", as_of="2026-01-01"
        )
        == []
    )
    r = client.get("/tiles/households/16/1/1.pbf?population=aliens")
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_input"


def test_as_of_date_and_visits(client, conn):
    import datetime as d

    from gis.gate import Gate, scope_for_area

    gate = Gate(conn, scope_for_area(conn, "330782001001", user="a", role="village"))
    gate.record_event(hid(conn, "HA1"), "move_in", d.date(2026, 6, 1))
    gate.record_event(hid(conn, "HA1"), "visit", d.date(2026, 11, 1))
    login(client, "village_a")
    here = dict(lon=120.0202, lat=29.2502, z=16)
    assert len(get(client, "households", **here, as_of="2026-07-01")) == 1
    assert get(client, "households", **here, as_of="2026-05-01") == []  # not yet arrived
    assert get(client, "households", **here, as_of="2026-11-20", not_visited_days="30") == []
    assert len(get(client, "households", **here, as_of="2026-11-20", not_visited_days="10")) == 1


def test_density_is_aggregate_and_scoped(client):
    login(client, "county_u")  # a people role: exact counts in hexagons
    feats = get(client, "migrant_density", 120.1, 29.3, 10)  # one tile: all four
    assert sum(f["properties"]["migrants"] for f in feats) == 2  # HA2's two migrants
    assert sum(f["properties"]["persons"] for f in feats) == 10
    assert all(set(f["properties"]) == {"persons", "migrants", "migrants_per_km2"} for f in feats)
    client.post("/logout")
    login(client, "planner_u")  # an aggregate role: the disclosure rule
    feats = get(client, "migrant_density", 120.1, 29.3, 10)
    # the fixture's 10 persons fall in cells of fewer than 5: nothing is published
    assert all(f["properties"]["persons"] >= 5 for f in feats)
    assert all(
        f["properties"].get("migrants", 0) in (0,) or f["properties"]["migrants"] >= 5
        for f in feats
    )
    assert get(client, "migrant_density", 120.0202, 29.2502, 15) == []  # above zoom 14
    r = client.get("/tiles/households/16/1/1.pbf")
    assert r.status_code == 403


def test_public_layers(client):
    login(client, "village_a")
    # the boundaries of the user's own areas only (as /api/layers/boundaries): not the
    # neighbouring village 330782001002 (test_findings_web19)
    b = get(client, "boundaries", 120.05, 29.25, 12)
    assert {f["properties"]["code"] for f in b} == {"330782001001"}
    assert [f["properties"]["use"] for f in get(client, "buildings", 120.0202, 29.2502, 16)] == [
        "residential"
    ]
    sp = get(client, "service_points", 120.03, 29.26, 14)
    assert [f["properties"]["point_id"] for f in sp] == ["SP1"]
    assert get(client, "buildings", 120.0202, 29.2502, 12) == []  # not at county zooms


def test_tile_errors(client):
    r = client.get("/tiles/households/16/1/1.pbf")
    assert r.status_code == 401
    login(client, "village_a")
    r = client.get("/tiles/people/16/1/1.pbf")
    assert r.status_code == 404 and set(r.json["error"]) == {"status", "code", "message"}
    r = client.get("/tiles/buildings/3/9/9.pbf")
    assert r.status_code == 400 and "does not exist" in r.json["error"]["message"]


def test_cache_serves_repeat_and_is_bumped_by_writes(client, conn):
    login(client, "village_a")
    z, x, y = tile_of(120.0202, 29.2502, 16)
    url = f"/tiles/households/{z}/{x}/{y}.pbf"
    first = client.get(url).data
    assert client.get(url).data == first
    hits = len(CACHE._data)
    assert hits >= 1
    CACHE.bump()
    assert len(CACHE._data) == 0


def test_gcj02_datum_moves_features_by_the_offset(client):
    """With a GCJ-02 basemap, a building is drawn where GCJ-02 puts it."""
    import numpy as np

    from gis import crs

    login(client, "village_a")
    z = 17
    glon, glat = crs.wgs84_to_gcj02(np.array([120.0204]), np.array([29.2504]))
    plain = get(client, "buildings", 120.0204, 29.2504, z)
    shifted = get(client, "buildings", float(glon[0]), float(glat[0]), z, datum="gcj02")
    assert plain and shifted
    assert plain[0]["properties"]["id"] == shifted[0]["properties"]["id"]
    assert client.get("/tiles/buildings/17/1/1.pbf?datum=mars").status_code == 400


def test_tiles_with_an_api_token(app, conn):
    """Desktop GIS (QGIS) fetches tiles with a Bearer token instead of a session."""
    from gis import users_tokens

    token = users_tokens.create_token(conn, "village_a")
    client = app.test_client()
    z, x, y = tile_of(120.0202, 29.2502, 16)
    r = client.get(
        f"/tiles/households/{z}/{x}/{y}.pbf", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200 and mapbox_vector_tile.decode(r.data)["households"]
    bad = client.get(f"/tiles/households/{z}/{x}/{y}.pbf", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_landcover_tiles(client, conn):
    conn.execute(
        sa.text(
            "INSERT INTO landcover (ext_id, county_code, kind, name, geom) VALUES ('L1', '330782', "
            "'water', '绣湖', ST_Multi(ST_MakeEnvelope(120.03, 29.23, 120.04, 29.24, 4326)))"
        )
    )
    login(client, "village_a")
    feats = get(client, "landcover", 120.035, 29.235, 14)
    assert [(f["properties"]["kind"], f["properties"]["name"]) for f in feats] == [
        ("water", "绣湖")
    ]
