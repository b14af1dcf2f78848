"""Migrant density aggregates for the map: per village or grid (choropleth) and per
~200 m cell (heat layer). Aggregates only; restricted to the scope."""

from __future__ import annotations

import json

import sqlalchemy as sa

from gis import disclosure
from gis.gate import Scope, enter
from gis.gate.tiles import Filters

NO_FILTERS = Filters()  # frozen: safe to share as a default

# Heat cells are at least this wide so no single household stands out.
HEAT_CELL_M = 200


#: the admin path of each choropleth level, from a household's (a county's path is its
#: 6-digit code, a township's 9 digits; province and city users see counties)
CHOROPLETH_KEYS = {
    "county": "left(h.admin_path, 6)",
    "township": "left(h.admin_path, 9)",
    "village": "left(h.admin_path, 12)",
    "grid": "h.admin_path",
}


def choropleth(conn, scope: Scope, level: str, filters: Filters = NO_FILTERS) -> str:
    """GeoJSON of the counties, townships, villages or grids in scope with residents, migrants, migrants per
    km² and per 1,000 residents (properties), geometry simplified for display.

    For roles without people access every count passes the disclosure rule
    (:mod:`gis.disclosure`): withheld below k, cell-key noise above, an area with fewer
    than k persons withheld whole, rates from published counts only.
    """
    if level not in CHOROPLETH_KEYS:
        raise ValueError(f"level {level!r}; expected county, township, village or grid")
    enter(conn, scope)
    where, params = filters.sql()
    params.update({"p": scope.like, "level": level})
    area_key = CHOROPLETH_KEYS[level]
    if scope.can_read_people:
        published = "SELECT path, residents, migrants FROM exact"
    else:
        k = disclosure.threshold()
        res = disclosure.protect_sql("residents", "rkey", k)
        mig = disclosure.protect_sql("migrants", "mkey", k)
        published = (
            f"SELECT path, CASE WHEN residents + migrants >= {k} THEN {res} END "
            f"AS residents, CASE WHEN residents + migrants >= {k} THEN {mig} END "
            "AS migrants FROM exact"
        )
    sql = f"""
    WITH exact AS (
        SELECT {area_key} AS path, count(p.id) FILTER (WHERE NOT p.is_migrant) AS residents,
               count(p.id) FILTER (WHERE p.is_migrant) AS migrants,
               coalesce(sum(p.rkey) FILTER (WHERE NOT p.is_migrant), 0) AS rkey,
               coalesce(sum(p.rkey) FILTER (WHERE p.is_migrant), 0) AS mkey
        FROM households h JOIN persons p ON p.household_id = h.id
        WHERE h.admin_path LIKE :p AND {where}
        GROUP BY 1),
    counts AS ({published})
    SELECT json_build_object('type', 'FeatureCollection', 'features',
           coalesce(json_agg(json_build_object('type', 'Feature',
               'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, 0.0001), 6)::json,
               'properties', json_build_object(
                   'code', a.code, 'name', coalesce(a.short_name, a.name),
                   'residents', a.residents, 'migrants', a.migrants,
                   'area_km2', round(a.area_km2::numeric, 3),
                   'migrants_per_km2', round((a.migrants
                        / nullif(a.area_km2, 0))::numeric, 1),
                   'migrants_per_1000_residents', round((1000.0 * a.migrants
                        / nullif(a.residents, 0))::numeric, 1)))
               ORDER BY a.code), '[]'::json))::text
    FROM (SELECT a.code, a.name, a.short_name, a.geom, a.area_km2,
                 CASE WHEN c.path IS NULL THEN 0 ELSE c.residents END AS residents,
                 CASE WHEN c.path IS NULL THEN 0 ELSE c.migrants END AS migrants
          FROM admin_area a LEFT JOIN counts c ON c.path = a.path
          WHERE a.level = :level AND a.path LIKE :p) a"""
    return conn.execute(sa.text(sql), params).scalar()


def heat_cells(
    conn, scope: Scope, filters: Filters = NO_FILTERS, cell_m: float = HEAT_CELL_M
) -> list[list[float]]:
    """[[lat, lon, migrants], …] per cell of ``cell_m`` metres (at least HEAT_CELL_M),
    cell centres in WGS-84. Roles without people access get the disclosure rule's
    fixed grid and protected counts (:func:`protected_heat_cells`)."""
    if not scope.can_read_people:
        return protected_heat_cells(conn, scope, filters)
    enter(conn, scope)
    where, params = filters.sql()
    params.update({"p": scope.like, "cell": max(float(cell_m), HEAT_CELL_M)})
    rows = conn.execute(
        sa.text(f"""
        WITH m AS (
            SELECT ST_SnapToGrid(ST_Transform(h.geom, 3857), :cell) AS g,
                   count(p.id) AS migrants
            FROM households h JOIN persons p ON p.household_id = h.id AND p.is_migrant
            WHERE h.admin_path LIKE :p AND h.geom IS NOT NULL AND {where}
            GROUP BY 1)
        SELECT ST_Y(c), ST_X(c), migrants
        FROM (SELECT ST_Transform(g, 4326) AS c, migrants FROM m) x"""),
        params,
    )
    return [[round(a, 6), round(b, 6), int(n)] for a, b, n in rows]


def as_json(cells) -> str:
    return json.dumps(cells, separators=(",", ":"))


def protected_heat_cells(conn, scope: Scope, filters: Filters = NO_FILTERS) -> list[list[float]]:
    """Heat cells for roles without people access: migrants per cell of the disclosure
    rule's fixed grid (``disclosure.MIN_CELL_M``, aligned with the tile pyramid, so the
    same cells as the density tiles), each count protected; withheld cells left out."""
    enter(conn, scope)
    where, params = filters.sql()
    params.update({"p": scope.like, "cell": disclosure.MIN_CELL_M, "o": disclosure.ORIGIN_M})
    migrants = disclosure.protect_sql("count(p.id)", "sum(p.rkey)")
    rows = conn.execute(
        sa.text(f"""
        WITH m AS (
            SELECT floor((ST_X(g) - :o) / :cell) AS ix, floor((ST_Y(g) - :o) / :cell) AS iy,
                   {migrants} AS migrants
            FROM (SELECT ST_Transform(h.geom, 3857) AS g, h.id FROM households h
                  WHERE h.admin_path LIKE :p AND h.geom IS NOT NULL AND {where}) hh
            JOIN persons p ON p.household_id = hh.id AND p.is_migrant
            GROUP BY 1, 2)
        SELECT ST_Y(c), ST_X(c), migrants
        FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:o + (ix + 0.5) * :cell,
                                                          :o + (iy + 0.5) * :cell), 3857),
                                  4326) AS c, migrants
              FROM m WHERE migrants > 0) x"""),
        params,
    )
    return [[round(a, 6), round(b, 6), int(n)] for a, b, n in rows]
