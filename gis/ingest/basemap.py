"""Bulk writes of the base map: buildings, roads and land cover."""

from __future__ import annotations

import sqlalchemy as sa

from gis import partitions
from gis.ingest.core import _counts, _rejects, _unknown_villages, indexes_after
from gis.messages import _

BUILDING_STAGE = """
DROP TABLE IF EXISTS stage_buildings;
CREATE TEMP TABLE stage_buildings (
    row_no int, ext_id text, village_code text, compound text, building_no text,
    address text, floors smallint, use text, source text,
    geom geometry(Geometry, 4326), admin_path text, county_code text
) ON COMMIT DROP
"""


def upsert_buildings(conn) -> tuple[int, int, list[tuple]]:
    """Assign each staged building to its village and grid, then upsert on ext_id.

    The village is the one that contains the footprint's point-on-surface; a given
    ``village_code`` is checked against the admin tree.
    """
    rejected = _unknown_villages(conn, "stage_buildings")
    conn.execute(sa.text("CREATE INDEX ON stage_buildings USING gist (geom)"))
    conn.execute(sa.text("ANALYZE stage_buildings"))
    conn.execute(
        sa.text("""
        UPDATE stage_buildings s SET village_code = a.code
        FROM admin_area a
        WHERE s.village_code IS NULL AND a.level = 'village'
          AND ST_Intersects(a.geom, ST_PointOnSurface(s.geom))""")
    )
    conn.execute(
        sa.text("""
        UPDATE stage_buildings s SET admin_path = a.path
        FROM admin_area a
        WHERE a.level = 'grid' AND left(a.code, 12) = s.village_code
          AND ST_Intersects(a.geom, ST_PointOnSurface(s.geom))""")
    )
    conn.execute(
        sa.text("""
        UPDATE stage_buildings s SET admin_path = a.path FROM admin_area a
        WHERE s.admin_path IS NULL AND a.code = s.village_code""")
    )
    conn.execute(
        sa.text("""
        UPDATE stage_buildings SET county_code = left(village_code, 6)
        WHERE village_code IS NOT NULL""")
    )
    rejected += _assign_county(conn, "stage_buildings", "ST_PointOnSurface(s.geom)")
    partitions.require_counties(conn, "stage_buildings")
    ins, upd = _counts(
        conn,
        """
        INSERT INTO buildings AS b (ext_id, county_code, village_code, admin_path, compound,
            building_no, address, floors, use, source, geom)
        SELECT ext_id, county_code, village_code, admin_path, compound, building_no,
               address, floors, coalesce(use, 'residential'), source, ST_Multi(geom)
        FROM stage_buildings
        ON CONFLICT (ext_id, county_code) DO UPDATE SET
            village_code = EXCLUDED.village_code,
            admin_path = EXCLUDED.admin_path, compound = EXCLUDED.compound,
            building_no = EXCLUDED.building_no, address = EXCLUDED.address,
            floors = EXCLUDED.floors, use = EXCLUDED.use, source = EXCLUDED.source,
            geom = EXCLUDED.geom, updated_at = now()
        WHERE (b.village_code, b.admin_path, b.compound, b.building_no, b.address, b.floors,
               b.use, b.source) IS DISTINCT FROM
              (EXCLUDED.village_code, EXCLUDED.admin_path, EXCLUDED.compound,
               EXCLUDED.building_no, EXCLUDED.address, EXCLUDED.floors, EXCLUDED.use,
               EXCLUDED.source)
           OR NOT ST_Equals(b.geom, EXCLUDED.geom)
        RETURNING b.ext_id, b.county_code""",
        keys=("buildings", "ext_id, county_code"),
    )
    return ins, upd, rejected


ROAD_STAGE = """
DROP TABLE IF EXISTS stage_roads;
CREATE TEMP TABLE stage_roads (
    row_no int, ext_id text, name text, highway text, source text,
    geom geometry(Geometry, 4326), admin_path text, county_code text
) ON COMMIT DROP
"""


def _assign_county(conn, table: str, geom_expr: str) -> list[tuple]:
    """Give rows without a county the county polygon they lie in.

    With no county loaded at all, rows are kept as unassigned ('000000'); with counties
    loaded, rows outside all of them are rejected.
    """
    # Against the county outlines cut into small pieces: a whole outline has thousands
    # of vertices, and testing each of 700 k roads of a province against it took minutes
    # (the same answers: the pieces cover the outline exactly).
    conn.execute(
        sa.text("""
        DROP TABLE IF EXISTS county_pieces;
        CREATE TEMP TABLE county_pieces ON COMMIT DROP AS
            SELECT left(code, 6) AS county, ST_Subdivide(geom, 128) AS geom
            FROM admin_area WHERE level = 'county';
        CREATE INDEX ON county_pieces USING gist (geom);
        ANALYZE county_pieces""")
    )
    conn.execute(
        sa.text(f"""
        UPDATE {table} s SET county_code = a.county,
               admin_path = coalesce(s.admin_path, a.county)
        FROM county_pieces a
        WHERE s.county_code IS NULL AND ST_Intersects(a.geom, {geom_expr})""")
    )
    conn.execute(
        sa.text(f"""
        UPDATE {table} SET county_code = '000000', admin_path = '000000'
        WHERE county_code IS NULL
          AND NOT EXISTS (SELECT 1 FROM admin_area WHERE level = 'county')""")
    )
    return _rejects(
        conn.execute(
            sa.text(f"""
        DELETE FROM {table} WHERE county_code IS NULL
        RETURNING row_no, ext_id AS value""")
        ),
        "geometry",
        _("lies outside the loaded county boundaries"),
        _("check the coordinate system (--crs), or load the admin areas of its county first"),
    )


def upsert_roads(conn) -> tuple[int, int, list[tuple]]:
    """Upsert staged roads on ext_id; roads crossing no loaded county are rejected."""
    rejected = _assign_county(conn, "stage_roads", "s.geom")
    # the staged ext_ids are unique (the loader drops repeats): into an empty table, a
    # plain INSERT with the indexes built after
    with indexes_after(conn, "roads") as idx:
        ins, upd = _counts(
            conn,
            """
            INSERT INTO roads AS r (ext_id, county_code, name, highway, source, geom)
            SELECT ext_id, county_code, name, highway, source, ST_Multi(geom)
            FROM stage_roads
            ON CONFLICT (ext_id) DO UPDATE SET name = EXCLUDED.name,
                highway = EXCLUDED.highway, source = EXCLUDED.source, geom = EXCLUDED.geom
            WHERE (r.name, r.highway, r.source) IS DISTINCT FROM
                  (EXCLUDED.name, EXCLUDED.highway, EXCLUDED.source)
               OR NOT ST_Equals(r.geom, EXCLUDED.geom)
            RETURNING (xmax = 0) AS inserted""",
            empty=idx.empty,
        )
    return ins, upd, rejected


LANDCOVER_STAGE = """
DROP TABLE IF EXISTS stage_landcover;
CREATE TEMP TABLE stage_landcover (
    row_no int, ext_id text, kind text, name text, source text,
    geom geometry(Geometry, 4326), admin_path text, county_code text
) ON COMMIT DROP
"""


def upsert_landcover(conn) -> tuple[int, int, list[tuple]]:
    """Upsert staged land cover polygons on ext_id; polygons outside the loaded
    counties are rejected."""
    rejected = _assign_county(conn, "stage_landcover", "ST_PointOnSurface(s.geom)")
    ins, upd = _counts(
        conn,
        """
        INSERT INTO landcover AS l (ext_id, county_code, kind, name, source, geom)
        SELECT ext_id, county_code, kind, name, source, ST_Multi(geom) FROM stage_landcover
        ON CONFLICT (ext_id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
            source = EXCLUDED.source, geom = EXCLUDED.geom
        WHERE (l.kind, l.name, l.source) IS DISTINCT FROM
              (EXCLUDED.kind, EXCLUDED.name, EXCLUDED.source)
           OR NOT ST_Equals(l.geom, EXCLUDED.geom)
        RETURNING (xmax = 0) AS inserted""",
    )
    return ins, upd, rejected
