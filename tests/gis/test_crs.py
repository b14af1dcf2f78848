"""Tests for gis.crs: GCJ-02/BD-09 round trips, fixed points, names, Gauss-Krüger zones."""

from __future__ import annotations

import sys
import time

import numpy as np
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gis import crs
from gis.crs import CRSError

EARTH_R = 6371008.8

lons = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
lats = st.floats(min_value=18.0, max_value=53.0, allow_nan=False)


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """These tests compare the English messages (Chinese is the default)."""
    monkeypatch.setenv("POPGIS_LANG", "en")


def haversine_m(lon1, lat1, lon2, lat2):
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_R * np.arcsin(np.sqrt(a))


def _reference_gcj(lon, lat):
    """Independent scalar copy of the published GCJ-02 forward formula (math module only)."""
    import math

    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    )
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    sm = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * sm) * math.pi)
    dlon = (dlon * 180.0) / (a / sm * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


# --- round trips -----------------------------------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(lons, lats)
def test_gcj02_wgs84_round_trip_within_half_metre(lon, lat):
    wlon, wlat = crs.gcj02_to_wgs84(lon, lat)
    glon, glat = crs.wgs84_to_gcj02(wlon, wlat)
    assert haversine_m(lon, lat, glon, glat) < 0.5
    # The inverse is iterative, so it is in fact far better than the brief requires.
    assert haversine_m(lon, lat, glon, glat) < 0.001


@settings(max_examples=300, deadline=None, database=None)
@given(lons, lats)
def test_wgs84_gcj02_round_trip(lon, lat):
    back = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lon, lat))
    assert haversine_m(lon, lat, *back) < 0.01


@settings(max_examples=300, deadline=None, database=None)
@given(lons, lats)
def test_bd09_wgs84_round_trip_within_half_metre(lon, lat):
    wlon, wlat = crs.bd09_to_wgs84(lon, lat)
    blon, blat = crs.wgs84_to_bd09(wlon, wlat)
    assert haversine_m(lon, lat, blon, blat) < 0.5
    back = crs.bd09_to_gcj02(*crs.gcj02_to_bd09(lon, lat))
    assert haversine_m(lon, lat, *back) < 0.01


def test_vectorised_matches_scalar():
    rng = np.random.default_rng(1)
    lon = rng.uniform(73, 135, 50)
    lat = rng.uniform(18, 53, 50)
    vlon, vlat = crs.gcj02_to_wgs84(lon, lat)
    for i in range(50):
        slon, slat = crs.gcj02_to_wgs84(float(lon[i]), float(lat[i]))
        assert slon == pytest.approx(vlon[i], abs=1e-12)
        assert slat == pytest.approx(vlat[i], abs=1e-12)


# --- fixed points ----------------------------------------------------------------


def test_known_point_tiananmen():
    lon, lat = crs.wgs84_to_gcj02(116.397128, 39.916527)
    ref = _reference_gcj(116.397128, 39.916527)
    assert haversine_m(lon, lat, *ref) < 1e-6
    # Value commonly quoted for this point, computed with the published formula.
    assert haversine_m(lon, lat, 116.40337, 39.91793) < 1.0
    wlon, wlat = crs.gcj02_to_wgs84(lon, lat)
    assert haversine_m(wlon, wlat, 116.397128, 39.916527) < 0.01


def test_forward_matches_reference_formula_on_grid():
    lon, lat = np.meshgrid(np.linspace(73, 135, 40), np.linspace(18, 53, 30))
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    for i in range(0, lon.size, 97):
        r = _reference_gcj(float(lon.flat[i]), float(lat.flat[i]))
        assert glon.flat[i] == pytest.approx(r[0], abs=1e-12)
        assert glat.flat[i] == pytest.approx(r[1], abs=1e-12)
    assert glon.shape == lon.shape


def test_offset_magnitude_in_yiwu():
    d = haversine_m(120.07, 29.30, *crs.wgs84_to_gcj02(120.07, 29.30))
    assert 100 < d < 700


def test_outside_china_unchanged():
    lon = np.array([2.35, -74.0, 139.7, 100.0])
    lat = np.array([48.85, 40.7, 35.7, -5.0])
    for f in (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84):
        olon, olat = f(lon, lat)
        np.testing.assert_array_equal(olon, lon)
        np.testing.assert_array_equal(olat, lat)


def test_nan_passes_through_without_warnings():
    with np.errstate(all="raise"):
        lon, lat = crs.gcj02_to_wgs84(np.array([np.nan, 120.0]), np.array([30.0, np.nan]))
    assert np.isnan(lon[0]) and np.isnan(lat[1])


def test_in_china_and_swapped():
    assert crs.in_china(120.07, 29.30) is True
    assert crs.in_china(2.35, 48.85) is False
    np.testing.assert_array_equal(
        crs.looks_swapped([29.30, 120.07, 2.35], [120.07, 29.30, 48.85]), [True, False, False]
    )


# --- names, to_wgs84 --------------------------------------------------------------


@pytest.mark.parametrize(
    "name,canon",
    [
        ("wgs84", "wgs84"),
        ("WGS-84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("4326", "wgs84"),
        (4326, "wgs84"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("gcj", "gcj02"),
        ("bd09", "bd09"),
        ("BD-09", "bd09"),
        ("Baidu", "bd09"),
        ("cgcs2000", "cgcs2000"),
        ("epsg:4490", "cgcs2000"),
        ("4490", "cgcs2000"),
        ("EPSG:4527", "epsg:4527"),
        (" epsg:4491 ", "epsg:4491"),
        ("EPSG:4554", "epsg:4554"),
    ],
)
def test_normalize_crs(name, canon):
    assert crs.normalize_crs(name) == canon


def test_unknown_crs_suggests():
    with pytest.raises(CRSError) as ei:
        crs.to_wgs84(120.0, 30.0, "gcj2")
    msg = str(ei.value)
    assert "unknown CRS 'gcj2'" in msg
    assert "wgs84, gcj02, bd09, cgcs2000" in msg
    assert "EPSG:4491–4554" in msg
    assert msg.endswith("did you mean gcj02?")
    assert isinstance(ei.value, ValueError)


@pytest.mark.parametrize("bad", ["epsg:4555", "EPSG:3857", "utm", ""])
def test_unsupported_crs_raises(bad):
    with pytest.raises(CRSError, match="expected one of"):
        crs.normalize_crs(bad)


def test_to_wgs84_dispatch():
    glon, glat = crs.wgs84_to_gcj02(120.07, 29.30)
    assert haversine_m(*crs.to_wgs84(glon, glat, "GCJ-02"), 120.07, 29.30) < 0.01
    blon, blat = crs.wgs84_to_bd09(120.07, 29.30)
    assert haversine_m(*crs.to_wgs84(blon, blat, "baidu"), 120.07, 29.30) < 0.01
    assert crs.to_wgs84(120.07, 29.30, "cgcs2000") == (120.07, 29.30)
    out = crs.to_wgs84(np.array([120.07]), np.array([29.30]), "epsg:4326")
    assert isinstance(out[0], np.ndarray)


@pytest.mark.parametrize(
    "epsg,lon,lat",
    [
        # EPSG:4527 is 3-degree zone 39 (central meridian 117°E, Beijing); zone 40 (120°E,
        # Yiwu) is EPSG:4528. Both carry the zone number in front of the easting.
        (4527, 116.397128, 39.916527),
        (4528, 120.07, 29.30),
        (4549, 120.07, 29.30),  # 3-degree CM 120E, no zone prefix
        (4491, 75.99, 39.47),  # 6-degree zone 13 (Kashgar)
    ],
)
def test_gauss_kruger_back_to_lonlat(epsg, lon, lat):
    fwd = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    x, y = fwd.transform(lon, lat)
    if epsg in (4527, 4528):
        assert str(int(x)).startswith(str(epsg - 4488))  # zone prefix: 39…, 40…
    rlon, rlat = crs.to_wgs84(x, y, f"EPSG:{epsg}")
    assert abs(rlon - lon) < 1e-6 and abs(rlat - lat) < 1e-6


# --- metric helpers ---------------------------------------------------------------


def test_utm_epsg_for():
    assert crs.utm_epsg_for(120.07, 29.30) == 32651
    assert crs.utm_epsg_for(116.4, 39.9) == 32650
    assert crs.utm_epsg_for(np.array([120.0, 120.1, np.nan]), np.array([29.0, 29.1, 1.0])) == 32651
    assert crs.utm_epsg_for(-58.4, -34.6) == 32721
    with pytest.raises(CRSError, match="swapped"):
        crs.utm_epsg_for(400000.0, 3300000.0)


def test_require_projected():
    with pytest.raises(CRSError) as ei:
        crs.require_projected("EPSG:4326", near=(120.07, 29.30), operation="a 500 m buffer")
    msg = str(ei.value)
    assert "wgs84" in msg and "EPSG:32651" in msg and "a 500 m buffer" in msg
    with pytest.raises(CRSError, match="gcj02"):
        crs.require_projected("gcj02")
    with pytest.raises(CRSError, match="no CRS"):
        crs.require_projected(None)
    assert crs.require_projected("EPSG:4528") == "EPSG:4528"
    assert crs.require_projected(pyproj.CRS.from_epsg(32651)).to_epsg() == 32651


# --- scale and purity -------------------------------------------------------------


def test_million_points_vectorised():
    rng = np.random.default_rng(0)
    n = 1_000_000
    lon = rng.uniform(73, 135, n)
    lat = rng.uniform(18, 53, n)
    t0 = time.perf_counter()
    wlon, wlat = crs.gcj02_to_wgs84(lon, lat)
    blon, blat = crs.wgs84_to_bd09(wlon, wlat)
    elapsed = time.perf_counter() - t0
    assert wlon.shape == (n,) and blat.shape == (n,)
    assert np.isfinite(wlon).all()
    # A per-point Python loop takes minutes for 1 M points; vectorised code takes ~2 s.
    assert elapsed < 30


def test_no_web_stack_imports():
    import subprocess

    code = (
        "import sys, gis.crs; "
        "bad = [m for m in ('flask', 'folium') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(_repo_root()))


def _repo_root():
    from pathlib import Path

    return Path(crs.__file__).resolve().parent.parent
