"""Placement models against brute force on small random instances: the solver's optimum
equals the best of all K-subsets (MCLP, p-median, capacitated variants), set cover finds
the fewest sites; exact aggregation changes nothing; bad input is named."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import linprog

from gis.analysis import coverage_sets, placement
from gis.analysis.instance import Demand, Sites, unproject
from gis.errors import InvalidInput

EPSG = 32651  # UTM 51N, where the demo county lies
X0, Y0 = 560_000.0, 3_240_000.0


def instance(n, m, *, fixed=0, seed=0, capacity=False, clustered=False):
    rng = np.random.default_rng(seed)
    if clustered:  # duplicates and shared coverage sets, to exercise the aggregation
        centres = rng.uniform(0, 3000, (4, 2))
        xy = centres[rng.integers(0, 4, n)] + rng.normal(0, 150, (n, 2))
        xy[: n // 5] = xy[n // 5 : 2 * (n // 5)]
    else:
        xy = rng.uniform(0, 3000, (n, 2))
    lon, lat = unproject(xy[:, 0] + X0, xy[:, 1] + Y0, EPSG)
    d = Demand(
        ids=np.array([f"d{i}" for i in range(n)], object),
        lon=lon,
        lat=lat,
        weight=rng.integers(1, 20, n).astype(float),
        epsg=EPSG,
    )
    sxy = rng.uniform(0, 3000, (m, 2))
    slon, slat = unproject(sxy[:, 0] + X0, sxy[:, 1] + Y0, EPSG)
    fx = np.zeros(m, bool)
    fx[:fixed] = True
    cap = rng.integers(30, 90, m).astype(float) if capacity else None
    s = Sites(
        ids=np.array([f"s{j}" for j in range(m)], object),
        lon=slon,
        lat=slat,
        fixed=fx,
        epsg=EPSG,
        capacity=cap,
    )
    return d, s


def dist(d, s):
    return np.hypot(d.x[:, None] - s.x[None, :], d.y[:, None] - s.y[None, :])


def subsets(s, k):
    fixed = list(np.flatnonzero(s.fixed))
    for c in itertools.combinations(np.flatnonzero(~s.fixed), k):
        yield fixed + list(c)


@pytest.mark.parametrize("seed", range(6))
def test_mclp_equals_brute_force(seed):
    d, s = instance(45, 11, fixed=seed % 3, seed=seed, clustered=seed % 2 == 1)
    r, k = 650.0, 3
    cover = dist(d, s) <= r
    best = max(d.weight[cover[:, c].any(axis=1)].sum() for c in subsets(s, k))
    p = placement.place("mclp", d, s, k=k, radius=r)
    assert p.optimal and p.gap == 0.0
    assert p.objective == best
    chosen_cover = cover[:, p.chosen].any(axis=1)
    assert d.weight[chosen_cover].sum() == best == p.covered
    assert len(p.chosen) - s.fixed.sum() <= k and set(np.flatnonzero(s.fixed)) <= set(p.chosen)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("pct", [80.0, 100.0])
def test_setcover_fewest_sites(seed, pct):
    d, s = instance(30, 10, fixed=1, seed=seed + 10)
    r = 900.0
    cover = dist(d, s) <= r
    total = d.weight.sum()
    reachable = d.weight[cover.any(axis=1)].sum()
    if reachable < pct / 100 * total:
        with pytest.raises(InvalidInput, match="cannot be covered"):
            placement.place("setcover", d, s, k=None, radius=r, cover_pct=pct)
        return
    need = next(
        kk
        for kk in range(0, 11)
        if any(
            d.weight[cover[:, c].any(axis=1)].sum() >= pct / 100 * total - 1e-9
            for c in subsets(s, kk)
        )
    )
    p = placement.place("setcover", d, s, k=None, radius=r, cover_pct=pct)
    assert p.optimal and p.objective == need == len(p.chosen) - 1
    assert p.covered >= pct / 100 * total - 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_equals_brute_force(seed):
    d, s = instance(35, 9, fixed=seed % 2, seed=seed + 20)
    dd = dist(d, s)
    k = 3
    best = min((d.weight * dd[:, c].min(axis=1)).sum() for c in subsets(s, k))
    p = placement.place("pmedian", d, s, k=k, radius=800.0)
    assert p.optimal
    assert p.objective == pytest.approx(best, rel=1e-9)
    assert p.mean_distance == pytest.approx(best / d.weight.sum(), rel=1e-6)


def _served_lp(w, allowed, cap):
    """Max demand served by the open sites within capacity (a transport LP)."""
    n, m = allowed.shape
    pairs = np.argwhere(allowed)
    if len(pairs) == 0:
        return 0.0
    p = len(pairs)
    a_unit = sparse.csr_matrix((np.ones(p), (pairs[:, 0], np.arange(p))), shape=(n, p))
    a_site = sparse.csr_matrix((w[pairs[:, 0]], (pairs[:, 1], np.arange(p))), shape=(m, p))
    res = linprog(
        -w[pairs[:, 0]],
        A_ub=sparse.vstack([a_unit, a_site]),
        b_ub=np.r_[np.ones(n), np.where(np.isfinite(cap), cap, 1e12)],
        bounds=(0, 1),
        method="highs",
    )
    return -res.fun


@pytest.mark.parametrize("seed", range(3))
def test_capacitated_mclp_equals_brute_force(seed):
    d, s = instance(25, 8, fixed=1, seed=seed + 30, capacity=True)
    r, k = 900.0, 2
    cover = dist(d, s) <= r
    best = 0.0
    for c in subsets(s, k):
        allowed = np.zeros_like(cover)
        allowed[:, c] = cover[:, c]
        best = max(best, _served_lp(d.weight, allowed, s.capacity))
    p = placement.place("mclp", d, s, k=k, radius=r, capacitated=True)
    assert p.optimal
    assert p.objective == pytest.approx(best, abs=1e-6)


@pytest.mark.parametrize("seed", range(3))
def test_capacitated_pmedian_equals_brute_force(seed):
    d, s = instance(20, 7, seed=seed + 40, capacity=True)
    s.capacity[:] = np.ceil(d.weight.sum() / 2.5)  # 3 sites can serve everyone, 2 cannot
    dd = dist(d, s)
    k = 3
    best = np.inf
    for c in subsets(s, k):
        n, kk = len(d), len(c)
        cost = (d.weight[:, None] * dd[:, c]).ravel()
        a_eq = sparse.kron(sparse.identity(n), np.ones((1, kk)))
        a_ub = sparse.kron(d.weight[None, :], sparse.identity(kk))
        res = linprog(
            cost,
            A_eq=a_eq,
            b_eq=np.ones(n),
            A_ub=a_ub,
            b_ub=s.capacity[c],
            bounds=(0, 1),
            method="highs",
        )
        if res.status == 0:
            best = min(best, res.fun)
    p = placement.place("pmedian", d, s, k=k, radius=800.0, capacitated=True)
    assert p.optimal
    assert p.objective == pytest.approx(best, rel=1e-7)


def test_aggregation_is_exact():
    a = sparse.csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0], [1, 0, 1], [0, 0, 0]], bool))
    w = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    ua, uw, inv = coverage_sets.merge_identical_rows(a, w)
    assert ua.shape[0] == 3 and sorted(uw) == [3.0, 5.0, 7.0]
    assert (ua[inv].toarray() == a.toarray()).all()
    b = sparse.csr_matrix(np.array([[1, 1, 0, 1], [1, 0, 0, 1], [0, 1, 0, 0]], float))
    # col 2 empty, col 3 equals col 0 (later one dropped); col 1 not inside col 0
    assert coverage_sets.dominated_columns(b).tolist() == [False, False, True, True]
    # the slow path (duplicates only) agrees on duplicates and empties
    assert coverage_sets.dominated_columns(b, max_work=0).tolist() == [False, False, True, True]


def test_clustered_instance_is_aggregated():
    d, s = instance(200, 30, seed=5, clustered=True)
    p = placement.place("mclp", d, s, k=4, radius=500.0)
    assert p.stats["units_in_model"] < p.stats["units"]
    assert p.stats["candidates_in_model"] <= p.stats["candidates"]


def test_time_limit_states_the_gap():
    d, s = instance(400, 60, seed=7)
    p = placement.place("mclp", d, s, k=5, radius=700.0, time_limit=30)
    assert p.status in ("optimal", "time_limit") and p.gap is not None
    assert p.bound is None or p.bound >= p.objective - 1e-6


def test_bad_input_is_named():
    d, s = instance(10, 4, fixed=1, seed=1)
    with pytest.raises(InvalidInput, match=r"K=5 is larger than the number of candidates \(3\)"):
        placement.place("mclp", d, s, k=5, radius=500)
    with pytest.raises(InvalidInput, match="radius must be more than 0"):
        placement.place("mclp", d, s, k=1, radius=0)
    with pytest.raises(InvalidInput, match="no candidates"):
        placement.place("mclp", d, s.subset(s.fixed), k=1, radius=500)
    empty = Demand(ids=d.ids, lon=d.lon, lat=d.lat, weight=np.zeros(len(d)), epsg=EPSG)
    with pytest.raises(InvalidInput, match="empty demand"):
        placement.place("pmedian", empty, s, k=1, radius=500)
    with pytest.raises(InvalidInput, match="unknown model"):
        placement.place("maxcover", d, s, k=1, radius=500)


def test_mclp_with_everything_covered_already():
    # a radius wider than the area: the existing sites cover all demand, the model is
    # empty, and the answer is "no new site adds anything" (not "no solution found")
    d, s = instance(30, 8, fixed=2, seed=3)
    p = placement.place("mclp", d, s, k=2, radius=1e6)
    assert p.optimal and p.covered == p.total == p.covered_before
    assert len(p.chosen) == 2
