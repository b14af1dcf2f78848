"""Per-unit candidate lists for the p-median, and a heuristic solution from them.

A unit's cost never exceeds its cap (its nearest fixed site, or the distance within
which one of its candidates is always open), so only candidates nearer than the cap
matter: :func:`candidate_lists` keeps those, nearest first. :func:`pmedian_heuristic`
finds a good start on them (greedy, then Teitz–Bart interchange).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from gis.analysis.optnames import on_web
from gis.errors import InvalidInput
from gis.messages import _

# A p-median model holds each (unit, candidate) distance it cannot rule out; beyond
# this it needs more memory and time than a planner will wait for.
PMEDIAN_MAX_PAIRS = 3_000_000


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


def candidate_lists(
    xy: np.ndarray,
    w: np.ndarray,
    sxy: np.ndarray,
    ubound: np.ndarray,
    k: int,
    max_pairs: int = PMEDIAN_MAX_PAIRS,
) -> CandidateLists:
    """Each unit's candidates (``sxy``) nearer than its cap, nearest first. ``ubound``:
    the unit's distance to its nearest fixed site (``inf`` if none); ``k`` candidates
    open. Raises :class:`InvalidInput` beyond ``max_pairs`` pairs."""
    n, m = len(xy), len(sxy)
    # lists of per-block arrays, concatenated into arrays below
    caps: list = []
    pi: Any = []
    pj: Any = []
    pd_: Any = []
    total = 0
    for s, d in distance_blocks(xy, sxy):
        # With k of m open, one of any unit's m−k+1 nearest candidates is open.
        cap = np.minimum(ubound[s : s + len(d)], np.partition(d, m - k, axis=1)[:, m - k])
        ii, jj = np.nonzero(d < cap[:, None])
        total += len(ii)
        if total > max_pairs:
            raise too_large(n, m, max_pairs, _("unit–candidate distances in its model"))
        caps.append(cap)
        pi.append(ii + s)
        pj.append(jj)
        pd_.append(d[ii, jj])
    pi, pj, pd_ = (np.concatenate(v) for v in (pi, pj, pd_))
    order = np.lexsort((pj, pd_, pi))  # by unit, then distance, then site
    indptr = np.r_[0, np.cumsum(np.bincount(pi, minlength=n))]
    return CandidateLists(
        np.asarray(w, float), np.concatenate(caps), indptr, pj[order], pd_[order], m
    )


def pmedian_heuristic(lists: CandidateLists, k: int, max_passes: int = 30) -> np.ndarray:
    """``k`` good candidates (a boolean mask): greedy, then for each open site the best
    swap while any improves (Teitz–Bart interchange). A start, not a proof."""
    unit, m = lists.unit, lists.m
    wp = lists.weight[unit]

    def gains(base):  # per candidate: weighted distance saved if it opens
        return np.bincount(
            lists.site, weights=wp * np.maximum(base[unit] - lists.dist, 0), minlength=m
        )

    is_open = np.zeros(m, bool)
    if len(lists.site) == 0:  # every unit is at its cap whatever opens
        is_open[:k] = True
        return is_open
    current = lists.cap.copy()
    for _x in range(k):
        g = gains(current)
        g[is_open] = -1.0
        is_open[int(np.argmax(g))] = True
        current = lists.nearest(is_open)[1]
    best = float(lists.weight @ current)
    for _x in range(max_passes):
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


def fewer() -> str:
    """What to change when a p-median is too large to build, in the words of the
    command line (``--demand-file``) or of the web API (its members)."""
    if on_web():
        return _(
            "use fewer candidates (uses, grid_centroids, sites) or a smaller area, or the "
            "mclp model"
        )
    return _("use fewer candidates or a --demand-file with fewer units, or the mclp model")


def too_large(n: int, m: int, limit: int, counted: str) -> InvalidInput:
    """The refusal of a p-median of ``n`` demand locations and ``m`` sites whose model
    would hold more than ``limit`` of ``counted`` (what it holds per unit and site:
    assignment variables, unit–candidate distances), saying what to change
    (:func:`fewer`)."""
    return InvalidInput(
        _(
            "p-median with {n} demand locations and {m} sites needs more than {limit:,} "
            "{counted}; {fix}",
            n=n,
            m=m,
            limit=limit,
            counted=counted,
            fix=fewer(),
        )
    )


def distance_blocks(xy: np.ndarray, sxy: np.ndarray):
    """Distances (metres) from the units ``xy`` to the sites ``sxy``, a block of units
    at a time (about 2 M distances a block, so that memory stays bounded): ``(index of
    the block's first unit, its distances, units × sites)``."""
    chunk = max(1, 2_000_000 // max(len(sxy), 1))
    for s in range(0, len(xy), chunk):
        yield (
            s,
            np.hypot(
                xy[s : s + chunk, None, 0] - sxy[None, :, 0],
                xy[s : s + chunk, None, 1] - sxy[None, :, 1],
            ),
        )
