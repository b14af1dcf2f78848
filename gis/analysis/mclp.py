"""The maximal covering location problem (MCLP) over aggregated coverage sets.

Units are the rows of a coverage matrix ``b`` (weights ``w``), candidates its columns;
at most ``k`` candidates open and the covered weight is largest. A small model goes to
the MIP directly (:func:`mclp_mip`). A large one (the whole county at a wide radius) is
bounded and cut down before branch and bound (:func:`mclp_bound_and_reduce`):

1. its LP relaxation, by column generation over the candidates: only candidates that
   price out enter the LP, which stays a fraction of the full size. Any prices
   0 ≤ u_i ≤ w_i (units) and λ ≥ 0 (a site) bound every solution's coverage by
       L = Kλ + Σ_i (w_i − u_i) + Σ_j max(0, c_j − λ),   c_j = Σ_{i covered by j} u_i
   (weak duality), and at the LP optimum L is the LP bound;
2. a good solution: the MIP over the few candidates the LP uses;
3. reduced-cost fixing: a solution with j open covers at most L − max(0, λ − c_j); where
   that is below the good solution (+1 with whole weights), j is in no better solution
   and leaves the model, with the units only such candidates cover;
4. the MIP over what is left, started from the good solution. Its optimum, or the good
   solution if nothing beats it, is the optimum of the whole model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from gis.analysis.coverage_sets import merge_identical_rows
from gis.analysis.solver import IncrementalLp, MipResult, solve_mip

MCLP_REDUCE_NNZ = 250_000  # coverage entries above which a MCLP is reduced first
MCLP_CG_ROUNDS = 60  # column generation rounds at most
MCLP_START_COLUMNS = 200  # the LP starts from the greedy sites and this many more


def solve_mclp(b: sparse.csr_matrix, w: np.ndarray, k: int, time_limit, integral: bool):
    """The MCLP over ``b`` (units × candidates, weights ``w``, at most ``k`` open), by
    the MIP directly or, beyond ``MCLP_REDUCE_NNZ`` coverage entries, by the large-model
    route. Returns (MipResult whose ``x`` holds the candidate columns, figures for the
    stats: empty for the direct MIP)."""
    if b.nnz == 0:
        # nothing left to cover (existing sites reach all the demand a candidate could,
        # e.g. a radius larger than the county): no new site adds any; HiGHS would
        # call the empty model "empty", not optimal
        return MipResult("optimal", np.zeros(b.shape[1]), 0.0, 0.0, 0.0, 0.0), {}
    if b.nnz > MCLP_REDUCE_NNZ:
        return mclp_bound_and_reduce(b, w, k, time_limit, integral)
    return mclp_mip(b, w, k, time_limit, integral), {}


def mclp_mip(
    b: sparse.csr_matrix,
    w: np.ndarray,
    k: int,
    time_limit,
    integral: bool,
    start: np.ndarray | None = None,
    options: dict | None = None,
) -> MipResult:
    """The MCLP over units (rows of ``b``, weights ``w``) and candidates (columns): at
    most ``k`` open, covered weight largest. ``start``: a candidate mask to start from.
    ``x`` of the result holds the candidate columns only."""
    n, m = b.shape
    link = sparse.hstack([-b, sparse.identity(n, format="csr")], format="csr")  # y − Σx ≤ 0
    rows = sparse.vstack(
        [link, sparse.csr_matrix(np.r_[np.ones(m), np.zeros(n)][None, :])], format="csr"
    )
    x0 = None
    if start is not None:
        x0 = np.r_[start.astype(float), (b @ start.astype(float) > 0.5).astype(float)]
    res = solve_mip(
        np.r_[np.zeros(m), w],
        np.zeros(m + n),
        np.ones(m + n),
        np.r_[np.ones(m, bool), np.zeros(n, bool)],
        rows,
        np.r_[np.full(n, -np.inf), [0]],
        np.r_[np.zeros(n), [k]],
        maximize=True,
        time_limit=time_limit,
        integral_objective=integral,
        start=x0,
        options=options,
    )
    if res.x is not None:
        res.x = res.x[:m]
    return res


@dataclass
class CoverageLp:
    """The MCLP LP relaxation's prices and solution (over all candidates)."""

    bound: float  # L: no solution covers more
    value: float  # the LP's value (a lower bound on the LP bound while not converged)
    u: np.ndarray  # unit prices, 0 ≤ u ≤ w
    lam: float  # site price
    priced: np.ndarray  # c_j = Σ u over the units candidate j covers
    x: np.ndarray  # LP solution per candidate (0 outside the LP)
    rounds: int
    columns: int  # candidates that entered the LP


def coverage_bound(bt: sparse.csr_matrix, w: np.ndarray, k: int, u: np.ndarray, lam: float):
    """(L, c): the coverage bound of prices ``u`` (clipped to [0, w]) and ``lam`` ≥ 0, and
    each candidate's priced coverage c = ``bt`` · u (``bt``: candidates × units)."""
    u = np.clip(u, 0.0, w)
    lam = max(float(lam), 0.0)
    c = bt @ u
    return float(k * lam + (w - u).sum() + np.maximum(c - lam, 0.0).sum()), c


def mclp_lp(
    b: sparse.csr_matrix,
    w: np.ndarray,
    k: int,
    start: np.ndarray,
    time_limit: float | None = None,
    integral: bool = True,
) -> CoverageLp:
    """The LP relaxation of the MCLP by column generation, from the ``start`` columns.

    Rows (units) join with the first candidate covering them; a unit not in the LP is
    priced at its weight (no open candidate covers it). Stops when the dual bound meets
    the LP value, no candidate prices out, or time runs out (the bound is valid anyway).
    """
    t0 = time.perf_counter()
    n, m = b.shape
    bc, bt = b.tocsc(), b.T.tocsr()
    lp = IncrementalLp(options={"presolve": "off"})
    lp.add_rows(sparse.csr_matrix((1, 0)), -np.inf, k)  # row 0: Σ x ≤ k
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
        assert res.x is not None and res.objective is not None  # an optimal solve has both
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
        cols = new[np.argsort(-gain[new], kind="stable")[: max(100, int((xcol >= 0).sum()))]]
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
    r, cc = (
        (urow[np.flatnonzero(urow >= 0)][old.row], old.col)
        if old is not None
        else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    entries = sparse.csc_matrix(
        (
            np.r_[-np.ones(len(r)), np.ones(len(cols))],
            (np.r_[r, np.zeros(len(cols), np.int64)], np.r_[cc, np.arange(len(cols))]),
        ),
        shape=(lp.nrow, len(cols)),
    )
    xcol[cols] = lp.ncol + np.arange(len(cols))
    lp.add_columns(np.zeros(len(cols)), 0.0, 1.0, entries)
    # rows of the new units: +1 on their y, −1 on every x in the LP that covers them
    urow[new_units] = lp.nrow + np.arange(len(new_units))
    inlp = np.flatnonzero(xcol >= 0)
    cover = b[new_units][:, inlp].tocoo()
    rows = sparse.csr_matrix(
        (
            np.r_[np.ones(len(new_units)), -np.ones(cover.nnz)],
            (
                np.r_[np.arange(len(new_units)), cover.row],
                np.r_[ycol0 + np.arange(len(new_units)), xcol[inlp][cover.col]],
            ),
        ),
        shape=(len(new_units), lp.ncol),
    )
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
        covered[bc.indices[bc.indptr[j] : bc.indptr[j + 1]]] = True
    return is_open


def _sub_mclp(b, w, cols, k, time_limit, integral, start=None, options=None):
    """The MCLP restricted to candidate columns ``cols``: units they do not cover drop
    out, units they cover alike merge. Returns (result, chosen columns of ``b``)."""
    sub = b[:, cols].tocsr()
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    ub, uw, _ = merge_identical_rows(sub[rows], w[rows])
    res = mclp_mip(
        ub,
        uw,
        k,
        time_limit,
        integral,
        start=None if start is None else start[cols],
        options=options,
    )
    chosen = cols[res.x > 0.5] if res.x is not None else None
    return res, chosen


def mclp_bound_and_reduce(
    b: sparse.csr_matrix, w: np.ndarray, k: int, time_limit: float | None, integral: bool
):
    """The MCLP over ``b`` (units × candidates, at most ``k`` open) solved to proven
    optimality by LP bound, a good solution, reduced-cost fixing and branch and bound
    on what is left (see the module docstring). Returns (MipResult whose ``x`` is the
    chosen-candidate mask, figures for the stats: LP bound, rounds, candidates kept,
    seconds)."""
    t0 = time.perf_counter()
    n, m = b.shape

    def left():
        return None if not time_limit else max(time_limit - (time.perf_counter() - t0), 1e-3)

    def covered(mask):
        return float(w[np.asarray(b @ mask.astype(float)).ravel() > 0.5].sum())

    greedy = mclp_greedy(b, w, k)
    standalone = b.T @ w
    start = np.r_[np.flatnonzero(greedy), np.argsort(-standalone)[: max(4 * k, MCLP_START_COLUMNS)]]
    lp = mclp_lp(b, w, k, start, left(), integral)
    t_lp = time.perf_counter()
    # A good solution: the MIP over the candidates the LP uses (few, near-integral).
    support = np.union1d(np.flatnonzero(lp.x > 1e-6), np.flatnonzero(greedy))
    res, chosen = _sub_mclp(
        b, w, support, k, left(), integral, start=greedy, options={"presolve": "off"}
    )
    best = greedy.copy()
    if chosen is not None and covered(_mask(m, chosen)) > covered(best):
        best = _mask(m, chosen)
    best_value = covered(best)
    need = _better_than(best_value, lp.bound, integral)
    keep = reduced_cost_keep(lp, best_value, integral) | best
    stats = {
        "lp_bound": lp.bound,
        "lp_rounds": lp.rounds,
        "lp_columns": lp.columns,
        "start_value": best_value,
        "kept": int(keep.sum()),
        "lp_seconds": round(t_lp - t0, 3),
        "start_seconds": round(time.perf_counter() - t_lp, 3),
    }
    stats["branched"] = bool(lp.bound >= need)
    if not stats["branched"]:  # the bound itself proves the good solution optimal
        return _reduced_result("optimal", best, best_value, best_value, t0, stats)
    cols = np.flatnonzero(keep)
    res, chosen = _sub_mclp(
        b, w, cols, k, left(), integral, start=best, options={"presolve": "off"}
    )
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
    return lp.bound - np.maximum(lp.lam - lp.priced, 0.0) >= _better_than(value, lp.bound, integral)


def _mask(m, idx):
    out = np.zeros(m, bool)
    out[idx] = True
    return out


def _reduced_result(status, best, value, bound, t0, stats):
    gap = 0.0 if status == "optimal" else abs(bound - value) / max(abs(value), 1e-9)
    stats["lp_bound"] = round(stats["lp_bound"], 3)
    return MipResult(status, best.astype(float), value, bound, gap, time.perf_counter() - t0), stats
