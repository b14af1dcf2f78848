"""Bulk writes of admin areas (each new county gets its partitions)."""

from __future__ import annotations

import sqlalchemy as sa

from gis import partitions
from gis.ingest.core import _counts, _rejects
from gis.messages import _

ADMIN_STAGE = """
DROP TABLE IF EXISTS stage_admin;
CREATE TEMP TABLE stage_admin (
    row_no int, code text, name text, short_name text, level text, parent_code text,
    aliases text, former_names text, synthetic boolean, wkb text
) ON COMMIT DROP
"""


def upsert_admin(conn) -> tuple[int, int, list[tuple]]:
    """Upsert staged admin areas on their code; parents must exist in file or database."""
    rejected = _rejects(
        conn.execute(
            sa.text("""
        DELETE FROM stage_admin s
        WHERE s.parent_code IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM stage_admin p WHERE p.code = s.parent_code)
          AND NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.code = s.parent_code)
        RETURNING s.row_no, s.parent_code AS value""")
        ),
        "parent_code",
        _("parent area is neither in this file nor loaded"),
        _("load the parent level first, or correct the code"),
    )
    ins, upd = _counts(
        conn,
        """
        INSERT INTO admin_area AS a (code, path, name, short_name, level, parent_code,
            county_code, aliases, former_names, synthetic, area_km2, geom)
        SELECT s.code,
               CASE s.level WHEN 'county' THEN left(s.code, 6)
                            WHEN 'township' THEN left(s.code, 9)
                            ELSE s.code END,
               s.name, s.short_name, s.level, s.parent_code, left(s.code, 6),
               string_to_array(coalesce(s.aliases, ''), ';'),
               string_to_array(coalesce(s.former_names, ''), ';'),
               coalesce(s.synthetic, false),
               ST_Area(g.geom::geography) / 1e6, g.geom
        FROM stage_admin s,
             LATERAL (SELECT ST_Multi(ST_GeomFromWKB(decode(s.wkb, 'hex'), 4326)) AS geom) g
        ON CONFLICT (code) DO UPDATE SET
            name = EXCLUDED.name, short_name = EXCLUDED.short_name, level = EXCLUDED.level,
            parent_code = EXCLUDED.parent_code, aliases = EXCLUDED.aliases,
            former_names = EXCLUDED.former_names, synthetic = EXCLUDED.synthetic,
            area_km2 = EXCLUDED.area_km2, geom = EXCLUDED.geom, updated_at = now()
        WHERE (a.name, a.short_name, a.level, a.parent_code, a.aliases, a.former_names,
               a.synthetic) IS DISTINCT FROM
              (EXCLUDED.name, EXCLUDED.short_name, EXCLUDED.level, EXCLUDED.parent_code,
               EXCLUDED.aliases, EXCLUDED.former_names, EXCLUDED.synthetic)
           OR NOT ST_Equals(a.geom, EXCLUDED.geom)
        RETURNING (xmax = 0) AS inserted""",
    )
    # each county loaded gets its partitions of the people's tables
    for county in conn.execute(
        sa.text("SELECT DISTINCT left(code, 6) FROM stage_admin ORDER BY 1")
    ).scalars():
        partitions.ensure_county(conn, county)
    return ins, upd, rejected
