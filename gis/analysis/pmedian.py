"""The p-median: exactly ``k`` new sites, least demand-weighted distance.

Units at the same place are merged first (exact). Without capacities each unit pays
the distance to its nearest open site, solved by the radius formulation
(:mod:`gis.analysis.pmedian_radius`); with capacities units are assigned to open sites
within their capacity, by the classic assignment formulation here.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from gis.analysis.instance import Demand, Sites
from gis.analysis.pmedian_candidates import (
    PMEDIAN_MAX_PAIRS,
    candidate_lists,
    distance_blocks,
    too_large,
)
from gis.analysis.pmedian_radius import pmedian_radius
from gis.analysis.solver import solve_mip
from gis.errors import InvalidInput
from gis.messages import _


def solve_pmedian(demand: Demand, sites: Sites, k, time_limit, capacitated: bool):
    """Solve the p-median (see :func:`gis.analysis.placement.place`). Returns
    (chosen sites, fixed ones first, or None when no solution was found, the
    MipResult, stats, seconds per step)."""
    t0 = time.perf_counter()
    # Units at the same place have the same distances: merge them (exact); units of
    # weight 0 change no cost.
    xy, inverse = np.unique(demand.xy, axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=demand.weight, minlength=len(xy))
    xy, w = xy[w > 0], w[w > 0]
    fixed_idx = np.flatnonzero(sites.fixed)
    free_idx = np.flatnonzero(~sites.fixed)
    stats = {
        "units": len(demand),
        "units_in_model": len(xy),
        "candidates": int(len(free_idx)),
        "fixed_sites": int(len(fixed_idx)),
    }
    if capacitated:
        res, col_site, extra, t1 = _pmedian_assignment(xy, w, sites, k, time_limit)
        secs = {"matrix": t1 - t0, "solve": time.perf_counter() - t1}
    else:
        ubound = (
            cKDTree(sites.xy[fixed_idx]).query(xy)[0]
            if len(fixed_idx)
            else np.full(len(xy), np.inf)
        )
        lists = candidate_lists(xy, w, sites.xy[free_idx], ubound, k)
        t1 = time.perf_counter()
        res, info = pmedian_radius(lists, k, time_limit)
        col_site = free_idx
        extra = {
            "candidates_in_model": int(len(free_idx)),
            "candidate_pairs": int(len(lists.site)),
            **info,
        }
        secs = {"matrix": t1 - t0, "solve": time.perf_counter() - t1}
    stats.update(extra)
    if res.x is None:
        return None, res, stats, secs
    chosen_free = col_site[np.flatnonzero(res.x[: len(col_site)] > 0.5)]
    chosen = np.concatenate([fixed_idx, np.sort(chosen_free[~sites.fixed[chosen_free]])])
    return chosen, res, stats, secs


def _pmedian_assignment(xy, w, sites: Sites, k, time_limit):
    """Capacitated p-median, assignment formulation: y_ij share of unit i served by j."""
    fixed_idx = np.flatnonzero(sites.fixed)
    free_idx = np.flatnonzero(~sites.fixed)
    n = len(xy)
    if np.isfinite(sites.capacity).all() and sites.capacity.sum() < w.sum():
        raise InvalidInput(
            _(
                "the sites' capacities add up to {capacity:g}, less than the demand {demand:g}: no assignment exists",
                capacity=sites.capacity.sum(),
                demand=w.sum(),
            )
        )
    col_site = np.r_[fixed_idx, free_idx]
    m = len(col_site)
    pairs_i, pairs_j, pairs_d = [], [], []
    total_pairs = 0
    for s, d in distance_blocks(xy, sites.xy[col_site]):
        ii, jj = np.nonzero(np.isfinite(d))
        total_pairs += len(ii)
        if total_pairs > PMEDIAN_MAX_PAIRS:
            raise too_large(n, m, PMEDIAN_MAX_PAIRS, _("assignment variables"))
        pairs_i.append(ii + s)
        pairs_j.append(jj)
        pairs_d.append(d[ii, jj])
    pi, pj, pd_ = (np.concatenate(v) for v in (pairs_i, pairs_j, pairs_d))
    p = len(pi)
    t1 = time.perf_counter()
    # columns: x (m), y pairs (p). Rows: assignment Σ_j y_ij = 1 (n); y_ij − x_j ≤ 0
    # (p); Σ x (free) = k; capacity Σ_i w_i y_ij − cap_j x_j ≤ 0 (finite capacities).
    assign = sparse.csr_matrix((np.ones(p), (pi, m + np.arange(p))), shape=(n, m + p))
    link = sparse.csr_matrix(
        (
            np.r_[np.ones(p), -np.ones(p)],
            (np.r_[np.arange(p), np.arange(p)], np.r_[m + np.arange(p), pj]),
        ),
        shape=(p, m + p),
    )
    is_free = ~sites.fixed[col_site]
    card = sparse.csr_matrix(
        (np.ones(int(is_free.sum())), (np.zeros(int(is_free.sum()), int), np.flatnonzero(is_free))),
        shape=(1, m + p),
    )
    blocks = [assign, link, card]
    rlo: list = [np.ones(n), np.full(p, -np.inf), [k]]
    rhi: list = [np.ones(n), np.zeros(p), [k]]
    cap = sites.capacity[col_site]
    finite = np.isfinite(cap)
    if finite.any():
        sel = finite[pj]
        blocks.append(
            sparse.csr_matrix(
                (
                    np.r_[w[pi[sel]], -cap[finite]],
                    (
                        np.r_[
                            np.searchsorted(np.flatnonzero(finite), pj[sel]),
                            np.arange(int(finite.sum())),
                        ],
                        np.r_[m + np.flatnonzero(sel), np.flatnonzero(finite)],
                    ),
                ),
                shape=(int(finite.sum()), m + p),
            )
        )
        rlo.append(np.full(int(finite.sum()), -np.inf))
        rhi.append(np.zeros(int(finite.sum())))
    rows = sparse.vstack(blocks, format="csr")
    cost = np.r_[np.zeros(m), w[pi] * pd_]
    lower = np.r_[(~is_free).astype(float), np.zeros(p)]
    res = solve_mip(
        cost,
        lower,
        np.ones(m + p),
        np.r_[np.ones(m, bool), np.zeros(p, bool)],
        rows,
        np.concatenate(rlo),
        np.concatenate(rhi),
        time_limit=time_limit,
    )
    extra = {"candidates_in_model": int(is_free.sum()), "assignment_pairs": int(p)}
    return res, col_site, extra, t1
