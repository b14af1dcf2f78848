"""Bulk writes of service points (placed in their village and grid)."""

from __future__ import annotations

import sqlalchemy as sa

from gis.ingest.core import _counts, _rejects, single_county
from gis.messages import _

SERVICE_POINT_STAGE = """
DROP TABLE IF EXISTS stage_service_points;
CREATE TEMP TABLE stage_service_points (
    row_no int, ext_id text, kind text, name text, address text, lon float8, lat float8,
    opening_hours text, capacity int, active boolean
) ON COMMIT DROP
"""


def upsert_service_points(conn) -> tuple[int, int, list[tuple]]:
    """Place staged service points in their village and grid and upsert on ext_id."""
    county = single_county(conn)
    rejected = _rejects(
        conn.execute(
            sa.text("""
        WITH firsts AS (SELECT ext_id, min(row_no) AS first_row FROM stage_service_points
                        GROUP BY ext_id HAVING count(*) > 1)
        DELETE FROM stage_service_points s USING firsts f
        WHERE s.ext_id = f.ext_id AND s.row_no > f.first_row
        RETURNING s.row_no, s.ext_id AS value, f.first_row""")
        ),
        "point_id",
        lambda m: _("duplicate point_id, already on row {row}", row=m["first_row"]),
        _("give each service point its own point_id"),
    )
    conn.execute(
        sa.text("""
        DROP TABLE IF EXISTS stage_sp2;
CREATE TEMP TABLE stage_sp2 ON COMMIT DROP AS
        SELECT s.*, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom,
               v.code AS village_code, coalesce(g.path, v.path) AS admin_path
        FROM stage_service_points s
        LEFT JOIN LATERAL (SELECT code, path FROM admin_area WHERE level = 'village'
            AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326))
            LIMIT 1) v ON true
        LEFT JOIN LATERAL (SELECT path FROM admin_area WHERE level = 'grid'
            AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326))
            LIMIT 1) g ON true""")
    )
    if county is not None:
        rejected += _rejects(
            conn.execute(
                sa.text("""
            DELETE FROM stage_sp2 WHERE admin_path IS NULL
            RETURNING row_no, lon || ',' || lat AS value""")
            ),
            "lon",
            _("point is outside the loaded villages"),
            _("check the coordinate system (--crs) and whether lon and lat are swapped"),
        )
    ins, upd = _counts(
        conn,
        """
        INSERT INTO service_points AS p (ext_id, county_code, kind, name, address,
            village_code, admin_path, opening_hours, capacity, active, geom)
        SELECT ext_id, coalesce(left(village_code, 6), :c, '000000'), kind, name, address,
               village_code, coalesce(admin_path, :c, '000000'), opening_hours, capacity,
               coalesce(active, true), geom
        FROM stage_sp2
        ON CONFLICT (ext_id) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name,
            address = EXCLUDED.address, village_code = EXCLUDED.village_code,
            admin_path = EXCLUDED.admin_path, opening_hours = EXCLUDED.opening_hours,
            capacity = EXCLUDED.capacity, active = EXCLUDED.active, geom = EXCLUDED.geom,
            updated_at = now()
        WHERE (p.kind, p.name, p.address, p.village_code, p.opening_hours, p.capacity,
               p.active, p.geom) IS DISTINCT FROM
              (EXCLUDED.kind, EXCLUDED.name, EXCLUDED.address, EXCLUDED.village_code,
               EXCLUDED.opening_hours, EXCLUDED.capacity, EXCLUDED.active, EXCLUDED.geom)
        RETURNING (xmax = 0) AS inserted""",
        {"c": county},
    )
    return ins, upd, rejected
