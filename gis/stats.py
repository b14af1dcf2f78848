"""Counts for `popgis stats`: rows per table and areas per admin level."""

from __future__ import annotations

import sqlalchemy as sa

TABLES = (
    "admin_area",
    "buildings",
    "roads",
    "landcover",
    "households",
    "persons",
    "service_points",
    "service_teams",
    "events",
    "app_users",
    "import_batches",
    "rejected_rows",
)


def table_counts(conn) -> dict[str, int]:
    """Exact row count of every table of the schema."""
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in TABLES)
    return {name: n for name, n in conn.execute(sa.text(sql))}


def level_counts(conn) -> dict[str, dict]:
    """Per admin level: areas, and households/persons/buildings assigned at or below it."""
    rows = conn.execute(
        sa.text("""
        SELECT a.level, count(*) AS areas FROM admin_area a GROUP BY a.level""")
    )
    out = {r.level: {"areas": r.areas} for r in rows}
    by_level = conn.execute(
        sa.text("""
        SELECT coalesce(geocode_level, 'not geocoded') AS level, count(*) AS n
        FROM households GROUP BY 1 ORDER BY 1""")
    )
    out["households_by_geocode_level"] = {r.level: r.n for r in by_level}
    return out


def demo_loaded(conn, county_code: str) -> bool:
    """True when the county has admin areas and households loaded."""
    return bool(
        conn.execute(
            sa.text("SELECT EXISTS (SELECT 1 FROM households WHERE county_code = :c)"),
            {"c": county_code},
        ).scalar()
    )


#: the levels `popgis areas` lists when not asked for the areas below one (a province
#: has tens of thousands of villages)
UPPER_LEVELS = ("province", "city", "county")


def areas(conn, under=None) -> list[dict]:
    """Admin areas loaded, by code, each ``code``, ``level`` and ``name``: every
    province, city and county; with ``under`` (a :class:`gis.scope.Scope`), that area
    and the areas one level below it in its subtree (a city's counties, a county's
    townships, …; by path, as a county need not name its city as parent)."""
    from gis.users import LEVEL_ORDER

    if under is None:
        sql, params = "level = ANY(:levels)", {"levels": list(UPPER_LEVELS)}
    else:
        below = LEVEL_ORDER[LEVEL_ORDER.index(under.level) + 1 :][:1]
        sql = "code = :c OR (level = ANY(:levels) AND path LIKE :p)"
        params = {"c": under.area_code, "levels": list(below), "p": under.like}
    rows = conn.execute(
        sa.text(f"SELECT code, level, name FROM admin_area WHERE {sql} ORDER BY code"), params
    )
    return [dict(r._mapping) for r in rows]
