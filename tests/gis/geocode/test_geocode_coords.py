"""Coordinates: every system to WGS-84, round trips, swapped and bad values, and the
set-based placement on buildings and villages (with snapping)."""

from __future__ import annotations

import math

import numpy as np
import pyproj
from hypothesis import given, settings
from hypothesis import strategies as st

from gis import crs
from gis.geocode.coords import SNAP_M, clean_coordinates, place_points

A1_CENTRE = (120.0202, 29.2502)  # fixture building A1 is 120.02–120.0204 × 29.25–29.2504
M_PER_DEG_LON = 111320 * math.cos(math.radians(29.25))

china_lon = st.floats(73.5, 134.8)
china_lat = st.floats(18.2, 53.5)


def metres(lon1, lat1, lon2, lat2):
    return pyproj.Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2]


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_round_trip_within_half_a_metre(lon, lat):
    g = crs.wgs84_to_gcj02(lon, lat)
    back = clean_coordinates([g[0]], [g[1]], ["gcj02"])
    assert metres(lon, lat, back.lon[0], back.lat[0]) < 0.5
    again = crs.wgs84_to_gcj02(back.lon[0], back.lat[0])
    assert metres(g[0], g[1], *again) < 0.5


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trip_within_half_a_metre(lon, lat):
    b = crs.wgs84_to_bd09(lon, lat)
    back = clean_coordinates([b[0]], [b[1]], ["bd09"])
    assert metres(lon, lat, back.lon[0], back.lat[0]) < 0.5
    again = crs.wgs84_to_bd09(back.lon[0], back.lat[0])
    assert metres(b[0], b[1], *again) < 0.5


def test_wgs84_and_cgcs2000_pass_through():
    c = clean_coordinates(["120.0202", "120.0202"], ["29.2502", "29.2502"], ["wgs84", "CGCS2000"])
    assert np.allclose(c.lon, 120.0202) and np.allclose(c.lat, 29.2502)


def test_gauss_kruger_zones():
    # zone 40 with the zone number in the easting (4528) and the 120°E CM zone (4549)
    for epsg in (4528, 4549):
        t = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
        x, y = t.transform(*A1_CENTRE)
        c = clean_coordinates([x], [y], [f"EPSG:{epsg}"])
        assert metres(*A1_CENTRE, c.lon[0], c.lat[0]) < 0.01, epsg


def test_bad_values_get_reasons_and_never_raise():
    c = clean_coordinates(
        ["abc", "0", "", "120.02", "120.02", "999", "120.02"],
        ["29.25", "0", "", "", "29.25", "29.25", "29.25"],
        ["", "", "", "", "mars", "", "wgs84"],
    )
    reasons = list(c.reason)
    assert "not a number" in reasons[0]
    assert "0,0" in reasons[1]
    assert reasons[2] is None and not c.given[2]  # nothing given: no problem
    assert "only one" in reasons[3]
    assert "unknown CRS 'mars'" in reasons[4]
    assert "outside" in reasons[5]
    assert reasons[6] is None and c.given[6]
    assert np.isnan(c.lon[:6]).all()


def test_swapped_lat_lon_is_put_right():
    c = clean_coordinates([29.2502], [120.0202])
    assert c.swapped[0] and (c.lon[0], c.lat[0]) == A1_CENTRE


def test_place_points_building_snap_village_outside(conn):
    east = 120.0204 + 3.0 / M_PER_DEG_LON  # 3 m east of A1
    far = 120.0204 + 30.0 / M_PER_DEG_LON  # 30 m east of A1
    g = crs.wgs84_to_gcj02(*A1_CENTRE)  # A1 as a phone map app gives it
    gx = clean_coordinates([g[0]], [g[1]], ["gcj02"])
    lon = np.array([A1_CENTRE[0], east, far, 121.5, np.nan, gx.lon[0]])
    lat = np.array([A1_CENTRE[1], 29.2502, 29.2502, 29.3, np.nan, gx.lat[0]])
    p = place_points(conn, lon, lat)
    assert list(p.building_id[:3]) == ["A1", "A1", None]
    assert p.distance_m[0] == 0
    assert 2.5 < p.distance_m[1] <= SNAP_M
    assert p.village_code[2] == "330782001001" and p.in_county[2]
    assert not p.in_county[3] and p.village_code[3] is None
    assert p.building_id[4] is None and not p.in_county[4]
    assert p.building_id[5] == "A1"
    # the raw GCJ-02 point (≈ 500 m off) is not in A1: that is why the datum matters
    assert place_points(conn, np.array([g[0]]), np.array([g[1]])).building_id[0] != "A1"
