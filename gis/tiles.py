"""Mapbox vector tiles (ST_AsMVT) of the non-personal layers: boundaries, buildings,
roads and service points. Households and density come from gis.gate.tiles.

Geometry is stored in EPSG:4326; tiles are in Web Mercator (EPSG:3857). The tile
envelope is transformed once to 4326 for the index lookup and each feature is
transformed to 3857 for encoding.
"""

from __future__ import annotations

import sqlalchemy as sa

EXTENT = 4096
BUFFER = 64

# ``sx, sy`` shift the tile (metres, EPSG:3857): non-zero only when the map shows a
# GCJ-02 basemap, so that our WGS-84 features land on it (see datum_shift).
_ENVELOPE = """
    bounds AS (SELECT ST_Translate(ST_TileEnvelope(:z, :x, :y), :sx, :sy) AS g3857,
                      ST_Transform(ST_Translate(ST_TileEnvelope(:z, :x, :y, margin => 0.02),
                                                :sx, :sy), 4326) AS g)
"""


def _levels_for_zoom(z: int) -> list[str]:
    if z < 10:
        return ["county", "township"]
    if z < 13:
        return ["county", "township", "village"]
    return ["township", "village", "grid"]


def _simplify_for_zoom(z: int) -> float:
    """Tolerance in degrees ≈ a quarter of a tile pixel at this zoom."""
    return 360.0 / (256 * 2**z) / 4


# The part of area ``:area`` (the user's county, see cut_area) inside the tile, made once;
# the layers cut to it keep each feature found through their spatial index only where it
# lies in it. No area: the whole tile.
_CLIP = """
    clip AS MATERIALIZED (
        SELECT CASE WHEN CAST(:area AS text) IS NULL THEN b.g
                    ELSE (SELECT ST_CollectionExtract(ST_Intersection(a.geom, b.g), 3)
                          FROM admin_area a
                          WHERE a.code = :area AND a.geom && b.g) END AS g
        FROM bounds b)
"""


SQL = {
    # only the areas inside ``:within`` (the user's scope, see SCOPED): the areas
    # /api/layers/boundaries gives; a neighbouring village's or county's code and name
    # are not the user's to see (the code checks answer them as not loaded)
    "boundaries": f"""
        WITH {_ENVELOPE}
        SELECT ST_AsMVT(t, 'boundaries', {EXTENT}, 'geom') FROM (
            SELECT ST_AsMVTGeom(ST_Transform(ST_Simplify(a.geom, :tol), 3857), b.g3857,
                                {EXTENT}, {BUFFER}, true) AS geom,
                   a.code, a.name, coalesce(a.short_name, a.name) AS label, a.level
            FROM admin_area a, bounds b
            WHERE a.geom && b.g AND a.level = ANY(:levels)
              AND (CAST(:within AS text) IS NULL OR a.path LIKE :within)) t""",
    # cut to ``:area`` as the roads (see _CLIP): a building of a neighbouring county is
    # not drawn, one over the border is drawn up to it
    "buildings": f"""
        WITH {_ENVELOPE}, {_CLIP}
        SELECT ST_AsMVT(t, 'buildings', {EXTENT}, 'geom') FROM (
            SELECT ST_AsMVTGeom(ST_Transform(
                       CASE WHEN ST_CoveredBy(s.geom, c.g) THEN s.geom
                            ELSE ST_CollectionExtract(ST_Intersection(s.geom, c.g), 3) END,
                       3857), b.g3857, {EXTENT}, {BUFFER}, true) AS geom,
                   s.id, s.use, s.floors, s.compound, s.building_no, s.address,
                   s.village_code
            FROM buildings s, bounds b, clip c
            WHERE :z >= 14 AND s.geom && c.g AND ST_Intersects(s.geom, c.g)) t""",
    # cut to ``:area`` (see _CLIP): a road loaded with a neighbouring county, or running
    # over the border, stops there
    "roads": f"""
        WITH {_ENVELOPE}, {_CLIP}
        SELECT ST_AsMVT(t, 'roads', {EXTENT}, 'geom') FROM (
            SELECT ST_AsMVTGeom(ST_Transform(ST_Simplify(
                       CASE WHEN ST_CoveredBy(r.geom, c.g) THEN r.geom
                            ELSE ST_CollectionExtract(ST_Intersection(r.geom, c.g), 2) END,
                       :tol), 3857), b.g3857, {EXTENT}, {BUFFER}, true) AS geom,
                   r.name, r.highway
            FROM roads r, bounds b, clip c
            WHERE r.geom && c.g AND ST_Intersects(r.geom, c.g)
              AND (:z >= 14 OR r.highway IN ('motorway', 'trunk', 'primary', 'secondary'))
        ) t""",
    "landcover": f"""
        WITH {_ENVELOPE}
        SELECT ST_AsMVT(t, 'landcover', {EXTENT}, 'geom') FROM (
            SELECT ST_AsMVTGeom(ST_Transform(ST_Simplify(l.geom, :tol), 3857), b.g3857,
                                {EXTENT}, {BUFFER}, true) AS geom, l.kind, l.name
            FROM landcover l, bounds b WHERE l.geom && b.g) t""",
    "service_points": f"""
        WITH {_ENVELOPE}
        SELECT ST_AsMVT(t, 'service_points', {EXTENT}, 'geom') FROM (
            SELECT ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.g3857, {EXTENT}, {BUFFER},
                                true) AS geom,
                   p.id, p.ext_id AS point_id, p.kind, p.name, p.active, p.capacity
            FROM service_points p, bounds b WHERE p.geom && b.g) t""",
}

LAYERS = tuple(SQL)


def tile_sql(layer: str) -> str:
    """The bare SQL of a non-personal layer (bench compares the endpoint against it)."""
    return SQL[layer]


def tile_params(
    layer: str,
    z: int,
    x: int,
    y: int,
    datum: str = "wgs84",
    area: str | None = None,
    within: str | None = None,
) -> dict:
    """The bind parameters of a tile of ``layer``; ``area``: the code of the area the
    roads and buildings are cut to (:func:`cut_area`), None for none; ``within``: the
    LIKE pattern of the scope whose boundaries are drawn (``Scope.like``), None for all."""
    sx, sy = datum_shift(z, x, y, datum)
    return {
        "z": z,
        "x": x,
        "y": y,
        "tol": _simplify_for_zoom(z),
        "levels": _levels_for_zoom(z),
        "sx": sx,
        "sy": sy,
        "area": area,
        "within": within,
    }


#: the layers drawn only inside the user's area (the tile cache keys them by it)
CUT_TO_AREA = frozenset({"roads", "buildings"})
#: the layers holding only the areas of the user's scope (the tile cache keys them by it)
SCOPED = frozenset({"boundaries"})


def cut_area(area_code: str, path: str) -> str:
    """The area a user's roads and buildings are cut to: the county of a county,
    township, village or grid user (the unit they are loaded and exported by: a
    neighbouring county's are not drawn, those around a village in its county are, as the
    map's surroundings), the whole area of a province or city user (``path`` shorter than
    a county's 6 digits)."""
    return path[:6] + "000000" if len(path) >= 6 else area_code


def datum_shift(z: int, x: int, y: int, datum: str) -> tuple[float, float]:
    """Where to move the tile envelope (EPSG:3857 metres) so that WGS-84 features are
    drawn at their GCJ-02 position: minus the GCJ-02 offset at the tile's centre.

    The offset changes by well under a metre across a street-level tile.
    """
    if datum != "gcj02":
        return 0.0, 0.0
    import math

    from gis import crs  # pyproj: loaded only for the GCJ-02 shift, not per tile module import

    n = 2**z
    lon = (x + 0.5) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / n))))
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    r = 6378137.0
    dx = math.radians(glon - lon) * r
    dy = (
        math.log(math.tan(math.pi / 4 + math.radians(glat) / 2))
        - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    ) * r
    return -dx, -dy


def check_tile(z: int, x: int, y: int) -> None:
    """Raise ValueError unless z/x/y name a tile of the Web Mercator pyramid."""
    if not (0 <= z <= 22):
        raise ValueError(f"zoom {z} is outside 0–22")
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        raise ValueError(f"tile {z}/{x}/{y} does not exist (x and y must be < {n})")


def tile(
    conn,
    layer: str,
    z: int,
    x: int,
    y: int,
    datum: str = "wgs84",
    area: str | None = None,
    within: str | None = None,
) -> bytes:
    """One vector tile of a non-personal layer, as MVT bytes (possibly empty).

    ``datum='gcj02'`` draws the features where a GCJ-02 basemap shows them; ``area``
    (a code, :func:`cut_area`) cuts the roads and buildings to that area; ``within`` (a
    scope's LIKE pattern) keeps the boundaries to the areas of that scope.
    """
    check_tile(z, x, y)
    data = conn.execute(
        sa.text(SQL[layer]), tile_params(layer, z, x, y, datum, area, within)
    ).scalar()
    return bytes(data or b"")
