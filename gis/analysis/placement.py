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
against a good solution before branch and bound (see :mod:`gis.analysis.mclp`).

The uncapacitated p-median uses the radius formulation with merged rows, generated
lazily and settled by its LP bound when that is met (see
:mod:`gis.analysis.pmedian_radius`); the capacitated one the classic assignment
formulation.

Modules: this one is the entry point (:func:`place`, :class:`Placement`, input checks);
``covering`` (MCLP, set cover, capacitated MCLP) builds on ``coverage_sets`` (coverage
matrix, merged rows, dominated columns) and ``mclp`` (the MCLP MIP and the large-MCLP
route); ``pmedian`` (both p-median formulations) builds on ``pmedian_candidates``
(candidate lists, heuristic) and ``pmedian_radius`` (the radius formulation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from gis.analysis.covering import solve_covering
from gis.analysis.instance import Demand, Sites
from gis.analysis.optnames import on_web, option
from gis.analysis.pmedian import solve_pmedian
from gis.errors import InvalidInput
from gis.messages import _

MODELS = ("mclp", "setcover", "pmedian")


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
        return {
            "model": self.model,
            "k": self.k,
            "radius_m": self.radius,
            "cover_pct_target": self.cover_pct,
            "objective": self.objective,
            "covered_demand": self.covered,
            "covered_before": self.covered_before,
            "total_demand": self.total,
            "pct_covered": round(100 * self.covered / self.total, 2) if self.total else 0,
            "mean_distance_m": round(self.mean_distance, 1),
            "status": self.status,
            "optimal": self.optimal,
            "gap": self.gap,
            "bound": self.bound,
            "new_sites": int(len(self.chosen) - self.stats.get("fixed_sites", 0)),
            **self.stats,
            "seconds": self.seconds,
        }


def _validate(model, demand: Demand, sites: Sites, k, radius):
    if model not in MODELS:
        raise InvalidInput(
            _("unknown model {model!r}; expected {items}", model=model, items=", ".join(MODELS))
        )
    if radius is None or not np.isfinite(radius) or radius <= 0:
        raise InvalidInput(_("radius must be more than 0 metres; got {radius}", radius=radius))
    if len(demand) == 0 or demand.total <= 0:
        raise InvalidInput(
            _("empty demand: there is no demand (or all weights are 0) to place sites for")
        )
    free = int((~sites.fixed).sum())
    if free == 0:
        if on_web():
            raise InvalidInput(
                _(
                    "no candidates: give candidate sites (uses: building uses, grid_centroids: "
                    "true, or sites: places added on the map)"
                )
            )
        raise InvalidInput(
            _(
                "no candidates: give candidate sites (building uses, grid centroids, or a --candidates file with non-fixed rows)"
            )
        )
    if model != "setcover" or k is not None:
        if k is None or int(k) != k or k < 1:
            raise InvalidInput(_("K must be a whole number of new sites, at least 1; got {k}", k=k))
        if k > free:
            raise InvalidInput(
                _(
                    "K={k} is larger than the number of candidates ({free}); lower K or add candidates",
                    k=k,
                    free=free,
                )
            )


def _no_solution(status: str, time_limit: float | None) -> InvalidInput:
    """The refusal when the solver returns no solution: stopped by the time limit before
    it found any (say so: the limit is too short for this plan), or another status."""
    if status == "time_limit" and time_limit:
        return InvalidInput(
            _(
                "no solution found within {time_limit}={seconds:g} seconds: too short to "
                "find any solution for this plan; raise {time_limit}",
                time_limit=option("time_limit"),
                seconds=time_limit,
            )
        )
    return InvalidInput(
        _(
            "no solution found ({status}); raise {time_limit}",
            status=status,
            time_limit=option("time_limit"),
        )
    )


def _nearest(demand: Demand, sites: Sites, idx: np.ndarray) -> np.ndarray:
    if len(idx) == 0:
        return np.full(len(demand), np.inf)
    return cKDTree(sites.xy[idx]).query(demand.xy)[0]


def place(
    model: str,
    demand: Demand,
    sites: Sites,
    *,
    k: int | None,
    radius: float,
    time_limit: float | None = None,
    cover_pct: float = 100.0,
    capacitated: bool = False,
) -> Placement:
    """Choose new sites among the non-fixed ``sites`` for ``demand``.

    ``radius`` in metres (the covering radius; for p-median it only reports coverage).
    ``capacitated``: honour ``sites.capacity`` (``inf`` = unlimited). With a
    ``time_limit`` (seconds) the best solution found is returned with its proven gap.
    Raises :class:`InvalidInput` for bad input, naming what is wrong.
    """
    _validate(model, demand, sites, k, radius)
    if model == "setcover" and not (0 < cover_pct <= 100):
        raise InvalidInput(
            _(
                "{cover} must be a percentage in (0, 100]; got {cover_pct}",
                cover=option("cover"),
                cover_pct=cover_pct,
            )
        )
    if capacitated and model == "setcover":
        raise InvalidInput(
            _(
                "set cover does not take capacities; use mclp or pmedian with capacities, or drop the capacity column"
            )
        )
    t0 = time.perf_counter()
    if model == "pmedian":
        chosen, res, stats, secs = solve_pmedian(demand, sites, k, time_limit, capacitated)
        if chosen is None:
            raise _no_solution(res.status, time_limit)
        objective = float(res.objective)
    else:
        out, res, stats, secs = solve_covering(
            model, demand, sites, k, radius, time_limit, cover_pct, capacitated
        )
        if out is None:
            raise _no_solution(res.status, time_limit)
        chosen, objective, _x, _x, _x = out
    w = demand.weight
    fixed_idx = np.flatnonzero(sites.fixed)
    d_before = _nearest(demand, sites, fixed_idx)
    d_after = _nearest(demand, sites, chosen)
    before = d_before <= radius
    after = d_after <= radius
    covered = float(w[after].sum())
    if model == "mclp" and capacitated:
        covered = objective  # served within capacity
    mean_d = float((w * d_after).sum() / w.sum()) if np.isfinite(d_after).all() else float("inf")
    secs = {k_: round(v, 3) for k_, v in secs.items()}
    secs["total"] = round(time.perf_counter() - t0, 3)
    return Placement(
        model=model,
        k=k,
        radius=float(radius),
        chosen=chosen,
        objective=float(objective),
        covered_before=float(w[before].sum()),
        covered=covered,
        total=float(w.sum()),
        status=res.status,
        gap=res.gap,
        bound=res.bound,
        mean_distance=mean_d,
        stats={**stats, "capacitated": capacitated},
        seconds=secs,
        unit_covered_before=before,
        unit_covered_after=after,
        cover_pct=cover_pct if model == "setcover" else None,
    )
