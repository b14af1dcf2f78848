"""Partitioning by county (migration 0014) on the full-scale county, side by side.

Run on a *copy* of a full-scale county database still at revision 0013 (the migration
is one-way)::

    POPGIS_DATABASE_URL=postgresql+psycopg://…/copy python bench/partitions.py

It times the households tiles (z14–17 around random households) and household searches
as the web app's role (row-level security applies) for a county user and a village
user, migrates the database to head (timed), then times the same tiles and searches
again. Not part of ``make bench``: it changes the database it is given.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.tiles import _pct, _sample_tiles  # noqa: E402
from gis import db  # noqa: E402

SEARCHES = ("张", "王", "幸福", "1栋", "李娜")


def _village(conn) -> str:
    """The village with the most households (the busiest village user's area)."""
    return conn.execute(
        sa.text(
            "SELECT village_code FROM households WHERE village_code IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
    ).scalar()


def _measure(engine, tiles, county_area: str, village_area: str) -> dict[str, list[float]]:
    from gis.gate import scope_for_area
    from gis.gate import search as gate_search
    from gis.gate import tiles as gate_tiles

    out: dict[str, list[float]] = {}
    with engine.connect() as conn:
        for label, area, role in (
            ("county", county_area, "county"),
            ("village", village_area, "village"),
        ):
            scope = scope_for_area(conn, area, user="bench_parts", role=role)
            conn.execute(sa.text("SET ROLE popgis_app"))
            for z, x, y in tiles[:30]:  # warm the caches once
                gate_tiles.households_tile_counted(conn, scope, z, x, y, audit=False)
                conn.rollback()
            conn.execute(sa.text("SET ROLE popgis_app"))
            times = []
            for z, x, y in tiles:
                t = time.perf_counter()
                gate_tiles.households_tile_counted(conn, scope, z, x, y, audit=False)
                times.append(time.perf_counter() - t)
                conn.rollback()
                conn.execute(sa.text("SET ROLE popgis_app"))
            out[f"{label} households tile"] = times
            times = []
            for q in SEARCHES * 3:
                t = time.perf_counter()
                gate_search.search(conn, scope, q, audit_log=False)
                times.append(time.perf_counter() - t)
                conn.rollback()
                conn.execute(sa.text("SET ROLE popgis_app"))
            out[f"{label} household search"] = times
            conn.execute(sa.text("RESET ROLE"))
            conn.rollback()
    return out


def main() -> None:
    url = db.database_url()
    engine = db.engine(url)
    with engine.connect() as c:
        rev = c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        households = c.execute(sa.text("SELECT count(*) FROM households")).scalar()
        county = c.execute(sa.text("SELECT code FROM admin_area WHERE level = 'county'")).scalar()
        village = _village(c)
    if rev != "0013":
        raise SystemExit(f"{url.database} is at {rev}; this bench needs a copy at 0013")
    random.seed(7)
    tiles = _sample_tiles(engine, 300, 7)
    print(f"{url.database}: {households:,} households; {len(tiles)} tiles; village {village}")
    before = _measure(engine, tiles, county, village)
    engine.dispose()
    t = time.perf_counter()
    db.migrate(url)
    migration = time.perf_counter() - t
    t = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(sa.text("VACUUM ANALYZE"))  # as after a load: visibility maps
    vacuum = time.perf_counter() - t
    after = _measure(engine, tiles, county, village)
    engine.dispose()
    print(f"\nmigration 0013 → 0014 (move rows, keys, indexes): {migration:.0f} s")
    print(f"VACUUM ANALYZE after it: {vacuum:.0f} s")
    print(
        f"\n{'what':<32} {'before p50':>11} {'after p50':>10} {'before p95':>11} {'after p95':>10}"
    )
    for what in before:
        b, a = before[what], after[what]
        print(
            f"{what:<32} {_pct(b, 0.5) * 1000:>8.1f} ms {_pct(a, 0.5) * 1000:>7.1f} ms"
            f" {_pct(b, 0.95) * 1000:>8.1f} ms {_pct(a, 0.95) * 1000:>7.1f} ms"
        )


if __name__ == "__main__":
    main()
