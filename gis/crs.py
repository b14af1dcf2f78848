"""Coordinate systems used by Chinese data sources, and conversion to WGS-84.

Chinese web maps do not publish WGS-84 coordinates:

* **GCJ-02** ("Mars coordinates") is WGS-84 with a deliberate, smooth, non-linear
  offset of roughly 100–700 m inside mainland China. Amap/Gaode, Tencent and Google
  China tiles use it.
* **BD-09** is Baidu's further distortion of GCJ-02.
* **CGCS2000** (EPSG:4490) is the national geodetic datum. It differs from WGS-84 by
  well under 0.1 m, far below the accuracy of household addresses, so it is treated
  as WGS-84 here.
* **CGCS2000 Gauss-Krüger** zones (EPSG:4491–4554) are the projected grids used by
  surveying and land-registry offices: x = easting, y = northing, in metres.

All functions take and return longitude/latitude in decimal degrees, in the order
(lon, lat), and work on numpy arrays without per-point Python loops. Scalars in give
floats out. Only numpy and pyproj are used so the module is safe for batch jobs that
must not pull in the web stack.
"""

from __future__ import annotations

import difflib
import functools
import re

import numpy as np
import pyproj
import shapely

from gis.errors import PopgisError
from gis.messages import _

__all__ = [
    "CRSError",
    "normalize_crs",
    "to_wgs84",
    "frame_to_wgs84",
    "gcj02_to_wgs84",
    "wgs84_to_gcj02",
    "bd09_to_gcj02",
    "gcj02_to_bd09",
    "bd09_to_wgs84",
    "wgs84_to_bd09",
    "in_china",
    "looks_swapped",
    "utm_epsg_for",
    "require_projected",
]


class CRSError(PopgisError, ValueError):
    """A coordinate system name that cannot be used, or a CRS unfit for the operation."""


# Krasovsky 1940 ellipsoid, as used by the GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

# The rough rectangle in which every public GCJ-02 implementation applies the offset.
# It is not the border of China (it includes parts of neighbouring countries), but it
# is what the map providers use, so matching it keeps our output equal to theirs.
CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)

# Fixed-point inversion: the offset's Jacobian is ~0.003, so every iteration gains
# about 2.5 decimal digits; 3 iterations already reach millimetres. The cap is a
# safety net, the tolerance (1e-12 degrees ≈ 0.1 µm) is the normal exit.
_MAX_ITER = 10
_TOL_DEG = 1e-12

_GK_FIRST, _GK_LAST = 4491, 4554

_ALIASES = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "wgs_84": "wgs84",
    "epsg:4326": "wgs84",
    "4326": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj_02": "gcj02",
    "gcj": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "bd_09": "bd09",
    "baidu": "bd09",
    "cgcs2000": "cgcs2000",
    "epsg:4490": "cgcs2000",
    "4490": "cgcs2000",
}

_GEOGRAPHIC = {"wgs84", "gcj02", "bd09", "cgcs2000"}


# ---------------------------------------------------------------------------
# helpers


def _as_arrays(lon, lat):
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    if lon_a.shape != lat_a.shape:
        try:
            lon_a, lat_a = np.broadcast_arrays(lon_a, lat_a)
        except ValueError:
            raise ValueError(
                f"lon and lat must have the same shape; got {lon_a.shape} and {lat_a.shape}"
            ) from None
    scalar = lon_a.ndim == 0
    return lon_a, lat_a, scalar


def _out(lon, lat, scalar):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def in_china(lon, lat):
    """True where (lon, lat) in degrees lies in the rectangle where GCJ-02 applies.

    Vectorised; NaN gives False. The rectangle (lon 72.004–137.8347,
    lat 0.8293–55.8271) is the conventional one used by the map providers.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    inside = (
        (lon_a >= CHINA_LON[0])
        & (lon_a <= CHINA_LON[1])
        & (lat_a >= CHINA_LAT[0])
        & (lat_a <= CHINA_LAT[1])
    )
    return bool(inside) if scalar else inside


def looks_swapped(lon, lat):
    """True where (lon, lat) is implausible for China but (lat, lon) would be plausible.

    Typical cause: a spreadsheet with the lat and lon columns exchanged. Vectorised.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    res = ~in_china(lon_a, lat_a) & in_china(lat_a, lon_a)
    return bool(res) if scalar else res


def _gcj_delta(lon, lat):
    """GCJ-02 offset (dlon, dlat) in degrees at WGS-84 (lon, lat), without the China test."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0

    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_abs_x
        + common
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_abs_x
        + common
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )

    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _bd_forward(lon, lat):
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_approx_inverse(lon, lat):
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, lon, lat, start_lon, start_lat):
    """Solve forward(w) = (lon, lat) for w by fixed-point iteration, vectorised."""
    w_lon = start_lon.copy()
    w_lat = start_lat.copy()
    for _step in range(_MAX_ITER):
        f_lon, f_lat = forward(w_lon, w_lat)
        e_lon = f_lon - lon
        e_lat = f_lat - lat
        w_lon -= e_lon
        w_lat -= e_lat
        # NaN inputs stay NaN and must not keep the loop running.
        if not (np.abs(e_lon) >= _TOL_DEG).any() and not (np.abs(e_lat) >= _TOL_DEG).any():
            break
    return w_lon, w_lat


# ---------------------------------------------------------------------------
# GCJ-02 / BD-09


def wgs84_to_gcj02(lon, lat):
    """WGS-84 → GCJ-02, degrees. Points outside the China rectangle are returned unchanged."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    dlon, dlat = _gcj_delta(lon_a, lat_a)
    mask = in_china(lon_a, lat_a)
    return _out(np.where(mask, lon_a + dlon, lon_a), np.where(mask, lat_a + dlat, lat_a), scalar)


def gcj02_to_wgs84(lon, lat):
    """GCJ-02 → WGS-84, degrees, exact to well under 1 mm (iterative inverse).

    Points outside the China rectangle are returned unchanged, as with every public
    implementation. The commonly copied one-step inverse is off by up to ~2 m, which is
    why this one iterates.
    """
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    mask = in_china(lon_a, lat_a)

    def forward(x, y):
        dx, dy = _gcj_delta(x, y)
        return x + dx, y + dy

    # Only points inside the rectangle are iterated: near the poles the offset formula
    # divides by cos(lat) ≈ 0 and would only produce overflow warnings to throw away.
    out_lon = lon_a.copy()
    out_lat = lat_a.copy()
    g_lon = lon_a[mask]
    g_lat = lat_a[mask]
    dlon, dlat = _gcj_delta(g_lon, g_lat)
    out_lon[mask], out_lat[mask] = _invert(forward, g_lon, g_lat, g_lon - dlon, g_lat - dlat)
    return _out(out_lon, out_lat, scalar)


def gcj02_to_bd09(lon, lat):
    """GCJ-02 → BD-09 (Baidu), degrees."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _out(*_bd_forward(lon_a, lat_a), scalar)


def bd09_to_gcj02(lon, lat):
    """BD-09 (Baidu) → GCJ-02, degrees; iterative inverse, exact to well under 1 mm."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    s_lon, s_lat = _bd_approx_inverse(lon_a, lat_a)
    return _out(*_invert(_bd_forward, lon_a, lat_a, s_lon, s_lat), scalar)


def bd09_to_wgs84(lon, lat):
    """BD-09 (Baidu) → WGS-84, degrees."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _out(*gcj02_to_wgs84(*bd09_to_gcj02(lon_a, lat_a)), scalar)


def wgs84_to_bd09(lon, lat):
    """WGS-84 → BD-09 (Baidu), degrees."""
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    return _out(*gcj02_to_bd09(*wgs84_to_gcj02(lon_a, lat_a)), scalar)


# ---------------------------------------------------------------------------
# names and generic conversion

_EXPECTED = "wgs84, gcj02, bd09, cgcs2000, EPSG:4491–4554 (CGCS2000 Gauss-Krüger)"


def _suggest(key: str) -> str | None:
    candidates = list(_ALIASES) + ["epsg:4527", "epsg:4528"]
    hit = difflib.get_close_matches(key, candidates, n=1, cutoff=0.5)
    if not hit:
        return None
    return _ALIASES.get(hit[0], hit[0].upper())


def normalize_crs(name) -> str:
    """Canonical name for a CRS spelling: 'wgs84', 'gcj02', 'bd09', 'cgcs2000' or 'epsg:45xx'.

    Accepts strings (case and surrounding spaces ignored), EPSG integers, and
    ``pyproj.CRS`` objects with an EPSG code. Raises :class:`CRSError` with the accepted
    names and a "did you mean" for anything else.
    """
    if isinstance(name, pyproj.CRS):
        code = name.to_epsg()
        if code is None:
            raise CRSError(
                _(
                    "CRS {name!r} has no EPSG code; expected one of {expected}",
                    name=name.name,
                    expected=_EXPECTED,
                )
            )
        name = code
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        key = f"epsg:{int(name)}"
    elif isinstance(name, str):
        key = re.sub(r"\s+", "", name).lower()
    else:
        raise CRSError(
            _(
                "CRS must be a name or EPSG code, got {type} {name!r}; expected one of {expected}",
                type=type(name).__name__,
                name=name,
                expected=_EXPECTED,
            )
        )
    if key.isdigit():
        key = f"epsg:{key}"
    if key in _ALIASES:
        return _ALIASES[key]
    m = re.fullmatch(r"epsg:(\d+)", key)
    if m and _GK_FIRST <= int(m.group(1)) <= _GK_LAST:
        return key
    msg = _("unknown CRS {name!r}; expected one of {expected}", name=name, expected=_EXPECTED)
    if m:
        # A real but unsupported EPSG code: a spelling suggestion would only mislead.
        raise CRSError(msg + _("; reproject the data to one of these first (e.g. in QGIS)"))
    hint = _suggest(key)
    if hint:
        msg += _("; did you mean {hint}?", hint=hint)
    raise CRSError(msg)


@functools.lru_cache(maxsize=64)
def _transformer_to_wgs84(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def to_wgs84(lon, lat, crs):
    """Convert coordinates in ``crs`` to WGS-84 (lon, lat) degrees.

    ``crs`` is any spelling accepted by :func:`normalize_crs`. For geographic CRSs the
    inputs are lon/lat degrees; for the CGCS2000 Gauss-Krüger zones (EPSG:4491–4554)
    ``lon`` is the easting x and ``lat`` the northing y, in metres (zones 4491–4501 and
    4513–4533 include the zone-number prefix in the easting). CGCS2000 is returned as is
    (it differs from WGS-84 by < 0.1 m).
    """
    canon = normalize_crs(crs)
    lon_a, lat_a, scalar = _as_arrays(lon, lat)
    if canon in ("wgs84", "cgcs2000"):
        return _out(lon_a.copy(), lat_a.copy(), scalar)
    if canon == "gcj02":
        return _out(*gcj02_to_wgs84(lon_a, lat_a), scalar)
    if canon == "bd09":
        return _out(*bd09_to_wgs84(lon_a, lat_a), scalar)
    # The Gauss-Krüger zones are CGCS2000-based; pyproj uses a null datum shift to
    # WGS-84, consistent with treating CGCS2000 as WGS-84 above.
    t = _transformer_to_wgs84(int(canon.split(":")[1]))
    x, y = t.transform(lon_a, lat_a)
    return _out(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), scalar)


# ---------------------------------------------------------------------------
# metric work


def frame_to_wgs84(gdf, declared: str | None, notes: list[str]):
    """A GeoDataFrame in WGS-84, honouring a declared ``--crs`` (which wins over the file's
    CRS); what was done is appended to ``notes``."""
    name = normalize_crs(declared) if declared else None
    if name in ("gcj02", "bd09"):
        fn = gcj02_to_wgs84 if name == "gcj02" else bd09_to_wgs84

        def shift(coords):
            x, y = fn(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        out = gdf.set_crs(4326, allow_override=True)
        out = out.set_geometry(shapely.transform(out.geometry.values, shift))
        notes.append(f"converted from {name.upper()} to WGS-84")
        return out
    if name and name.startswith("epsg:"):
        gdf = gdf.set_crs(name.upper(), allow_override=True)
    elif name in ("wgs84", "cgcs2000"):
        return gdf.set_crs(4326, allow_override=True)
    if gdf.crs is None:
        notes.append("the file declares no CRS: taken as WGS-84 (use --crs to say otherwise)")
        return gdf.set_crs(4326)
    epsg = gdf.crs.to_epsg()
    if epsg in (4326, 4490):
        # CGCS2000 and WGS-84 differ by centimetres: no transformation needed.
        return gdf.set_crs(4326, allow_override=True)
    notes.append(f"converted from {gdf.crs.name} (EPSG:{epsg}) to WGS-84")
    return gdf.to_crs(4326)


def utm_epsg_for(lon, lat) -> int:
    """EPSG code of the WGS-84 UTM zone (326xx north, 327xx south) containing lon/lat.

    Arrays are summarised by the median of their finite values, so the zone suits the
    bulk of the data. Use it to pick a metric CRS for buffers and distances.
    """
    lon_a, lat_a, _scalar = _as_arrays(lon, lat)
    ok = np.isfinite(lon_a) & np.isfinite(lat_a)
    if not ok.any():
        raise CRSError(_("cannot choose a UTM zone: no finite lon/lat values were given"))
    mlon = float(np.median(lon_a[ok]))
    mlat = float(np.median(lat_a[ok]))
    if not (-180.0 <= mlon <= 180.0 and -90.0 <= mlat <= 90.0):
        raise CRSError(
            _(
                "cannot choose a UTM zone for lon {lon}, lat {lat}: outside "
                "[-180, 180] × [-90, 90]; are these projected metres, or lat/lon swapped?",
                lon=mlon,
                lat=mlat,
            )
        )
    zone = min(int((mlon + 180.0) // 6.0) + 1, 60)
    return (32600 if mlat >= 0 else 32700) + zone


def _describe(crs) -> str:
    try:
        return normalize_crs(crs)
    except CRSError:
        try:
            c = pyproj.CRS.from_user_input(crs)
        except pyproj.exceptions.CRSError:
            return repr(crs)
        code = c.to_epsg()
        return f"{c.name} (EPSG:{code})" if code else c.name


def require_projected(crs, *, near=None, operation: str = "metric work") -> pyproj.CRS | str:
    """Return ``crs`` if it is projected (units of metres); raise :class:`CRSError` if not.

    ``near`` is an optional (lon, lat) used to name a suitable projected CRS in the error
    (the WGS-84 UTM zone from :func:`utm_epsg_for`). Geographic CRSs (wgs84, gcj02, bd09,
    cgcs2000, EPSG:4326, …) measure in degrees, so buffers or distances computed in them
    are wrong by a latitude-dependent factor.
    """
    if crs is None:
        raise CRSError(
            _(
                "{operation} needs a projected CRS in metres, but the data has no CRS; "
                "set it first (e.g. gdf.set_crs('EPSG:4326'))",
                operation=operation,
            )
        )
    try:
        canon = normalize_crs(crs)
    except CRSError:
        canon = None
    if canon is not None:
        geographic = canon in _GEOGRAPHIC
    else:
        try:
            geographic = pyproj.CRS.from_user_input(crs).is_geographic
        except pyproj.exceptions.CRSError as e:
            raise CRSError(
                _(
                    "{operation}: cannot interpret CRS {crs!r}: {error}",
                    operation=operation,
                    crs=crs,
                    error=e,
                )
            ) from None
    if not geographic:
        return crs
    if near is not None:
        target = utm_epsg_for(*near)
        suggestion = f"EPSG:{target} ({pyproj.CRS.from_epsg(target).name})"
    else:
        suggestion = _(
            "a WGS-84 UTM zone (gis.crs.utm_epsg_for(lon, lat)) or a CGCS2000 "
            "Gauss-Krüger zone (EPSG:4491–4554)"
        )
    if canon in ("gcj02", "bd09"):
        suggestion = _(
            "convert {crs} to WGS-84 with gis.crs.to_wgs84 first, then reproject to {target}",
            crs=canon,
            target=suggestion,
        )
    else:
        suggestion = _("reproject to {target}", target=suggestion)
    raise CRSError(
        _(
            "{operation} needs a projected CRS in metres, but the data is in {crs}, which "
            "is in degrees; {suggestion}",
            operation=operation,
            crs=_describe(crs),
            suggestion=suggestion,
        )
    )
