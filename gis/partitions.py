"""The tables that grow with people are partitioned by county code (migration 0014).

One LIST partition per county, named ``<table>_<county>``, made when the county's admin
areas are loaded (:func:`ensure_county`, called by :func:`gis.ingest.upsert_admin`).
There is no DEFAULT partition: a row of a county without partitions is refused, by
:func:`require_counties` with a message saying what to do before a load writes, and by
PostgreSQL itself ("no partition of relation … found for row") for any other writer.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from gis.errors import InvalidInput
from gis.messages import _

#: partitioned by county_code, parents before children
TABLES = (
    "buildings",
    "households",
    "persons",
    "events",
    "geocode_review",
    "placement_history",
    "access_log",
)
#: access-log entries that belong to no one county (logins, work above county level)
NO_COUNTY = "000000"
_COUNTY = re.compile(r"^[0-9]{6}$")


def partition_name(table: str, county_code: str) -> str:
    """``households`` and ``330782`` → ``households_330782``."""
    return f"{table}_{county_code}"


def ensure_county(conn, county_code: str) -> list[str]:
    """Make the partitions of ``county_code`` (6 digits) that do not exist yet; returns
    the names made. Creating a partition locks its parent briefly, so nothing is done
    (and no lock taken) when they all exist."""
    if not _COUNTY.match(county_code or ""):
        raise InvalidInput(_("a county code has 6 digits: {code}", code=county_code))
    made = []
    for table in TABLES:
        name = partition_name(table, county_code)
        if conn.execute(sa.text("SELECT to_regclass(:n)"), {"n": name}).scalar() is None:
            conn.execute(
                sa.text(
                    f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} "
                    f"FOR VALUES IN ('{county_code}')"
                )
            )
            _copy_statistics_targets(conn, table, name)
            made.append(name)
    return made


def _copy_statistics_targets(conn, table: str, partition: str) -> None:
    """Give a new partition the per-column statistics targets of its parent (migration
    0019): PostgreSQL sets them on the partitions that exist, not on later ones."""
    targets = conn.execute(
        sa.text("""
        SELECT attname, attstattarget FROM pg_attribute
        WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped
          AND attstattarget >= 0"""),
        {"t": table},
    ).all()
    if targets:
        conn.execute(
            sa.text(
                f"ALTER TABLE {partition} "
                + ", ".join(f'ALTER COLUMN "{c}" SET STATISTICS {int(n)}' for c, n in targets)
            )
        )


def counties(conn, table: str = "households") -> list[str]:
    """The county codes that have a partition of ``table``."""
    return list(
        conn.execute(
            sa.text("""
            SELECT substring(pg_get_expr(c.relpartbound, c.oid) FROM '\\(''([0-9]{6})''\\)')
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = CAST(:t AS regclass) ORDER BY 1"""),
            {"t": table},
        ).scalars()
    )


def partition_tables(conn) -> set[str]:
    """Names of every partition in the schema (they are not declared in gis.schema)."""
    return set(
        conn.execute(
            sa.text("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relispartition AND c.relkind IN ('r', 'p')
              AND n.nspname = current_schema()""")
        ).scalars()
    )


def require_counties(conn, stage: str, column: str = "county_code") -> None:
    """InvalidInput when a staged row's county has no partitions (its admin areas were
    never loaded), naming the county and what to do."""
    missing = conn.execute(
        sa.text(f"""
        SELECT DISTINCT s.{column} FROM {stage} s
        WHERE s.{column} IS NOT NULL AND to_regclass('households_' || s.{column}) IS NULL
        ORDER BY 1 LIMIT 5""")
    ).scalars()
    codes = [str(c) for c in missing]
    if codes:
        raise InvalidInput(
            _(
                "county {codes} is not loaded (no partition for its rows); "
                "load its admin areas first (popgis load admin FILE)",
                codes=", ".join(codes),
            )
        )
