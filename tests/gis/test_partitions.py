"""The tables that grow with people are partitioned by county code (migration 0014,
gis/partitions.py): keys carry the county, a jurisdiction's queries scan only its
county's partition, a county's partitions come with its admin areas, and a row of a
county without them is refused."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from gis import partitions
from gis.errors import InvalidInput
from gis.gate import scope_for_area
from gis.gate import search as gate_search
from gis.gate import tiles as gate_tiles
from loaders.base import get_loader
from loaders.id_numbers import check_char

COUNTY = "330782"
OTHER = "330783"
VILLAGE_A = "330782001001"
# the fixture's household HA1 (120.0202, 29.2502), at zoom 16
TILE = (16, 54617, 27195)


def test_the_tables_are_partitioned_by_county_code(conn):
    rows = conn.execute(
        sa.text("""
        SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_class c
        WHERE c.relkind = 'p' ORDER BY 1""")
    ).all()
    assert dict(rows) == {t: "LIST (county_code)" for t in partitions.TABLES}
    # the fixture county has its partitions, the access log its no-county one as well
    assert partitions.counties(conn) == [COUNTY]
    assert partitions.counties(conn, "access_log") == [partitions.NO_COUNTY, COUNTY]


def test_every_key_and_unique_constraint_includes_county_code(conn):
    """What Citus needs to distribute the tables by county_code: every primary key,
    unique constraint and unique index (partitions' own included) has the column."""
    rows = conn.execute(
        sa.text("""
        SELECT c.relname, i.relname AS index,
               bool_or(a.attname = 'county_code') AS has_county
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (x.indkey)
        WHERE x.indisunique
          AND (c.relname = ANY (:tables) OR c.oid IN (
               SELECT inhrelid FROM pg_inherits WHERE inhparent::regclass::text = ANY (:tables)))
        GROUP BY 1, 2"""),
        {"tables": list(partitions.TABLES)},
    ).all()
    parents = {r.relname for r in rows}
    assert set(partitions.TABLES) <= parents
    assert [r for r in rows if not r.has_county] == []
    # and the declared constraints themselves (primary keys, unique, foreign keys)
    missing = conn.execute(
        sa.text("""
        SELECT conrelid::regclass::text, conname FROM pg_constraint k
        WHERE contype IN ('p', 'u', 'f') AND conrelid::regclass::text = ANY (:tables)
          AND (contype <> 'f' OR confrelid::regclass::text = ANY (:tables))
          AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = k.conrelid
                          AND a.attnum = ANY (k.conkey) AND a.attname = 'county_code')"""),
        {"tables": list(partitions.TABLES)},
    ).all()
    assert missing == []


def _capture(conn):
    """Collect the statements the connection runs (SQL, parameters)."""
    seen: list[tuple[str, object]] = []

    def grab(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    sa.event.listen(conn, "before_cursor_execute", grab)
    return seen, lambda: sa.event.remove(conn, "before_cursor_execute", grab)


def _scanned(plan: dict) -> dict[str, int]:
    """Relations the executed plan scanned, with how many times each ran."""
    out: dict[str, int] = {}

    def walk(node):
        if "Relation Name" in node:
            name = node["Relation Name"]
            out[name] = out.get(name, 0) + int(node.get("Actual Loops", 0))
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return out


def _partitions_touched(conn, statements) -> set[str]:
    touched: set[str] = set()
    for sql, params in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")) or "set_config" in sql:
            continue
        plan = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) " + sql, params
        ).scalar()
        touched |= {name for name, loops in _scanned(plan[0]).items() if loops}
    return touched


@pytest.fixture
def second_county(conn):
    """A second county's partitions with a household in them (rolled back after)."""
    partitions.ensure_county(conn, OTHER)
    conn.execute(
        sa.text("""
        INSERT INTO households (household_no, county_code, admin_path, geom)
        VALUES ('OTHER1', :c, :p, ST_SetSRID(ST_MakePoint(120.0202, 29.2502), 4326))"""),
        {"c": OTHER, "p": OTHER},
    )
    return OTHER


def test_a_village_users_search_and_tile_scan_only_their_countys_partition(conn, second_county):
    scope = scope_for_area(conn, VILLAGE_A, user="village_a", role="village")
    conn.execute(sa.text("SET LOCAL ROLE popgis_app"))
    seen, stop = _capture(conn)
    try:
        found = gate_search.search(conn, scope, "HA")
        tile = gate_tiles.households_tile(conn, scope, *TILE)
    finally:
        stop()
    assert {r["household_no"] for r in found} == {"HA1", "HA2"} and tile
    touched = _partitions_touched(conn, seen)
    assert f"households_{COUNTY}" in touched
    people = {t for t in touched if t.rsplit("_", 1)[-1].isdigit()}
    assert people and all(t.endswith("_" + COUNTY) for t in people), touched


def test_policies_alone_prune_a_query_without_a_county_condition(conn, second_county):
    """The row-level-security policy bounds county_code by the scope: a query that
    names no county still runs on the scope's partition only (province and city
    scopes, shorter than a county code, range over their counties)."""
    conn.execute(sa.text("SET LOCAL ROLE popgis_app"))

    def touched(scope_path):
        conn.execute(sa.text("SELECT set_config('popgis.scope', :p, true)"), {"p": scope_path})
        plan = conn.execute(
            sa.text(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, FORMAT JSON) "
                "SELECT count(*) FROM households"
            )
        ).scalar()
        return {t for t, loops in _scanned(plan[0]).items() if loops}

    assert touched(VILLAGE_A) == {f"households_{COUNTY}"}
    assert touched(OTHER) == {f"households_{OTHER}"}
    assert touched("3307") == {f"households_{COUNTY}", f"households_{OTHER}"}
    assert touched("3308") == set()


# ------------------------------------------------------------------ a second county
def _square(x, y, d):
    return {"type": "MultiPolygon", "coordinates": [[[[x, y], [x + d, y], [x + d, y + d],
                                                       [x, y + d], [x, y]]]]}  # fmt: skip


def test_loading_a_second_county_makes_its_partitions_and_its_rows_land_there(conn, tmp_path):
    admin = tmp_path / "admin.geojson"
    features = [
        ("330783000000", "东阳市", "county", _square(121.0, 29.0, 0.2)),
        ("330783001000", "吴宁街道", "township", _square(121.0, 29.0, 0.1)),
        ("330783001001", "东岘社区居委会", "village", _square(121.0, 29.0, 0.05)),
    ]
    admin.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": c, "name": n, "level": lv},
                        "geometry": g,
                    }
                    for c, n, lv, g in features
                ],
            },  # fmt: skip
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    report = get_loader("admin").run(admin, conn=conn)
    assert report.status == "loaded", report.summary()
    assert partitions.counties(conn) == [COUNTY, OTHER]
    for table in partitions.TABLES:
        assert conn.execute(sa.text("SELECT to_regclass(:n)"), {"n": f"{table}_{OTHER}"}).scalar()
    # the new partitions have their parents' statistics targets (migration 0019)
    targets = sa.text(
        "SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
        "AND attname IN ('registered_address', 'address', 'relation', 'name')"
    )
    for table in ("households", "persons", f"households_{COUNTY}", f"households_{OTHER}",
                  f"persons_{OTHER}"):  # fmt: skip
        got = dict(conn.execute(targets, {"t": table}).all())
        zero = {"registered_address"} if table.startswith("households") else {"relation"}
        assert {c for c, n in got.items() if n == 0} == zero, (table, got)

    people = tmp_path / "households.csv"
    wife, husband = (n + check_char(n) for n in ("33078319900506002", "33078319880203001"))
    people.write_text(
        "household_no,address,village_code,lon,lat,name,sex,birth_date,id_number,"
        "relation,status\n"
        f"DY1,东阳市吴宁街道1号,330783001001,121.01,29.01,王芳,F,1990-05-06,{wife},户主,resident\n"
        f"DY1,,,,,王强,M,1988-02-03,{husband},配偶,resident\n",
        encoding="utf-8",
    )
    report = get_loader("households").run(people, conn=conn)
    assert report.status == "loaded" and not report.rejected, report.summary()

    def where(table, column, value):
        return conn.execute(
            sa.text(f"SELECT tableoid::regclass::text FROM {table} WHERE {column} = :v"),
            {"v": value},
        ).scalars().all()  # fmt: skip

    assert where("households", "household_no", "DY1") == [f"households_{OTHER}"]
    assert where("persons", "admin_path", "330783001001") == [f"persons_{OTHER}"] * 2
    # the counts trigger (on the partitioned parent) followed the load
    assert conn.execute(
        sa.text("SELECT persons_count FROM households WHERE household_no = 'DY1'")
    ).scalar() == 2  # fmt: skip
    # ANALYZE made no statistics for the columns without them, and made the others
    conn.execute(sa.text(f"ANALYZE households_{OTHER}"))
    stats = conn.execute(
        sa.text("SELECT attname FROM pg_stats WHERE tablename = :t"), {"t": f"households_{OTHER}"}
    ).scalars().all()  # fmt: skip
    assert "address" in stats and "registered_address" not in stats
    # loading the same files again changes nothing (the upserts' keys carry the county)
    assert get_loader("households").run(people, conn=conn).inserted == 0
    assert get_loader("admin").run(admin, conn=conn).inserted == 0


# ------------------------------------------------------------------ unknown counties
def test_a_row_of_a_county_without_partitions_is_refused(conn):
    with pytest.raises(sa.exc.DBAPIError) as err:
        with conn.begin_nested():
            conn.execute(
                sa.text("""
                INSERT INTO households (household_no, county_code, admin_path)
                VALUES ('X1', '110101', '110101')""")
            )
    assert 'no partition of relation "households" found for row' in str(err.value)
    assert "(county_code) = (110101)" in str(err.value)
    # a load says which county and what to do, before it writes anything
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE stage_x ON COMMIT DROP AS "
            "SELECT * FROM (VALUES ('110101'), (:c)) v(county_code)"
        ),
        {"c": COUNTY},
    )
    with pytest.raises(InvalidInput) as refused:
        partitions.require_counties(conn, "stage_x")
    assert "110101" in str(refused.value) and COUNTY not in str(refused.value)
    assert "popgis load admin" in str(refused.value)
    with pytest.raises(InvalidInput):
        partitions.ensure_county(conn, "11010")


# ------------------------------------------------------------------ existing databases
def test_the_migration_moves_the_rows_of_an_existing_database(db_url):
    """A database at 0013 with rows in every table: 0014 moves them into the county's
    partitions, keeps ids, sequences, counts, triggers, policies and grants."""
    from gis import db

    url = db_url.set(database=db_url.database + "_before_0014")
    db.ensure_database(url, drop_first=True)
    db.migrate(url, "0013")
    engine = db.engine(url)
    try:
        with engine.begin() as c:
            c.execute(
                sa.text("""
            INSERT INTO admin_area (code, path, name, level, county_code) VALUES
                ('330782000000', '330782', '义乌市', 'county', '330782'),
                ('330782001000', '330782001', '稠城街道', 'township', '330782'),
                ('330782001001', '330782001001', '江滨社区', 'village', '330782');
            INSERT INTO buildings (ext_id, county_code, village_code, admin_path, geom)
            VALUES ('B1', '330782', '330782001001', '330782001001',
                    ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(120, 29), 4326), 0.001)));
            INSERT INTO households (household_no, county_code, admin_path, village_code,
                                    building_id, geom)
            SELECT 'H' || i, '330782', '330782001001', '330782001001',
                   (SELECT id FROM buildings), ST_SetSRID(ST_MakePoint(120, 29), 4326)
            FROM generate_series(1, 3) i;
            INSERT INTO persons (household_id, county_code, admin_path, name, sex,
                                 birth_date, id_number, is_migrant)
            SELECT h.id, '330782', h.admin_path, 'P', 'F', '1990-01-01', h.household_no || n,
                   n = 2
            FROM households h, generate_series(1, 2) n;
            INSERT INTO events (county_code, admin_path, household_id, kind, event_date)
            SELECT '330782', admin_path, id, 'visit', '2026-01-01' FROM households;
            INSERT INTO geocode_review (household_id, county_code, admin_path, reason)
            SELECT id, '330782', admin_path, 'unsure' FROM households LIMIT 1;
            INSERT INTO placement_history (household_id, action, placed_by)
            SELECT id, 'manual', 'u' FROM households LIMIT 1;
            INSERT INTO access_log (action) VALUES ('login');""")
            )
            before = {
                t: c.execute(sa.text(f"SELECT array_agg(id ORDER BY id) FROM {t}")).scalar()
                for t in partitions.TABLES
            }
        db.migrate(url)
        with engine.begin() as c:
            for table, ids in before.items():
                assert (
                    c.execute(sa.text(f"SELECT array_agg(id ORDER BY id) FROM {table}")).scalar()
                    == ids
                ), table
            assert partitions.counties(c) == ["330782"]
            where = c.execute(
                sa.text("SELECT DISTINCT tableoid::regclass::text FROM persons")
            ).scalars().all()  # fmt: skip
            assert where == ["persons_330782"]
            assert c.execute(
                sa.text("SELECT county_code FROM placement_history")
            ).scalar() == "330782"  # fmt: skip
            assert c.execute(sa.text("SELECT county_code FROM access_log")).scalar() == "000000"
            # the sequences go on where they were; the counts triggers still count
            hid = c.execute(
                sa.text("""
                INSERT INTO households (household_no, county_code, admin_path)
                VALUES ('H9', '330782', '330782001001') RETURNING id""")
            ).scalar()
            assert hid > max(before["households"])
            c.execute(
                sa.text("""
                INSERT INTO persons (household_id, county_code, admin_path, name, sex,
                                     birth_date, id_number, is_migrant)
                VALUES (:h, '330782', '330782001001', 'Q', 'M', '1980-01-01', 'Q1', true)"""),
                {"h": hid},
            )
            assert c.execute(
                sa.text("SELECT persons_count, migrants_count FROM households WHERE id = :h"),
                {"h": hid},
            ).one() == (1, 1)  # fmt: skip
            assert c.execute(
                sa.text("SELECT sum(persons_count) FROM households")
            ).scalar() == 7  # fmt: skip
            # the sequences belong to the new tables, the app role keeps its grants
            owner = c.execute(
                sa.text("""
                SELECT d.refobjid::regclass::text FROM pg_depend d
                WHERE d.objid = 'persons_id_seq'::regclass AND d.deptype = 'a'""")
            ).scalar()
            assert owner == "persons"
            assert c.execute(
                sa.text("SELECT has_table_privilege('popgis_app', 'persons', 'INSERT')")
            ).scalar()
            # a deleted household takes its persons and events along (keys with county)
            c.execute(sa.text("DELETE FROM households WHERE household_no = 'H1'"))
            assert c.execute(sa.text("SELECT count(*) FROM persons")).scalar() == 5
    finally:
        engine.dispose()
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()
