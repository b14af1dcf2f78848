"""Bulk writes of households and persons: checks across rows, placing, upserts."""

from __future__ import annotations

import sqlalchemy as sa

from gis import schema
from gis.ingest.core import (
    _counts,
    _rejects,
    _unknown_villages,
    indexes_after,
    single_county,
    triggers_off,
    trusted_keys,
)
from gis.messages import _

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


def upsert_households(conn, source_crs: str | None, geocode=None) -> dict:
    """Build households from the staged person rows, place them, and upsert both tables.

    Placement from coordinates is set-based: building by point-in-polygon, village and
    grid from the building (or the polygons when no building contains the point). A
    household placed manually keeps its place.

    ``geocode(conn)``: on a first load (see :func:`first_load`), geocode the staged
    households before they are inserted (with :func:`gis.gate.geocoding.staged_to_geocode`,
    ``store_staged`` and ``place_staged``): each is then written once, geocoded, with its
    review item, instead of inserted and then updated by a geocoding run. The result's
    ``geocoded`` says whether it was done.
    """
    county = single_county(conn)
    _stage_households(conn)
    _place_in_buildings(conn)
    _place_in_villages(conn)
    rejected = _reject_unplaced(conn, county)
    first = first_load(conn)
    geocoded = first and geocode is not None
    if geocoded:
        _stage_keys(conn, county)
        geocode(conn)
    h_ins, h_upd = _upsert_household_rows(conn, source_crs, county)
    if geocoded:
        from gis.gate.geocoding import queue_staged_reviews

        queue_staged_reviews(conn)
    p_ins, p_upd = _upsert_person_rows(conn, counted=first)
    staged_h = conn.execute(sa.text("SELECT count(*) FROM stage_households")).scalar()
    staged_p = conn.execute(sa.text("SELECT count(*) FROM stage_persons")).scalar()
    return {
        "households": {"inserted": h_ins, "updated": h_upd, "unchanged": staged_h - h_ins - h_upd},
        "persons": {"inserted": p_ins, "updated": p_upd, "unchanged": staged_p - p_ins - p_upd},
        "rejected": rejected,
        "geocoded": geocoded,
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
               NULL::bigint AS building_id, NULL::text AS admin_path, false AS placed,
               -- the key and geocoding columns of a first load geocoded before its insert
               row_no, NULL::text AS county_code, false AS geocoded,
               NULL::text AS geocode_level, NULL::real AS geocode_score,
               NULL::text AS geocode_method, NULL::text AS geocode_reason,
               NULL::real AS geocode_distance_m, NULL::text AS registered_code,
               NULL::text AS geocode_input_hash
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
            # buildings is partitioned: its partitions hold the estimates
            " (SELECT coalesce(sum(greatest(c.reltuples, 0)), 0) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'buildings'::regclass)"
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


def _stage_keys(conn, county: str | None) -> None:
    """The county and jurisdiction path each staged household is inserted with (those
    of :func:`_upsert_household_rows`), set before a geocoding of the staged rows."""
    conn.execute(
        sa.text("""
        UPDATE stage_households s SET county_code = coalesce(left(s.village_code, 6), :c),
               admin_path = coalesce(s.admin_path,
                                     (SELECT v.path FROM admin_area v WHERE v.code = s.village_code),
                                     left(s.village_code, 6), :c)"""),
        {"c": county},
    )


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
    # A new household comes with its counts of persons and migrants (as the persons'
    # count trigger would set them; on a first load it is off).
    with trusted_keys(conn), indexes_after(conn, "households") as idx:
        h_ins, h_upd = _counts(
            conn,
            f"""
            INSERT INTO households AS h (household_no, county_code, admin_path, village_code,
                address, registered_address, building_id, geom, source_crs, geocode_level,
                geocode_score, geocode_method, geocode_reason, geocode_distance_m,
                registered_code, geocode_input_hash, persons_count, migrants_count)
            SELECT s.household_no, coalesce(s.county_code, left(s.village_code, 6), :c),
                   coalesce(s.admin_path, v.path, left(s.village_code, 6), :c),
                   s.village_code, s.address, s.registered_address, s.building_id, s.geom,
                   CAST(:crs AS text),
                   CASE WHEN s.geocoded THEN s.geocode_level
                        WHEN s.building_id IS NOT NULL THEN 'building'
                        WHEN s.geom IS NOT NULL THEN 'village' END,
                   CASE WHEN s.geocoded THEN s.geocode_score
                        WHEN s.building_id IS NOT NULL THEN 1.0
                        WHEN s.geom IS NOT NULL THEN 0.5 END,
                   CASE WHEN s.geocoded THEN s.geocode_method
                        WHEN s.geom IS NOT NULL THEN 'coordinates' END,
                   s.geocode_reason, s.geocode_distance_m, s.registered_code,
                   s.geocode_input_hash, coalesce(c.n, 0), coalesce(c.m, 0)
            FROM stage_households s LEFT JOIN admin_area v ON v.code = s.village_code
            LEFT JOIN (SELECT household_no, count(*) AS n, count(*) FILTER (WHERE is_migrant) AS m
                       FROM stage_persons GROUP BY household_no) c
                   ON c.household_no = s.household_no
            ON CONFLICT (household_no, county_code) DO UPDATE SET
                address = EXCLUDED.address, registered_address = EXCLUDED.registered_address,
                {set_placed},
                source_crs = coalesce(EXCLUDED.source_crs, h.source_crs),
                updated_at = now()
            WHERE (h.address, h.registered_address) IS DISTINCT FROM
                  (EXCLUDED.address, EXCLUDED.registered_address) OR ({moved})
            RETURNING h.household_no, h.county_code""",
            {"crs": source_crs, "c": county},
            empty=idx.empty,
            keys=("households", "household_no, county_code"),
        )
    return h_ins, h_upd


def _upsert_person_rows(conn, counted: bool = False) -> tuple[int, int]:
    """Insert or update the staged persons (on the ID number); returns (inserted, updated).

    ``counted`` (a first load, see :func:`first_load`): one plain INSERT with the persons'
    count trigger off, the households having been inserted with their counts. Otherwise one statement per
    county: the count triggers' recount takes an array of the statement's households,
    planned against every partition of ``persons``; for a province's 900 k households
    in one statement that ran the server process out of memory (16 GB).
    """
    fields = ", ".join(PERSON_FIELDS)
    excluded = ", ".join(f"EXCLUDED.{f}" for f in PERSON_FIELDS)
    current = ", ".join(f"p.{f}" for f in PERSON_FIELDS)
    sql = f"""
            INSERT INTO persons AS p (household_id, county_code, admin_path, id_number,
                                      {fields})
            SELECT h.id, h.county_code, h.admin_path, s.id_number,
                   {", ".join("s." + f for f in PERSON_FIELDS)}
            FROM stage_persons s JOIN households h ON h.household_no = s.household_no
            {{where}}
            ON CONFLICT (id_number, county_code) DO UPDATE SET
                household_id = EXCLUDED.household_id,
                admin_path = EXCLUDED.admin_path,
                {", ".join(f"{f} = EXCLUDED.{f}" for f in PERSON_FIELDS)}, updated_at = now()
            WHERE (p.household_id, {current}) IS DISTINCT FROM (EXCLUDED.household_id, {excluded})
            RETURNING p.id_number, p.county_code"""
    keys = ("persons", "id_number, county_code")
    with trusted_keys(conn), indexes_after(conn, "persons") as idx:
        if counted and idx.empty:
            with triggers_off(conn, "persons", COUNT_TRIGGERS):
                return _counts(conn, sql.format(where=""), empty=True, keys=keys)
        p_ins = p_upd = 0
        counties = conn.execute(
            sa.text("""SELECT DISTINCT h.county_code FROM stage_households s
                       JOIN households h ON h.household_no = s.household_no ORDER BY 1""")
        ).scalars()
        for code in list(counties):
            ins, upd = _counts(
                conn,
                sql.format(where="WHERE h.county_code = :county"),
                {"county": code},
                empty=idx.empty,
                keys=keys,
            )
            p_ins, p_upd = p_ins + ins, p_upd + upd
    return p_ins, p_upd


#: the statement triggers that keep households.persons_count and migrants_count
COUNT_TRIGGERS = ("persons_count_insert",)


def first_load(conn) -> bool:
    """Whether households and persons have no rows (a first load: every household the
    staged persons join is a new one, inserted with its counts) and this role may switch
    the persons' count trigger off (it owns the table)."""
    return bool(
        conn.execute(
            sa.text("""
            SELECT pg_has_role((SELECT relowner FROM pg_class
                                WHERE oid = CAST('persons' AS regclass)), 'USAGE')
               AND NOT EXISTS (SELECT 1 FROM households)
               AND NOT EXISTS (SELECT 1 FROM persons)""")
        ).scalar()
    )
