"""The non-personal map data of exports, read from PostGIS in a metric CRS: admin
boundaries, roads, buildings and service points.

Maps are drawn in the WGS-84 UTM zone of the county (metres), so scale bars are true and
grid north is within a degree of true north. Geometry is simplified in SQL to about a
pixel of the output so that few vertices are drawn.
"""

from __future__ import annotations

import functools

import numpy as np
import pyproj
import shapely
import sqlalchemy as sa

from gis.crs import utm_epsg_for
from gis.errors import NotFound

Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def metric_epsg(conn, area_code: str) -> int:
    """The UTM zone (EPSG code) of the county containing ``area_code``."""
    row = conn.execute(
        sa.text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) AS c FROM admin_area "
            "WHERE code = :c) x"
        ),
        {"c": area_code[:6] + "000000"},
    ).one_or_none()
    if row is None or row[0] is None:
        row = conn.execute(
            sa.text(
                "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) AS c FROM admin_area "
                "WHERE code = :c) x"
            ),
            {"c": area_code},
        ).one_or_none()
    if row is None or row[0] is None:
        raise NotFound("admin area with a polygon")
    return utm_epsg_for(row[0], row[1])


@functools.cache
def _transformer(epsg: int, inverse: bool) -> pyproj.Transformer:
    src, dst = (f"EPSG:{epsg}", "EPSG:4326") if inverse else ("EPSG:4326", f"EPSG:{epsg}")
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def to_lonlat(box: Box, epsg: int) -> Box:
    """A metric box → the lon/lat box that contains it."""
    xs = np.array([box[0], box[2], box[0], box[2]])
    ys = np.array([box[1], box[1], box[3], box[3]])
    lon, lat = _transformer(epsg, True).transform(xs, ys)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def to_metric(box: Box, epsg: int) -> Box:
    """A lon/lat box → the metric box that contains it."""
    xs = np.array([box[0], box[2], box[0], box[2]])
    ys = np.array([box[1], box[1], box[3], box[3]])
    x, y = _transformer(epsg, False).transform(xs, ys)
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


def area_box(conn, area_code: str, epsg: int) -> Box:
    """The metric bounding box of an admin area."""
    row = conn.execute(
        sa.text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            "ST_Extent(ST_Transform(geom, :epsg)) AS e FROM admin_area WHERE code = :c) x"
        ),
        {"c": area_code, "epsg": epsg},
    ).one()
    if row[0] is None:
        raise NotFound("admin area with a polygon")
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def areas(
    conn, like: str, levels: tuple[str, ...], epsg: int, tol: float, box: Box | None = None
) -> list[dict]:
    """Admin areas of ``levels`` whose path is ``LIKE like``: code, name, short_name,
    level, parent_code, parent_name (its short name, else name) and ``geom`` (shapely, metres, simplified by ``tol`` metres)."""
    params = {"p": like, "levels": list(levels), "epsg": epsg, "tol": tol}
    where = ""
    if box is not None:
        where = " AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"
        params.update(zip(("x0", "y0", "x1", "y1"), to_lonlat(box, epsg), strict=True))
    rows = conn.execute(
        sa.text(f"""
        SELECT code, name, short_name, level, parent_code,
               (SELECT coalesce(u.short_name, u.name) FROM admin_area u
                WHERE u.code = a.parent_code) AS parent_name,
               ST_AsBinary(ST_SimplifyPreserveTopology(ST_Transform(geom, :epsg), :tol)) AS g
        FROM admin_area a
        WHERE path LIKE :p AND level = ANY(:levels) AND geom IS NOT NULL{where}
        ORDER BY code"""),
        params,
    ).fetchall()
    geoms = shapely.from_wkb([bytes(r.g) for r in rows]) if rows else []
    return [
        {
            "code": r.code,
            "name": r.name,
            "short_name": r.short_name,
            "level": r.level,
            "parent_code": r.parent_code,
            "parent_name": r.parent_name,
            "geom": g,
        }
        for r, g in zip(rows, geoms, strict=True)
    ]


# Road classes drawn at a map width (metres): wider maps leave out small roads.
ROAD_CLASSES = (
    ("trunk", 1e9),
    ("primary", 1e9),
    ("secondary", 1e9),
    ("residential", 20_000),
    ("track", 8_000),
)


def _in_county(alias: str) -> str:
    """SQL: the row of ``alias`` belongs to county ``:county`` and lies in its polygon (a
    drilled county's map shows none of its neighbours' roads or buildings, even those
    loaded with the county from a wider extract)."""
    return (
        f"{alias}.county_code = :county AND ST_Intersects({alias}.geom, "
        "(SELECT geom FROM admin_area WHERE code = :county || '000000'))"
    )


def roads(conn, box: Box, epsg: int, tol: float, county: str) -> list[tuple[str, np.ndarray]]:
    """Roads of ``county`` (6-digit code) in ``box`` (metres) suited to its width:
    (highway, Nx2 coordinates)."""
    width = box[2] - box[0]
    classes = [c for c, max_width in ROAD_CLASSES if width <= max_width]
    x0, y0, x1, y1 = to_lonlat(box, epsg)
    rows = conn.execute(
        sa.text(f"""
        SELECT coalesce(highway, 'other') AS highway,
               ST_AsBinary(ST_Simplify(ST_Transform(geom, :epsg), :tol)) AS g
        FROM roads r WHERE geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)
          AND (highway = ANY(:classes) OR (highway IS NULL AND :small))
          AND {_in_county("r")}"""),
        {
            "epsg": epsg,
            "tol": tol,
            "x0": x0,
            "y0": y0,
            "x1": x1,
            "y1": y1,
            "classes": classes,
            "small": width <= 8_000,
            "county": county,
        },
    ).fetchall()
    out = []
    for r in rows:
        for part in shapely.get_parts(shapely.from_wkb(bytes(r.g))):
            out.append((r.highway, shapely.get_coordinates(part)))
    return out


# Buildings are drawn only on maps narrower than this (metres): at county width they
# would be specks, and there are 150,000 of them.
BUILDINGS_MAX_WIDTH_M = 12_000


def buildings(conn, box: Box, epsg: int, county: str) -> list[np.ndarray]:
    """Outlines of ``county``'s buildings (exterior rings, metres) in ``box``; empty on
    wide maps."""
    if box[2] - box[0] > BUILDINGS_MAX_WIDTH_M:
        return []
    x0, y0, x1, y1 = to_lonlat(box, epsg)
    rows = conn.execute(
        sa.text(f"""
        SELECT ST_AsBinary(ST_Transform(geom, :epsg)) AS g FROM buildings b
        WHERE geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) AND {_in_county("b")}"""),
        {"epsg": epsg, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "county": county},
    ).fetchall()
    if not rows:
        return []
    polys = shapely.get_parts(shapely.from_wkb([bytes(r.g) for r in rows]))
    return [shapely.get_coordinates(shapely.get_exterior_ring(p)) for p in polys]


def service_points(conn, like: str, epsg: int, box: Box | None = None) -> list[dict]:
    """Service points whose admin path is ``LIKE like``: kind, active, x, y (metres).

    Service points are public facilities, not personal data.
    """
    params = {"p": like, "epsg": epsg}
    where = ""
    if box is not None:
        where = " AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"
        params.update(zip(("x0", "y0", "x1", "y1"), to_lonlat(box, epsg), strict=True))
    rows = conn.execute(
        sa.text(f"""
        SELECT kind, active, ST_X(g) AS x, ST_Y(g) AS y
        FROM (SELECT kind, active, ST_Transform(geom, :epsg) AS g FROM service_points
              WHERE admin_path LIKE :p{where}) s ORDER BY kind"""),
        params,
    )
    return [dict(r._mapping) for r in rows]


def area_names(conn, area_code: str) -> list[str]:
    """Names from the county down to ``area_code`` (for the jurisdiction line, the title
    and file names), as the map names them in the current language, but a grid with its
    village ("江滨社区 Grid 3" in English: :func:`gis.messages.grid_label`)."""
    from gis.messages import grid_label

    path = conn.execute(
        sa.text("SELECT path FROM admin_area WHERE code = :c"), {"c": area_code}
    ).scalar()
    if path is None:
        raise NotFound("admin area")
    prefixes = [path[:n] for n in (6, 9, 12, 15) if n <= len(path)]
    rows = conn.execute(
        sa.text("SELECT name, code FROM admin_area WHERE path = ANY(:ps) ORDER BY length(path)"),
        {"ps": prefixes},
    )
    rows = rows.fetchall()
    return [grid_label(r.name, r.code, rows[i - 1].name if i else None) for i, r in enumerate(rows)]


def official_name(conn, area_code: str) -> str:
    """The area's name as loaded, in every language (a proper name is not translated:
    江滨社区居委会 in an English file name too); a grid's official name, with its village
    before it when the name does not hold it (江滨社区 第3网格; in English the map's
    label is "江滨社区 Grid 3", a translation half Chinese, which file names avoid)."""
    from gis.messages import speaking

    with speaking("zh"):  # the Chinese label of a grid is its official name
        return area_names(conn, area_code)[-1]


def parent_names(conn, area_code: str) -> dict[str, str]:
    """The official names of the township and village ``area_code`` lies in (level →
    name; a county or township has fewer, itself not included), for the columns of a
    statistics table."""
    rows = conn.execute(
        sa.text("""
        SELECT p.level, p.name FROM admin_area a
        JOIN admin_area p ON a.path LIKE p.path || '%' AND p.path <> a.path
        WHERE a.code = :c AND p.level IN ('township', 'village')"""),
        {"c": area_code},
    )
    return {r.level: r.name for r in rows}


def is_synthetic(conn, area_code: str) -> bool:
    """True when the area (or anything under it) is demo data."""
    path = conn.execute(
        sa.text("SELECT path FROM admin_area WHERE code = :c"), {"c": area_code}
    ).scalar()
    return bool(
        conn.execute(
            sa.text("SELECT EXISTS (SELECT 1 FROM admin_area WHERE path LIKE :p AND synthetic)"),
            {"p": (path or "") + "%"},
        ).scalar()
    )


def view_in_area(conn, area_code: str, view: Box) -> Box | None:
    """A lon/lat ``view`` cut to the extent of an admin area, or None when the view
    does not touch the area's polygon at all."""
    row = conn.execute(
        sa.text("""
        SELECT ST_Intersects(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326)) AS hits,
               ST_XMin(geom::box2d) AS x0, ST_YMin(geom::box2d) AS y0,
               ST_XMax(geom::box2d) AS x1, ST_YMax(geom::box2d) AS y1
        FROM admin_area WHERE code = :c AND geom IS NOT NULL"""),
        dict(zip(("w", "s", "e", "n"), view, strict=True), c=area_code),
    ).one_or_none()
    if row is None:
        raise NotFound("admin area with a polygon")
    if not row.hits:
        return None
    return (max(view[0], row.x0), max(view[1], row.y0), min(view[2], row.x1), min(view[3], row.y1))


def areas_under_view(conn, like: str, view: Box) -> list[dict]:
    """The admin areas (path ``LIKE like``) under the centre of a lon/lat ``view``, from
    the largest down: code, level, ``cover`` (the share of the view inside the area)
    and ``extent`` (the area's lon/lat bounding box)."""
    rows = conn.execute(
        sa.text("""
        WITH v AS (SELECT ST_MakeEnvelope(:w, :s, :e, :n, 4326) AS g)
        SELECT a.code, a.level,
               ST_Area(ST_ClipByBox2D(a.geom, v.g::box2d)) / ST_Area(v.g) AS cover,
               ST_XMin(a.geom::box2d) AS x0, ST_YMin(a.geom::box2d) AS y0,
               ST_XMax(a.geom::box2d) AS x1, ST_YMax(a.geom::box2d) AS y1
        FROM admin_area a, v
        WHERE a.path LIKE :p AND a.geom && v.g AND ST_Intersects(a.geom, ST_Centroid(v.g))
        ORDER BY length(a.path), a.code"""),
        dict(zip(("w", "s", "e", "n"), view, strict=True), p=like),
    ).fetchall()
    return [
        {
            "code": r.code,
            "level": r.level,
            "cover": float(r.cover or 0.0),
            "extent": (r.x0, r.y0, r.x1, r.y1),
        }
        for r in rows
    ]
