"""Coverage against the real PostGIS: demand per building through the gate, coverage
counts equal a direct computation in SQL (ST_DWithin in UTM metres), walking distances
along a hand-drawn road equal the hand computation, gap cells hold the uncovered demand."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import numpy as np
import pytest
import sqlalchemy as sa

from gis.analysis import coverage, instance, network
from gis.gate import scope_for_area
from gis.gate.demand import _years_before, demand_by_building

COUNTY, VILLAGE_A, VILLAGE_B = "330782000000", "330782001001", "330782001002"
AS_OF = date(2026, 6, 1)
UTM = 32651


def add_neighbourhood(conn, n=48, seed=3):
    """Buildings on a lattice in grid 1 of village A (lon 120.005–120.045), households,
    persons of mixed sex, age and status, and three service points."""
    rng = np.random.default_rng(seed)
    lons = 120.005 + 0.04 * rng.random(n)
    lats = 29.205 + 0.09 * rng.random(n)
    for i in range(n):
        lon, lat = lons[i], lats[i]
        bid = conn.execute(
            sa.text("""
            INSERT INTO buildings (ext_id, county_code, village_code, admin_path, use, geom)
            VALUES (:e, '330782', :v, :p, :u, ST_Multi(ST_MakeEnvelope(:x, :y, :x + 0.0003,
                    :y + 0.0003, 4326))) RETURNING id"""),
            {
                "e": f"T{i}",
                "v": VILLAGE_A,
                "p": "330782001001001",
                "u": "enterprise" if i % 7 == 0 else "residential",
                "x": lon,
                "y": lat,
            },
        ).scalar()
        for h in range(int(rng.integers(1, 4))):
            hid = conn.execute(
                sa.text("""
                INSERT INTO households (household_no, county_code, admin_path, village_code,
                                        building_id, geom, geocode_level)
                VALUES (:no, '330782', '330782001001001', :v, :b,
                        ST_SetSRID(ST_MakePoint(:x, :y), 4326), 'building') RETURNING id"""),
                {"no": f"T{i}-{h}", "v": VILLAGE_A, "b": bid, "x": lon + 0.0001, "y": lat + 0.0001},
            ).scalar()
            for q in range(int(rng.integers(1, 5))):
                birth = date(int(rng.integers(1950, 2020)), int(rng.integers(1, 13)), 1)
                conn.execute(
                    sa.text("""
                    INSERT INTO persons (household_id, county_code, name, sex, birth_date,
                                         id_number, is_migrant)
                    VALUES (:h, '330782', 'x', :s, :b, :id, :m)"""),
                    {
                        "h": hid,
                        "s": "F" if rng.random() < 0.5 else "M",
                        "b": birth,
                        "id": f"T{i}-{h}-{q}",
                        "m": bool(rng.random() < 0.3),
                    },
                )
    for j, (lon, lat, kind) in enumerate(
        [
            (120.015, 29.22, "distribution_point"),
            (120.035, 29.27, "clinic"),
            (120.02, 29.285, "machine"),
        ]
    ):
        conn.execute(
            sa.text("""
            INSERT INTO service_points (ext_id, county_code, kind, name, admin_path, geom)
            VALUES (:e, '330782', :k, :e, '330782001001001',
                    ST_SetSRID(ST_MakePoint(:x, :y), 4326))"""),
            {"e": f"TSP{j}", "k": kind, "x": lon, "y": lat},
        )


@pytest.fixture
def county(conn):
    add_neighbourhood(conn)
    return scope_for_area(conn, COUNTY, user="t", role="planner")


@pytest.mark.parametrize("as_of", [AS_OF, date(2024, 2, 29)])
def test_demand_counts_match_the_records(conn, county, as_of):
    for population, where in [
        ("residents", "true"),
        ("migrants", "p.is_migrant"),
        (
            "women15_49",
            "p.sex = 'F' AND extract(year FROM age(:d, p.birth_date)) BETWEEN 15 AND 49",
        ),
    ]:
        table = demand_by_building(conn, county, population, as_of=as_of)
        direct = conn.execute(
            sa.text(f"""
            SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id
            WHERE h.geom IS NOT NULL AND {where}"""),
            {"d": as_of},
        ).scalar()
        unlocated = conn.execute(
            sa.text(f"""
            SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id
            WHERE h.geom IS NULL AND {where}"""),
            {"d": as_of},
        ).scalar()
        assert table.total == direct and table.unlocated == unlocated, population
    hh = demand_by_building(conn, county, "households")
    assert (
        hh.total
        == conn.execute(sa.text("SELECT count(*) FROM households WHERE geom IS NOT NULL")).scalar()
    )
    # per building: the persons of the households in that building
    b = conn.execute(sa.text("SELECT id FROM buildings WHERE ext_id = 'T5'")).scalar()
    res = demand_by_building(conn, county, "residents")
    row = res.units[res.units["building_id"] == b].iloc[0]
    assert (
        row["weight"]
        == conn.execute(
            sa.text("""
        SELECT count(*) FROM persons p JOIN households h ON h.id = p.household_id
        WHERE h.building_id = :b"""),
            {"b": b},
        ).scalar()
    )
    assert row["grid_code"] == "330782001001001" and row["village_code"] == VILLAGE_A


def test_age_bounds_as_postgresql_counts_years():
    # the women's filter binds as_of − 50 and − 15 years as dates, computed as
    # PostgreSQL's ``date - interval 'n years'`` does (29 February → 28 February)
    assert _years_before(date(2026, 6, 1), 50) == date(1976, 6, 1)
    assert _years_before(date(2024, 2, 29), 15) == date(2009, 2, 28)
    assert _years_before(date(2024, 2, 29), 4) == date(2020, 2, 29)


def test_women_demand_counted_per_household_before_the_join(conn, county):
    # Persons are grouped per household before they meet the households, so even a
    # tiny row estimate (RLS, a narrow filter) cannot make PostgreSQL compare every
    # household with every woman: the plan has no join filter on household_id.
    import gis.gate.demand as demand_mod

    statements = []

    class Recorder:
        def execute(self, stmt, params=None):
            statements.append((stmt, params))
            return conn.execute(stmt, params)

    demand_mod.demand_by_building(Recorder(), county, "women15_49", as_of=AS_OF)
    main, params = next((s, p) for s, p in statements if "ST_PointOnSurface" in s.text)
    conn.exec_driver_sql("SET LOCAL ROLE popgis_app")
    conn.execute(sa.text(demand_mod.NO_NESTED_LOOPS))  # as the function plans it
    plan = "\n".join(r[0] for r in conn.execute(sa.text("EXPLAIN " + main.text), params))
    conn.execute(sa.text(demand_mod.NESTED_LOOPS_AGAIN))
    conn.exec_driver_sql("RESET ROLE")
    assert "Join Filter: (p.household_id = h.id)" not in plan, plan
    assert "GROUP BY p.household_id" in main.text


def test_demand_stays_inside_the_scope(conn, county):
    village_b = scope_for_area(conn, VILLAGE_B, user="t", role="planner")
    table = demand_by_building(conn, village_b, "residents")
    assert set(table.units["village_code"]) == {VILLAGE_B}
    assert table.total == 2  # HB1's two persons in the fixture county


@pytest.mark.parametrize("radius", [600.0, 1500.0])
def test_straight_line_coverage_equals_sql(conn, county, radius):
    kinds = ["distribution_point", "clinic"]
    # households (no building) 3 m inside and 3 m outside the radius of TSP0
    sx, sy = instance.project(120.015, 29.22, UTM)
    for name, dy in (("IN", radius - 3), ("OUT", radius + 3)):
        lon, lat = instance.unproject(sx, sy + dy, UTM)
        hid = conn.execute(
            sa.text("""
            INSERT INTO households (household_no, county_code, admin_path, village_code, geom)
            VALUES (:n, '330782', '330782001001', '330782001001',
                    ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"""),
            {"n": name, "x": float(lon), "y": float(lat)},
        ).scalar()
        conn.execute(
            sa.text("""INSERT INTO persons (household_id, county_code, name, sex,
            birth_date, id_number, is_migrant) VALUES (:h, '330782', 'x', 'F', '1990-01-01',
            :n, false)"""),
            {"h": hid, "n": name},
        )
    res = coverage.coverage_in_db(
        conn, county, kinds, str(radius), population="residents", as_of=AS_OF
    )
    # Direct computation: buildings (or household points) within radius of an active
    # point of those kinds, in UTM metres, by PostGIS itself.
    direct = conn.execute(
        sa.text("""
        WITH u AS (
          SELECT coalesce(ST_PointOnSurface(b.geom), h.geom) AS g, h.village_code,
                 count(p.id) AS w
          FROM households h JOIN persons p ON p.household_id = h.id
          LEFT JOIN buildings b ON b.id = h.building_id
          WHERE h.geom IS NOT NULL GROUP BY 1, 2)
        SELECT u.village_code, sum(u.w),
               sum(u.w) FILTER (WHERE EXISTS (
                 SELECT 1 FROM service_points s WHERE s.active AND s.kind = ANY(:k)
                 AND ST_DWithin(ST_Transform(s.geom, 32651), ST_Transform(u.g, 32651), :r)))
        FROM u GROUP BY 1"""),
        {"k": kinds, "r": radius},
    ).all()
    want = {v: (float(d), float(c or 0)) for v, d, c in direct}
    got = {v["code"]: (v["demand"], v["covered"]) for v in res.villages}
    assert got == want
    d_units = instance.demand_from_db(conn, county, "residents", epsg=UTM)
    assert np.count_nonzero(np.char.startswith(d_units.ids.astype(str), "p")) >= 2
    assert res.total == sum(d for d, _ in want.values())
    assert res.covered == sum(c for _, c in want.values())
    ranks = [v["uncovered"] for v in res.villages]
    assert ranks == sorted(ranks, reverse=True)
    # gap polygons hold exactly the uncovered demand of cells with nothing covered
    d = instance.demand_from_db(conn, county, "residents", as_of=AS_OF, epsg=UTM)
    dist, covered = coverage.nearest_distance(
        d, instance.service_points(conn, county, kinds, epsg=UTM), {k: radius for k in kinds}
    )
    cell = np.floor(d.x / 250).astype(int) * 100000 + np.floor(d.y / 250).astype(int)
    gap_cells = {c for c in set(cell) if not covered[cell == c].any()}
    expected_gap = d.weight[np.isin(cell, list(gap_cells))].sum()
    assert sum(f["properties"]["uncovered"] for f in res.gaps["features"]) == expected_gap
    assert sum(f["properties"]["cells"] for f in res.gaps["features"]) == len(gap_cells)


def test_radius_per_kind(conn, county):
    res = coverage.coverage_in_db(
        conn,
        county,
        ["distribution_point", "clinic"],
        "distribution_point=300,clinic=2000",
        population="residents",
    )
    wide = coverage.coverage_in_db(conn, county, ["clinic"], "2000", population="residents")
    narrow = coverage.coverage_in_db(
        conn, county, ["distribution_point"], "300", population="residents"
    )
    assert max(wide.covered, narrow.covered) <= res.covered <= wide.covered + narrow.covered
    with pytest.raises(Exception, match="no radius for clinic"):
        coverage.parse_radius("distribution_point=300", ["distribution_point", "clinic"])
    with pytest.raises(Exception, match="more than 0"):
        coverage.parse_radius("0", ["clinic"])
    # a negative number is out of the range (the one message of 0 too), not "no number"
    with pytest.raises(Exception, match="radius -5 is not allowed: metres, more than 0"):
        coverage.parse_radius("-5", ["clinic"])
    # ASCII digits only, no plus sign, and bounded (the message names the range)
    for odd in ("+5", "١٢", "１２", "1e", "1_000", "0x10"):
        with pytest.raises(Exception, match="not a number of metres"):
            coverage.parse_radius(odd, ["clinic"])
    # a number as JSON writes it (the POST body's reading): 1e3 is 1000 m; inf, NaN and
    # 1e308 numbers out of the radius's range, refused as 0 and -5 are (session 25)
    assert coverage.parse_radius("1e3", ["clinic"]) == {"clinic": 1000.0}
    for far in ("inf", "-inf", "NaN", "1e308", "1e400"):
        with pytest.raises(Exception, match=f"radius {far} is not allowed: metres, more than 0"):
            coverage.parse_radius(far, ["clinic"])
    with pytest.raises(Exception, match="at most 100000"):
        coverage.parse_radius("99999999999999999999999999", ["clinic"])


def test_walking_distance_along_a_road(conn):
    """An L-shaped road: point P at its start, building B beside its far end. Straight
    line ≈ 707 m; along the road 1000 m + the walks to and from it."""
    x0, y0 = 560_000.0, 3_240_000.0
    lines = [np.array([[x0, y0], [x0 + 500, y0], [x0 + 500, y0 + 500]])]
    g = network.build_graph(lines, UTM)
    assert g.n_components == 1
    src = np.array([[x0, y0 - 10]])  # 10 m south of the road's start
    dst = np.array([[x0 + 520, y0 + 500]])  # 20 m east of its end
    d = g.point_distances(dst, src, limit=5000)
    assert d[0] == pytest.approx(10 + 1000 + 20, abs=1e-6)
    assert network.minutes(d)[0] == pytest.approx(1030 / 75)
    assert np.isinf(g.point_distances(dst, src, limit=900)[0])
    # a dangling T-junction 8 m short of another road is joined
    t = build_t = network.build_graph(
        [
            np.array([[x0, y0], [x0 + 400, y0]]),
            np.array([[x0 + 200, y0 + 300], [x0 + 200, y0 + 8]]),
        ],
        UTM,
    )
    assert build_t.n_components == 1
    d = t.point_distances(np.array([[x0 + 200, y0 + 300]]), np.array([[x0, y0]]), 5000)
    assert d[0] == pytest.approx(200 + 292 + 8, abs=1.0)


def test_network_coverage_in_db(conn, county):
    # a road through the neighbourhood, in degrees as stored
    conn.execute(
        sa.text("""
        INSERT INTO roads (ext_id, county_code, highway, geom) VALUES
        ('TR1', '330782', 'residential', ST_Multi(ST_GeomFromText(
          'LINESTRING(120.005 29.22, 120.045 29.22, 120.045 29.29, 120.005 29.29)', 4326)))""")
    )
    straight = coverage.coverage_in_db(
        conn, county, ["distribution_point", "clinic"], "800", population="households"
    )
    walk = coverage.coverage_in_db(
        conn,
        county,
        ["distribution_point", "clinic"],
        "800",
        population="households",
        use_network=True,
    )
    assert walk.network and walk.total == straight.total
    # walking is never shorter than the straight line, so never covers more
    assert walk.covered <= straight.covered
    assert np.all(walk.distance + 1e-6 >= straight.distance)


def test_gis_does_not_import_the_web_stack():
    code = (
        "import sys, gis.analysis.plans, gis.analysis.network, gis.gate.demand; "
        "print('flask' in sys.modules or 'folium' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
