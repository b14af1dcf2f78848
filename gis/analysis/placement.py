"""Location-allocation: where to put new service sites, solved to proven optimality.

Models (distances in metres on the instance's projected grid):

* ``mclp``     maximal covering: choose at most ``k`` new sites so that the demand
               within ``radius`` of an open site (existing fixed ones included) is
               largest; with capacities, demand served within capacity is maximised.
* ``setcover`` fewest new sites so that at least ``cover_pct`` % of all demand lies
               within ``radius`` of an open site.
* ``pmedian``  exactly ``k`` new sites so that the demand-weighted mean distance to the
               nearest open site is least (with capacities: to the assigned site).

Before the solver sees a covering model, demand is aggregated exactly: units covered
by a fixed site are a constant, units no candidate reaches are a constant, and units
with identical sets of covering candidates are merged (weights summed); candidates with
identical coverage sets are merged too. None of this changes the optimum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from gis.analysis.instance import Demand, Sites
from gis.analysis.solver import MipResult, solve_mip
from gis.errors import InvalidInput

MODELS = ("mclp", "setcover", "pmedian")
# A p-median model has one variable per (unit, candidate) pair it cannot rule out;
# beyond this HiGHS needs more memory and time than a planner will wait for.
PMEDIAN_MAX_PAIRS = 3_000_000


@dataclass
class Placement:
    """A solved placement. ``chosen`` indexes ``sites`` (fixed sites included, first);
    per-unit masks ``covered_before``/``covered_after`` use the straight-line radius."""

    model: str
    k: int | None
    radius: float
    chosen: np.ndarray
    objective: float
    covered_before: float
    covered: float
    total: float
    status: str
    gap: float | None
    bound: float | None
    mean_distance: float
    stats: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    unit_covered_before: np.ndarray | None = None
    unit_covered_after: np.ndarray | None = None
    cover_pct: float | None = None

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    def summary(self) -> dict:
        return {"model": self.model, "k": self.k, "radius_m": self.radius,
                "cover_pct_target": self.cover_pct,
                "objective": self.objective, "covered_demand": self.covered,
                "covered_before": self.covered_before, "total_demand": self.total,
                "pct_covered": round(100 * self.covered / self.total, 2) if self.total else 0,
                "mean_distance_m": round(self.mean_distance, 1),
                "status": self.status, "optimal": self.optimal, "gap": self.gap,
                "bound": self.bound, "new_sites": int(len(self.chosen) - self.stats.get(
                    "fixed_sites", 0)), **self.stats, "seconds": self.seconds}


# ------------------------------------------------------------------ building blocks
def coverage_matrix(demand_xy: np.ndarray, sites_xy: np.ndarray, radius: float
                    ) -> sparse.csr_matrix:
    """Boolean CSR matrix (units × sites): site j lies within ``radius`` metres of unit i."""
    n, m = len(demand_xy), len(sites_xy)
    if n == 0 or m == 0:
        return sparse.csr_matrix((n, m), dtype=bool)
    lists = cKDTree(sites_xy).query_ball_point(demand_xy, radius, return_sorted=False)
    counts = np.fromiter((len(x) for x in lists), np.int64, count=n)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.fromiter((j for x in lists for j in x), np.int64, count=int(indptr[-1]))
    a = sparse.csr_matrix((np.ones(len(indices), bool), indices, indptr), shape=(n, m))
    a.sort_indices()
    return a


def merge_identical_rows(a: sparse.csr_matrix, w: np.ndarray):
    """Merge rows of ``a`` with identical patterns, summing ``w``.

    Returns (unique rows as CSR, summed weights, ``inverse``: unit → merged row).
    """
    a = sparse.csr_matrix(a)
    a.sort_indices()
    keys = [a.indices[a.indptr[i]:a.indptr[i + 1]].tobytes() for i in range(a.shape[0])]
    index: dict[bytes, int] = {}
    inverse = np.fromiter((index.setdefault(k, len(index)) for k in keys), np.int64,
                          count=len(keys))
    first = np.full(len(index), -1, np.int64)
    first[inverse[::-1]] = np.arange(len(inverse))[::-1]
    merged_w = np.bincount(inverse, weights=w, minlength=len(index))
    return a[first], merged_w, inverse


def dominated_columns(b: sparse.csr_matrix, max_work: float = 3e9) -> np.ndarray:
    """Columns whose coverage set is empty or inside another column's (ties: the later
    one). Dropping them keeps a covering optimum: a dominated site can always be swapped
    for its dominator. ``max_work`` caps the pair count; beyond it only duplicates and
    empty columns are found."""
    bc = sparse.csc_matrix(b, dtype=np.int32)
    bc.sort_indices()
    size = np.diff(bc.indptr)
    out = size == 0
    row_nnz = np.diff(sparse.csr_matrix(b).indptr).astype(float)
    # BᵀB costs Σ(row nnz)² operations and at most m² entries of memory.
    if (row_nnz ** 2).sum() <= max_work and b.shape[1] <= 20_000:
        ov = (bc.T @ bc).tocoo()
        j, k, v = ov.row, ov.col, ov.data
        dom = (j != k) & (v == size[j]) & ((size[k] > size[j]) | ((size[k] == size[j]) & (k < j)))
        out[j[dom]] = True
        return out
    seen: dict[bytes, int] = {}
    for c in range(bc.shape[1]):
        key = bc.indices[bc.indptr[c]:bc.indptr[c + 1]].tobytes()
        if seen.setdefault(key, c) != c:
            out[c] = True
    return out


def _validate(model, demand: Demand, sites: Sites, k, radius):
    if model not in MODELS:
        raise InvalidInput(f"unknown model {model!r}; expected {', '.join(MODELS)}")
    if radius is None or not np.isfinite(radius) or radius <= 0:
        raise InvalidInput(f"radius must be more than 0 metres; got {radius}")
    if len(demand) == 0 or demand.total <= 0:
        raise InvalidInput("empty demand: there is no demand (or all weights are 0) to "
                           "place sites for")
    free = int((~sites.fixed).sum())
    if free == 0:
        raise InvalidInput("no candidates: give candidate sites (building uses, grid "
                           "centroids, or a --candidates file with non-fixed rows)")
    if model != "setcover" or k is not None:
        if k is None or int(k) != k or k < 1:
            raise InvalidInput(f"K must be a whole number of new sites, at least 1; got {k}")
        if k > free:
            raise InvalidInput(f"K={k} is larger than the number of candidates ({free}); "
                               "lower K or add candidates")


def _nearest(demand: Demand, sites: Sites, idx: np.ndarray) -> np.ndarray:
    if len(idx) == 0:
        return np.full(len(demand), np.inf)
    return cKDTree(sites.xy[idx]).query(demand.xy)[0]


# ------------------------------------------------------------------ covering models
def _covering(model, demand: Demand, sites: Sites, k, radius, time_limit, cover_pct,
              capacitated: bool):
    t0 = time.perf_counter()
    a = coverage_matrix(demand.xy, sites.xy, radius)
    t1 = time.perf_counter()
    w = demand.weight
    fixed = sites.fixed
    free_idx = np.flatnonzero(~fixed)
    by_fixed = np.asarray(a[:, np.flatnonzero(fixed)].sum(axis=1)).ravel() > 0
    total = float(w.sum())
    if capacitated:
        keep_sites = np.arange(len(sites))  # fixed sites may be full: keep them in
        rows = np.flatnonzero(np.diff(a.indptr) > 0)
    else:
        keep_sites = free_idx
        rows = np.flatnonzero(~by_fixed & (np.diff(a[:, free_idx].tocsr().indptr) > 0))
    b = a[rows][:, keep_sites].tocsr().astype(float)
    const = float(w[by_fixed].sum()) if not capacitated else 0.0
    reachable = float(w[rows].sum())
    ub, uw, inverse = merge_identical_rows(b, w[rows])
    if capacitated:
        cols = np.arange(ub.shape[1])  # equal cover, different capacity: keep all
    else:
        cols = np.flatnonzero(~dominated_columns(ub))
    ub = ub[:, cols].tocsr()
    if not capacitated:  # fewer columns: more units now share a coverage set
        ub, uw, _ = merge_identical_rows(ub, uw)
    col_site = keep_sites[cols]
    stats = {"units": len(demand), "units_in_model": int(ub.shape[0]),
             "candidates": int(len(free_idx)), "candidates_in_model": int(
                 (~fixed[col_site]).sum()), "fixed_sites": int(fixed.sum()),
             "coverage_pairs": int(a.nnz)}
    t2 = time.perf_counter()
    integral = bool(np.all(np.equal(np.mod(w, 1), 0)))
    if capacitated:
        res, chosen_cols, served = _capacitated_mclp(ub, uw, sites, col_site, k, time_limit,
                                                    integral)
        objective = served
    else:
        res, chosen_cols = _mclp_or_setcover(model, ub, uw, k, time_limit, integral,
                                             cover_pct, total, const, reachable)
        objective = None
    t3 = time.perf_counter()
    if res.x is None:
        return None, res, stats, {"matrix": t1 - t0, "aggregate": t2 - t1, "solve": t3 - t2}
    new_sites = col_site[chosen_cols]
    new_sites = new_sites[~fixed[new_sites]]
    chosen = np.concatenate([np.flatnonzero(fixed), np.sort(new_sites)])
    after = np.asarray(a[:, chosen].sum(axis=1)).ravel() > 0 if len(chosen) else \
        np.zeros(len(demand), bool)
    if objective is None:
        objective = float(w[after].sum()) if model == "mclp" else float(len(new_sites))
    secs = {"matrix": t1 - t0, "aggregate": t2 - t1, "solve": t3 - t2}
    return (chosen, objective, by_fixed, after, served if capacitated else None), res, stats, secs


def _mclp_or_setcover(model, ub, uw, k, time_limit, integral, cover_pct, total, const,
                      reachable):
    n, m = ub.shape
    # columns: x_0..x_{m-1} (sites, binary), y_0..y_{n-1} (units, [0,1])
    link = sparse.hstack([-ub, sparse.identity(n, format="csr")], format="csr")  # y − Σx ≤ 0
    if model == "mclp":
        card = sparse.csr_matrix((np.ones(m), (np.zeros(m, int), np.arange(m))),
                                 shape=(1, m + n))
        rows = sparse.vstack([link, card], format="csr")
        rlo = np.concatenate([np.full(n, -np.inf), [0]])
        rhi = np.concatenate([np.zeros(n), [k]])
        cost = np.concatenate([np.zeros(m), uw])
        res = solve_mip(cost, np.zeros(m + n), np.ones(m + n),
                        np.r_[np.ones(m, bool), np.zeros(n, bool)], rows, rlo, rhi,
                        maximize=True, time_limit=time_limit, integral_objective=integral)
        if res.objective is not None:
            res.objective += const
            if res.bound is not None:
                res.bound += const
                res.gap = 0.0 if res.optimal else abs(res.bound - res.objective) / max(
                    res.objective, 1e-9)
    else:
        target = cover_pct / 100.0 * total - const
        if target > reachable + 1e-9:
            best = 100.0 * (const + reachable) / total
            raise InvalidInput(f"{cover_pct:g}% of demand cannot be covered: at most "
                               f"{best:.2f}% lies within the radius of a candidate or an "
                               "existing site; lower --cover or add candidates")
        if target <= 1e-9:
            return _empty_result(), np.zeros(0, np.int64)
        # Σ w·y ≥ target; with a full cover every y is 1 and the rows become Σx ≥ 1.
        full = cover_pct >= 100.0
        demand_row = sparse.csr_matrix(np.r_[np.zeros(m), uw][None, :])
        blocks, rlo, rhi = [link], [np.full(n, -np.inf)], [np.zeros(n)]
        if not full:
            blocks.append(demand_row)
            rlo.append([target - 1e-9])
            rhi.append([np.inf])
        if k is not None:
            blocks.append(sparse.csr_matrix((np.ones(m), (np.zeros(m, int), np.arange(m))),
                                            shape=(1, m + n)))
            rlo.append([0])
            rhi.append([k])
        rows = sparse.vstack(blocks, format="csr")
        ylo = np.ones(n) if full else np.zeros(n)
        res = solve_mip(np.r_[np.ones(m), np.zeros(n)], np.r_[np.zeros(m), ylo],
                        np.ones(m + n), np.r_[np.ones(m, bool), np.zeros(n, bool)], rows,
                        np.concatenate(rlo), np.concatenate(rhi), time_limit=time_limit,
                        integral_objective=True)
        if res.status == "infeasible":
            raise InvalidInput(f"{cover_pct:g}% of demand cannot be covered with at most "
                               f"K={k} new sites; raise --k or lower --cover")
    chosen = np.flatnonzero(res.x[:m] > 0.5) if res.x is not None else np.zeros(0, int)
    return res, chosen


def _empty_result() -> MipResult:
    return MipResult("optimal", np.zeros(0), 0.0, 0.0, 0.0, 0.0)


def _capacitated_mclp(ub, uw, sites, col_site, k, time_limit, integral):
    """Max demand served within capacity: z_ij share of merged unit i served by site j."""
    n, m = ub.shape
    coo = ub.tocoo()
    pi, pj = coo.row, coo.col
    p = len(pi)
    cap = sites.capacity[col_site]
    fixed = sites.fixed[col_site]
    # columns: x (m), z (p). Rows: Σ_j z_ij ≤ 1 (n); Σ_i w_i z_ij − cap_j x_j ≤ 0 (m,
    # unlimited capacity: z_ij − x_j ≤ 0 per pair instead); Σ_free x ≤ k.
    serve = sparse.csr_matrix((np.ones(p), (pi, m + np.arange(p))), shape=(n, m + p))
    finite = np.isfinite(cap)
    capm = sparse.csr_matrix((np.r_[uw[pi][finite[pj]], -cap[finite]],
                              (np.r_[pj[finite[pj]], np.flatnonzero(finite)],
                               np.r_[m + np.flatnonzero(finite[pj]), np.flatnonzero(finite)])),
                             shape=(m, m + p))
    pair = sparse.csr_matrix((np.r_[np.ones(p), -np.ones(p)],
                              (np.r_[np.arange(p), np.arange(p)], np.r_[m + np.arange(p), pj])),
                             shape=(p, m + p))
    card = sparse.csr_matrix((np.ones(int((~fixed).sum())),
                              (np.zeros(int((~fixed).sum()), int), np.flatnonzero(~fixed))),
                             shape=(1, m + p))
    rows = sparse.vstack([serve, capm, pair, card], format="csr")
    rlo = np.full(rows.shape[0], -np.inf)
    rhi = np.r_[np.ones(n), np.zeros(m), np.zeros(p), [k]]
    lower = np.r_[fixed.astype(float), np.zeros(p)]
    res = solve_mip(np.r_[np.zeros(m), uw[pi]], lower, np.ones(m + p),
                    np.r_[np.ones(m, bool), np.zeros(p, bool)], rows, rlo, rhi,
                    maximize=True, time_limit=time_limit, integral_objective=False)
    if res.x is None:
        return res, np.zeros(0, int), 0.0
    chosen = np.flatnonzero(res.x[:m] > 0.5)
    return res, chosen, float(res.objective)


# ------------------------------------------------------------------ p-median
def _pmedian(demand: Demand, sites: Sites, k, time_limit, capacitated: bool):
    t0 = time.perf_counter()
    # Units at the same place have the same distances: merge them (exact).
    xy, inverse = np.unique(demand.xy, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    w = np.bincount(inverse, weights=demand.weight, minlength=len(xy))
    fixed_idx = np.flatnonzero(sites.fixed)
    free_idx = np.flatnonzero(~sites.fixed)
    n = len(xy)
    if capacitated:
        if np.isfinite(sites.capacity).all() and sites.capacity.sum() < w.sum():
            raise InvalidInput(f"the sites' capacities add up to {sites.capacity.sum():g}, "
                               f"less than the demand {w.sum():g}: no assignment exists")
        col_site = np.r_[fixed_idx, free_idx]
        ubound = np.full(n, np.inf)
    else:
        col_site = free_idx
        ubound = cKDTree(sites.xy[fixed_idx]).query(xy)[0] if len(fixed_idx) else \
            np.full(n, np.inf)
    m = len(col_site)
    # Pairs worth modelling: a candidate nearer than the nearest fixed site.
    pairs_i, pairs_j, pairs_d = [], [], []
    total_pairs = 0
    chunk = max(1, 2_000_000 // max(m, 1))
    sxy = sites.xy[col_site]
    for s in range(0, n, chunk):
        d = np.hypot(xy[s:s + chunk, None, 0] - sxy[None, :, 0],
                     xy[s:s + chunk, None, 1] - sxy[None, :, 1])
        keep = d < ubound[s:s + chunk, None]
        ii, jj = np.nonzero(keep)
        total_pairs += len(ii)
        if total_pairs > PMEDIAN_MAX_PAIRS:
            raise InvalidInput(
                f"p-median with {len(demand)} demand units and {m} candidates needs more "
                f"than {PMEDIAN_MAX_PAIRS:,} assignment variables; use fewer candidates or "
                "a --demand-file with fewer units, or the mclp model")
        pairs_i.append(ii + s)
        pairs_j.append(jj)
        pairs_d.append(d[ii, jj])
    pi, pj, pd_ = (np.concatenate(v) for v in (pairs_i, pairs_j, pairs_d))
    p = len(pi)
    has_fixed = np.isfinite(ubound)
    fi = np.flatnonzero(has_fixed)  # "served by the nearest fixed site" columns
    f = len(fi)
    t1 = time.perf_counter()
    # columns: x (m), y pairs (p), s (f). Rows: assignment Σ y + s = 1 (n);
    # y_ij − x_j ≤ 0 (p); Σ x (free) = k; capacity Σ w y − cap x ≤ 0 (finite caps).
    assign = sparse.csr_matrix((np.ones(p + f), (np.r_[pi, fi], np.r_[m + np.arange(p),
                                                                      m + p + np.arange(f)])),
                               shape=(n, m + p + f))
    link = sparse.csr_matrix((np.r_[np.ones(p), -np.ones(p)],
                              (np.r_[np.arange(p), np.arange(p)], np.r_[m + np.arange(p), pj])),
                             shape=(p, m + p + f))
    is_free = ~sites.fixed[col_site]
    card = sparse.csr_matrix((np.ones(int(is_free.sum())),
                              (np.zeros(int(is_free.sum()), int), np.flatnonzero(is_free))),
                             shape=(1, m + p + f))
    blocks = [assign, link, card]
    rlo = [np.ones(n), np.full(p, -np.inf), [k]]
    rhi = [np.ones(n), np.zeros(p), [k]]
    cap = sites.capacity[col_site]
    finite = np.isfinite(cap)
    if capacitated and finite.any():
        sel = finite[pj]
        blocks.append(sparse.csr_matrix(
            (np.r_[w[pi[sel]], -cap[finite]],
             (np.r_[np.searchsorted(np.flatnonzero(finite), pj[sel]),
                    np.arange(int(finite.sum()))],
              np.r_[m + np.flatnonzero(sel), np.flatnonzero(finite)])),
            shape=(int(finite.sum()), m + p + f)))
        rlo.append(np.full(int(finite.sum()), -np.inf))
        rhi.append(np.zeros(int(finite.sum())))
    rows = sparse.vstack(blocks, format="csr")
    cost = np.r_[np.zeros(m), w[pi] * pd_, w[fi] * ubound[fi]]
    lower = np.r_[(~is_free).astype(float), np.zeros(p + f)]
    res = solve_mip(cost, lower, np.ones(m + p + f),
                    np.r_[np.ones(m, bool), np.zeros(p + f, bool)], rows,
                    np.concatenate(rlo), np.concatenate(rhi), time_limit=time_limit)
    t2 = time.perf_counter()
    stats = {"units": len(demand), "units_in_model": n, "candidates": int(len(free_idx)),
             "candidates_in_model": int(is_free.sum()), "fixed_sites": int(len(fixed_idx)),
             "assignment_pairs": int(p)}
    secs = {"matrix": t1 - t0, "solve": t2 - t1}
    if res.x is None:
        return None, res, stats, secs
    chosen_free = col_site[np.flatnonzero(res.x[:m] > 0.5)]
    chosen = np.concatenate([fixed_idx, np.sort(chosen_free[~sites.fixed[chosen_free]])])
    return chosen, res, stats, secs


# ------------------------------------------------------------------ entry point
def place(model: str, demand: Demand, sites: Sites, *, k: int | None, radius: float,
          time_limit: float | None = None, cover_pct: float = 100.0,
          capacitated: bool = False) -> Placement:
    """Choose new sites among the non-fixed ``sites`` for ``demand``.

    ``radius`` in metres (the covering radius; for p-median it only reports coverage).
    ``capacitated``: honour ``sites.capacity`` (``inf`` = unlimited). With a
    ``time_limit`` (seconds) the best solution found is returned with its proven gap.
    Raises :class:`InvalidInput` for bad input, naming what is wrong.
    """
    _validate(model, demand, sites, k, radius)
    if model == "setcover" and not (0 < cover_pct <= 100):
        raise InvalidInput(f"--cover must be a percentage in (0, 100]; got {cover_pct}")
    if capacitated and model == "setcover":
        raise InvalidInput("set cover does not take capacities; use mclp or pmedian with "
                           "capacities, or drop the capacity column")
    t0 = time.perf_counter()
    if model == "pmedian":
        chosen, res, stats, secs = _pmedian(demand, sites, k, time_limit, capacitated)
        if chosen is None:
            raise InvalidInput(f"no solution found ({res.status}); raise --time-limit")
        objective = float(res.objective)
    else:
        out, res, stats, secs = _covering(model, demand, sites, k, radius, time_limit,
                                          cover_pct, capacitated)
        if out is None:
            raise InvalidInput(f"no solution found ({res.status}); raise --time-limit")
        chosen, objective, _, _, _ = out
    w = demand.weight
    fixed_idx = np.flatnonzero(sites.fixed)
    d_before = _nearest(demand, sites, fixed_idx)
    d_after = _nearest(demand, sites, chosen)
    before = d_before <= radius
    after = d_after <= radius
    covered = float(w[after].sum())
    if model == "mclp" and capacitated:
        covered = objective  # served within capacity
    mean_d = float((w * d_after).sum() / w.sum()) if np.isfinite(d_after).all() else \
        float("inf")
    secs = {k_: round(v, 3) for k_, v in secs.items()}
    secs["total"] = round(time.perf_counter() - t0, 3)
    return Placement(model=model, k=k, radius=float(radius), chosen=chosen,
                     objective=float(objective), covered_before=float(w[before].sum()),
                     covered=covered, total=float(w.sum()), status=res.status, gap=res.gap,
                     bound=res.bound, mean_distance=mean_d, stats={**stats,
                                                                   "capacitated": capacitated},
                     seconds=secs, unit_covered_before=before, unit_covered_after=after,
                     cover_pct=cover_pct if model == "setcover" else None)
