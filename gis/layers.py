"""Map layers as GeoJSON built in SQL: boundaries and service points of a scope.

Only non-personal data here; households and persons go through gis.gate.
"""

from __future__ import annotations

import sqlalchemy as sa

from gis.errors import InvalidInput
from gis.gate import Scope
from gis.messages import _

# Simplification tolerance per level in degrees (≈ 10–50 m): the map draws outlines,
# not survey boundaries, and payloads stay small.
SIMPLIFY = {"county": 0.0005, "township": 0.0003, "village": 0.0001, "grid": 0.00005}


def boundaries(
    conn, scope: Scope, level: str, bbox: tuple[float, float, float, float] | None = None
) -> str:
    """Admin areas of ``level`` inside the scope (and the scope's own outline) as a
    GeoJSON FeatureCollection string; properties code, name, level, parent_code. With
    ``bbox`` (west, south, east, north in WGS-84 degrees) only the areas that intersect
    it."""
    if level not in SIMPLIFY:
        raise ValueError(f"unknown level {level!r}; expected {', '.join(SIMPLIFY)}")
    box = ""
    params: dict[str, object] = {"tol": SIMPLIFY[level], "level": level, "p": scope.like}
    if bbox is not None:
        box = " AND ST_Intersects(geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"
        params.update(dict(zip(("w", "s", "e", "n"), bbox, strict=True)))
    return conn.execute(
        sa.text(
            """
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
        WHERE level = :level AND path LIKE :p AND geom IS NOT NULL"""
            + box
        ),
        params,
    ).scalar()


#: Default service radius per kind (metres): circles on the map, and how far outside a
#: jurisdiction a service point still counts as serving it.
SERVICE_RADIUS_M = {
    "distribution_point": 1000,
    "service_station": 3000,
    "clinic": 2000,
    "pharmacy": 800,
    "machine": 500,
    "outreach": 1500,
}


def service_points(conn, scope: Scope, *, active_only: bool = False, nearby: bool = True) -> str:
    """Service points in the scope as a GeoJSON FeatureCollection string.

    With ``nearby`` (the default) the active points just outside the scope's area that
    still serve it (within their kind's service radius of its boundary) are added with
    ``outside: true`` and their ``distance_m``: residents cross the street to them.
    Such a point is context on the map only: its village is not the user's, so its
    ``village_code`` is not given (the code checks answer it as not loaded), and coverage
    and planning count only the points inside the scope.
    """
    radius = ", ".join(f"('{k}', {v})" for k, v in SERVICE_RADIUS_M.items())
    return conn.execute(
        sa.text(f"""
        WITH inside AS (
            SELECT sp.*, false AS outside, NULL::int AS distance_m FROM service_points sp
            WHERE admin_path LIKE :p AND (active OR NOT :a)),
        area AS (SELECT geom FROM admin_area WHERE code = :c AND :nearby),
        near AS (
            SELECT sp.*, true AS outside,
                   round(ST_Distance(sp.geom::geography, area.geom::geography))::int
            FROM service_points sp JOIN (VALUES {radius}) r(kind, m) ON r.kind = sp.kind,
                 area
            WHERE sp.active AND NOT sp.admin_path LIKE :p
              AND ST_DWithin(sp.geom::geography, area.geom::geography, r.m)),
        pts AS (SELECT * FROM inside UNION ALL SELECT * FROM near)
        SELECT json_build_object('type', 'FeatureCollection', 'features',
               coalesce(json_agg(json_build_object(
                   'type', 'Feature', 'id', id,
                   'geometry', ST_AsGeoJSON(geom, 6)::json,
                   'properties', json_build_object('id', id, 'point_id', ext_id,
                       'kind', kind, 'name', name, 'address', address,
                       'opening_hours', opening_hours, 'capacity', capacity,
                       'active', active,
                       'village_code', CASE WHEN outside THEN NULL ELSE village_code END,
                       'outside', outside, 'distance_m', distance_m))
                   ORDER BY outside, id), '[]'::json))::text
        FROM pts"""),
        {"p": scope.like, "a": active_only, "c": scope.area_code, "nearby": nearby},
    ).scalar()


#: Building uses shown as the named layer of markets and work units (驻街单位).
UNIT_USES = ("market", "enterprise")


def units(conn, scope: Scope) -> str:
    """Markets and work units (驻街单位) in the scope as named points: one feature per
    market or enterprise (its buildings grouped by name and village), properties name,
    use, buildings (count), village. A GeoJSON FeatureCollection string."""
    return conn.execute(
        sa.text("""
        WITH u AS (
            SELECT b.use, coalesce(b.compound, b.address, b.ext_id) AS name, b.village_code,
                   count(*) AS n, ST_Centroid(ST_Collect(b.geom)) AS g,
                   min(b.id) AS id
            FROM buildings b
            WHERE b.admin_path LIKE :p AND b.use IN ('market', 'enterprise')
            GROUP BY 1, 2, 3)
        SELECT json_build_object('type', 'FeatureCollection', 'features',
               coalesce(json_agg(json_build_object(
                   'type', 'Feature', 'id', u.id,
                   'geometry', ST_AsGeoJSON(u.g, 6)::json,
                   'properties', json_build_object('id', u.id, 'name', u.name, 'use', u.use,
                       'buildings', u.n, 'village', coalesce(v.short_name, v.name)))
                   ORDER BY u.use, u.name), '[]'::json))::text
        FROM u LEFT JOIN admin_area v ON v.code = u.village_code"""),
        {"p": scope.like},
    ).scalar()


def has_landcover(conn) -> bool:
    """Whether any land cover is loaded (the map skips the layer otherwise)."""
    return bool(conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM landcover)")).scalar())


def extent(conn, scope: Scope) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the scope's area, for fitting the map."""
    row = conn.execute(
        sa.text("""
        SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e)
        FROM (SELECT ST_Extent(geom) AS e FROM admin_area WHERE code = :c) x"""),
        {"c": scope.area_code},
    ).one_or_none()
    if row is None or row[0] is None:
        return None
    return [[row[0], row[1]], [row[2], row[3]]]


def area_name(conn, code: str) -> str | None:
    """The short name (or name) of an admin area."""
    return conn.execute(
        sa.text("SELECT coalesce(short_name, name) FROM admin_area WHERE code = :c"), {"c": code}
    ).scalar()


def candidate_point(conn, building_id: int | str | None, village_code: str | None):
    """A representative WGS-84 point of a review candidate: ``(lon, lat, building)``
    with ``building`` the database id of its building (None for a village).

    Candidates written by the geocoder name the building by its public (external) id, a
    string; older ones by the database id, a number: both are accepted."""
    row = None
    if building_id is not None:
        row = conn.execute(
            sa.text("""
            SELECT ST_X(p), ST_Y(p), id FROM (SELECT ST_PointOnSurface(geom) AS p, id
            FROM buildings WHERE ext_id = CAST(:e AS text)
               OR (CAST(:n AS bigint) IS NOT NULL AND id = CAST(:n AS bigint))
            ORDER BY (ext_id = CAST(:e AS text)) DESC LIMIT 1) x"""),
            {"e": str(building_id), "n": building_id if isinstance(building_id, int) else None},
        ).one_or_none()
    if row is None and village_code:
        row = conn.execute(
            sa.text(
                "SELECT ST_X(p), ST_Y(p), NULL FROM (SELECT ST_PointOnSurface(geom) AS p "
                "FROM admin_area WHERE code = :c) x"
            ),
            {"c": village_code},
        ).one_or_none()
    if row is None:
        raise InvalidInput(_("the candidate names no known building or village"))
    return float(row[0]), float(row[1]), (int(row[2]) if row[2] is not None else None)
