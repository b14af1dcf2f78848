"""The uncapacitated p-median by the radius formulation, proven optimal.

The formulation is that of García, Labbé & Marín (2011, "Solving large p-median
problems with a radius formulation", INFORMS J. Computing 23(4)). Unit i, with distinct
candidate distances D_i1 < D_i2 < … below its cap, costs
    D_i1 + Σ_k (D_i,k+1 − D_ik) · z_ik,   z_ik + Σ_{j: d_ij ≤ D_ik} x_j ≥ 1,
i.e. z_ik = 1 when no open site lies within D_ik. Each z_ik sits in a row of its own,
so rows of different units with the same candidate set {j: d_ij ≤ D_ik} merge into one
(costs summed): nearby units share most of them, and the model shrinks from one
variable per (unit, candidate) pair to one per distinct set, with the same LP bound.
Rows are also generated lazily: a unit starts with its levels up to its distance in a
good heuristic solution; a model without a unit's far levels underestimates only that
unit's cost beyond them, so its optimum is a lower bound, and once the solver's choice
serves every unit within its levels, that choice is optimal for the full model.

Memory: a unit's levels are nested prefixes of its list, so its rows hold up to L²/2
entries for a list of L candidates; a model with few sites to open and no existing site
near the demand (long lists) can need tens of gigabytes. The rows' entries are counted
before any matrix is built and kept under ``PMEDIAN_MAX_NONZEROS``: a start model beyond
it is refused with what to change; a later round beyond it stops with the best solution
and the bound proven so far (status ``size_limit``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from gis.analysis.optnames import option
from gis.analysis.pmedian_candidates import CandidateLists, fewer, pmedian_heuristic
from gis.analysis.solver import IncrementalLp, MipResult, solve_mip
from gis.errors import InvalidInput
from gis.messages import _

PMEDIAN_START_MARGIN = 2  # levels beyond its heuristic distance a unit starts with
PMEDIAN_MAX_ROUNDS = 30  # row-generation rounds before all levels go in at once
# Entries of the rows' sets in the model (the LP and the MIP each hold them): about
# 8 M took 0.7 GB above the process at peak (numpy and HiGHS together, demo county).
PMEDIAN_MAX_NONZEROS = 10_000_000


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``arange(start, start + length)`` for each pair, concatenated."""
    lengths = np.asarray(lengths, np.int64)
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    return np.repeat(np.asarray(starts, np.int64) - offsets, lengths) + np.arange(
        int(lengths.sum())
    )


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
    count: np.ndarray  # levels per unit
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
        nxt = np.where(
            end < unit_end, lists.dist[np.minimum(end, max(pairs - 1, 0))], lists.cap[lunit]
        )
        count = np.bincount(lunit, minlength=n)
        number = np.arange(len(first)) - np.r_[0, np.cumsum(count)[:-1]][lunit] + 1
        d1 = lists.cap.copy()
        d1[count > 0] = lists.dist[lists.indptr[:-1][count > 0]]
        return cls(
            lunit,
            number,
            end,
            nxt - lists.dist[first],
            count,
            np.cumsum(new) - 1,
            float(lists.weight @ d1),
        )

    def needed(self, lists: CandidateLists, x: np.ndarray) -> np.ndarray:
        """Per unit, its levels within which the (fractional) open mass ``x`` is below
        1: a model without all of them prices the unit short of its LP cost at x."""
        acc = np.cumsum(x[lists.site])
        before = np.r_[0.0, acc][lists.indptr[:-1]]
        within = acc[self.end - 1] - before[self.unit]
        return np.bincount(self.unit, weights=within < 1 - 1e-7, minlength=len(self.count)).astype(
            np.int64
        )

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
    keys = np.random.default_rng(20110401).integers(0, 2**63, lists.m, dtype=np.uint64)
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
        self.rep = np.zeros(0, np.int64)  # first level of each row: its set
        self.cost = np.zeros(0)
        self.nnz = 0  # entries of the rows' sets, all rows

    def set_sizes(self, lv: np.ndarray) -> np.ndarray:
        """The size of the candidate set of each level in ``lv``."""
        return self.levels.end[lv] - self.lists.indptr[self.levels.unit[lv]]

    def _start_size_key(self, lv):
        start = self.lists.indptr[self.levels.unit[lv]]
        end = self.levels.end[lv]
        return start, end - start, self._hash[end - 1]

    def sets(self, rows: np.ndarray) -> sparse.csr_matrix:
        """The candidate sets of ``rows`` as a CSR matrix (len(rows) × m)."""
        start, size, _ = self._start_size_key(self.rep[rows])
        indptr = np.r_[0, np.cumsum(size)]
        return sparse.csr_matrix(
            (np.ones(int(indptr[-1])), self.lists.site[_ranges(start, size)], indptr),
            shape=(len(rows), self.lists.m),
        )

    def grow(self, upto: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Take in every unit's levels up to ``upto``; returns (new rows, older rows
        whose cost changed)."""
        lv = np.flatnonzero(
            (self.levels.number <= upto[self.levels.unit]) & (self.row_of_level < 0)
        )
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
        self.nnz += int(self.set_sizes(rep[old_rows:]).sum())
        self.rep = rep
        self.row_of_level[lv] = row
        add = np.bincount(
            row,
            weights=self.lists.weight[self.levels.unit[lv]] * self.levels.step[lv],
            minlength=len(rep),
        )
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
    a = sparse.vstack(
        [
            sparse.hstack([sets, sparse.identity(q, format="csr")]),
            sparse.hstack([np.ones((1, m)), sparse.csr_matrix((1, q))]),
        ],
        format="csr",
    )
    x0 = start_open.astype(float)
    z0 = (sets @ x0 < 0.5).astype(float)
    # Small models: HiGHS presolve costs more than it saves here.
    return solve_mip(
        np.r_[np.zeros(m), rows.cost],
        np.zeros(m + q),
        np.ones(m + q),
        np.r_[np.ones(m, bool), np.zeros(q, bool)],
        a,
        np.r_[np.ones(q), [k]],
        np.r_[np.full(q, np.inf), [k]],
        offset=rows.levels.const,
        start=np.r_[x0, z0],
        time_limit=time_limit,
        options={"presolve": "off"},
    )


def _lp_rows(rows: RadiusRows, new: np.ndarray) -> sparse.csr_matrix:
    """Rows ``new`` for the LP: their sets over x, and 1 on their own z column."""
    m = rows.lists.m
    sets = rows.sets(new)
    z = sparse.csr_matrix(
        (np.ones(len(new)), m + new, np.arange(len(new) + 1)), shape=(len(new), m + len(rows.rep))
    )
    return sparse.hstack([sets, sparse.csr_matrix((len(new), len(rows.rep)))]).tocsr() + z


def _too_large(lists: CandidateLists, k: int, nnz: int, max_nonzeros: int) -> InvalidInput:
    """The refusal of a start model over ``max_nonzeros`` entries: what to change, in
    the caller's words (:func:`gis.analysis.pmedian_candidates.fewer`)."""
    return InvalidInput(
        _(
            "p-median with {k_name}={k}: its model would hold {nnz:,} entries (more than "
            "{limit:,}; {pairs:,} unit–candidate distances for {n:,} demand locations), "
            "more memory than a plan may take; raise {k_name}, include more kinds of "
            "existing service points (demand near one needs no far candidates), or {fix}",
            k_name=option("k"),
            k=k,
            nnz=nnz,
            limit=max_nonzeros,
            pairs=len(lists.site),
            n=len(lists.weight),
            fix=fewer(),
        )
    )


def pmedian_radius(
    lists: CandidateLists,
    k: int,
    time_limit: float | None = None,
    max_nonzeros: int = PMEDIAN_MAX_NONZEROS,
):
    """Exactly ``k`` open candidates with the least demand-weighted distance, proven
    optimal with the (merged, lazily generated) radius formulation.

    First the LP relaxation gets rows until no unit is priced short of its LP cost at
    the LP's solution; its value is then the full formulation's LP bound. The rounded
    solution, if it costs no more than that bound, is optimal (p-median LPs are often
    integral). Otherwise MIP rounds follow, adding rows until the optimum serves every
    unit within its rows. Raises :class:`InvalidInput` when the start model would hold
    more than ``max_nonzeros`` entries; a later round that would stops with status
    ``size_limit`` (the best solution, the best bound). Returns (MipResult with ``x`` =
    the open mask, a dict of figures: ``rounds``, ``radius_rows`` in the last model,
    ``radius_nonzeros`` its entries, ``branched``: whether the LP bound did not settle
    it and branch and bound ran).
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
        return {
            "rounds": rounds,
            "radius_rows": len(rows.rep),
            "radius_nonzeros": rows.nnz,
            "branched": not relax,
        }

    while True:
        rounds += 1
        if rounds >= PMEDIAN_MAX_ROUNDS:
            upto = levels.count  # every level: the model is the full formulation
        new, changed = rows.grow(upto)
        if rows.nnz > max_nonzeros:  # counted before any matrix of these rows exists
            if res is None:
                raise _too_large(lists, k, rows.nnz, max_nonzeros)
            res = MipResult("size_limit", None, None, None, None, 0.0)
            break
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
            upto = np.where(short, np.minimum(levels.count, need + PMEDIAN_START_MARGIN), upto)
            continue
        # No unit is priced short: this optimum is the full formulation's (for the LP:
        # its relaxation's, a lower bound), and a solution that attains it is optimal.
        objective = res.objective
        assert objective is not None  # an optimal solve has one
        if value <= objective + 1e-9 * abs(objective) or not relax:
            return MipResult(
                "optimal", is_open.astype(float), value, value, 0.0, time.perf_counter() - t0
            ), info()
        relax = False  # a fractional LP: branch and bound on the rows so far
    # Out of time: the best solution, with the best bound proven on the way.
    gap = abs(best_cost - lower) / max(abs(best_cost), 1e-9) if lower is not None else None
    status = res.status if res is not None and not res.optimal else "time_limit"
    return MipResult(
        status, best.astype(float), best_cost, lower, gap, time.perf_counter() - t0
    ), info()
