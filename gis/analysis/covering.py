"""Covering models: maximal covering (MCLP, also with capacities) and set cover.

Before the solver sees a covering model, demand is aggregated exactly: units covered
by a fixed site are a constant, units no candidate reaches are a constant, and units
with identical sets of covering candidates are merged (weights summed); candidates with
identical coverage sets are merged too (:mod:`gis.analysis.coverage_sets`). None of
this changes the optimum. The uncapacitated MCLP is then solved by
:mod:`gis.analysis.mclp`; set cover and the capacitated MCLP by a MIP here.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

from gis.analysis.coverage_sets import coverage_matrix, dominated_columns, merge_identical_rows
from gis.analysis.instance import Demand, Sites
from gis.analysis.mclp import solve_mclp
from gis.analysis.optnames import option
from gis.analysis.solver import MipResult, solve_mip
from gis.errors import InvalidInput
from gis.messages import _


def solve_covering(
    model, demand: Demand, sites: Sites, k, radius, time_limit, cover_pct, capacitated: bool
):
    """Solve ``mclp`` or ``setcover`` (see :func:`gis.analysis.placement.place`).

    Returns ((chosen sites, objective, per-unit covered by a fixed site, per-unit
    covered after, served within capacity or None) or None when no solution was
    found, the MipResult, stats, seconds per step)."""
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
        ub, uw, _x = merge_identical_rows(ub, uw)
    col_site = keep_sites[cols]
    stats = {
        "units": len(demand),
        "units_in_model": int(ub.shape[0]),
        "candidates": int(len(free_idx)),
        "candidates_in_model": int((~fixed[col_site]).sum()),
        "fixed_sites": int(fixed.sum()),
        "coverage_pairs": int(a.nnz),
    }
    t2 = time.perf_counter()
    integral = bool(np.all(np.equal(np.mod(w, 1), 0)))
    if capacitated:
        res, chosen_cols, served = _capacitated_mclp(
            ub, uw, sites, col_site, k, time_limit, integral
        )
        objective = served
    else:
        res, chosen_cols = _mclp_or_setcover(
            model, ub, uw, k, time_limit, integral, cover_pct, total, const, reachable, stats
        )
        objective = None
    t3 = time.perf_counter()
    if res.x is None:
        return None, res, stats, {"matrix": t1 - t0, "aggregate": t2 - t1, "solve": t3 - t2}
    new_sites = col_site[chosen_cols]
    new_sites = new_sites[~fixed[new_sites]]
    chosen = np.concatenate([np.flatnonzero(fixed), np.sort(new_sites)])
    after = (
        np.asarray(a[:, chosen].sum(axis=1)).ravel() > 0
        if len(chosen)
        else np.zeros(len(demand), bool)
    )
    if objective is None:
        objective = float(w[after].sum()) if model == "mclp" else float(len(new_sites))
    secs = {"matrix": t1 - t0, "aggregate": t2 - t1, "solve": t3 - t2}
    return (chosen, objective, by_fixed, after, served if capacitated else None), res, stats, secs


def _mclp_or_setcover(
    model, ub, uw, k, time_limit, integral, cover_pct, total, const, reachable, extra: dict
):
    n, m = ub.shape
    if model == "mclp":
        res, figures = solve_mclp(ub, uw, k, time_limit, integral)
        extra.update(figures)
        if res.objective is not None:
            res.objective += const
            if res.bound is not None:
                res.bound += const
                res.gap = (
                    0.0
                    if res.optimal
                    else abs(res.bound - res.objective) / max(res.objective, 1e-9)
                )
    else:
        target = cover_pct / 100.0 * total - const
        if target > reachable + 1e-9:
            best = 100.0 * (const + reachable) / total
            raise InvalidInput(
                _(
                    "{cover_pct:g}% of demand cannot be covered: at most {best:.2f}% lies within the radius of a candidate or an existing site; lower {cover} or add candidates",
                    cover_pct=cover_pct,
                    cover=option("cover"),
                    best=best,
                )
            )
        if target <= 1e-9:
            return _empty_result(), np.zeros(0, np.int64)
        # columns: x_0..x_{m-1} (sites, binary), y_0..y_{n-1} (units, [0,1]); rows
        # y − Σx ≤ 0 and Σ w·y ≥ target; with a full cover every y is 1: Σx ≥ 1.
        link = sparse.hstack([-ub, sparse.identity(n, format="csr")], format="csr")
        full = cover_pct >= 100.0
        demand_row = sparse.csr_matrix(np.r_[np.zeros(m), uw][None, :])
        blocks: list = [link]
        rlo: list = [np.full(n, -np.inf)]
        rhi: list = [np.zeros(n)]
        if not full:
            blocks.append(demand_row)
            rlo.append([target - 1e-9])
            rhi.append([np.inf])
        if k is not None:
            blocks.append(
                sparse.csr_matrix((np.ones(m), (np.zeros(m, int), np.arange(m))), shape=(1, m + n))
            )
            rlo.append([0])
            rhi.append([k])
        rows = sparse.vstack(blocks, format="csr")
        ylo = np.ones(n) if full else np.zeros(n)
        res = solve_mip(
            np.r_[np.ones(m), np.zeros(n)],
            np.r_[np.zeros(m), ylo],
            np.ones(m + n),
            np.r_[np.ones(m, bool), np.zeros(n, bool)],
            rows,
            np.concatenate(rlo),
            np.concatenate(rhi),
            time_limit=time_limit,
            integral_objective=True,
        )
        if res.status == "infeasible":
            raise InvalidInput(
                _(
                    "{cover_pct:g}% of demand cannot be covered with at most K={k} new sites; raise {k_name} or lower {cover}",
                    cover_pct=cover_pct,
                    k_name=option("k"),
                    cover=option("cover"),
                    k=k,
                )
            )
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
    capm = sparse.csr_matrix(
        (
            np.r_[uw[pi][finite[pj]], -cap[finite]],
            (
                np.r_[pj[finite[pj]], np.flatnonzero(finite)],
                np.r_[m + np.flatnonzero(finite[pj]), np.flatnonzero(finite)],
            ),
        ),
        shape=(m, m + p),
    )
    pair = sparse.csr_matrix(
        (
            np.r_[np.ones(p), -np.ones(p)],
            (np.r_[np.arange(p), np.arange(p)], np.r_[m + np.arange(p), pj]),
        ),
        shape=(p, m + p),
    )
    card = sparse.csr_matrix(
        (
            np.ones(int((~fixed).sum())),
            (np.zeros(int((~fixed).sum()), int), np.flatnonzero(~fixed)),
        ),
        shape=(1, m + p),
    )
    rows = sparse.vstack([serve, capm, pair, card], format="csr")
    rlo = np.full(rows.shape[0], -np.inf)
    rhi = np.r_[np.ones(n), np.zeros(m), np.zeros(p), [k]]
    lower = np.r_[fixed.astype(float), np.zeros(p)]
    res = solve_mip(
        np.r_[np.zeros(m), uw[pi]],
        lower,
        np.ones(m + p),
        np.r_[np.ones(m, bool), np.zeros(p, bool)],
        rows,
        rlo,
        rhi,
        maximize=True,
        time_limit=time_limit,
        integral_objective=False,
    )
    if res.x is None:
        return res, np.zeros(0, int), 0.0
    chosen = np.flatnonzero(res.x[:m] > 0.5)
    return res, chosen, float(res.objective)
