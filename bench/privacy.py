"""What the second wall costs (issue 10): household tiles and search at full county
scale with row-level security and the access log, side by side with both switched off.

"On" is what the web app does: a transaction as the app role ``popgis_app`` with the
caller's scope set (row-level security applies), the read written to ``access_log`` in
the same round trip. "Off" is the same query as the owner (row-level security bypassed)
without the log. Requests alternate on/off so both see the same machine; the figures
are medians and 95th percentiles, and the ratio on/off (target ≤ 1.10).
"""

from __future__ import annotations

import random
import statistics
import time

import sqlalchemy as sa

from bench.common import county_db
from bench.tiles import _pct, _sample_tiles
from gis import db
from gis.gate import scope_for_area
from gis.gate import search as gate_search
from gis.gate import tiles as gate_tiles


def _queries(engine, n: int, seed: int = 11) -> list[str]:
    """What staff type: household numbers (prefixes), names, last four digits."""
    with engine.connect() as c:
        rows = c.execute(
            sa.text(
                "SELECT h.household_no, p.name, right(p.id_number, 4) FROM households h "
                "JOIN persons p ON p.household_id = h.id ORDER BY random() LIMIT :n"
            ),
            {"n": n},
        ).all()
    rng = random.Random(seed)
    out = []
    for no, name, last4 in rows:
        out.append(rng.choice((no, no[:-2], name, last4)))
    return out


ROUNDS = 5


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run(scale: float, seed: int, rows: list) -> None:
    url = county_db(scale, seed)
    # Both sides plan with the values, as the app role does (migration 0013): the
    # comparison is of row-level security and the log only.
    custom = {"options": "-c plan_cache_mode=force_custom_plan"}
    owner = sa.create_engine(url, pool_size=2, connect_args=custom)
    app = sa.create_engine(db.app_database_url(url), pool_size=2, connect_args=custom)
    with owner.connect() as c:
        county = c.execute(
            sa.text("SELECT code FROM admin_area WHERE level = 'county' LIMIT 1")
        ).scalar()
        scope = scope_for_area(c, county, user="bench", role="county")
        village = c.execute(
            sa.text(
                "SELECT v.code FROM admin_area v JOIN households h ON h.village_code = v.code "
                "GROUP BY v.code ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()
        vscope = scope_for_area(c, village, user="bench_v", role="village")
        vtiles = c.execute(
            sa.text(
                "SELECT ST_X(geom), ST_Y(geom) FROM households WHERE village_code = :v "
                "AND geom IS NOT NULL ORDER BY random() LIMIT 60"
            ),
            {"v": village},
        ).all()
    tiles = [t for t in _sample_tiles(owner, 400) if t[0] >= 15][:200]
    from bench.tiles import _tile_of

    vt = sorted({_tile_of(x, y, 16) for x, y in vtiles})
    queries = _queries(owner, 60)

    def tile_on(sc, z, x, y):
        with app.begin() as c:
            gate_tiles.households_tile_counted(c, sc, z, x, y)

    def tile_off(sc, z, x, y):
        with owner.connect() as c:
            gate_tiles.households_tile_counted(c, sc, z, x, y, audit=False)
            c.rollback()

    def search_on(sc, q):
        with app.begin() as c:
            gate_search.search(c, sc, q)

    def search_off(sc, q):
        with owner.connect() as c:
            gate_search.search(c, sc, q, audit_log=False)
            c.rollback()

    cases = [
        ("household tiles z15–17, county user", scope, tiles, tile_on, tile_off),
        ("household tiles z16, village user", vscope, vt, tile_on, tile_off),
        ("search, county user", scope, queries, search_on, search_off),
        ("search, village user", vscope, queries, search_on, search_off),
    ]
    # Warm every item on both paths first: the bench measures what RLS and the log cost,
    # not whichever path happened to read a tile's pages from disk first.
    for _label, sc, items, on, off in cases:
        for it in items:
            args = it if isinstance(it, tuple) else (it,)
            on(sc, *args)
            off(sc, *args)
    for label, sc, items, on, off in cases:
        pooled_on, pooled_off, ratios = [], [], {"p50": [], "p95": []}
        for r in range(ROUNDS):
            t_on, t_off = [], []
            for i, it in enumerate(items):
                args = it if isinstance(it, tuple) else (it,)
                pair = [(t_on, on), (t_off, off)]
                for times, fn in pair if (i + r) % 2 == 0 else pair[::-1]:
                    times.append(_timed(lambda fn=fn, sc=sc, args=args: fn(sc, *args)))
            ratios["p50"].append(statistics.median(t_on) / statistics.median(t_off))
            ratios["p95"].append(_pct(t_on, 0.95) / _pct(t_off, 0.95))
            pooled_on += t_on
            pooled_off += t_off
        p50 = (statistics.median(pooled_on), statistics.median(pooled_off))
        p95 = (_pct(pooled_on, 0.95), _pct(pooled_off, 0.95))
        for q, (a, b) in (("p50", p50), ("p95", p95)):
            # The verdict is the median over rounds of the on/off ratio (each round
            # alternates the order item by item), robust to a noisy neighbour.
            ratio = statistics.median(ratios[q])
            rows.append(
                (
                    f"privacy: {label} {q} on/off",
                    f"{a * 1000:.1f} / {b * 1000:.1f} ms, median ratio of "
                    f"{ROUNDS} rounds {ratio:.2f}x",
                    "≤ 1.10x (RLS + audit)",
                    "PASS" if ratio <= 1.10 else "MISS",
                )
            )
    with owner.begin() as c:  # the bench's own log entries go
        c.execute(sa.text("DELETE FROM access_log WHERE user_name IN ('bench', 'bench_v')"))
    app.dispose()
    owner.dispose()


if __name__ == "__main__":
    from bench.run import run_alone

    run_alone(run)
