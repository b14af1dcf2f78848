"""A thin layer over HiGHS (highspy): pass a sparse MIP, solve, report the proven gap.

Models arrive as numpy arrays and one CSR constraint matrix, so nothing is built row by
row in Python; :class:`IncrementalLp` keeps an LP in HiGHS and grows it between warm-
started solves (row and column generation). HiGHS prints a banner on stdout when
created; it is kept off stdout so that ``--json`` output stays clean.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass
class MipResult:
    """Outcome of one solve: ``status`` is 'optimal', 'time_limit', 'infeasible', …;
    ``gap`` the proven relative gap between the solution and the bound (0 = optimal)."""

    status: str
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"


@contextlib.contextmanager
def _quiet_stdout():
    """Silence C-level stdout (the HiGHS banner) for the duration."""
    try:
        sys.stdout.flush()
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # captured stdout (tests, CliRunner)
        yield
        return
    saved = os.dup(fd)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)


def solve_mip(
    cost,
    lower,
    upper,
    integer,
    rows: sparse.csr_matrix,
    row_lower,
    row_upper,
    *,
    maximize: bool = False,
    time_limit: float | None = None,
    integral_objective: bool = False,
    threads: int | None = None,
    offset: float = 0.0,
    start: np.ndarray | None = None,
    options: dict | None = None,
) -> MipResult:
    """Solve ``min/max cost·x + offset`` s.t. ``row_lower ≤ rows·x ≤ row_upper``,
    bounds, and integrality on ``integer`` columns.

    ``integral_objective``: every integer solution has an integral objective (integer
    weights), so a bound within less than 1 of the solution proves it optimal; HiGHS
    may then stop as soon as that holds. ``start``: a feasible solution (all columns)
    that HiGHS starts from, so it has an incumbent to prune with at once. ``options``:
    further HiGHS options by name.
    """
    import highspy

    t0 = time.perf_counter()
    rows = sparse.csr_matrix(rows)
    rows.sort_indices()
    ncol, nrow = len(cost), rows.shape[0]
    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.999 if integral_objective else 1e-7)
    if threads:
        h.setOptionValue("threads", int(threads))
    if time_limit:
        h.setOptionValue("time_limit", float(time_limit))
    for name, value in (options or {}).items():
        h.setOptionValue(name, value)
    integrality = np.where(np.asarray(integer, bool), 1, 0).astype(np.int32)
    h.passModel(
        int(ncol),
        int(nrow),
        int(rows.nnz),
        2,
        -1 if maximize else 1,
        float(offset),
        np.asarray(cost, float),
        np.asarray(lower, float),
        np.asarray(upper, float),
        np.asarray(row_lower, float),
        np.asarray(row_upper, float),
        rows.indptr.astype(np.int32),
        rows.indices.astype(np.int32),
        rows.data.astype(float),
        integrality,
    )
    if start is not None:
        h.setSolution(int(ncol), np.arange(ncol, dtype=np.int32), np.asarray(start, float))
    h.run()
    status = h.modelStatusToString(h.getModelStatus()).lower()
    ms = h.getModelStatus()
    names = {
        highspy.HighsModelStatus.kOptimal: "optimal",
        highspy.HighsModelStatus.kTimeLimit: "time_limit",
        highspy.HighsModelStatus.kInfeasible: "infeasible",
        highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
        highspy.HighsModelStatus.kInterrupt: "interrupted",
    }
    status = names.get(ms, status)
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value) if has_solution else None
    obj = float(info.objective_function_value) if has_solution else None
    bound = float(info.mip_dual_bound) if math.isfinite(info.mip_dual_bound) else None
    gap = None
    if status == "optimal":
        gap = 0.0
    elif obj is not None and bound is not None:
        gap = abs(bound - obj) / max(abs(obj), 1e-9)
    return MipResult(status, x, obj, bound, gap, time.perf_counter() - t0)


class IncrementalLp:
    """An LP (minimise) kept in HiGHS between solves: columns and rows are added and
    costs changed, and each solve starts from the last basis, so re-solving after a
    few more rows takes a few simplex iterations instead of a solve from scratch."""

    def __init__(self, offset: float = 0.0, options: dict | None = None):
        import highspy

        with _quiet_stdout():
            self._h = highspy.Highs()
        self._h.setOptionValue("output_flag", False)
        for name, value in (options or {}).items():
            self._h.setOptionValue(name, value)
        self._h.changeObjectiveOffset(float(offset))
        self.ncol = 0
        self.nrow = 0

    def add_columns(self, cost, lower, upper, entries: sparse.spmatrix | None = None) -> None:
        """Columns, with their ``entries`` in the rows so far (rows × new columns; none:
        rows added later give them their entries)."""
        cost = np.asarray(cost, float)
        n = len(cost)
        if entries is None:
            starts, index, value = np.zeros(n, np.int32), np.zeros(0, np.int32), np.zeros(0)
        else:
            entries = sparse.csc_matrix(entries)
            starts, index = entries.indptr[:-1].astype(np.int32), entries.indices.astype(np.int32)
            value = entries.data.astype(float)
        self._h.addCols(
            n,
            cost,
            np.broadcast_to(np.asarray(lower, float), n).copy(),
            np.broadcast_to(np.asarray(upper, float), n).copy(),
            len(index),
            starts,
            index,
            value,
        )
        self.ncol += n

    def add_rows(self, rows: sparse.csr_matrix, lower, upper) -> None:
        """Rows ``lower ≤ rows·x ≤ upper`` over the columns so far."""
        rows = sparse.csr_matrix(rows)
        n = rows.shape[0]
        self._h.addRows(
            n,
            np.broadcast_to(np.asarray(lower, float), n).copy(),
            np.broadcast_to(np.asarray(upper, float), n).copy(),
            int(rows.nnz),
            rows.indptr[:-1].astype(np.int32),
            rows.indices.astype(np.int32),
            rows.data.astype(float),
        )
        self.nrow += n

    def row_duals(self) -> np.ndarray:
        """Row duals of the last solve (HiGHS signs: ≤ 0 on an active ≤ row when
        minimising)."""
        return np.asarray(self._h.getSolution().row_dual)

    def set_costs(self, columns, cost) -> None:
        """New costs of existing ``columns``."""
        columns = np.asarray(columns, np.int32)
        if len(columns):
            self._h.changeColsCost(len(columns), columns, np.asarray(cost, float))

    def solve(self, time_limit: float | None = None) -> MipResult:
        """Solve from the last basis; ``bound`` is the objective when optimal."""
        import highspy

        t0 = time.perf_counter()
        self._h.setOptionValue("time_limit", float(time_limit) if time_limit else math.inf)
        self._h.run()
        optimal = self._h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        if not optimal:
            status = (
                "time_limit"
                if self._h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit
                else self._h.modelStatusToString(self._h.getModelStatus()).lower()
            )
            return MipResult(status, None, None, None, None, time.perf_counter() - t0)
        obj = float(self._h.getInfo().objective_function_value)
        return MipResult(
            "optimal",
            np.asarray(self._h.getSolution().col_value),
            obj,
            obj,
            0.0,
            time.perf_counter() - t0,
        )
