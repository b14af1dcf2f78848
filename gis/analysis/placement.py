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
identical coverage sets are merged too. None of this changes the optimum. A large MCLP
is then bounded by its LP (column generation) and cut down by reduced-cost fixing
against a good solution before branch and bound (see "large MCLP").

The uncapacitated p-median uses the radius formulation with merged rows, generated
lazily and settled by its LP bound when that is met (see "p-median"); the capacitated
one the classic assignment formulation.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from gis.analysis.instance import Demand, Sites
from gis.analysis.solver import IncrementalLp, MipResult, solve_mip
from gis.errors import InvalidInput

MODELS = ("mclp", "setcover", "pmedian")
# A p-median model holds each (unit, candidate) distance it cannot rule out; beyond
# this it needs more memory and time than a planner will wait for.
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
                                             cover_pct, total, const, reachable, stats)
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
                      reachable, extra: dict):
    n, m = ub.shape
    if model == "mclp":
        if ub.nnz > MCLP_REDUCE_NNZ:
            res, figures = mclp_bound_and_reduce(ub, uw, k, time_limit, integral)
            extra.update(figures)
        else:
            res = mclp_mip(ub, uw, k, time_limit, integral)
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
        # columns: x_0..x_{m-1} (sites, binary), y_0..y_{n-1} (units, [0,1]); rows
        # y − Σx ≤ 0 and Σ w·y ≥ target; with a full cover every y is 1: Σx ≥ 1.
        link = sparse.hstack([-ub, sparse.identity(n, format="csr")], format="csr")
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


def mclp_mip(b: sparse.csr_matrix, w: np.ndarray, k: int, time_limit, integral: bool,
             start: np.ndarray | None = None, options: dict | None = None) -> MipResult:
    """The MCLP over units (rows of ``b``, weights ``w``) and candidates (columns): at
    most ``k`` open, covered weight largest. ``start``: a candidate mask to start from.
    ``x`` of the result holds the candidate columns only."""
    n, m = b.shape
    link = sparse.hstack([-b, sparse.identity(n, format="csr")], format="csr")  # y − Σx ≤ 0
    rows = sparse.vstack([link, sparse.csr_matrix(np.r_[np.ones(m), np.zeros(n)][None, :])],
                         format="csr")
    x0 = None
    if start is not None:
        x0 = np.r_[start.astype(float), (b @ start.astype(float) > 0.5).astype(float)]
    res = solve_mip(np.r_[np.zeros(m), w], np.zeros(m + n), np.ones(m + n),
                    np.r_[np.ones(m, bool), np.zeros(n, bool)], rows,
                    np.r_[np.full(n, -np.inf), [0]], np.r_[np.zeros(n), [k]], maximize=True,
                    time_limit=time_limit, integral_objective=integral, start=x0,
                    options=options)
    if res.x is not None:
        res.x = res.x[:m]
    return res


# ------------------------------------------------------------------ large MCLP
# A large maximal covering model (the whole county at a wide radius) is bounded and cut
# down before branch and bound:
# 1. its LP relaxation, by column generation over the candidates: only candidates that
#    price out enter the LP, which stays a fraction of the full size. Any prices
#    0 ≤ u_i ≤ w_i (units) and λ ≥ 0 (a site) bound every solution's coverage by
#        L = Kλ + Σ_i (w_i − u_i) + Σ_j max(0, c_j − λ),   c_j = Σ_{i covered by j} u_i
#    (weak duality), and at the LP optimum L is the LP bound;
# 2. a good solution: the MIP over the few candidates the LP uses;
# 3. reduced-cost fixing: a solution with j open covers at most L − max(0, λ − c_j); where
#    that is below the good solution (+1 with whole weights), j is in no better solution
#    and leaves the model, with the units only such candidates cover;
# 4. the MIP over what is left, started from the good solution. Its optimum, or the good
#    solution if nothing beats it, is the optimum of the whole model.
MCLP_REDUCE_NNZ = 250_000   # coverage entries above which a MCLP is reduced first
MCLP_CG_ROUNDS = 60         # column generation rounds at most
MCLP_START_COLUMNS = 200    # the LP starts from the greedy sites and this many more


@dataclass
class CoverageLp:
    """The MCLP LP relaxation's prices and solution (over all candidates)."""

    bound: float     # L: no solution covers more
    value: float     # the LP's value (a lower bound on the LP bound while not converged)
    u: np.ndarray    # unit prices, 0 ≤ u ≤ w
    lam: float       # site price
    priced: np.ndarray   # c_j = Σ u over the units candidate j covers
    x: np.ndarray    # LP solution per candidate (0 outside the LP)
    rounds: int
    columns: int     # candidates that entered the LP


def coverage_bound(bt: sparse.csr_matrix, w: np.ndarray, k: int, u: np.ndarray, lam: float):
    """(L, c): the coverage bound of prices ``u`` (clipped to [0, w]) and ``lam`` ≥ 0, and
    each candidate's priced coverage c = ``bt`` · u (``bt``: candidates × units)."""
    u = np.clip(u, 0.0, w)
    lam = max(float(lam), 0.0)
    c = bt @ u
    return float(k * lam + (w - u).sum() + np.maximum(c - lam, 0.0).sum()), c


def mclp_lp(b: sparse.csr_matrix, w: np.ndarray, k: int, start: np.ndarray,
            time_limit: float | None = None, integral: bool = True) -> CoverageLp:
    """The LP relaxation of the MCLP by column generation, from the ``start`` columns.

    Rows (units) join with the first candidate covering them; a unit not in the LP is
    priced at its weight (no open candidate covers it). Stops when the dual bound meets
    the LP value, no candidate prices out, or time runs out (the bound is valid anyway).
    """
    t0 = time.perf_counter()
    n, m = b.shape
    bc, bt = b.tocsc(), b.T.tocsr()
    lp = IncrementalLp(options={"presolve": "off"})
    lp.add_rows(sparse.csr_matrix((1, 0)), -np.inf, k)     # row 0: Σ x ≤ k
    xcol = np.full(m, -1, np.int64)
    urow = np.full(n, -1, np.int64)
    cols = np.unique(start)
    u, lam, value, x_lp = w.copy(), 0.0, 0.0, np.zeros(m)
    bound, c = coverage_bound(bt, w, k, u, lam)
    tol = 0.5 if integral else 1e-9 * max(1.0, abs(bound))
    rounds = 0
    while rounds < MCLP_CG_ROUNDS:
        rounds += 1
        _add_coverage_columns(lp, bc, b, w, cols, xcol, urow)
        left = None if not time_limit else time_limit - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            break
        res = lp.solve(left)
        if not res.optimal:
            break
        duals = -lp.row_duals()  # minimising −coverage: ≤ rows have duals ≤ 0
        u = w.copy()
        inside = urow >= 0
        u[inside] = duals[urow[inside]]
        lam = duals[0]
        value = -res.objective
        x_lp = np.where(xcol >= 0, res.x[np.maximum(xcol, 0)], 0.0)
        bound, c = coverage_bound(bt, w, k, u, lam)
        u, lam = np.clip(u, 0.0, w), max(float(lam), 0.0)
        gain = c - lam
        new = np.flatnonzero((gain > 1e-9 * max(1.0, lam)) & (xcol < 0))
        if bound - value <= tol or len(new) == 0:
            break
        # the most promising columns first, at most as many as the LP holds already
        cols = new[np.argsort(-gain[new], kind="stable")[:max(100, int((xcol >= 0).sum()))]]
    return CoverageLp(bound, value, u, lam, c, x_lp, rounds, int((xcol >= 0).sum()))


def _add_coverage_columns(lp: IncrementalLp, bc, b, w, cols, xcol, urow) -> None:
    """Candidates ``cols`` into the LP: a y column and a row y_i − Σ x_j ≤ 0 for each unit
    they cover first, and x columns with entries in the units' rows and in row 0."""
    cols = cols[xcol[cols] < 0]
    if len(cols) == 0:
        return
    sub = bc[:, cols]
    new_units = np.flatnonzero((np.diff(sub.tocsr().indptr) > 0) & (urow < 0))
    ycol0 = lp.ncol
    lp.add_columns(-w[new_units], 0.0, 1.0)
    # x columns: −1 in the rows of units already in the LP, +1 in row 0
    old = sub[np.flatnonzero(urow >= 0)].tocoo() if (urow >= 0).any() else None
    r, cc = (urow[np.flatnonzero(urow >= 0)][old.row], old.col) if old is not None else \
        (np.zeros(0, np.int64), np.zeros(0, np.int64))
    entries = sparse.csc_matrix((np.r_[-np.ones(len(r)), np.ones(len(cols))],
                                 (np.r_[r, np.zeros(len(cols), np.int64)],
                                  np.r_[cc, np.arange(len(cols))])),
                                shape=(lp.nrow, len(cols)))
    xcol[cols] = lp.ncol + np.arange(len(cols))
    lp.add_columns(np.zeros(len(cols)), 0.0, 1.0, entries)
    # rows of the new units: +1 on their y, −1 on every x in the LP that covers them
    urow[new_units] = lp.nrow + np.arange(len(new_units))
    inlp = np.flatnonzero(xcol >= 0)
    cover = b[new_units][:, inlp].tocoo()
    rows = sparse.csr_matrix((np.r_[np.ones(len(new_units)), -np.ones(cover.nnz)],
                              (np.r_[np.arange(len(new_units)), cover.row],
                               np.r_[ycol0 + np.arange(len(new_units)), xcol[inlp][cover.col]])),
                             shape=(len(new_units), lp.ncol))
    lp.add_rows(rows, -np.inf, 0.0)


def mclp_greedy(b: sparse.csr_matrix, w: np.ndarray, k: int) -> np.ndarray:
    """``k`` candidates chosen one by one, each covering the most weight not yet
    covered (a start for the LP, not a proof)."""
    bt = b.T.tocsr()
    bc = b.tocsc()
    covered = np.zeros(b.shape[0], bool)
    is_open = np.zeros(b.shape[1], bool)
    for _ in range(min(k, b.shape[1])):
        gain = bt @ np.where(covered, 0.0, w)
        gain[is_open] = -1.0
        j = int(np.argmax(gain))
        is_open[j] = True
        covered[bc.indices[bc.indptr[j]:bc.indptr[j + 1]]] = True
    return is_open


def _sub_mclp(b, w, cols, k, time_limit, integral, start=None, options=None):
    """The MCLP restricted to candidate columns ``cols``: units they do not cover drop
    out, units they cover alike merge. Returns (result, chosen columns of ``b``)."""
    sub = b[:, cols].tocsr()
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    ub, uw, _ = merge_identical_rows(sub[rows], w[rows])
    res = mclp_mip(ub, uw, k, time_limit, integral,
                   start=None if start is None else start[cols], options=options)
    chosen = cols[res.x > 0.5] if res.x is not None else None
    return res, chosen


def mclp_bound_and_reduce(b: sparse.csr_matrix, w: np.ndarray, k: int,
                          time_limit: float | None, integral: bool):
    """The MCLP over ``b`` (units × candidates, at most ``k`` open) solved to proven
    optimality by LP bound, a good solution, reduced-cost fixing and branch and bound
    on what is left (see above). Returns (MipResult whose ``x`` is the chosen-candidate
    mask, figures for the stats: LP bound, rounds, candidates kept, seconds)."""
    t0 = time.perf_counter()
    n, m = b.shape

    def left():
        return None if not time_limit else max(time_limit - (time.perf_counter() - t0), 1e-3)

    def covered(mask):
        return float(w[np.asarray(b @ mask.astype(float)).ravel() > 0.5].sum())

    greedy = mclp_greedy(b, w, k)
    standalone = b.T @ w
    start = np.r_[np.flatnonzero(greedy),
                  np.argsort(-standalone)[:max(4 * k, MCLP_START_COLUMNS)]]
    lp = mclp_lp(b, w, k, start, left(), integral)
    t_lp = time.perf_counter()
    # A good solution: the MIP over the candidates the LP uses (few, near-integral).
    support = np.union1d(np.flatnonzero(lp.x > 1e-6), np.flatnonzero(greedy))
    res, chosen = _sub_mclp(b, w, support, k, left(), integral, start=greedy,
                            options={"presolve": "off"})
    best = greedy.copy()
    if chosen is not None and covered(_mask(m, chosen)) > covered(best):
        best = _mask(m, chosen)
    best_value = covered(best)
    need = _better_than(best_value, lp.bound, integral)
    keep = reduced_cost_keep(lp, best_value, integral) | best
    stats = {"lp_bound": lp.bound, "lp_rounds": lp.rounds, "lp_columns": lp.columns,
             "start_value": best_value, "kept": int(keep.sum()),
             "lp_seconds": round(t_lp - t0, 3),
             "start_seconds": round(time.perf_counter() - t_lp, 3)}
    stats["branched"] = bool(lp.bound >= need)
    if not stats["branched"]:  # the bound itself proves the good solution optimal
        return _reduced_result("optimal", best, best_value, best_value, t0, stats)
    cols = np.flatnonzero(keep)
    res, chosen = _sub_mclp(b, w, cols, k, left(), integral, start=best,
                            options={"presolve": "off"})
    if chosen is not None and covered(_mask(m, chosen)) > best_value:
        best = _mask(m, chosen)
        best_value = covered(best)
    if res.optimal:
        return _reduced_result("optimal", best, best_value, best_value, t0, stats)
    # Out of time: nothing better than the reduced model's bound (or the solution).
    bound = lp.bound if res.bound is None else min(lp.bound, max(res.bound, best_value))
    return _reduced_result(res.status, best, best_value, bound, t0, stats)


def _better_than(value: float, bound: float, integral: bool) -> float:
    """The least coverage a solution better than ``value`` has: with whole weights one
    more (less a float margin), else more by the optimality tolerance (a 1e-9 share)."""
    margin = 1e-9 * max(1.0, abs(bound))
    return value + (1.0 - min(margin, 0.5) if integral else margin)


def reduced_cost_keep(lp: CoverageLp, value: float, integral: bool) -> np.ndarray:
    """Candidates that may be open in a solution covering more than ``value``: those
    whose bound when forced open, L − max(0, λ − c_j), reaches that."""
    return lp.bound - np.maximum(lp.lam - lp.priced, 0.0) >= \
        _better_than(value, lp.bound, integral)


def _mask(m, idx):
    out = np.zeros(m, bool)
    out[idx] = True
    return out


def _reduced_result(status, best, value, bound, t0, stats):
    gap = 0.0 if status == "optimal" else abs(bound - value) / max(abs(value), 1e-9)
    stats["lp_bound"] = round(stats["lp_bound"], 3)
    return MipResult(status, best.astype(float), value, bound, gap,
                     time.perf_counter() - t0), stats


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
# The uncapacitated p-median is solved with the radius formulation of García, Labbé &
# Marín (2011, "Solving large p-median problems with a radius formulation", INFORMS J.
# Computing 23(4)). Unit i, with distinct candidate distances D_i1 < D_i2 < … below its
# cap, costs
#     D_i1 + Σ_k (D_i,k+1 − D_ik) · z_ik,   z_ik + Σ_{j: d_ij ≤ D_ik} x_j ≥ 1,
# i.e. z_ik = 1 when no open site lies within D_ik. Each z_ik sits in a row of its own,
# so rows of different units with the same candidate set {j: d_ij ≤ D_ik} merge into one
# (costs summed): nearby units share most of them, and the model shrinks from one
# variable per (unit, candidate) pair to one per distinct set, with the same LP bound.
# Rows are also generated lazily: a unit starts with its levels up to its distance in a
# good heuristic solution; a model without a unit's far levels underestimates only that
# unit's cost beyond them, so its optimum is a lower bound, and once the solver's choice
# serves every unit within its levels, that choice is optimal for the full model.
PMEDIAN_START_MARGIN = 2   # levels beyond its heuristic distance a unit starts with
PMEDIAN_MAX_ROUNDS = 30    # row-generation rounds before all levels go in at once


@dataclass
class CandidateLists:
    """Per demand unit, the candidates nearer than its ``cap``, nearest first (CSR:
    ``indptr`` over units; ``site``/``dist`` per pair, ties ordered by site).

    ``cap`` is a distance the unit never exceeds in any solution: its nearest fixed
    site, or, with K of m candidates open, its (m−K+1)-th nearest candidate (one of
    those is always open). A unit's cost for open candidates S is therefore exactly
    ``min(cap, distance to its nearest site in S)``.
    """

    weight: np.ndarray
    cap: np.ndarray
    indptr: np.ndarray
    site: np.ndarray
    dist: np.ndarray
    m: int

    @functools.cached_property
    def unit(self) -> np.ndarray:
        """The unit of each pair."""
        return np.repeat(np.arange(len(self.weight)), np.diff(self.indptr))

    def nearest(self, is_open: np.ndarray, rank: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Per unit, the pair of its ``rank``-th nearest open candidate (0 = nearest;
        −1 if there is none in its list) and that distance (``cap`` if none)."""
        pos = np.flatnonzero(is_open[self.site])
        unit = self.unit[pos]  # ascending: a unit's open pairs are consecutive, nearest first
        units = np.arange(len(self.weight))
        start = np.searchsorted(unit, units)
        has = np.searchsorted(unit, units, side="right") - start > rank
        pair = np.full(len(self.weight), -1, np.int64)
        pair[has] = pos[start[has] + rank]
        d = self.cap.copy()
        d[has] = self.dist[pair[has]]
        return pair, d

    def cost(self, is_open: np.ndarray) -> float:
        """Demand-weighted distance when the ``is_open`` candidates are open."""
        return float(self.weight @ self.nearest(is_open)[1])


def candidate_lists(xy: np.ndarray, w: np.ndarray, sxy: np.ndarray, ubound: np.ndarray,
                    k: int, max_pairs: int = PMEDIAN_MAX_PAIRS) -> CandidateLists:
    """Each unit's candidates (``sxy``) nearer than its cap, nearest first. ``ubound``:
    the unit's distance to its nearest fixed site (``inf`` if none); ``k`` candidates
    open. Raises :class:`InvalidInput` beyond ``max_pairs`` pairs."""
    n, m = len(xy), len(sxy)
    caps, pi, pj, pd_ = [], [], [], []
    total = 0
    chunk = max(1, 2_000_000 // max(m, 1))
    for s in range(0, n, chunk):
        d = np.hypot(xy[s:s + chunk, None, 0] - sxy[None, :, 0],
                     xy[s:s + chunk, None, 1] - sxy[None, :, 1])
        # With k of m open, one of any unit's m−k+1 nearest candidates is open.
        cap = np.minimum(ubound[s:s + chunk], np.partition(d, m - k, axis=1)[:, m - k])
        ii, jj = np.nonzero(d < cap[:, None])
        total += len(ii)
        if total > max_pairs:
            raise InvalidInput(
                f"p-median with {n} demand locations and {m} candidates needs more than "
                f"{max_pairs:,} unit–candidate distances in its model; use fewer "
                "candidates or a --demand-file with fewer units, or the mclp model")
        caps.append(cap)
        pi.append(ii + s)
        pj.append(jj)
        pd_.append(d[ii, jj])
    pi, pj, pd_ = (np.concatenate(v) for v in (pi, pj, pd_))
    order = np.lexsort((pj, pd_, pi))  # by unit, then distance, then site
    indptr = np.r_[0, np.cumsum(np.bincount(pi, minlength=n))]
    return CandidateLists(np.asarray(w, float), np.concatenate(caps), indptr, pj[order],
                          pd_[order], m)


def pmedian_heuristic(lists: CandidateLists, k: int, max_passes: int = 30) -> np.ndarray:
    """``k`` good candidates (a boolean mask): greedy, then for each open site the best
    swap while any improves (Teitz–Bart interchange). A start, not a proof."""
    unit, m = lists.unit, lists.m
    wp = lists.weight[unit]

    def gains(base):  # per candidate: weighted distance saved if it opens
        return np.bincount(lists.site, weights=wp * np.maximum(base[unit] - lists.dist, 0),
                           minlength=m)

    is_open = np.zeros(m, bool)
    if len(lists.site) == 0:  # every unit is at its cap whatever opens
        is_open[:k] = True
        return is_open
    current = lists.cap.copy()
    for _ in range(k):
        g = gains(current)
        g[is_open] = -1.0
        is_open[int(np.argmax(g))] = True
        current = lists.nearest(is_open)[1]
    best = float(lists.weight @ current)
    for _ in range(max_passes):
        improved, stale = False, True
        for f in np.flatnonzero(is_open):
            if stale:
                first, d1 = lists.nearest(is_open)
                d2 = lists.nearest(is_open, rank=1)[1]
                stale = False
            # Without f, the units it serves fall back to their second-nearest.
            base = np.where((first >= 0) & (lists.site[np.maximum(first, 0)] == f), d2, d1)
            g = gains(base)
            g[is_open] = -np.inf
            j = int(np.argmax(g))
            cost = float(lists.weight @ base) - g[j]
            if cost < best - 1e-12 * abs(best):
                is_open[f], is_open[j] = False, True
                best, improved, stale = cost, True, True
        if not improved:
            break
    return is_open


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``arange(start, start + length)`` for each pair, concatenated."""
    lengths = np.asarray(lengths, np.int64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    return np.repeat(np.asarray(starts, np.int64) - offsets, lengths) + \
        np.arange(int(lengths.sum()))


@dataclass
class RadiusLevels:
    """The levels (distinct distances) of every unit's candidate list, unit by unit.

    Level ``number`` (1-based) of ``unit`` holds the unit's pairs before ``end``; a
    unit with no open site at that level pays ``step`` = D_k+1 − D_k (D_k+1: the next
    level or the cap) per unit of weight beyond ``const`` = Σ w_i D_i1.
    """

    unit: np.ndarray
    number: np.ndarray
    end: np.ndarray
    step: np.ndarray
    count: np.ndarray       # levels per unit
    pair_level: np.ndarray  # level (index into these arrays) of each pair
    const: float

    @classmethod
    def of(cls, lists: CandidateLists) -> RadiusLevels:
        n, pairs = len(lists.weight), len(lists.site)
        unit = lists.unit
        new = np.ones(pairs, bool)
        new[1:] = (unit[1:] != unit[:-1]) | (lists.dist[1:] != lists.dist[:-1])
        first = np.flatnonzero(new)
        lunit = unit[first]
        unit_end = lists.indptr[lunit + 1]
        end = np.minimum(np.r_[first[1:], pairs], unit_end)
        nxt = np.where(end < unit_end, lists.dist[np.minimum(end, max(pairs - 1, 0))],
                       lists.cap[lunit])
        count = np.bincount(lunit, minlength=n)
        number = np.arange(len(first)) - np.r_[0, np.cumsum(count)[:-1]][lunit] + 1
        d1 = lists.cap.copy()
        d1[count > 0] = lists.dist[lists.indptr[:-1][count > 0]]
        return cls(lunit, number, end, nxt - lists.dist[first], count,
                   np.cumsum(new) - 1, float(lists.weight @ d1))

    def needed(self, lists: CandidateLists, x: np.ndarray) -> np.ndarray:
        """Per unit, its levels within which the (fractional) open mass ``x`` is below
        1: a model without all of them prices the unit short of its LP cost at x."""
        acc = np.cumsum(x[lists.site])
        before = np.r_[0.0, acc][lists.indptr[:-1]]
        within = acc[self.end - 1] - before[self.unit]
        return np.bincount(self.unit, weights=within < 1 - 1e-7,
                           minlength=len(self.count)).astype(np.int64)

    def below(self, lists: CandidateLists, is_open: np.ndarray) -> np.ndarray:
        """Per unit, its levels strictly nearer than its nearest open site (all of
        them if it is served at its cap): the levels a model needs to price it."""
        pair = lists.nearest(is_open)[0]
        out = self.count.copy()
        has = pair >= 0
        out[has] = self.number[self.pair_level[pair[has]]] - 1
        return out


def _set_hash(lists: CandidateLists) -> np.ndarray:
    """Per pair, a 64-bit hash of the set of its unit's pairs up to it (wrapping sums
    of random keys: equal sets give equal hashes; merges are verified anyway)."""
    keys = np.random.default_rng(20110401).integers(0, 2 ** 63, lists.m, dtype=np.uint64)
    acc = np.cumsum(keys[lists.site], dtype=np.uint64)
    before = np.r_[np.zeros(1, np.uint64), acc][lists.indptr[:-1]]
    return acc - before[lists.unit]


class RadiusRows:
    """The merged rows z_N + Σ_{j∈N} x_j ≥ 1 of the levels taken in so far.

    Levels join with :meth:`grow`; a level whose candidate set N is already a row adds
    its cost to that row, otherwise it starts a new row (row numbers never change).
    Sets are matched by (size, hash) and then checked element by element against the
    row's first level, so a hash collision can only cost a merge, never exactness.
    """

    def __init__(self, lists: CandidateLists, levels: RadiusLevels):
        self.lists, self.levels = lists, levels
        self._hash = _set_hash(lists)
        self.row_of_level = np.full(len(levels.unit), -1, np.int64)
        self.rep = np.zeros(0, np.int64)   # first level of each row: its set
        self.cost = np.zeros(0)

    def _start_size_key(self, lv):
        start = self.lists.indptr[self.levels.unit[lv]]
        end = self.levels.end[lv]
        return start, end - start, self._hash[end - 1]

    def sets(self, rows: np.ndarray) -> sparse.csr_matrix:
        """The candidate sets of ``rows`` as a CSR matrix (len(rows) × m)."""
        start, size, _ = self._start_size_key(self.rep[rows])
        indptr = np.r_[0, np.cumsum(size)]
        return sparse.csr_matrix((np.ones(int(indptr[-1])),
                                  self.lists.site[_ranges(start, size)], indptr),
                                 shape=(len(rows), self.lists.m))

    def grow(self, upto: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Take in every unit's levels up to ``upto``; returns (new rows, older rows
        whose cost changed)."""
        lv = np.flatnonzero((self.levels.number <= upto[self.levels.unit]) &
                            (self.row_of_level < 0))
        old_rows = len(self.rep)
        if len(lv) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        _, size, key = self._start_size_key(np.r_[self.rep, lv])
        is_new = np.r_[np.zeros(old_rows, bool), np.ones(len(lv), bool)]
        order = np.lexsort((is_new, key, size))  # an existing row leads its group
        brk = np.ones(len(order), bool)
        brk[1:] = (size[order][1:] != size[order][:-1]) | (key[order][1:] != key[order][:-1])
        lead = order[np.flatnonzero(brk)][np.cumsum(brk) - 1]  # per sorted position
        lead_of = np.empty(len(order), np.int64)
        lead_of[order] = lead
        row = np.empty(len(lv), np.int64)
        leads_new = lead_of[old_rows:] >= old_rows
        row[~leads_new] = lead_of[old_rows:][~leads_new]
        # Groups led by a new level become new rows, numbered in order.
        new_leads = np.unique(lead_of[old_rows:][leads_new])
        row[leads_new] = old_rows + np.searchsorted(new_leads, lead_of[old_rows:][leads_new])
        rep = np.r_[self.rep, lv[new_leads - old_rows]]
        bad = self._mismatched(lv, row, rep)
        if len(bad):  # a hash collision: those levels become rows of their own
            row[bad] = len(rep) + np.arange(len(bad))
            rep = np.r_[rep, lv[bad]]
        self.rep = rep
        self.row_of_level[lv] = row
        add = np.bincount(row, weights=self.lists.weight[self.levels.unit[lv]] *
                          self.levels.step[lv], minlength=len(rep))
        self.cost = np.r_[self.cost, np.zeros(len(rep) - old_rows)] + add
        changed = np.unique(row[row < old_rows])
        return np.arange(old_rows, len(rep)), changed

    def _mismatched(self, lv, row, rep) -> np.ndarray:
        """Positions in ``lv`` whose set differs from their row's (same size, so a
        subset check suffices)."""
        member = np.flatnonzero(rep[row] != lv)
        if len(member) == 0:
            return member
        m = self.lists.m
        rows = np.unique(row[member])
        r_start, r_size, _ = self._start_size_key(rep[rows])
        have = np.sort(np.repeat(rows, r_size) * m + self.lists.site[_ranges(r_start, r_size)])
        start, size, _ = self._start_size_key(lv[member])
        mine = np.repeat(row[member], size) * m + self.lists.site[_ranges(start, size)]
        at = np.minimum(np.searchsorted(have, mine), len(have) - 1)
        return np.unique(np.repeat(member, size)[have[at] != mine])


def _radius_mip(rows: RadiusRows, k, start_open, time_limit):
    """The MIP over all rows taken in: x (m candidates, binary), z (one per row)."""
    q, m = len(rows.rep), rows.lists.m
    sets = rows.sets(np.arange(q))
    a = sparse.vstack([sparse.hstack([sets, sparse.identity(q, format="csr")]),
                       sparse.hstack([np.ones((1, m)), sparse.csr_matrix((1, q))])],
                      format="csr")
    x0 = start_open.astype(float)
    z0 = (sets @ x0 < 0.5).astype(float)
    # Small models: HiGHS presolve costs more than it saves here.
    return solve_mip(np.r_[np.zeros(m), rows.cost], np.zeros(m + q), np.ones(m + q),
                     np.r_[np.ones(m, bool), np.zeros(q, bool)], a,
                     np.r_[np.ones(q), [k]], np.r_[np.full(q, np.inf), [k]],
                     offset=rows.levels.const, start=np.r_[x0, z0],
                     time_limit=time_limit, options={"presolve": "off"})


def _lp_rows(rows: RadiusRows, new: np.ndarray) -> sparse.csr_matrix:
    """Rows ``new`` for the LP: their sets over x, and 1 on their own z column."""
    m = rows.lists.m
    sets = rows.sets(new)
    z = sparse.csr_matrix((np.ones(len(new)), m + new, np.arange(len(new) + 1)),
                          shape=(len(new), m + len(rows.rep)))
    return sparse.hstack([sets, sparse.csr_matrix((len(new), len(rows.rep)))]).tocsr() + z


def pmedian_radius(lists: CandidateLists, k: int, time_limit: float | None = None):
    """Exactly ``k`` open candidates with the least demand-weighted distance, proven
    optimal with the (merged, lazily generated) radius formulation.

    First the LP relaxation gets rows until no unit is priced short of its LP cost at
    the LP's solution; its value is then the full formulation's LP bound. The rounded
    solution, if it costs no more than that bound, is optimal (p-median LPs are often
    integral). Otherwise MIP rounds follow, adding rows until the optimum serves every
    unit within its rows. Returns (MipResult with ``x`` = the open mask, a dict of
    figures: ``rounds``, ``radius_rows`` in the last model, ``branched``: whether the
    LP bound did not settle it and branch and bound ran).
    """
    t0 = time.perf_counter()
    m = lists.m
    levels = RadiusLevels.of(lists)
    rows = RadiusRows(lists, levels)
    best = pmedian_heuristic(lists, k)
    best_cost = lists.cost(best)
    upto = np.minimum(levels.count, levels.below(lists, best) + PMEDIAN_START_MARGIN)
    lp = IncrementalLp(offset=levels.const)
    lp.add_columns(np.zeros(m), 0.0, 1.0)
    lp.add_rows(sparse.csr_matrix(np.ones((1, m))), k, k)
    res, rounds, relax, lower = None, 0, True, None

    def info():
        return {"rounds": rounds, "radius_rows": len(rows.rep), "branched": not relax}

    while True:
        rounds += 1
        if rounds >= PMEDIAN_MAX_ROUNDS:
            upto = levels.count  # every level: the model is the full formulation
        new, changed = rows.grow(upto)
        left = None if not time_limit else time_limit - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            break
        if relax:
            lp.add_columns(rows.cost[new], 0.0, np.inf)
            lp.add_rows(_lp_rows(rows, new), 1.0, np.inf)
            lp.set_costs(m + changed, rows.cost[changed])
            res = lp.solve(left)
        else:
            res = _radius_mip(rows, k, best, left)
        if res.bound is not None:  # every model so far is a relaxation of the full one
            lower = res.bound if lower is None else max(lower, res.bound)
        if res.x is None or not res.optimal:
            break
        x = res.x[:m]
        is_open = np.zeros(m, bool)
        is_open[np.argsort(-x, kind="stable")[:k]] = True  # the LP's x rounded
        value = lists.cost(is_open)
        if value < best_cost:
            best, best_cost = is_open, value
        need = levels.needed(lists, x) if relax else levels.below(lists, is_open)
        short = need > upto
        if short.any():
            upto = np.where(short, np.minimum(levels.count, need + PMEDIAN_START_MARGIN),
                            upto)
            continue
        # No unit is priced short: this optimum is the full formulation's (for the LP:
        # its relaxation's, a lower bound), and a solution that attains it is optimal.
        if value <= res.objective + 1e-9 * abs(res.objective) or not relax:
            return MipResult("optimal", is_open.astype(float), value, value, 0.0,
                             time.perf_counter() - t0), info()
        relax = False  # a fractional LP: branch and bound on the rows so far
    # Out of time: the best solution, with the best bound proven on the way.
    gap = abs(best_cost - lower) / max(abs(best_cost), 1e-9) if lower is not None else None
    status = res.status if res is not None and not res.optimal else "time_limit"
    return MipResult(status, best.astype(float), best_cost, lower, gap,
                     time.perf_counter() - t0), info()


def _pmedian(demand: Demand, sites: Sites, k, time_limit, capacitated: bool):
    t0 = time.perf_counter()
    # Units at the same place have the same distances: merge them (exact); units of
    # weight 0 change no cost.
    xy, inverse = np.unique(demand.xy, axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=demand.weight, minlength=len(xy))
    xy, w = xy[w > 0], w[w > 0]
    fixed_idx = np.flatnonzero(sites.fixed)
    free_idx = np.flatnonzero(~sites.fixed)
    stats = {"units": len(demand), "units_in_model": len(xy),
             "candidates": int(len(free_idx)), "fixed_sites": int(len(fixed_idx))}
    if capacitated:
        res, col_site, extra, t1 = _pmedian_assignment(xy, w, sites, k, time_limit)
        secs = {"matrix": t1 - t0, "solve": time.perf_counter() - t1}
    else:
        ubound = cKDTree(sites.xy[fixed_idx]).query(xy)[0] if len(fixed_idx) else \
            np.full(len(xy), np.inf)
        lists = candidate_lists(xy, w, sites.xy[free_idx], ubound, k)
        t1 = time.perf_counter()
        res, info = pmedian_radius(lists, k, time_limit)
        col_site = free_idx
        extra = {"candidates_in_model": int(len(free_idx)),
                 "candidate_pairs": int(len(lists.site)), **info}
        secs = {"matrix": t1 - t0, "solve": time.perf_counter() - t1}
    stats.update(extra)
    if res.x is None:
        return None, res, stats, secs
    chosen_free = col_site[np.flatnonzero(res.x[:len(col_site)] > 0.5)]
    chosen = np.concatenate([fixed_idx, np.sort(chosen_free[~sites.fixed[chosen_free]])])
    return chosen, res, stats, secs


def _pmedian_assignment(xy, w, sites: Sites, k, time_limit):
    """Capacitated p-median, assignment formulation: y_ij share of unit i served by j."""
    fixed_idx = np.flatnonzero(sites.fixed)
    free_idx = np.flatnonzero(~sites.fixed)
    n = len(xy)
    if np.isfinite(sites.capacity).all() and sites.capacity.sum() < w.sum():
        raise InvalidInput(f"the sites' capacities add up to {sites.capacity.sum():g}, "
                           f"less than the demand {w.sum():g}: no assignment exists")
    col_site = np.r_[fixed_idx, free_idx]
    m = len(col_site)
    pairs_i, pairs_j, pairs_d = [], [], []
    total_pairs = 0
    chunk = max(1, 2_000_000 // max(m, 1))
    sxy = sites.xy[col_site]
    for s in range(0, n, chunk):
        d = np.hypot(xy[s:s + chunk, None, 0] - sxy[None, :, 0],
                     xy[s:s + chunk, None, 1] - sxy[None, :, 1])
        ii, jj = np.nonzero(np.isfinite(d))
        total_pairs += len(ii)
        if total_pairs > PMEDIAN_MAX_PAIRS:
            raise InvalidInput(
                f"p-median with {n} demand locations and {m} sites needs more than "
                f"{PMEDIAN_MAX_PAIRS:,} assignment variables; use fewer candidates or "
                "a --demand-file with fewer units, or the mclp model")
        pairs_i.append(ii + s)
        pairs_j.append(jj)
        pairs_d.append(d[ii, jj])
    pi, pj, pd_ = (np.concatenate(v) for v in (pairs_i, pairs_j, pairs_d))
    p = len(pi)
    t1 = time.perf_counter()
    # columns: x (m), y pairs (p). Rows: assignment Σ_j y_ij = 1 (n); y_ij − x_j ≤ 0
    # (p); Σ x (free) = k; capacity Σ_i w_i y_ij − cap_j x_j ≤ 0 (finite capacities).
    assign = sparse.csr_matrix((np.ones(p), (pi, m + np.arange(p))), shape=(n, m + p))
    link = sparse.csr_matrix((np.r_[np.ones(p), -np.ones(p)],
                              (np.r_[np.arange(p), np.arange(p)], np.r_[m + np.arange(p), pj])),
                             shape=(p, m + p))
    is_free = ~sites.fixed[col_site]
    card = sparse.csr_matrix((np.ones(int(is_free.sum())),
                              (np.zeros(int(is_free.sum()), int), np.flatnonzero(is_free))),
                             shape=(1, m + p))
    blocks = [assign, link, card]
    rlo = [np.ones(n), np.full(p, -np.inf), [k]]
    rhi = [np.ones(n), np.zeros(p), [k]]
    cap = sites.capacity[col_site]
    finite = np.isfinite(cap)
    if finite.any():
        sel = finite[pj]
        blocks.append(sparse.csr_matrix(
            (np.r_[w[pi[sel]], -cap[finite]],
             (np.r_[np.searchsorted(np.flatnonzero(finite), pj[sel]),
                    np.arange(int(finite.sum()))],
              np.r_[m + np.flatnonzero(sel), np.flatnonzero(finite)])),
            shape=(int(finite.sum()), m + p)))
        rlo.append(np.full(int(finite.sum()), -np.inf))
        rhi.append(np.zeros(int(finite.sum())))
    rows = sparse.vstack(blocks, format="csr")
    cost = np.r_[np.zeros(m), w[pi] * pd_]
    lower = np.r_[(~is_free).astype(float), np.zeros(p)]
    res = solve_mip(cost, lower, np.ones(m + p), np.r_[np.ones(m, bool), np.zeros(p, bool)],
                    rows, np.concatenate(rlo), np.concatenate(rhi), time_limit=time_limit)
    extra = {"candidates_in_model": int(is_free.sum()), "assignment_pairs": int(p)}
    return res, col_site, extra, t1


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
