"""Small counts are suppressed so that neither totals nor neighbouring cells reveal them:
the rules on hand-made trees, an LP audit (the best an attacker can do with every
published number) on random trees, and a subtraction attack on the fixture county."""

from __future__ import annotations

import random

import pytest

from gis.exports import aggregates
from gis.gate import scope_for_area
from gis.gate.aggregates import COUNT_COLUMNS, path_counts
from tests.gis.exports.helpers import add_households, add_village, lp_intervals

K = 5
TOWN, VA, VB = "330782001000", "330782001001", "330782001002"
VD, VE = "330782001003", "330782001004"
VC = "330782100001"
GRID1, GRID2 = "330782001001001", "330782001001002"


def run(children, values, k=K):
    order = [p for p in sorted(children, key=len)]
    primary = {c for c, v in values.items() if 0 < v < k}
    return primary, aggregates.suppress_column(children, values, primary, k, order)


def test_one_small_cell_gets_a_partner():
    children = {"T": ["v1", "v2", "v3"]}
    values = {"T": 100, "v1": 2, "v2": 40, "v3": 58}
    _, held = run(children, values)
    assert held == {"v1", "v2"}  # the smallest other cell, so T - v3 = 42 = v1 + v2


def test_two_small_cells_that_add_up_to_less_than_k_get_a_third():
    children = {"T": ["a", "b", "c", "d"]}
    values = {"T": 62, "a": 1, "b": 1, "c": 20, "d": 40}
    _, held = run(children, values)
    assert held == {"a", "b", "c"}  # a + b = 2 would tell both are 1


def test_a_withheld_parent_cannot_be_rebuilt_from_its_children():
    # the township is withheld at county level; if all its villages were published
    # their sum would give it back, and with it the small township next to it
    children = {"C": ["T1", "T2"], "T1": ["a", "b"], "T2": ["c"]}
    values = {"C": 103, "T1": 100, "T2": 3, "a": 60, "b": 40, "c": 3}
    _, held = run(children, values)
    assert {"T1", "T2"} <= held and {"a", "b"} <= held


def test_small_rest_outside_any_grid_is_protected():
    # 3 households of village V sit in no grid: V - g1 - g2 would show them
    children = {"V": ["g1", "g2"]}
    values = {"V": 83, "g1": 50, "g2": 30}
    _, held = run(children, values)
    assert held == {"g1", "g2"}


def random_tree(rng: random.Random):
    """County → 2–4 townships → 1–6 villages → 0–3 grids, many small counts."""
    children, values = {}, {}
    for t in range(rng.randint(2, 4)):
        tc = f"t{t}"
        children.setdefault("C", []).append(tc)
        for v in range(rng.randint(1, 6)):
            vc = f"{tc}v{v}"
            children.setdefault(tc, []).append(vc)
            grids = rng.randint(0, 3)
            for gi in range(grids):
                gc = f"{vc}g{gi}"
                children.setdefault(vc, []).append(gc)
                values[gc] = rng.choice([0, 1, 2, 3, 4, rng.randint(5, 80)])
            rest = (
                rng.choice([0, 0, 0, 1, 2, rng.randint(5, 30)])
                if grids
                else rng.choice([0, 1, 2, 3, 4, rng.randint(5, 80)])
            )
            values[vc] = rest + sum(values[g] for g in children.get(vc, []))
        values[tc] = sum(values[v] for v in children[tc])
    values["C"] = sum(values[t] for t in children["C"])
    return children, values


@pytest.mark.parametrize("seed", range(120))
def test_lp_audit_random_trees(seed):
    """No primary cell can be pinned down, nor shown to be below k, by any combination
    of published totals and cells (solved exactly as a linear programme)."""
    children, values = random_tree(random.Random(seed))
    primary, held = run(children, values)
    parent = {c: p for p, kids in children.items() for c in kids}
    for cell, (lo, hi) in lp_intervals(children, values, held, primary).items():
        assert hi - lo >= 1 - 1e-6, (cell, values[cell], lo, hi)
        # part of an area that is small itself is known to be small; otherwise the
        # attacker cannot even tell that the cell is below k
        if cell not in parent or values[parent[cell]] >= K:
            assert hi >= K - 1e-6, (cell, values[cell], lo, hi)


@pytest.fixture
def county(conn):
    """The fixture county with more people: 稠城街道 gets villages D (60 persons) and E
    (7); village A gets 90 persons in grid 1; village B keeps its 2 persons; village C
    (the only one of 佛堂镇) gets 40."""
    add_village(conn, VD, "测试D村")
    add_village(conn, VE, "测试E村")
    add_households(conn, GRID1, 30, 3, migrants=1, women=1, served=10)
    add_households(conn, VD, 20, 3, migrants=2, women=1, served=5)
    add_households(conn, VE, 1, 7, migrants=7, women=2)
    add_households(conn, VC, 10, 4, migrants=1, women=1, served=3)
    return scope_for_area(conn, "330782000000", user="tester")


def test_subtraction_attack_on_a_township_total(conn, county):
    stats = aggregates.statistics(conn, county)
    town, a, b, d, e = (stats.get(c) for c in (TOWN, VA, VB, VD, VE))
    # B has 2 persons: the whole row is withheld, zeros included
    assert b.suppressed == frozenset(COUNT_COLUMNS)
    # the township total and villages A and D are published
    assert town.values["population"] == 2 + 5 + 90 + 60 + 7
    assert a.values["population"] == 95 and d.values["population"] == 60
    # the attack: total minus the published villages gives B + E together, never B
    left = town.values["population"] - a.values["population"] - d.values["population"]
    assert left == 9 and e.values["population"] is None
    for col in COUNT_COLUMNS:
        held = [v for v in (a, b, d, e) if col in v.suppressed]
        assert len(held) != 1, col
    # rates built from a withheld count are withheld too
    assert b.migrants_per_1000 is None and e.coverage_pct is None
    assert a.migrants_per_1000 == round(1000 * a.values["migrants"] / 95, 1)


def test_lp_audit_of_the_county(conn, county):
    """Every count column of the whole county: no withheld small cell can be pinned
    down from the published numbers."""
    stats = aggregates.statistics(conn, county)
    tree = aggregates._tree(conn, county.path)
    totals = aggregates._totals(tree, path_counts(conn, county, stats.as_of))
    children = {}
    for a in tree.values():
        if a.parent_code in tree:
            children.setdefault(a.parent_code, []).append(a.code)
    for col in COUNT_COLUMNS:
        values = {c: totals[c][col] for c in tree}
        held = {c for c, a in stats.areas.items() if col in a.suppressed}
        primary = {c for c, a in stats.areas.items() if col in a.primary and values[c] > 0}
        for cell, (lo, hi) in lp_intervals(children, values, held, primary).items():
            assert hi - lo >= 1 - 1e-6 and hi >= K - 1e-6, (col, cell, values[cell], lo, hi)


def test_grids_under_a_published_village(conn, county):
    stats = aggregates.statistics(conn, county)
    a, g1, g2 = stats.get(VA), stats.get(GRID1), stats.get(GRID2)
    assert a.values["population"] == 95
    # grid 2 holds 2 persons: grid 1 is withheld with it, else 95 - 93 = 2
    assert g2.values["population"] is None and g1.values["population"] is None


def test_the_pattern_is_the_same_whoever_asks(conn, county):
    whole = aggregates.statistics(conn, county)
    town = aggregates.statistics(conn, scope_for_area(conn, TOWN, user="t", role="township"))
    village = aggregates.statistics(conn, scope_for_area(conn, VA, user="v", role="village"))
    assert set(town.areas) == {c for c in whole.areas if c.startswith("330782001")}
    assert set(village.areas) == {VA, GRID1, GRID2}
    for part in (town, village):
        for code, a in part.areas.items():
            assert a.values == whole.get(code).values, code


def test_threshold_is_configurable(conn, county, monkeypatch):
    monkeypatch.setenv("POPGIS_EXPORT_MIN_COUNT", "10")
    stats = aggregates.statistics(conn, county)
    assert stats.threshold == 10
    assert stats.get(VE).values["population"] is None  # 7 < 10
    monkeypatch.setenv("POPGIS_EXPORT_MIN_COUNT", "3")
    stats = aggregates.statistics(conn, county)
    assert stats.threshold == 3
    assert "population" in stats.get(VB).primary  # 2 < 3
    assert "population" not in stats.get(VE).primary  # 7 is not
