"""Planning jobs as the CLI and the web app run them: instance → solve → tables, GeoJSON.

Results here are aggregates (per village, per grid, per cell); with ``suppress=True``
counts from 1 to ``SMALL_COUNT - 1`` are withheld (``None``, with ``suppressed: true``)
as they leave the system for aggregate-only users.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gis.analysis import coverage as cov
from gis.analysis import instance
from gis.analysis.instance import Demand, Sites
from gis.analysis.placement import Placement, place

SMALL_COUNT = 5


def _small(v) -> bool:
    return v is not None and 0 < v < SMALL_COUNT


def suppress_rows(rows: list[dict], fields) -> list[dict]:
    """Withhold small counts in table rows (and the percentages derived from them)."""
    out = []
    for r in rows:
        r = dict(r)
        if any(_small(r.get(f)) for f in fields):
            for f in fields:
                r[f] = None
            for f in list(r):
                if f.startswith("pct"):
                    r[f] = None
            r["suppressed"] = True
        out.append(r)
    return out


def suppress_features(fc: dict, field: str) -> dict:
    feats = []
    for f in fc["features"]:
        p = dict(f["properties"])
        if _small(p.get(field)):
            p[field] = None
            p["suppressed"] = True
        feats.append({**f, "properties": p})
    return {**fc, "features": feats}


def coverage_report(result: cov.CoverageResult, *, suppress: bool = False) -> dict:
    """A coverage result as JSON-ready dict (optionally with small counts withheld)."""
    out = result.to_dict()
    if suppress:
        fields = ("demand", "covered", "uncovered")
        out["villages"] = suppress_rows(out["villages"], fields)
        out["grids"] = suppress_rows(out["grids"], fields)
        out["gaps"] = suppress_features(out["gaps"], "uncovered")
        out["totals"] = suppress_rows([out["totals"]], fields)[0]
    return out


def before_after(demand: Demand, p: Placement, names: dict | None = None) -> list[dict]:
    """Per village: demand, covered before and after the new sites, % both, most newly
    covered first."""
    if demand.village is None:
        return []
    w = demand.weight
    df = pd.DataFrame({"code": demand.village, "demand": w,
                       "before": np.where(p.unit_covered_before, w, 0.0),
                       "after": np.where(p.unit_covered_after, w, 0.0)})
    df = df[df["code"].notna()]
    g = df.groupby("code").sum()
    g["gain"] = g["after"] - g["before"]
    g = g.sort_values(["gain", "demand"], ascending=False, kind="stable")
    return [{"code": c, "name": (names or {}).get(c), "demand": float(r["demand"]),
             "covered_before": float(r["before"]), "covered_after": float(r["after"]),
             "newly_covered": float(r["gain"]),
             "pct_before": round(100 * r["before"] / r["demand"], 2),
             "pct_after": round(100 * r["after"] / r["demand"], 2)} for c, r in g.iterrows()]


def newly_covered_areas(demand: Demand, p: Placement, cell_m: float = cov.GAP_CELL_M) -> dict:
    """Cells whose demand the new sites bring within the radius, as merged polygons."""
    new = p.unit_covered_after & ~p.unit_covered_before
    fc = cov.cell_polygons(demand, np.where(new, demand.weight, 0.0),
                           np.zeros(len(demand)), cell_m, field="newly_covered")
    return fc


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def placement_geojson(p: Placement, sites: Sites, *, population: str,
                      extra: dict | None = None) -> dict:
    """The chosen sites as a GeoJSON FeatureCollection; top-level ``properties`` hold the
    model, objective, covered and total demand and the proven gap."""
    feats = []
    for i in p.chosen:
        feats.append({"type": "Feature",
                      "geometry": {"type": "Point", "coordinates": [
                          round(float(sites.lon[i]), 7), round(float(sites.lat[i]), 7)]},
                      "properties": {"id": str(sites.ids[i]), "fixed": bool(sites.fixed[i]),
                                     "kind": _clean(sites.label[i]) or None,
                                     "name": _clean(sites.name[i]) or None,
                                     "capacity": _clean(float(sites.capacity[i]))}})
    props = {k: _clean(v) for k, v in p.summary().items()}
    props["demand"] = population
    props.update(extra or {})
    return {"type": "FeatureCollection", "properties": props, "features": feats}


def sites_csv_rows(fc: dict) -> list[dict]:
    """The chosen sites as rows (id, lon, lat, fixed, kind, name) for a CSV export."""
    return [{"id": f["properties"]["id"], "lon": f["geometry"]["coordinates"][0],
             "lat": f["geometry"]["coordinates"][1], "fixed": f["properties"]["fixed"],
             "kind": f["properties"]["kind"] or "", "name": f["properties"]["name"] or ""}
            for f in fc["features"]]


def plan_in_db(conn, scope, *, model: str, k: int | None, radius: float,
               population: str = "households", kinds=instance.SERVICE_KINDS,
               uses=instance.DEFAULT_CANDIDATE_USES, grid_centroids: bool = True,
               added: list[dict] | None = None, time_limit: float | None = None,
               cover_pct: float = 100.0, capacity: float | None = None, as_of=None,
               suppress: bool = False) -> dict:
    """Place new sites for the scope: demand through the gate, existing active service
    points of ``kinds`` fixed, candidates from buildings of ``uses``, grid centroids and
    ``added`` sites ({lon, lat, name}). Returns the GeoJSON of the chosen sites, the
    before/after table by village and the newly covered areas."""
    epsg = instance.county_epsg(conn, scope)
    demand = instance.demand_from_db(conn, scope, population, as_of=as_of, epsg=epsg)
    fixed = instance.service_points(conn, scope, kinds, epsg=epsg)
    cands = instance.candidate_sites(conn, scope, uses=uses, grid_centroids=grid_centroids,
                                     epsg=epsg)
    if added:
        frame = pd.DataFrame([{"id": f"added:{i + 1}", "lon": s.get("lon"),
                               "lat": s.get("lat")} for i, s in enumerate(added)])
        extra = instance.sites_from_table(frame, "added sites", epsg=epsg)
        extra.label[:] = "added"
        extra.name[:] = [s.get("name") or f"新增点 {i + 1}" for i, s in enumerate(added)]
        cands = cands.concat(extra)
    sites = fixed.concat(cands)
    return run_plan(demand, sites, model=model, k=k, radius=radius, time_limit=time_limit,
                    cover_pct=cover_pct, capacity=capacity,
                    names=cov.area_names(conn, demand.village), suppress=suppress)


def run_plan(demand: Demand, sites: Sites, *, model, k, radius, time_limit=None,
             cover_pct=100.0, capacity=None, names=None, suppress=False) -> dict:
    """Solve and report for any instance (database or files)."""
    capacitated = capacity is not None or bool(np.isfinite(sites.capacity[~sites.fixed]).any())
    if capacity is not None:
        sites.capacity[~sites.fixed] = float(capacity)
    elif capacitated:
        # only some candidates carry a capacity: the rest are unlimited, fixed ones too
        pass
    p = place(model, demand, sites, k=k, radius=radius, time_limit=time_limit,
              cover_pct=cover_pct, capacitated=capacitated)
    fc = placement_geojson(p, sites, population=demand.population,
                           extra={"unlocated_demand": demand.unlocated,
                                  "crs_metric": f"EPSG:{demand.epsg}"})
    table = before_after(demand, p, names)
    areas = newly_covered_areas(demand, p)
    if suppress:
        table = suppress_rows(table, ("demand", "covered_before", "covered_after",
                                      "newly_covered"))
        areas = suppress_features(areas, "newly_covered")
        props = fc["properties"]
        small = [f for f in ("covered_demand", "covered_before", "total_demand")
                 if _small(props.get(f))]
        if small:
            extra = ("pct_covered",) + (("objective", "bound") if model == "mclp" else ())
            for f in (*small, *extra):
                props[f] = None
            props["suppressed"] = True
    return {"result": fc, "villages": table, "newly_covered": areas, "placement": p}
