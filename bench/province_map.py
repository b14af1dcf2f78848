"""The map of a province (issue 15), on a province database, side by side with a
county-only database of the same county:

* province-level choropleth by county: the API answer (``/api/regions/figures``) and
  the time to the first painted view in headless Chromium for a province user — ≤ 2 s;
* a city user's first view (the city of the county) — ≤ 1.5 s;
* county-scoped work (households tile p50/p95, household search, household panel,
  coverage of the county) on the province database vs the same county in a county-only
  database, as the web app's role: within 1.2×.

Rounds alternate between the two databases (and between the province and the city
user); each figure is the median of the rounds' figures. The databases are named by
the environment (same server as ``POPGIS_DATABASE_URL`` or the project's cluster)::

    POPGIS_BENCH_PROVINCE_DB=popgis_province POPGIS_BENCH_COUNTY_DB=popgis_county \\
    POPGIS_BENCH_COUNTY=330782 python -m bench.province_map

(``make bench`` runs it when both are set). Both are migrated to head (the province map
needs ``area_counts``, migration 0017); the bench adds two users to the province
database and rolls back everything else it does (the panel's access-log rows).
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from bench.common import server_url
from bench.partitions import SEARCHES
from bench.tiles import ARGS, _pct, _tile_of
from gis import db
from gis.gate.regional import REFRESH_PER_VIEW as REFRESH

PASSWORD = "bench-pass-1"
ROUNDS = int(os.environ.get("POPGIS_BENCH_ROUNDS", "5"))


def _urls():
    province = os.environ.get("POPGIS_BENCH_PROVINCE_DB")
    county = os.environ.get("POPGIS_BENCH_COUNTY_DB")
    if not (province and county):
        return None
    base = server_url()
    return base.set(database=province), base.set(database=county)


def _users(engine, county: str) -> dict[str, str]:
    """A province and a city user of the county's province and city."""
    from gis import users

    want = {
        "bench_province": ("province", county[:2].ljust(12, "0")),
        "bench_city": ("city", county[:4].ljust(12, "0")),
    }
    with engine.begin() as c:
        for name, (role, area) in want.items():
            if not c.execute(
                sa.text("SELECT 1 FROM app_users WHERE name = :n"), {"n": name}
            ).scalar():
                users.add_user(c, name, role, area, PASSWORD)
    return {name: area for name, (_, area) in want.items()}


# ------------------------------------------------------------------ the province view
def _api_times(engine, county: str) -> dict[str, float]:
    """Seconds of /api/regions/figures?level=county for the province user: the counts
    fresh (as after a load), and the first view after they expired (every county
    counted again in the request)."""
    from gis.gate import regional, scope_for_area

    out = {}
    with engine.connect() as conn:
        scope = scope_for_area(conn, county[:2].ljust(12, "0"), user="bench", role="province")
        conn.execute(sa.text("SET ROLE popgis_app"))
        regional.area_figures(conn, scope, "county")  # counts fresh
        conn.commit()
        conn.execute(sa.text("SET ROLE popgis_app"))
        fresh = []
        for _ in range(ROUNDS):
            t = time.perf_counter()
            body = regional.area_figures(conn, scope, "county")
            fresh.append(time.perf_counter() - t)
            conn.rollback()
            conn.execute(sa.text("SET ROLE popgis_app"))
        out["fresh"] = statistics.median(fresh)
        out["bytes"] = len(body.encode())
        # expired: counted again (rolled back, the kept counts stay as they were)
        conn.execute(sa.text("RESET ROLE"))
        conn.execute(sa.text("UPDATE area_counts SET computed_at = now() - interval '1 day'"))
        conn.execute(sa.text("SET ROLE popgis_app"))
        t = time.perf_counter()
        regional.area_figures(conn, scope, "county")
        out["expired"] = time.perf_counter() - t
        conn.rollback()
        conn.execute(sa.text("RESET ROLE"))
        out["counties"] = conn.execute(
            sa.text("SELECT count(*) FROM admin_area WHERE level = 'county'")
        ).scalar()
        out["persons"] = conn.execute(
            sa.text("SELECT coalesce(sum(persons), 0) FROM area_counts")
        ).scalar()
    return out


READY = """(() => { const d = window.popgisDrawn;
  return !!(d && d.regions_county >= 1 && document.body.dataset.loaded === 'true'); })()"""


def _first_views(base: str, users: list[str], shots: Path) -> dict[str, list[float]]:
    """Login → counties painted (by the page's clock, from the click on 登录), for each
    user in turn, ``ROUNDS`` + 1 times (the first round is the cold one, reported
    apart)."""
    from playwright.sync_api import sync_playwright

    from webmap import api

    times: dict[str, list[float]] = {u: [] for u in users}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for r in range(ROUNDS + 1):
            for user in users if r % 2 == 0 else users[::-1]:
                api._STATIC.clear()  # every view asks the database, as a first one does
                ctx = browser.new_context(viewport={"width": 1440, "height": 900})
                page = ctx.new_page()
                page.goto(base + "/login")
                page.fill("#username", user)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(base + "/")
                deadline = time.monotonic() + 60
                while not page.evaluate(READY):
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{user}: the counties were never drawn")
                    time.sleep(0.02)
                times[user].append(page.evaluate("PopGIS.state.drawnAt.regions_county") / 1000)
                if r == ROUNDS:
                    page.screenshot(path=str(shots / f"bench-{user}-first-view.png"))
                ctx.close()
        browser.close()
    return times


# ------------------------------------------------------------ county-scoped, side by side
def _county_work(engine, county: str, tiles, hids) -> dict[str, list[float]]:
    """One round of county-scoped work as the web app's role (row-level security
    applies), everything rolled back."""
    from gis.analysis import coverage
    from gis.gate import Gate, scope_for_area
    from gis.gate import search as gate_search
    from gis.gate import tiles as gate_tiles

    out: dict[str, list[float]] = {
        "households tile": [],
        "household search": [],
        "household panel": [],
        "coverage of the county": [],
    }
    with engine.connect() as conn:
        conn.execute(sa.text("RESET ROLE"))  # the app's pooled connections keep its role
        scope = scope_for_area(conn, county.ljust(12, "0"), user="bench_pm", role="county")

        def timed(what, fn, *args, **kw):
            conn.execute(sa.text("SET ROLE popgis_app"))
            t = time.perf_counter()
            fn(*args, **kw)
            out[what].append(time.perf_counter() - t)
            conn.rollback()

        ids = conn.execute(
            sa.text("SELECT id FROM households WHERE household_no = ANY (:n) AND county_code = :c"),
            {"n": list(hids), "c": county},
        ).scalars()
        ids = list(ids)
        for z, x, y in tiles:
            timed(
                "households tile",
                gate_tiles.households_tile_counted,
                conn,
                scope,
                z,
                x,
                y,
                audit=False,
            )
        for q in SEARCHES:
            timed("household search", gate_search.search, conn, scope, q, audit_log=False)
        for hid in ids:
            # a gate per call, as per request: it enters the scope in its transaction
            timed("household panel", lambda h: Gate(conn, scope).household(h), hid)
        timed(
            "coverage of the county",
            coverage.coverage_in_db,
            conn,
            scope,
            ["distribution_point"],
            "800",
        )
        conn.execute(sa.text("RESET ROLE"))
    return out


def _tiles_of(engine, county: str, n: int, seed: int) -> set:
    """Tiles at z14–z17 around ``n`` random households of ``county`` (where staff look)."""
    import random

    with engine.connect() as c:
        c.execute(sa.text("RESET ROLE"))  # the app's pooled connections keep its role
        pts = c.execute(
            sa.text(
                "SELECT ST_X(geom), ST_Y(geom) FROM households WHERE county_code = :c "
                "AND geom IS NOT NULL ORDER BY random() LIMIT :n"
            ),
            {"c": county, "n": n},
        ).all()
    rng = random.Random(seed)
    return {_tile_of(x, y, rng.choice((14, 15, 16, 17))) for x, y in pts}


def _side_by_side(province, county_engine, county: str) -> dict[str, dict[str, list[float]]]:
    """Per round, per database, per kind of work: the round's figures."""

    # around households of the county in either database (their synthetic households
    # need not stand on the same spots)
    tiles = sorted(_tiles_of(county_engine, county, 60, 7) | _tiles_of(province, county, 60, 8))
    with county_engine.connect() as c:
        c.execute(sa.text("RESET ROLE"))  # a pooled connection may still be the app's role
        # households present in both: the same household numbers
        nos = c.execute(
            sa.text(
                "SELECT household_no FROM households WHERE county_code = :c "
                "ORDER BY md5(household_no) LIMIT 20"
            ),
            {"c": county},
        ).scalars()
        nos = list(nos)
    with province.connect() as c:
        c.execute(sa.text("RESET ROLE"))
        nos = [
            n
            for n in nos
            if c.execute(
                sa.text("SELECT 1 FROM households WHERE household_no = :n"), {"n": n}
            ).scalar()
        ] or list(
            c.execute(
                sa.text(
                    "SELECT household_no FROM households WHERE county_code = :c "
                    "ORDER BY md5(household_no) LIMIT 20"
                ),
                {"c": county},
            ).scalars()
        )
    engines = {"province": province, "county": county_engine}
    rounds: dict[str, dict[str, list[float]]] = {"province": {}, "county": {}}
    for engine in engines.values():  # warm both once
        _county_work(engine, county, tiles[:30], nos[:3])
    for r in range(ROUNDS):
        for name in ("province", "county") if r % 2 == 0 else ("county", "province"):
            got = _county_work(engines[name], county, tiles, nos)
            for what, values in got.items():
                rounds[name].setdefault(what, []).append(values)
    return rounds


def _figure(rounds_of_values, q):
    """The median over the rounds of each round's q-quantile."""
    return statistics.median(_pct(v, q) for v in rounds_of_values if v)


def run(scale: float, seed: int, rows: list) -> None:  # noqa: ARG001 (the databases are given)
    urls = _urls()
    if urls is None:
        rows.append(
            (
                "province map: set POPGIS_BENCH_PROVINCE_DB and POPGIS_BENCH_COUNTY_DB",
                "skipped",
                "—",
                "info",
            )
        )
        return
    county = os.environ.get("POPGIS_BENCH_COUNTY", "330782")
    province_url, county_url = urls
    for url in urls:
        db.migrate(url)
    province = db.engine(province_url)
    county_engine = db.engine(county_url)
    users = _users(province, county)
    api = _api_times(province, county)
    rows.append(
        (
            f"province figures by county, API ({api['counties']} counties, "
            f"{api['persons']:,} persons; {api['bytes'] / 1e3:.0f} kB)",
            f"{api['fresh'] * 1000:.0f} ms",
            "—",
            "info",
        )
    )
    rows.append(
        (
            f"  the same, first view after the counts expired ({min(api['counties'], REFRESH)} "
            "oldest counties counted again)",
            f"{api['expired'] * 1000:.0f} ms",
            "—",
            "info",
        )
    )

    from werkzeug.serving import make_server

    from webmap import create_app

    app = create_app({"ENGINE": province, "SECRET_KEY": "bench-province"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shots = Path(__file__).resolve().parents[1] / "test-artifacts"
    shots.mkdir(exist_ok=True)
    try:
        views = _first_views(f"http://127.0.0.1:{server.server_port}", list(users), shots)
    finally:
        server.shutdown()
    for user, target, what in (
        ("bench_province", 2.0, "province user: login → counties painted"),
        ("bench_city", 1.5, "city user: login → counties painted"),
    ):
        first, rest = views[user][0], views[user][1:]
        med = statistics.median(rest)
        rows.append(
            (
                f"{what}, median of {len(rest)} (first {first:.2f} s)",
                f"{med:.2f} s",
                f"≤ {target:g} s",
                "PASS" if med <= target else "MISS",
            )
        )

    rounds = _side_by_side(province, county_engine, county)
    for what in rounds["province"]:
        for q, label in ((0.5, "p50"), (0.95, "p95")):
            if what == "coverage of the county" and q == 0.95:
                continue  # one run per round
            a = _figure(rounds["province"][what], q)
            b = _figure(rounds["county"][what], q)
            ratio = a / b if b else float("nan")
            rows.append(
                (
                    f"{county} {what} {label}: province db vs county db",
                    f"{a * 1000:.1f} vs {b * 1000:.1f} ms = {ratio:.2f}×",
                    "≤ 1.2×",
                    "PASS" if ratio <= 1.2 else "MISS",
                )
            )
    province.dispose()
    county_engine.dispose()


if __name__ == "__main__":  # python -m bench.province_map
    from bench.run import run_alone

    run_alone(run)
