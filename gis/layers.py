"""Map layers as GeoJSON built in SQL: boundaries and service points of a scope.

Only non-personal data here; households and persons go through gis.gate.
"""

from __future__ import annotations

import sqlalchemy as sa

from gis.gate import Scope

# Simplification tolerance per level in degrees (≈ 10–50 m): the map draws outlines,
# not survey boundaries, and payloads stay small.
SIMPLIFY = {"county": 0.0005, "township": 0.0003, "village": 0.0001, "grid": 0.00005}


def boundaries(conn, scope: Scope, level: str) -> str:
    """Admin areas of ``level`` inside the scope (and the scope's own outline) as a
    GeoJSON FeatureCollection string; properties code, name, level, parent_code."""
    if level not in SIMPLIFY:
        raise ValueError(f"unknown level {level!r}; expected {', '.join(SIMPLIFY)}")
    return conn.execute(sa.text("""
        SELECT json_build_object('type', 'FeatureCollection', 'features',
               coalesce(json_agg(json_build_object(
                   'type', 'Feature',
                   'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tol), 6)::json,
                   'properties', json_build_object('code', code, 'name', name,
                       'short_name', short_name, 'level', level, 'parent_code', parent_code,
                       'synthetic', synthetic,
                       'label', json_build_array(round(ST_X(ST_PointOnSurface(geom))::numeric, 5),
                                                 round(ST_Y(ST_PointOnSurface(geom))::numeric, 5))))
                   ORDER BY code), '[]'::json))::text
        FROM admin_area
        WHERE level = :level AND path LIKE :p AND geom IS NOT NULL"""),
        {"tol": SIMPLIFY[level], "level": level, "p": scope.like}).scalar()


def service_points(conn, scope: Scope, *, active_only: bool = False) -> str:
    """Service points in the scope as a GeoJSON FeatureCollection string."""
    return conn.execute(sa.text("""
        SELECT json_build_object('type', 'FeatureCollection', 'features',
               coalesce(json_agg(json_build_object(
                   'type', 'Feature', 'id', id,
                   'geometry', ST_AsGeoJSON(geom, 6)::json,
                   'properties', json_build_object('id', id, 'point_id', ext_id,
                       'kind', kind, 'name', name, 'address', address,
                       'opening_hours', opening_hours, 'capacity', capacity,
                       'active', active, 'village_code', village_code)) ORDER BY id),
                   '[]'::json))::text
        FROM service_points
        WHERE admin_path LIKE :p AND (active OR NOT :a)"""),
        {"p": scope.like, "a": active_only}).scalar()


def extent(conn, scope: Scope) -> list[float] | None:
    """[[south, west], [north, east]] of the scope's area, for fitting the map."""
    row = conn.execute(sa.text("""
        SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e)
        FROM (SELECT ST_Extent(geom) AS e FROM admin_area WHERE code = :c) x"""),
        {"c": scope.area_code}).one_or_none()
    if row is None or row[0] is None:
        return None
    return [[row[0], row[1]], [row[2], row[3]]]


def area_name(conn, code: str) -> str | None:
    """The short name (or name) of an admin area."""
    return conn.execute(sa.text(
        "SELECT coalesce(short_name, name) FROM admin_area WHERE code = :c"),
        {"c": code}).scalar()


def candidate_point(conn, building_id: int | None, village_code: str | None):
    """A representative WGS-84 point (lon, lat) of a building, else of a village."""
    row = None
    if building_id is not None:
        row = conn.execute(sa.text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
            "FROM buildings WHERE id = :b) x"), {"b": building_id}).one_or_none()
    if row is None and village_code:
        row = conn.execute(sa.text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p "
            "FROM admin_area WHERE code = :c) x"), {"c": village_code}).one_or_none()
    if row is None:
        from gis.errors import InvalidInput

        raise InvalidInput("the candidate names no known building or village")
    return float(row[0]), float(row[1])
