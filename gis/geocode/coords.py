"""Coordinates as they arrive (text, any datum) → WGS-84 points → building and village.

``clean_coordinates`` is vectorised numpy: text to numbers, per-row CRS names, the
conversion to WGS-84 (:func:`gis.crs.to_wgs84`), swapped lat/lon, 0,0 and NaN; each
unusable row gets a reason instead of raising.

``place_points`` is one set-based statement: the points are COPYed into a temporary table
and joined once to ``buildings`` (the building containing the point, or the nearest one
within ``snap_m`` metres, with the distance in metres measured on the spheroid) and, for
points in no building, to the village polygons and the county outline.
"""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import sqlalchemy as sa

from gis import crs as crs_mod

__all__ = ["clean_coordinates", "place_points", "SNAP_M"]

#: A point this close (metres) outside a building is taken to be in it (GPS error,
#: a point on the doorstep); the distance is recorded.
SNAP_M = 5.0


def _numbers(values) -> tuple[np.ndarray, np.ndarray]:
    """(float array, was-text-but-not-a-number mask) from any column."""
    arr = np.asarray(values)
    if arr.dtype.kind in "fiu":  # already numbers: nothing to parse
        num = arr.astype(np.float64)
        return num, np.zeros(len(num), dtype=bool)
    s = pd.Series(values, dtype="object")
    num = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
    given = s.notna().to_numpy() & (s.astype(str).str.strip() != "").to_numpy()
    bad_text = given & np.isnan(num)
    return num, bad_text


def clean_coordinates(lon, lat, crs=None, default_crs: str = "wgs84") -> pd.DataFrame:
    """Columns ``lon, lat`` (WGS-84 degrees, NaN when unusable), ``given`` (the row had
    coordinates), ``swapped`` (lat/lon were exchanged and have been put right) and
    ``reason`` (why given coordinates cannot be used, else None).

    ``crs`` is a per-row column of CRS names (empty → ``default_crs``), or None.
    """
    x, bad_x = _numbers(lon)
    y, bad_y = _numbers(lat)
    n = len(x)
    reason = np.full(n, None, dtype=object)
    given = ~np.isnan(x) | ~np.isnan(y) | bad_x | bad_y
    reason[bad_x | bad_y] = "lon/lat is not a number"
    half = given & (np.isnan(x) ^ np.isnan(y)) & (reason == None)  # noqa: E711
    reason[half] = "only one of lon/lat given"
    zero = (x == 0) & (y == 0)
    reason[zero] = "coordinates are 0,0 (a missing value, not a place)"
    if crs is None or isinstance(crs, str):
        names = np.full(n, crs or default_crs, dtype=object)
    else:
        codes, uniq = pd.factorize(pd.Series(crs, dtype="object").fillna(""))
        uniq = np.array([str(u).strip() or default_crs for u in uniq] + [default_crs], dtype=object)
        names = uniq[codes]
    out_x = np.full(n, np.nan)
    out_y = np.full(n, np.nan)
    swapped_all = np.zeros(n, dtype=bool)
    ok = given & (reason == None) & ~np.isnan(x) & ~np.isnan(y)  # noqa: E711
    for name in pd.unique(names[ok]):
        rows = np.flatnonzero(ok & (names == name))
        try:
            canon = crs_mod.normalize_crs(name)
        except crs_mod.CRSError as exc:
            reason[rows] = str(exc)
            continue
        px, py = x[rows], y[rows]
        if canon in ("wgs84", "gcj02", "bd09", "cgcs2000"):
            # A spreadsheet with the two columns exchanged: put them right, say so.
            swapped = crs_mod.looks_swapped(px, py)
            px, py = np.where(swapped, py, px), np.where(swapped, px, py)
            swapped_all[rows[swapped]] = True
            outside = (np.abs(px) > 180) | (np.abs(py) > 90)
            reason[rows[outside]] = "lon/lat outside [-180, 180] × [-90, 90]"
        with np.errstate(all="ignore"):
            out_x[rows], out_y[rows] = crs_mod.to_wgs84(px, py, canon)
    bad = reason != None  # noqa: E711
    out_x[bad] = np.nan
    out_y[bad] = np.nan
    # dtype=object keeps None as None (pandas would make a string column with NaN)
    return pd.DataFrame(
        {
            "lon": out_x,
            "lat": out_y,
            "given": given,
            "swapped": swapped_all,
            "reason": pd.Series(reason, dtype=object),
        }
    )


#: Grid cell of the point-in-building hash join, degrees (≈ 50 m at 30°N).
CELL_DEG = 0.0005
# Degrees that cover SNAP_M anywhere in China (1° of longitude ≥ 60 km up to 57°N).
_PAD_DEG = SNAP_M / 60000.0
_CELL = "(floor({x} / {c})::bigint * 1000000 + floor({y} / {c})::bigint)"


def ensure_building_cells(conn) -> bool:
    """Rebuild ``geocode_building_cells`` when ``buildings`` changed since it was made.

    Returns True when it was rebuilt. The state of ``buildings`` (count, highest id,
    last change) is kept in ``geocode_meta``; concurrent jobs wait on an advisory lock.
    """
    sql_state = (
        "SELECT count(*) || ':' || coalesce(max(id), 0) || ':' || "
        "coalesce(max(updated_at)::text, '') FROM buildings"
    )
    known = "SELECT value FROM geocode_meta WHERE key = 'building_cells'"
    if conn.execute(sa.text(known)).scalar() == conn.execute(sa.text(sql_state)).scalar():
        return False
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(77301)"))
    state = conn.execute(sa.text(sql_state)).scalar()
    if conn.execute(sa.text(known)).scalar() == state:
        return False  # another job rebuilt it while we waited
    conn.execute(sa.text("DELETE FROM geocode_building_cells"))
    conn.execute(
        sa.text("""
        INSERT INTO geocode_building_cells (cell, building_id, village_code, x0, y0, x1, y1,
                                            geom)
        SELECT ix * 1000000 + iy, b.id, b.village_code, ST_XMin(e.bb), ST_YMin(e.bb),
               ST_XMax(e.bb), ST_YMax(e.bb), b.geom
        FROM buildings b
        CROSS JOIN LATERAL (SELECT ST_Expand(Box2D(b.geom), :pad) AS bb) e
        CROSS JOIN LATERAL generate_series(floor(ST_XMin(e.bb) / :c)::bigint,
                                           floor(ST_XMax(e.bb) / :c)::bigint) AS ix
        CROSS JOIN LATERAL generate_series(floor(ST_YMin(e.bb) / :c)::bigint,
                                           floor(ST_YMax(e.bb) / :c)::bigint) AS iy
        """),
        {"pad": _PAD_DEG, "c": CELL_DEG},
    )
    conn.execute(
        sa.text("""
        INSERT INTO geocode_meta (key, value) VALUES ('building_cells', :s)
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"""),
        {"s": state},
    )
    conn.execute(sa.text("ANALYZE geocode_building_cells"))
    return True


_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_PTS_IN = np.dtype(
    [
        ("n", ">i2"),
        ("l1", ">i4"),
        ("i", ">i4"),
        ("l2", ">i4"),
        ("x", ">f8"),
        ("l3", ">i4"),
        ("y", ">f8"),
    ]
)
_PTS_OUT = np.dtype([("i", ">i4"), ("b", ">i8"), ("d", ">f8"), ("v", ">i8"), ("c", ">i4")])


def _binary_points(i, x, y) -> bytes:
    """PostgreSQL binary COPY data for rows (int4, float8, float8), built by numpy."""
    a = np.empty(len(i), dtype=_PTS_IN)
    a["n"], a["l1"], a["l2"], a["l3"] = 3, 4, 8, 8
    a["i"], a["x"], a["y"] = i, x, y
    return _PG_HEADER + a.tobytes() + struct.pack(">h", -1)


def place_points(
    conn, lon: np.ndarray, lat: np.ndarray, snap_m: float = SNAP_M, ext_ids=None
) -> pd.DataFrame:
    """Building and village of WGS-84 points, in one set-based query.

    Returns one row per input point (same order): ``building`` (database id),
    ``building_id`` (public id), ``distance_m`` (0 inside, else metres on the spheroid
    to the building it was snapped to, at most ``snap_m``), ``village_code`` (the
    building's village, else the village polygon's), ``in_county`` (inside a loaded
    county outline). NaN points give empty rows. ``ext_ids`` (database id → public id),
    when the caller has it, saves a query.

    The points go in and the answers come out by binary COPY (numpy on both ends), and
    the points are hash-joined to the buildings on their grid cell
    (``geocode_building_cells``): several times faster than one GiST probe per point.
    Only points in no building are looked up in the village polygons.
    """
    if snap_m > SNAP_M:
        raise ValueError(f"snap_m may be at most {SNAP_M} m (the cells are padded for it)")
    n = len(lon)
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    out = pd.DataFrame(
        {
            "building": pd.array([None] * n, dtype="Int64"),
            "building_id": pd.Series([None] * n, dtype=object),
            "distance_m": np.full(n, np.nan),
            "village_code": pd.Series([None] * n, dtype=object),
            "in_county": np.zeros(n, dtype=bool),
        }
    )
    ok = np.flatnonzero(~np.isnan(lon) & ~np.isnan(lat))
    if not len(ok):
        return out
    ensure_building_cells(conn)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur:
        _upload_points(conn, cur, ok, lon, lat)
        packed = _join_points(cur, snap_m)
    _unpack_answers(conn, out, packed, ext_ids)
    return out


def _upload_points(conn, cur, ok: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> None:
    """The valid points (indexes ``ok``) into ``tmp_geocode_pts`` by binary COPY."""
    conn.execute(sa.text("DROP TABLE IF EXISTS tmp_geocode_pts"))
    conn.execute(
        sa.text("CREATE TEMP TABLE tmp_geocode_pts (i int, lon float8, lat float8) ON COMMIT DROP")
    )
    with cur.copy("COPY tmp_geocode_pts FROM STDIN (FORMAT binary)") as cp:
        # In cell order, consecutive points meet the same building, which PostGIS
        # then tests from its cache instead of reading the polygon again.
        cells = np.floor(lon[ok] / CELL_DEG).astype(np.int64) * 1_000_000 + np.floor(
            lat[ok] / CELL_DEG
        ).astype(np.int64)
        order = ok[np.argsort(cells, kind="stable")]
        cp.write(_binary_points(order, lon[order], lat[order]))
    cur.execute("ANALYZE tmp_geocode_pts")


def _join_points(cur, snap_m: float) -> bytes:
    """Building (inside, else the nearest within ``snap_m``), village and county of
    every uploaded point, packed as :data:`_PTS_OUT` records."""
    # The planner cannot see that a cell matches about one building: without this it
    # picks one index probe per point, which is what the cells are here to avoid.
    cur.execute("SET LOCAL enable_nestloop = off")
    cell = _CELL.format(x="p.lon", y="p.lat", c=CELL_DEG)
    pair = f"""JOIN geocode_building_cells c ON c.cell = {cell}
            WHERE p.lon BETWEEN c.x0 AND c.x1 AND p.lat BETWEEN c.y0 AND c.y1"""
    point = "ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)"
    sql = f"""
        WITH inside AS MATERIALIZED (
            -- the box test first (cheap), then the polygon; the lowest id wins a tie
            SELECT DISTINCT ON (p.i) p.i, c.building_id, c.village_code, 0.0::float8 AS dist
            FROM tmp_geocode_pts p {pair} AND ST_Intersects(c.geom, {point})
            ORDER BY p.i, c.building_id),
        outside AS MATERIALIZED (
            SELECT p.* FROM tmp_geocode_pts p
            WHERE NOT EXISTS (SELECT 1 FROM inside b WHERE b.i = p.i)),
        near AS (
            -- distances on the spheroid only for the points in no building
            SELECT DISTINCT ON (i) i, building_id, village_code, dist FROM (
                SELECT p.i, c.building_id, c.village_code,
                       ST_Distance(c.geom::geography, {point}::geography) AS dist
                FROM outside p {pair}) d
            WHERE dist <= {float(snap_m)} ORDER BY i, dist, building_id),
        best AS (SELECT * FROM inside UNION ALL SELECT * FROM near),
        rest AS MATERIALIZED (
            SELECT p.i, {point} AS g
            FROM outside p WHERE NOT EXISTS (SELECT 1 FROM near b WHERE b.i = p.i))
        , answers AS (
        SELECT i, building_id, dist, coalesce(village_code::bigint, -1) AS v, 1 AS c FROM best
        UNION ALL
        SELECT r.i, -1, -1.0, coalesce(v.code::bigint, -1),
               (v.code IS NOT NULL OR EXISTS (
                   SELECT 1 FROM admin_area c WHERE c.level = 'county'
                   AND ST_Intersects(c.geom, r.g)))::int
        FROM rest r
        LEFT JOIN LATERAL (
            SELECT a.code FROM admin_area a WHERE a.level = 'village'
              AND ST_Intersects(a.geom, r.g) LIMIT 1) v ON true)
        -- one packed bytea instead of a row per point: the rows would cost more to
        -- receive than to compute
        SELECT string_agg(int4send(i) || int8send(building_id) || float8send(dist)
                          || int8send(v) || int4send(c), ''::bytea)
        FROM answers"""
    cur.execute(sql)
    packed = cur.fetchone()[0] or b""
    cur.execute("RESET enable_nestloop")
    return bytes(packed)


def _unpack_answers(conn, out: pd.DataFrame, packed: bytes, ext_ids) -> None:
    """Fill ``out`` (one row per input point) from the packed answers."""
    rows = np.frombuffer(packed, dtype=_PTS_OUT)
    if len(rows):
        i = rows["i"].astype(np.int64)
        b = rows["b"].astype(np.int64)
        v = rows["v"].astype(np.int64)
        has_b = b >= 0
        out.loc[i[has_b], "building"] = b[has_b]
        out.loc[i[has_b], "distance_m"] = rows["d"][has_b].astype(np.float64)
        out.loc[i, "in_county"] = rows["c"].astype(bool)
        vc = np.where(v >= 0, v.astype(str).astype(object), np.array(None, dtype=object)).astype(
            object
        )
        out.loc[i, "village_code"] = pd.Series(vc, index=i, dtype=object)
        ids = np.unique(b[has_b])
        if len(ids):
            ext = (
                ext_ids
                if ext_ids is not None
                else dict(
                    conn.execute(
                        sa.text("SELECT id, ext_id FROM buildings WHERE id = ANY(:ids)"),
                        {"ids": ids.tolist()},
                    ).all()
                )
            )
            out.loc[i[has_b], "building_id"] = pd.Series(
                [ext.get(int(x)) for x in b[has_b]], index=i[has_b], dtype=object
            )
