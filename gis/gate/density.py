"""Migrant density aggregates for the map: per village or grid (choropleth) and per
~200 m cell (heat layer). Aggregates only; restricted to the scope."""

from __future__ import annotations

import json

import sqlalchemy as sa

from gis.gate import Scope
from gis.gate.tiles import Filters

NO_FILTERS = Filters()  # frozen: safe to share as a default

# Heat cells are at least this wide so no single household stands out.
HEAT_CELL_M = 200


def choropleth(conn, scope: Scope, level: str, filters: Filters = NO_FILTERS) -> str:
    """GeoJSON of the villages or grids in scope with residents, migrants, migrants per
    km² and per 1,000 residents (properties), geometry simplified for display."""
    if level not in ("village", "grid"):
        raise ValueError(f"level {level!r}; expected village or grid")
    where, params = filters.sql()
    params.update({"p": scope.like, "level": level})
    area_key = "left(h.admin_path, 12)" if level == "village" else "h.admin_path"
    sql = f"""
    WITH counts AS (
        SELECT {area_key} AS path, count(p.id) FILTER (WHERE NOT p.is_migrant) AS residents,
               count(p.id) FILTER (WHERE p.is_migrant) AS migrants
        FROM households h JOIN persons p ON p.household_id = h.id
        WHERE h.admin_path LIKE :p AND {where}
        GROUP BY 1)
    SELECT json_build_object('type', 'FeatureCollection', 'features',
           coalesce(json_agg(json_build_object('type', 'Feature',
               'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, 0.0001), 6)::json,
               'properties', json_build_object(
                   'code', a.code, 'name', coalesce(a.short_name, a.name),
                   'residents', coalesce(c.residents, 0), 'migrants', coalesce(c.migrants, 0),
                   'area_km2', round(a.area_km2::numeric, 3),
                   'migrants_per_km2', round((coalesce(c.migrants, 0)
                        / nullif(a.area_km2, 0))::numeric, 1),
                   'migrants_per_1000_residents', round((1000.0 * coalesce(c.migrants, 0)
                        / nullif(c.residents, 0))::numeric, 1)))
               ORDER BY a.code), '[]'::json))::text
    FROM admin_area a LEFT JOIN counts c ON c.path = a.path
    WHERE a.level = :level AND a.path LIKE :p"""
    return conn.execute(sa.text(sql), params).scalar()


def heat_cells(conn, scope: Scope, filters: Filters = NO_FILTERS,
               cell_m: float = HEAT_CELL_M) -> list[list[float]]:
    """[[lat, lon, migrants], …] per cell of ``cell_m`` metres (at least HEAT_CELL_M),
    cell centres in WGS-84."""
    where, params = filters.sql()
    params.update({"p": scope.like, "cell": max(float(cell_m), HEAT_CELL_M)})
    rows = conn.execute(sa.text(f"""
        WITH m AS (
            SELECT ST_SnapToGrid(ST_Transform(h.geom, 3857), :cell) AS g,
                   count(p.id) AS migrants
            FROM households h JOIN persons p ON p.household_id = h.id AND p.is_migrant
            WHERE h.admin_path LIKE :p AND h.geom IS NOT NULL AND {where}
            GROUP BY 1)
        SELECT ST_Y(c), ST_X(c), migrants
        FROM (SELECT ST_Transform(g, 4326) AS c, migrants FROM m) x"""), params)
    return [[round(a, 6), round(b, 6), int(n)] for a, b, n in rows]


def as_json(cells) -> str:
    return json.dumps(cells, separators=(",", ":"))
