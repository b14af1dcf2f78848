"""Bulk writes for the loaders: staging tables filled by COPY, then set-based upserts.

Loaders validate rows in Python (vectorised) and hand clean frames to the functions
here; everything after that is SQL inside the loader's one transaction. Upserts are on
natural keys and change nothing when the incoming row equals the stored one, so loading
the same file twice is a no-op. Each step that can reject rows returns them as
``(row_no, column, value, reason, fix)`` tuples for the load report.
"""

from __future__ import annotations

import io

import pandas as pd
import sqlalchemy as sa

from gis import schema
from gis.messages import _

COPY_CHUNK_ROWS = 100_000


def _driver(conn):
    return conn.connection.driver_connection


def copy_frame(conn, table: str, df: pd.DataFrame, columns: list[str]) -> int:
    """COPY ``df[columns]`` into ``table`` (CSV; empty cells become NULL). Returns rows."""
    if df.empty:
        return 0
    raw = _driver(conn)
    cols = ", ".join(columns)
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            for start in range(0, len(df), COPY_CHUNK_ROWS):
                buf = io.StringIO()
                df.iloc[start : start + COPY_CHUNK_ROWS][columns].to_csv(
                    buf, header=False, index=False, na_rep=""
                )
                copy.write(buf.getvalue())
    return len(df)


def _rejects(rows, column: str, reason, fix) -> list[tuple]:
    out = []
    for r in rows:
        m = r._mapping
        out.append(
            (
                m["row_no"],
                column,
                m.get("value"),
                reason(m) if callable(reason) else reason,
                fix(m) if callable(fix) else fix,
            )
        )
    return out


def _counts(conn, sql: str, params: dict | None = None, *, empty: bool = False) -> tuple[int, int]:
    """Run an INSERT .. ON CONFLICT .. RETURNING (xmax = 0) and count inserts/updates.

    With ``empty`` (the target table had no rows and the staged rows are unique) the
    conflict clause and the RETURNING list are dropped: a plain INSERT is much faster.
    """
    if empty:
        plain = sql.split("ON CONFLICT")[0]
        return conn.execute(sa.text(plain), params or {}).rowcount, 0
    row = conn.execute(
        sa.text(
            f"WITH w AS ({sql}) SELECT count(*) FILTER (WHERE inserted), "
            "count(*) FILTER (WHERE NOT inserted) FROM w"
        ),
        params or {},
    ).one()
    return int(row[0]), int(row[1])


class trusted_keys:
    """Skip per-row foreign-key triggers for statements whose keys come from joins with
    their parent tables (so the checks cannot fail), as pg_restore does for bulk data.

    Needs a superuser (the project's own cluster); elsewhere it does nothing and the
    triggers run as usual. The setting is local to the transaction and reset on exit.
    """

    def __init__(self, conn):
        self.conn = conn
        self.active = False

    def __enter__(self):
        if self.conn.execute(
            sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar():
            self.conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            self.active = True
        return self

    def __exit__(self, *exc):
        if self.active and not exc[0]:
            self.conn.execute(sa.text("SET LOCAL session_replication_role = origin"))


class indexes_after:
    """On the first load into an empty table, build its plain indexes after the insert
    instead of row by row (much faster for millions of rows). Constraint indexes
    (primary key, unique) stay, since the upsert relies on them. A later load, into a
    table that has rows, leaves the indexes alone.
    """

    def __init__(self, conn, table: str):
        self.conn, self.table = conn, table
        self.saved: list = []
        self.empty = False

    def __enter__(self):
        c = self.conn
        if c.execute(sa.text(f"SELECT EXISTS (SELECT 1 FROM {self.table})")).scalar():
            return self
        self.empty = True
        self.saved = c.execute(
            sa.text("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = :t
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k
                              WHERE k.conname = i.indexname
                                AND k.conrelid = CAST(:t AS regclass))"""),
            {"t": self.table},
        ).all()
        for name, _sql in self.saved:
            c.execute(sa.text(f'DROP INDEX "{name}"'))
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            for _, definition in self.saved:
                self.conn.execute(sa.text(definition))
            if self.saved:
                self.conn.execute(sa.text(f"ANALYZE {self.table}"))


def _unknown_villages(conn, table: str) -> list[tuple]:
    """Reject staged rows whose village_code is not a village of the admin tree."""
    return _rejects(
        conn.execute(
            sa.text(f"""
        DELETE FROM {table} s WHERE s.village_code IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.code = s.village_code
                          AND a.level = 'village')
        RETURNING s.row_no, s.village_code AS value""")
        ),
        "village_code",
        _("unknown village code"),
        _("use a 12-digit village code of the loaded admin areas"),
    )


def single_county(conn) -> str | None:
    """The county code when exactly one county is loaded (the usual deployment)."""
    rows = conn.execute(
        sa.text("SELECT left(code, 6) FROM admin_area WHERE level = 'county' LIMIT 2")
    ).all()
    return rows[0][0] if len(rows) == 1 else None


# =============================================================== admin areas
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
    return ins, upd, rejected


# =============================================================== buildings, roads
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
    ins, upd = _counts(
        conn,
        """
        INSERT INTO buildings AS b (ext_id, county_code, village_code, admin_path, compound,
            building_no, address, floors, use, source, geom)
        SELECT ext_id, county_code, village_code, admin_path, compound, building_no,
               address, floors, coalesce(use, 'residential'), source, ST_Multi(geom)
        FROM stage_buildings
        ON CONFLICT (ext_id) DO UPDATE SET
            county_code = EXCLUDED.county_code, village_code = EXCLUDED.village_code,
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
        RETURNING (xmax = 0) AS inserted""",
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
    conn.execute(
        sa.text(f"""
        UPDATE {table} s SET county_code = left(a.code, 6),
               admin_path = coalesce(s.admin_path, left(a.code, 6))
        FROM admin_area a
        WHERE s.county_code IS NULL AND a.level = 'county'
          AND ST_Intersects(a.geom, {geom_expr})""")
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


# =============================================================== households and persons
PERSON_STAGE = """
DROP TABLE IF EXISTS stage_persons;
CREATE TEMP TABLE stage_persons (
    row_no int, household_no text, address text, registered_address text,
    village_code text, lon float8, lat float8, name text, sex text, birth_date date,
    id_number text, phone text, relation text, is_migrant boolean, origin_code text,
    arrival_date date,
    cert_marriage text, cert_marriage_expiry date, cert_id text, cert_id_expiry date,
    cert_residence text, cert_residence_expiry date, cert_migrant text,
    cert_migrant_expiry date
) ON COMMIT DROP
"""
# The persons' own fields, as declared in gis.schema: what a file gives and an upsert
# compares and sets (keys, placement and bookkeeping columns excluded).
_PERSON_NOT_FIELDS = {
    "id",
    "household_id",
    "county_code",
    "id_number",
    "admin_path",
    "created_at",
    "updated_at",
    "rkey",
}
PERSON_FIELDS = [c.name for c in schema.persons.c if c.name not in _PERSON_NOT_FIELDS]


def check_person_stage(conn) -> list[tuple]:
    """Reject staged rows with unknown villages, duplicate IDs or household conflicts."""
    rejected = _unknown_villages(conn, "stage_persons")
    rejected += _rejects(
        conn.execute(
            sa.text("""
        WITH firsts AS (SELECT id_number, min(row_no) AS first_row FROM stage_persons
                        GROUP BY id_number HAVING count(*) > 1)
        DELETE FROM stage_persons s USING firsts f
        WHERE s.id_number = f.id_number AND s.row_no > f.first_row
        RETURNING s.row_no, s.id_number AS value, f.first_row""")
        ),
        "id_number",
        lambda m: _("duplicate ID number, already on row {row}", row=m["first_row"]),
        _("each person appears once; remove or correct the repeated row"),
    )
    # Household fields come from the household's first row; a later row may leave them
    # empty or repeat them, but may not contradict them.
    rejected += _rejects(
        conn.execute(
            sa.text("""
        WITH f AS (SELECT DISTINCT ON (household_no) household_no, row_no, address,
                          village_code, lon, lat
                   FROM stage_persons ORDER BY household_no, row_no)
        DELETE FROM stage_persons s USING f
        WHERE s.household_no = f.household_no AND s.row_no <> f.row_no
          AND ((s.address IS NOT NULL AND s.address IS DISTINCT FROM f.address)
            OR (s.village_code IS NOT NULL AND s.village_code IS DISTINCT FROM f.village_code)
            OR (s.lon IS NOT NULL AND (s.lon, s.lat) IS DISTINCT FROM (f.lon, f.lat)))
        RETURNING s.row_no, s.household_no AS value, f.row_no AS first_row""")
        ),
        "household_no",
        lambda m: _(
            "household {household} has a different address, village or position "
            "on its first row (row {row})",
            household=m["value"],
            row=m["first_row"],
        ),
        _("give household fields once, on the household's first row, or make them equal"),
    )
    return rejected


def shift_hit_rates(conn, candidates: dict[str, tuple[list, list]]) -> dict[str, float]:
    """Share of sample points inside a building for each coordinate hypothesis.

    ``candidates`` maps a hypothesis name to (lons, lats) already converted to WGS-84.
    Used to spot a file whose undeclared coordinates are GCJ-02 or BD-09: such points
    miss the buildings by 100-700 m but hit them once converted.
    """
    out = {}
    for name, (lons, lats) in candidates.items():
        if not len(lons):
            out[name] = 0.0
            continue
        hits = conn.execute(
            sa.text("""
            SELECT count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM buildings b WHERE ST_Intersects(b.geom,
                    ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))))
            FROM unnest(CAST(:x AS float8[]), CAST(:y AS float8[])) AS p(lon, lat)"""),
            {"x": list(map(float, lons)), "y": list(map(float, lats))},
        ).scalar()
        out[name] = hits / len(lons)
    return out


def upsert_households(conn, source_crs: str | None) -> dict:
    """Build households from the staged person rows, place them, and upsert both tables.

    Placement from coordinates is set-based: building by point-in-polygon, village and
    grid from the building (or the polygons when no building contains the point). A
    household placed manually keeps its place.
    """
    county = single_county(conn)
    _stage_households(conn)
    _place_in_buildings(conn)
    _place_in_villages(conn)
    rejected = _reject_unplaced(conn, county)
    h_ins, h_upd = _upsert_household_rows(conn, source_crs, county)
    p_ins, p_upd = _upsert_person_rows(conn)
    staged_h = conn.execute(sa.text("SELECT count(*) FROM stage_households")).scalar()
    staged_p = conn.execute(sa.text("SELECT count(*) FROM stage_persons")).scalar()
    return {
        "households": {"inserted": h_ins, "updated": h_upd, "unchanged": staged_h - h_ins - h_upd},
        "persons": {"inserted": p_ins, "updated": p_upd, "unchanged": staged_p - p_ins - p_upd},
        "rejected": rejected,
    }


def _stage_households(conn) -> None:
    """One staged household per household number (from its first person row); one whose
    point has not moved keeps the placement it has."""
    conn.execute(
        sa.text("""
        DROP TABLE IF EXISTS stage_households;
        CREATE TEMP TABLE stage_households ON COMMIT DROP AS
        SELECT DISTINCT ON (household_no) household_no, address, registered_address,
               village_code,
               CASE WHEN lon IS NOT NULL
                    THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END AS geom,
               NULL::bigint AS building_id, NULL::text AS admin_path, false AS placed
        FROM stage_persons ORDER BY household_no, row_no""")
    )
    # A re-loaded household whose point has not moved keeps the placement it has: the
    # point-in-polygon join below then only runs for new or moved points.
    conn.execute(
        sa.text("""
        UPDATE stage_households s SET building_id = h.building_id,
               admin_path = h.admin_path, village_code = h.village_code, placed = true
        FROM households h
        WHERE h.household_no = s.household_no AND s.geom IS NOT NULL
          AND h.geom = s.geom AND h.geocode_method = 'coordinates'""")
    )
    conn.execute(sa.text("CREATE INDEX ON stage_households USING gist (geom) WHERE NOT placed"))
    conn.execute(sa.text("ANALYZE stage_households"))


def _place_in_buildings(conn) -> None:
    """Point in building: the household takes the building's village and grid."""
    # For a big batch, each building probes the points' index (150 k
    # probes for a county instead of one per household: several times faster); a small
    # file probes the buildings' index per point.
    n_points, n_buildings = conn.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM stage_households WHERE NOT placed AND geom IS NOT NULL),"
            " (SELECT reltuples FROM pg_class WHERE oid = 'buildings'::regclass)"
        )
    ).one()
    if n_points > max(n_buildings, 1000) / 4:
        conn.execute(
            sa.text("""
            WITH m AS (
                SELECT DISTINCT ON (x.household_no) x.household_no, b.id, b.admin_path,
                       b.village_code
                FROM buildings b
                CROSS JOIN LATERAL (
                    SELECT s2.household_no FROM stage_households s2
                    WHERE NOT s2.placed AND s2.geom && b.geom
                      AND ST_Intersects(b.geom, s2.geom) OFFSET 0) x
                ORDER BY x.household_no, b.id)
            UPDATE stage_households s SET building_id = m.id, admin_path = m.admin_path,
                   village_code = m.village_code, placed = true
            FROM m WHERE s.household_no = m.household_no""")
        )
    else:
        conn.execute(
            sa.text("""
            UPDATE stage_households s SET building_id = b.id, admin_path = b.admin_path,
                   village_code = b.village_code, placed = true
            FROM buildings b
            WHERE NOT s.placed AND s.geom IS NOT NULL AND ST_Intersects(b.geom, s.geom)""")
        )


def _place_in_villages(conn) -> None:
    """Points in no building: their village and grid from the polygons."""
    # Buildings lie
    # inside the county, so only these points can be outside it.
    conn.execute(
        sa.text("""
        UPDATE stage_households s SET village_code = v.code,
               admin_path = coalesce(g.path, v.path), placed = true
        FROM admin_area v
        LEFT JOIN admin_area g ON g.level = 'grid' AND left(g.code, 12) = v.code
        WHERE NOT s.placed AND s.geom IS NOT NULL AND v.level = 'village'
          AND ST_Intersects(v.geom, s.geom)
          AND (g.code IS NULL OR ST_Intersects(g.geom, s.geom))""")
    )


def _reject_unplaced(conn, county: str | None) -> list[tuple]:
    """Drop (and report) households outside the loaded county or in no known county."""
    rejected = []
    if conn.execute(
        sa.text("SELECT EXISTS (SELECT 1 FROM admin_area WHERE level = 'county')")
    ).scalar():
        rejected += _rejects(
            conn.execute(
                sa.text("""
            WITH bad AS (
                DELETE FROM stage_households s
                WHERE NOT s.placed AND s.geom IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM admin_area a WHERE a.level = 'county'
                    AND ST_Intersects(a.geom, s.geom))
                RETURNING household_no)
            DELETE FROM stage_persons s USING bad WHERE s.household_no = bad.household_no
            RETURNING s.row_no, s.lon || ',' || s.lat AS value""")
            ),
            "lon",
            _("point is outside the loaded county boundary"),
            _("check the coordinate system (--crs) and whether lon and lat are swapped"),
        )
    rejected += _rejects(
        conn.execute(
            sa.text("""
        WITH bad AS (DELETE FROM stage_households
                     WHERE village_code IS NULL AND CAST(:c AS text) IS NULL
                     RETURNING household_no)
        DELETE FROM stage_persons s USING bad WHERE s.household_no = bad.household_no
        RETURNING s.row_no, s.household_no AS value"""),
            {"c": county},
        ),
        "village_code",
        _("cannot tell which county the household belongs to"),
        _("give a village_code or coordinates inside the loaded county"),
    )
    return rejected


def _upsert_household_rows(conn, source_crs: str | None, county: str | None) -> tuple[int, int]:
    """Insert or update the staged households; returns (inserted, updated)."""
    # The position is replaced only when the file gives coordinates or a new address,
    # and never for a household placed by hand.
    moved = """NOT h.placed_manually
        AND (EXCLUDED.geom IS NOT NULL OR h.address IS DISTINCT FROM EXCLUDED.address)
        AND (h.geom IS DISTINCT FROM EXCLUDED.geom
             OR h.building_id IS DISTINCT FROM EXCLUDED.building_id
             OR h.village_code IS DISTINCT FROM EXCLUDED.village_code
             OR h.admin_path IS DISTINCT FROM EXCLUDED.admin_path)"""
    placed = (
        "geom",
        "building_id",
        "village_code",
        "admin_path",
        "geocode_level",
        "geocode_score",
        "geocode_method",
    )
    set_placed = ",\n            ".join(
        f"{c} = CASE WHEN {moved} THEN EXCLUDED.{c} ELSE h.{c} END" for c in placed
    )
    with trusted_keys(conn), indexes_after(conn, "households") as idx:
        h_ins, h_upd = _counts(
            conn,
            f"""
            INSERT INTO households AS h (household_no, county_code, admin_path, village_code,
                address, registered_address, building_id, geom, source_crs, geocode_level,
                geocode_score, geocode_method)
            SELECT household_no, coalesce(left(s.village_code, 6), :c),
                   coalesce(s.admin_path, v.path, left(s.village_code, 6), :c),
                   s.village_code, s.address, s.registered_address, s.building_id, s.geom,
                   CAST(:crs AS text),
                   CASE WHEN s.building_id IS NOT NULL THEN 'building'
                        WHEN s.geom IS NOT NULL THEN 'village' END,
                   CASE WHEN s.building_id IS NOT NULL THEN 1.0
                        WHEN s.geom IS NOT NULL THEN 0.5 END,
                   CASE WHEN s.geom IS NOT NULL THEN 'coordinates' END
            FROM stage_households s LEFT JOIN admin_area v ON v.code = s.village_code
            ON CONFLICT (household_no) DO UPDATE SET
                address = EXCLUDED.address, registered_address = EXCLUDED.registered_address,
                {set_placed},
                source_crs = coalesce(EXCLUDED.source_crs, h.source_crs),
                updated_at = now()
            WHERE (h.address, h.registered_address) IS DISTINCT FROM
                  (EXCLUDED.address, EXCLUDED.registered_address) OR ({moved})
            RETURNING (xmax = 0) AS inserted""",
            {"crs": source_crs, "c": county},
            empty=idx.empty,
        )
    return h_ins, h_upd


def _upsert_person_rows(conn) -> tuple[int, int]:
    """Insert or update the staged persons (on the ID number); returns (inserted, updated)."""
    fields = ", ".join(PERSON_FIELDS)
    excluded = ", ".join(f"EXCLUDED.{f}" for f in PERSON_FIELDS)
    current = ", ".join(f"p.{f}" for f in PERSON_FIELDS)
    with trusted_keys(conn), indexes_after(conn, "persons") as idx:
        p_ins, p_upd = _counts(
            conn,
            f"""
            INSERT INTO persons AS p (household_id, county_code, admin_path, id_number,
                                      {fields})
            SELECT h.id, h.county_code, h.admin_path, s.id_number,
                   {", ".join("s." + f for f in PERSON_FIELDS)}
            FROM stage_persons s JOIN households h ON h.household_no = s.household_no
            ON CONFLICT (id_number) DO UPDATE SET household_id = EXCLUDED.household_id,
                admin_path = EXCLUDED.admin_path,
                {", ".join(f"{f} = EXCLUDED.{f}" for f in PERSON_FIELDS)}, updated_at = now()
            WHERE (p.household_id, {current}) IS DISTINCT FROM (EXCLUDED.household_id, {excluded})
            RETURNING (xmax = 0) AS inserted""",
            empty=idx.empty,
        )
    return p_ins, p_upd


# =============================================================== service points
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


# =============================================================== teams and events
TEAM_STAGE = """
DROP TABLE IF EXISTS stage_teams;
CREATE TEMP TABLE stage_teams (row_no int, ext_id text, name text, base_code text,
                               members int) ON COMMIT DROP
"""


def upsert_teams(conn) -> tuple[int, int, list[tuple]]:
    rejected = _rejects(
        conn.execute(
            sa.text("""
        DELETE FROM stage_teams s WHERE base_code IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM admin_area a WHERE a.code = s.base_code)
        RETURNING row_no, base_code AS value""")
        ),
        "base_code",
        _("unknown area code"),
        _("use a code of the loaded admin areas"),
    )
    county = single_county(conn)
    ins, upd = _counts(
        conn,
        """
        INSERT INTO service_teams AS t (ext_id, county_code, name, base_code, members)
        SELECT ext_id, coalesce(left(base_code, 6), :c, '000000'), name, base_code, members
        FROM stage_teams
        ON CONFLICT (ext_id) DO UPDATE SET name = EXCLUDED.name,
            base_code = EXCLUDED.base_code, members = EXCLUDED.members
        WHERE (t.name, t.base_code, t.members) IS DISTINCT FROM
              (EXCLUDED.name, EXCLUDED.base_code, EXCLUDED.members)
        RETURNING (xmax = 0) AS inserted""",
        {"c": county},
    )
    return ins, upd, rejected


EVENT_STAGE = """
DROP TABLE IF EXISTS stage_events;
CREATE TEMP TABLE stage_events (row_no int, ext_id text, household_no text, kind text,
    event_date date, team text, id_number text, note text) ON COMMIT DROP
"""


def upsert_events(conn, loaded_by: str | None) -> tuple[int, int, list[tuple]]:
    rejected = _rejects(
        conn.execute(
            sa.text("""
        DELETE FROM stage_events s WHERE NOT EXISTS
            (SELECT 1 FROM households h WHERE h.household_no = s.household_no)
        RETURNING row_no, household_no AS value""")
        ),
        "household_no",
        _("unknown household"),
        _("load the households file first, or correct the household number"),
    )
    rejected += _rejects(
        conn.execute(
            sa.text("""
        DELETE FROM stage_events s WHERE team IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM service_teams t WHERE t.ext_id = s.team)
        RETURNING row_no, team AS value""")
        ),
        "team_id",
        _("unknown service team"),
        _("load the teams file first, or correct the team id"),
    )
    with trusted_keys(conn):
        ins, upd = _counts(
            conn,
            """
            INSERT INTO events AS ev (ext_id, county_code, admin_path, household_id,
                                      person_id, team_id, kind, event_date, note, recorded_by)
            SELECT s.ext_id, h.county_code, h.admin_path, h.id, p.id, t.id, s.kind,
                   s.event_date, s.note, :u
            FROM stage_events s
            JOIN households h ON h.household_no = s.household_no
            LEFT JOIN persons p ON p.id_number = s.id_number
            LEFT JOIN service_teams t ON t.ext_id = s.team
            ON CONFLICT (ext_id) DO UPDATE SET household_id = EXCLUDED.household_id,
                admin_path = EXCLUDED.admin_path, person_id = EXCLUDED.person_id, team_id = EXCLUDED.team_id,
                kind = EXCLUDED.kind, event_date = EXCLUDED.event_date, note = EXCLUDED.note
            WHERE (ev.household_id, ev.person_id, ev.team_id, ev.kind, ev.event_date, ev.note)
                  IS DISTINCT FROM (EXCLUDED.household_id, EXCLUDED.person_id,
                  EXCLUDED.team_id, EXCLUDED.kind, EXCLUDED.event_date, EXCLUDED.note)
            RETURNING (xmax = 0) AS inserted""",
            {"u": loaded_by},
        )
    return ins, upd, rejected


# =============================================================== batches
def start_batch(
    conn, kind: str, file_name: str, file_hash: str, loaded_by: str | None, source_crs: str | None
) -> int:
    batches = schema.import_batches
    return conn.execute(
        sa.insert(batches)
        .values(
            kind=kind,
            file_name=file_name,
            file_hash=file_hash,
            loaded_by=loaded_by,
            status="loading",
            source_crs=source_crs,
        )
        .returning(batches.c.id)
    ).scalar()


#: what a rejected row records (the report's columns, in rejected_rows' order)
REJECTED_COLUMNS = [c.name for c in schema.rejected_rows.c if c.name not in ("id", "batch_id")]


def finish_batch(
    conn,
    batch_id: int,
    *,
    status: str,
    total: int,
    inserted: int,
    updated: int,
    unchanged: int,
    rejected: list[tuple],
    notes: list[str],
) -> None:
    batches = schema.import_batches
    conn.execute(
        sa.update(batches)
        .where(batches.c.id == batch_id)
        .values(
            finished_at=sa.func.now(),
            status=status,
            rows_total=total,
            rows_inserted=inserted,
            rows_updated=updated,
            rows_unchanged=unchanged,
            # rows, not problems: a row with several bad cells has one entry for each
            rows_rejected=len({r[0] for r in rejected if r[0] is not None})
            + sum(1 for r in rejected if r[0] is None),
            notes=notes,
        )
    )
    if rejected:
        df = pd.DataFrame(rejected, columns=REJECTED_COLUMNS)
        df.insert(0, "batch_id", batch_id)
        copy_frame(conn, schema.rejected_rows.name, df, list(df.columns))
