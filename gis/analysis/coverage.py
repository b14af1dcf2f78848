"""Coverage of demand by service points: distances, per-village and per-grid tables, gaps.

A demand unit is covered when an active service point of one of the chosen kinds lies
within that kind's radius: straight line (metres in the instance's UTM zone, a k-d tree
per radius) or along roads (:mod:`gis.analysis.network`, walking minutes reported at
4.5 km/h). Gap areas are square cells of ``cell_m`` metres that hold demand and none of
it covered, merged where they touch and returned as WGS-84 polygons.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from gis.analysis import instance, network
from gis.analysis.instance import Demand, Sites, unproject
from gis.errors import InvalidInput
from gis.messages import _

GAP_CELL_M = 250.0


#: a number as JSON writes it (the planner's POST body reads radii so): ASCII digits,
#: an optional minus, fraction and exponent (``float`` would also take '١٢', '+5' and
#: '1_000', which are refused as not numbers); NaN and infinity as JSON's parser takes
#: them. -5, 1e308, 1e400 (infinite) and NaN are numbers, each refused as a radius out of
#: range by the one refusal below, on the command line and both planner routes alike.
_NUMBER = re.compile(
    r"-?[0-9]{1,30}(?:\.[0-9]{1,15})?(?:[eE][+-]?[0-9]{1,5})?|-?(?:inf|infinity)|nan",
    re.IGNORECASE,
)
#: the largest radius: well beyond a county's extent (larger is a typing slip)
MAX_RADIUS_M = 100_000


def radius_not_allowed(show) -> InvalidInput:
    """The one refusal of a radius out of (0, MAX_RADIUS_M]: 0, -5 and 200000 alike, on
    the command line and both planner routes (``show``: the radius as the user gave it)."""
    return InvalidInput(
        _(
            "radius {show} is not allowed: metres, more than 0 and at most {high}; e.g. 800",
            show=show,
            high=MAX_RADIUS_M,
        )
    )


def _metres(value: str, part: str, *, per_kind: bool) -> float:
    """``value`` (``part`` as the user wrote it) as metres in (0, MAX_RADIUS_M]: a
    number (:data:`_NUMBER`: 1e3, -5, 1e308, inf and nan are numbers) out of range is
    :func:`radius_not_allowed`; anything else (1_000, ١٢, +5, 800m) "not a number of
    metres"."""
    if not _NUMBER.fullmatch(value):
        if per_kind:
            raise InvalidInput(
                _(
                    "radius {part!r} is not a number of metres; expected e.g. 800 or clinic=1500,machine=300",
                    part=part,
                )
            )
        raise InvalidInput(
            _("radius {part!r} is not a number of metres; expected e.g. 800", part=part)
        )
    r = float(value)
    if not (math.isfinite(r) and 0 < r <= MAX_RADIUS_M):
        raise radius_not_allowed(part)
    return r


def one_radius(text) -> float:
    """One radius of metres for every site (``place``), with the refusals of
    :func:`parse_radius` (the command line's coverage, the web planner): a number in
    (0, MAX_RADIUS_M]."""
    text = str(text).strip()
    return _metres(text, text, per_kind=False)


def parse_radius(text, kinds) -> dict[str, float]:
    """Radius per kind from ``"800"`` (all kinds) or ``"clinic=1500,machine=300"``
    (kinds not named take the plain number given, if any). Metres, in (0, MAX_RADIUS_M]."""
    text = str(text).strip()
    radii: dict[str, float] = {}
    default = None
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, sep, value = part.rpartition("=")
        r = _metres(value, part, per_kind=True)
        if sep:
            if kind not in kinds:
                raise InvalidInput(
                    _(
                        "radius given for {kind!r}, which is not among the chosen kinds {items}",
                        kind=kind,
                        items=", ".join(kinds),
                    )
                )
            radii[kind] = r
        else:
            default = r
    missing = [k for k in kinds if k not in radii]
    if missing and default is None:
        raise InvalidInput(
            _(
                "no radius for {items}; give one number of metres or kind=metres for each kind",
                items=", ".join(missing),
            )
        )
    fallback = 0.0 if default is None else default  # None only when every kind has its own
    return {k: radii.get(k, fallback) for k in kinds}


def nearest_distance(
    demand: Demand,
    points: Sites,
    radius_by_kind: dict[str, float],
    *,
    graph: network.RoadGraph | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each demand unit: distance (metres) to the nearest point of the chosen kinds,
    and whether some point is within its kind's radius.

    Straight line when ``graph`` is None, else along roads (``inf`` beyond the largest
    radius: Dijkstra stops there).
    """
    dist = np.full(len(demand), np.inf)
    covered = np.zeros(len(demand), bool)
    by_radius: dict[float, list[str]] = {}
    for kind, r in radius_by_kind.items():
        by_radius.setdefault(r, []).append(kind)
    for r, kinds in by_radius.items():
        pts = points.subset(np.isin(points.label, kinds))
        if len(pts) == 0:
            continue
        if graph is None:
            d, _x = cKDTree(pts.xy).query(demand.xy)
        else:
            d = graph.point_distances(demand.xy, pts.xy, r)
        dist = np.minimum(dist, d)
        covered |= d <= r
    return dist, covered


@dataclass
class CoverageResult:
    """Coverage of one demand set; tables are plain dicts ready for JSON."""

    population: str
    kinds: tuple
    radius: dict
    network: bool
    total: float
    covered: float
    unlocated: float
    units: int
    sites: int = 0  # active service points of the chosen kinds
    villages: list = field(default_factory=list)
    grids: list = field(default_factory=list)
    gaps: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    distance: np.ndarray | None = None
    is_covered: np.ndarray | None = None
    demand: Demand | None = None  # kept for gis.analysis.plans.coverage_report
    note: str | None = None  # why the figures are what they are (an area with nobody)

    @property
    def uncovered(self) -> float:
        return self.total - self.covered

    @property
    def pct(self) -> float:
        return round(100.0 * self.covered / self.total, 2) if self.total else 0.0

    def to_dict(self) -> dict:
        return {
            "population": self.population,
            "kinds": list(self.kinds),
            "radius_m": self.radius,
            "network": self.network,
            "walk_kmh": network.WALK_KMH if self.network else None,
            "totals": {
                "demand": self.total,
                "covered": self.covered,
                "uncovered": self.uncovered,
                "pct_covered": self.pct,
                "units": self.units,
                "unlocated": self.unlocated,
            },
            "villages": self.villages,
            "grids": self.grids,
            "gaps": self.gaps,
            "seconds": self.seconds,
            **({"note": self.note} if self.note else {}),
        }


def summarise(
    codes: np.ndarray, weight: np.ndarray, covered: np.ndarray, names: dict | None = None
) -> list[dict]:
    """Demand, covered, uncovered and % covered per code, most uncovered first."""
    ok = pd.notna(codes)
    if not ok.any():
        return []
    df = pd.DataFrame(
        {"code": codes[ok], "demand": weight[ok], "covered": np.where(covered[ok], weight[ok], 0.0)}
    )
    g = df.groupby("code", sort=True).sum()
    g["uncovered"] = g["demand"] - g["covered"]
    g["pct_covered"] = np.round(100.0 * g["covered"] / g["demand"], 2)
    g = g.sort_values(["uncovered", "demand"], ascending=[False, False], kind="stable")
    out = []
    for rank, (code, r) in enumerate(g.iterrows(), start=1):
        out.append(
            {
                "rank": rank,
                "code": code,
                "name": (names or {}).get(code),
                "demand": float(r["demand"]),
                "covered": float(r["covered"]),
                "uncovered": float(r["uncovered"]),
                "pct_covered": float(r["pct_covered"]),
            }
        )
    return out


def gap_cells(demand: Demand, covered: np.ndarray, cell_m: float = GAP_CELL_M) -> dict:
    """Gap areas: cells of ``cell_m`` metres with demand and none of it covered, merged
    where they share an edge, as a GeoJSON FeatureCollection (WGS-84) with the
    uncovered demand and the number of cells in each polygon."""
    w = demand.weight
    return cell_polygons(
        demand, np.where(covered, 0.0, w), np.where(covered, w, 0.0), cell_m, field="uncovered"
    )


def cell_polygons(
    demand: Demand, value: np.ndarray, veto: np.ndarray, cell_m: float, *, field: str
) -> dict:
    """Square cells (``cell_m`` metres on the instance's grid) where ``value`` sums above 0
    and ``veto`` sums to 0, merged where they share an edge; GeoJSON in WGS-84 with the
    summed ``value`` as ``field`` and the cell count."""
    empty = {"type": "FeatureCollection", "features": []}
    if len(demand) == 0:
        return empty
    ix = np.floor(demand.x / cell_m).astype(np.int64)
    iy = np.floor(demand.y / cell_m).astype(np.int64)
    cells, inv = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
    inv = inv.ravel()
    v = np.bincount(inv, weights=value, minlength=len(cells))
    bad = np.bincount(inv, weights=veto, minlength=len(cells))
    pick = (v > 0) & (bad == 0)
    gc, gv = cells[pick], v[pick]
    # the record keys of what each cell counts (for the disclosure rule; exact integers)
    ukey = (
        np.zeros(len(value), np.int64)
        if demand.key is None
        else np.where(value > 0, demand.key, 0).astype(np.int64)
    )
    gk = np.zeros(len(cells), np.int64)
    np.add.at(gk, inv, ukey)
    gk = gk[pick]
    if len(gc) == 0:
        return empty
    # edge neighbours among picked cells → connected components → one polygon each
    index = {(int(a), int(b)): i for i, (a, b) in enumerate(gc)}
    src, dst = [], []
    for i, (a, b) in enumerate(gc):
        for nb in ((int(a) + 1, int(b)), (int(a), int(b) + 1)):
            j = index.get(nb)
            if j is not None:
                src.append(i)
                dst.append(j)
    n = len(gc)
    adj = sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    ncomp, label = csgraph.connected_components(adj, directed=False)
    boxes = shapely.box(
        gc[:, 0] * cell_m, gc[:, 1] * cell_m, (gc[:, 0] + 1) * cell_m, (gc[:, 1] + 1) * cell_m
    )
    order = np.argsort(label, kind="stable")
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    features = []
    for members in np.split(order, bounds):
        poly = shapely.union_all(boxes[members])
        poly = shapely.transform(
            poly, lambda c: np.column_stack(unproject(c[:, 0], c[:, 1], demand.epsg))
        )
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(poly),
                "properties": {
                    field: float(gv[members].sum()),
                    "cells": int(len(members)),
                    "cell_m": cell_m,
                    "key": int(gk[members].sum() % 65536),
                },
            }
        )
    features.sort(key=lambda f: -f["properties"][field])
    return {"type": "FeatureCollection", "features": features}


def area_names(conn, codes) -> dict:
    """Names of admin areas by code (non-personal)."""
    codes = sorted({c for c in codes if isinstance(c, str)})
    if not codes:
        return {}
    rows = conn.execute(
        sa.text("SELECT code, name FROM admin_area WHERE code = ANY(:c)"), {"c": codes}
    ).all()
    return dict(rows)


def coverage(
    demand: Demand,
    points: Sites,
    radius_by_kind: dict[str, float],
    *,
    graph: network.RoadGraph | None = None,
    names: dict | None = None,
    cell_m: float = GAP_CELL_M,
    allow_empty: bool = False,
) -> CoverageResult:
    """Coverage of ``demand`` by ``points`` (labels = kinds) with the given radii.

    An empty demand (nobody of the population in the area) is an InvalidInput, or with
    ``allow_empty`` (the web map's coverage) a result of 0 of 0 covered with a note."""
    t0 = time.perf_counter()
    if (len(demand) == 0 or demand.total <= 0) and allow_empty:
        return _nobody(demand, points, radius_by_kind)
    if len(demand) == 0 or demand.total <= 0:
        raise InvalidInput(
            _("empty demand: no located demand in this area for the chosen population")
        )
    dist, covered = nearest_distance(demand, points, radius_by_kind, graph=graph)
    t1 = time.perf_counter()
    w = demand.weight
    res = CoverageResult(
        population=demand.population,
        kinds=tuple(radius_by_kind),
        radius=radius_by_kind,
        network=graph is not None,
        total=float(w.sum()),
        covered=float(w[covered].sum()),
        unlocated=demand.unlocated,
        units=len(demand),
        sites=int(np.isin(points.label, list(radius_by_kind)).sum()),
        distance=dist,
        is_covered=covered,
        demand=demand,
    )
    if demand.village is not None:
        res.villages = summarise(demand.village, w, covered, names)
        res.grids = [] if demand.grid is None else summarise(demand.grid, w, covered, names)
    res.gaps = gap_cells(demand, covered, cell_m)
    res.seconds = {"distances": round(t1 - t0, 3), "tables": round(time.perf_counter() - t1, 3)}
    return res


def _nobody(demand: Demand, points: Sites, radius_by_kind: dict[str, float]) -> CoverageResult:
    """0 of 0 covered: an area where nobody of the population lives (or none is placed)
    is an answer, not an error: a planner asking about it learns that, in figures."""
    nothing = np.zeros(len(demand), dtype=bool)
    return CoverageResult(
        population=demand.population,
        kinds=tuple(radius_by_kind),
        radius=radius_by_kind,
        network=False,
        total=0.0,
        covered=0.0,
        unlocated=demand.unlocated,
        units=0,
        sites=int(np.isin(points.label, list(radius_by_kind)).sum()),
        gaps={"type": "FeatureCollection", "features": []},
        distance=np.zeros(len(demand)),
        is_covered=nothing,
        demand=demand,
        note=_("nobody of the chosen population is placed in this area: 0 of 0 covered"),
    )


def coverage_in_db(
    conn,
    scope,
    kinds,
    radius,
    *,
    population: str = "households",
    use_network: bool = False,
    as_of=None,
    cell_m: float = GAP_CELL_M,
    allow_empty: bool = False,
) -> CoverageResult:
    """Coverage for a scope within one county (the county or a part of it) from the
    database: demand through the gate, active service points of ``kinds`` with
    ``radius`` (a number or ``kind=m,…`` text, metres), metres in the county's UTM zone.

    A province or a city is refused (:class:`InvalidInput`): its coverage is the sum of
    its counties' (:mod:`gis.analysis.coverage_batch`), never one demand set, in which
    a household near a county line would count as covered by the next county's points.
    """
    t0 = time.perf_counter()
    if scope.county is None:
        raise InvalidInput(
            _(
                "{area} is a {level} of several counties: its coverage is the sum of its "
                "counties' coverage, computed county by county (`popgis coverage --area "
                "{area}`); give one county or an area within one",
                area=scope.area_code,
                level=_(scope.level),
            )
        )
    kinds = instance.check_kinds(kinds)
    radius_by_kind = parse_radius(radius, kinds)
    epsg = instance.county_epsg(conn, scope)
    demand = instance.demand_from_db(conn, scope, population, as_of=as_of, epsg=epsg)
    points = instance.service_points(conn, scope, kinds, epsg=epsg)
    t1 = time.perf_counter()
    graph = network.roads_graph(conn, scope, epsg) if use_network else None
    if graph is not None and len(graph.nodes) == 0:
        raise InvalidInput(
            _(
                "no roads loaded in this county: coverage along roads needs `popgis load roads FILE` (or an OSM extract) first"
            )
        )
    t2 = time.perf_counter()
    names = area_names(conn, np.concatenate([demand.village, demand.grid]))
    res = coverage(
        demand,
        points,
        radius_by_kind,
        graph=graph,
        names=names,
        cell_m=cell_m,
        allow_empty=allow_empty,
    )
    res.seconds = {
        "read": round(t1 - t0, 3),
        "graph": round(t2 - t1, 3),
        **res.seconds,
        "total": round(time.perf_counter() - t0, 3),
    }
    return res
