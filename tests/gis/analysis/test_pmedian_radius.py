"""The p-median radius formulation (merged rows, levels added lazily, LP bound first,
branch and bound when the LP is fractional) against brute force over all K-subsets:
random instances, fixed sites, ties in distances, hash collisions in the row merge."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gis.analysis import placement, pmedian_candidates, pmedian_radius
from gis.analysis.instance import Demand, Sites, unproject
from gis.errors import InvalidInput

EPSG = 32651
X0, Y0 = 560_000.0, 3_240_000.0


def dist(a, b):
    return np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])


def fixed_distance(xy, fixed_xy):
    return dist(xy, fixed_xy).min(axis=1) if len(fixed_xy) else np.full(len(xy), np.inf)


def brute_force(xy, w, sxy, fixed_xy, k):
    """Least Σ w · distance to the nearest open site over every k-subset."""
    d = dist(xy, sxy)
    u = fixed_distance(xy, fixed_xy)
    return min(
        float(w @ np.minimum(u, d[:, list(c)].min(axis=1)))
        for c in itertools.combinations(range(len(sxy)), k)
    )


def solve(xy, w, sxy, fixed_xy, k, time_limit=None):
    lists = pmedian_candidates.candidate_lists(xy, w, sxy, fixed_distance(xy, fixed_xy), k)
    res, info = pmedian_radius.pmedian_radius(lists, k, time_limit)
    return res, info, lists


def random_instance(seed, n=40, m=10, fixed=0, grid=False):
    rng = np.random.default_rng(seed)
    if grid:  # points on a 100 m grid: many equal distances, repeated points
        xy = rng.integers(0, 7, (n, 2)) * 100.0
        sxy = rng.integers(0, 7, (m, 2)) * 100.0
        sxy[1] = sxy[0]  # two candidates at one place
        fxy = rng.integers(0, 7, (fixed, 2)) * 100.0
    else:
        xy, sxy = rng.uniform(0, 3000, (n, 2)), rng.uniform(0, 3000, (m, 2))
        fxy = rng.uniform(0, 3000, (fixed, 2))
    return xy, rng.integers(1, 20, n).astype(float), sxy, fxy


def assert_optimal(res, lists, xy, w, sxy, fxy, k):
    best = brute_force(xy, w, sxy, fxy, k)
    assert res.optimal and res.gap == 0.0
    is_open = res.x > 0.5
    assert is_open.sum() == k
    chosen = np.minimum(fixed_distance(xy, fxy), dist(xy, sxy)[:, is_open].min(axis=1))
    assert res.objective == pytest.approx(best, rel=1e-9)
    assert float(w @ chosen) == pytest.approx(best, rel=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_radius_equals_brute_force(seed):
    xy, w, sxy, fxy = random_instance(seed, fixed=seed % 3)
    k = 2 + seed % 3
    res, _, lists = solve(xy, w, sxy, fxy, k)
    assert_optimal(res, lists, xy, w, sxy, fxy, k)


@pytest.mark.parametrize("seed", range(8))
def test_radius_with_tied_distances(seed):
    xy, w, sxy, fxy = random_instance(seed + 100, n=45, m=9, fixed=seed % 2, grid=True)
    k = 2 + seed % 3
    res, _, lists = solve(xy, w, sxy, fxy, k)
    unit = lists.unit
    # the instance does have ties within units' lists
    assert ((unit[1:] == unit[:-1]) & (lists.dist[1:] == lists.dist[:-1])).any()
    assert_optimal(res, lists, xy, w, sxy, fxy, k)


@pytest.mark.parametrize("seed", [213, 246, 249])
def test_fractional_lp_goes_to_branch_and_bound(seed):
    # seeds found by search: the LP bound is not met by its rounded solution
    rng = np.random.default_rng(seed)
    xy, sxy = rng.uniform(0, 3000, (30, 2)), rng.uniform(0, 3000, (10, 2))
    w = rng.integers(1, 20, 30).astype(float)
    res, info, lists = solve(xy, w, sxy, np.zeros((0, 2)), 3)
    assert info["branched"]
    assert_optimal(res, lists, xy, w, sxy, np.zeros((0, 2)), 3)


def test_candidate_lists_price_every_solution_exactly():
    xy, w, sxy, fxy = random_instance(7, n=50, m=12, fixed=2)
    k = 4
    lists = pmedian_candidates.candidate_lists(xy, w, sxy, fixed_distance(xy, fxy), k)
    # each unit lists fewer than m − k + 1 candidates (the cap cuts the rest)
    assert np.diff(lists.indptr).max() <= len(sxy) - k
    d = dist(xy, sxy)
    u = fixed_distance(xy, fxy)
    for c in itertools.islice(itertools.combinations(range(len(sxy)), k), 0, None, 37):
        is_open = np.zeros(len(sxy), bool)
        is_open[list(c)] = True
        exact = float(w @ np.minimum(u, d[:, is_open].min(axis=1)))
        assert lists.cost(is_open) == pytest.approx(exact, rel=1e-12)
    start = pmedian_candidates.pmedian_heuristic(lists, k)
    assert start.sum() == k


def test_rows_merge_equal_sets_only():
    xy, w, sxy, _ = random_instance(3, n=200, m=15)
    xy[100:] = xy[:100] + 1.0  # near-twins share most candidate sets
    lists = pmedian_candidates.candidate_lists(xy, w, sxy, np.full(len(xy), np.inf), 3)
    levels = pmedian_radius.RadiusLevels.of(lists)
    rows = pmedian_radius.RadiusRows(lists, levels)
    rows.grow(levels.count)
    assert len(rows.rep) < len(levels.unit)  # merged
    sets = rows.sets(np.arange(len(rows.rep))).toarray().astype(bool)
    assert len({s.tobytes() for s in sets}) == len(sets)  # distinct rows
    for lv in range(len(levels.unit)):  # each level sits in the row of its own set
        i = levels.unit[lv]
        mine = np.zeros(lists.m, bool)
        mine[lists.site[lists.indptr[i] : levels.end[lv]]] = True
        assert (sets[rows.row_of_level[lv]] == mine).all()
    assert rows.cost.sum() == pytest.approx(float(w[levels.unit] @ levels.step))


def test_hash_collisions_cost_merges_not_exactness(monkeypatch):
    xy, w, sxy, fxy = random_instance(11, n=60, m=10, fixed=1)
    res_ok, info_ok, _ = solve(xy, w, sxy, fxy, 3)
    # every set of one size gets the same hash: the element check must split them
    monkeypatch.setattr(
        pmedian_radius, "_set_hash", lambda lists: np.zeros(len(lists.site), np.uint64)
    )
    res, info, lists = solve(xy, w, sxy, fxy, 3)
    assert info["radius_rows"] >= info_ok["radius_rows"]
    assert res.objective == pytest.approx(res_ok.objective, rel=1e-12)
    assert_optimal(res, lists, xy, w, sxy, fxy, 3)


def test_time_limit_returns_the_heuristic_with_status():
    xy, w, sxy, fxy = random_instance(5)
    res, _, lists = solve(xy, w, sxy, fxy, 3, time_limit=1e-9)
    assert res.status == "time_limit" and not res.optimal
    assert (res.x > 0.5).sum() == 3
    assert res.objective >= brute_force(xy, w, sxy, fxy, 3) - 1e-6


def _instance(n, m, fixed, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 4000, (n, 2))
    lon, lat = unproject(xy[:, 0] + X0, xy[:, 1] + Y0, EPSG)
    d = Demand(
        ids=np.arange(n).astype(str).astype(object),
        lon=lon,
        lat=lat,
        weight=rng.integers(0, 30, n).astype(float),
        epsg=EPSG,
    )
    sxy = rng.uniform(0, 4000, (m, 2))
    slon, slat = unproject(sxy[:, 0] + X0, sxy[:, 1] + Y0, EPSG)
    fx = np.zeros(m, bool)
    fx[:fixed] = True
    s = Sites(ids=np.arange(m).astype(str).astype(object), lon=slon, lat=slat, fixed=fx, epsg=EPSG)
    return d, s


@pytest.mark.parametrize("seed", range(3))
def test_place_matches_the_assignment_formulation(seed):
    # beyond brute force: the classic assignment model (capacitated path, unlimited
    # capacities) must find the same optimum
    d, s = _instance(250, 30, fixed=seed, seed=seed + 50)
    k = 4 + seed
    radius = placement.place("pmedian", d, s, k=k, radius=800.0)
    assignment = placement.place("pmedian", d, s, k=k, radius=800.0, capacitated=True)
    assert radius.optimal and assignment.optimal
    assert radius.objective == pytest.approx(assignment.objective, rel=1e-9)
    assert len(radius.chosen) == k + seed
    assert radius.mean_distance == pytest.approx(radius.objective / d.weight.sum(), rel=1e-9)


@pytest.mark.parametrize("k", [1, 4, 5])
def test_every_candidate_or_one_open(k):
    xy, w, sxy, fxy = random_instance(1, n=20, m=5)
    res, _, lists = solve(xy, w, sxy, fxy, k)
    assert_optimal(res, lists, xy, w, sxy, fxy, k)


def test_units_at_fixed_sites_leave_nothing_to_model():
    xy, w, sxy, _ = random_instance(2, n=20, m=6)
    res, info, lists = solve(xy, w, sxy, xy.copy(), 2)
    assert len(lists.site) == 0 and info["radius_rows"] == 0
    assert res.optimal and res.objective == 0.0 and (res.x > 0.5).sum() == 2


def test_a_model_too_large_is_refused_before_it_is_built():
    # Few sites to open and no existing site: every unit keeps almost every candidate,
    # and its nested rows hold ~L²/2 entries: 30 M in the start model here (unbounded,
    # HiGHS took 2.6 GB on it and ran out of a 4 GB limit; the full formulation has
    # over a billion: the 18 GB the web server once took). The model is counted first
    # and refused with what to change, in bounded memory and time, before any matrix
    # or solver exists.
    import time
    import tracemalloc

    d, s = _instance(2900, 1000, fixed=0, seed=7)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(InvalidInput) as err:
            placement.place("pmedian", d, s, k=3, radius=20.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = err.value.message
    assert "raise --k, include more kinds" in message and "entries" in message, message
    assert message.endswith(
        "or use fewer candidates or a --demand-file with fewer units, or the mclp model"
    )
    assert peak < 800e6, peak
    assert time.perf_counter() - t0 < 60


def test_a_model_too_large_is_told_in_the_web_api_s_words_and_in_chinese(monkeypatch):
    """The same refusal on the planner's map names the API's members (k, uses,
    grid_centroids, sites), and is in the catalogue's Chinese."""
    from gis.analysis import optnames
    from gis.messages import speaking

    d, s = _instance(2900, 1000, fixed=0, seed=7)
    with optnames.named_as(optnames.WEB), pytest.raises(InvalidInput) as err:
        placement.place("pmedian", d, s, k=3, radius=20.0)
    message = err.value.message
    assert message.startswith("p-median with k=3: its model would hold "), message
    assert "raise k, include more kinds" in message and "--" not in message, message
    assert "(uses, grid_centroids, sites) or a smaller area, or the mclp model" in message
    with speaking("zh"), pytest.raises(InvalidInput) as err:
        placement.place("pmedian", d, s, k=3, radius=20.0)
    assert err.value.message.startswith("--k=3 的 p-中位模型将含 "), err.value.message
    assert "或请减少候选点，或用单元更少的 --demand-file" in err.value.message


def test_a_round_past_the_size_budget_stops_with_the_best_solution():
    xy, w, sxy, fxy = random_instance(0, n=60, m=15)
    full, info, lists = solve(xy, w, sxy, fxy, 3)
    assert full.optimal and info["rounds"] > 1
    res, info2 = pmedian_radius.pmedian_radius(lists, 3, max_nonzeros=info["radius_nonzeros"] - 1)
    assert res.status == "size_limit" and not res.optimal
    assert info2["radius_nonzeros"] <= info["radius_nonzeros"]
    assert (res.x > 0.5).sum() == 3
    assert res.objective >= full.objective - 1e-6
    assert res.bound is None or res.bound <= full.objective + 1e-6
    # with no budget to start with, nothing is built: refused
    with pytest.raises(InvalidInput):
        pmedian_radius.pmedian_radius(lists, 3, max_nonzeros=0)
