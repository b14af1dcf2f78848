"""A thin layer over HiGHS (highspy): pass a sparse MIP, solve, report the proven gap.

Models arrive as numpy arrays and one CSR constraint matrix, so nothing is built row by
row in Python. HiGHS prints a banner on stdout when created; it is kept off stdout so
that ``--json`` output stays clean.
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


def solve_mip(cost, lower, upper, integer, rows: sparse.csr_matrix, row_lower, row_upper, *,
              maximize: bool = False, time_limit: float | None = None,
              integral_objective: bool = False, threads: int | None = None) -> MipResult:
    """Solve ``min/max cost·x`` s.t. ``row_lower ≤ rows·x ≤ row_upper``, bounds, and
    integrality on ``integer`` columns.

    ``integral_objective``: every integer solution has an integral objective (integer
    weights), so a bound within less than 1 of the solution proves it optimal; HiGHS
    may then stop as soon as that holds.
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
    integrality = np.where(np.asarray(integer, bool), 1, 0).astype(np.int32)
    h.passModel(int(ncol), int(nrow), int(rows.nnz), 2, -1 if maximize else 1, 0.0,
                np.asarray(cost, float), np.asarray(lower, float), np.asarray(upper, float),
                np.asarray(row_lower, float), np.asarray(row_upper, float),
                rows.indptr.astype(np.int32), rows.indices.astype(np.int32),
                rows.data.astype(float), integrality)
    h.run()
    status = h.modelStatusToString(h.getModelStatus()).lower()
    ms = h.getModelStatus()
    names = {highspy.HighsModelStatus.kOptimal: "optimal",
             highspy.HighsModelStatus.kTimeLimit: "time_limit",
             highspy.HighsModelStatus.kInfeasible: "infeasible",
             highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible",
             highspy.HighsModelStatus.kInterrupt: "interrupted"}
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
