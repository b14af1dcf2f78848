"""Planning jobs as the CLI and the web app run them: instance → solve → tables, GeoJSON.

Results here are aggregates (per village, per grid, per cell); with ``suppress=True``
every count passes the disclosure rule (:mod:`gis.disclosure`) as it leaves the system:
the optimiser works on exact counts, its answers do not.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import sqlalchemy as sa

from gis import disclosure
from gis.analysis import coverage as cov
from gis.analysis import instance
from gis.analysis.instance import Demand, Sites
from gis.analysis.placement import Placement, place


def _protected_table(
    codes, weight, key, parts: dict, names: dict | None, order_by: str
) -> list[dict]:
    """Rows per code with every count passed through :func:`gis.disclosure.protect`:
    ``parts`` maps a column to a 0/1 mask of the units it counts (demand: all)."""
    ok = pd.notna(codes)
    if not ok.any():
        return []
    frame = {"code": codes[ok]}
    for col, mask in parts.items():
        frame[col] = np.where(mask[ok], weight[ok], 0.0)
        frame[col + "_key"] = np.where(mask[ok], key[ok], 0)
    g = pd.DataFrame(frame).groupby("code", sort=True).sum()
    out = []
    for code, r in g.iterrows():
        row = {"code": code, "name": (names or {}).get(code)}
        for col in parts:
            v = disclosure.protect(r[col], int(r[col + "_key"]))
            row[col] = None if v is None else float(v)
        out.append(row)
    out.sort(key=lambda r: (-(r.get(order_by) or 0), -(r.get("demand") or 0), r["code"]))
    return out


def _pct(num, den):
    return None if num is None or not den else round(100.0 * num / den, 2)


def _protect_cells(fc: dict, field: str) -> dict:
    """Cells (gap or newly covered areas) with their value protected; a cell whose value
    is withheld is left out altogether (its outline would show where someone lives)."""
    feats = []
    for f in fc["features"]:
        p = dict(f["properties"])
        v = disclosure.protect(p.get(field), p.pop("key", 0))
        if v is None or v == 0:
            continue
        p[field] = float(v)
        feats.append({**f, "properties": p})
    return {**fc, "features": feats}


def coverage_report(result: cov.CoverageResult, *, suppress: bool = False) -> dict:
    """A coverage result as JSON-ready dict. With ``suppress`` (what leaves the server
    for the map), every count passes the disclosure rule (:mod:`gis.disclosure`)."""
    out = result.to_dict()
    d = result.demand
    if not suppress:
        for f in out["gaps"].get("features", []):
            f["properties"].pop("key", None)
        return out
    covered = result.is_covered
    # coverage_in_db and coverage_of keep both (None only in results built by hand)
    assert d is not None and covered is not None
    key = d.key if d.key is not None else np.zeros(len(d), dtype=np.int64)
    w = d.weight
    total = disclosure.protect(w.sum(), disclosure.key_sum(key))
    cov_n = disclosure.protect(w[covered].sum(), disclosure.key_sum(key[covered]))
    unc_n = disclosure.protect(w[~covered].sum(), disclosure.key_sum(key[~covered]))
    out["totals"].pop("units", None)  # buildings with demand: a small count of places
    out["totals"] = {
        **out["totals"],
        "demand": total,
        "covered": cov_n,
        "uncovered": unc_n,
        "pct_covered": _pct(cov_n, total),
        "unlocated": disclosure.protect(d.unlocated, 0),
    }
    names = {r["code"]: r.get("name") for r in out["villages"] + out["grids"]}
    parts = {"demand": np.ones(len(d), bool), "covered": covered, "uncovered": ~covered}
    for level, codes in (("villages", d.village), ("grids", d.grid)):
        rows = [] if codes is None else _protected_table(codes, w, key, parts, names, "uncovered")
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
            r["pct_covered"] = _pct(r["covered"], r["demand"])
        out[level] = rows
    out["gaps"] = _protect_cells(out["gaps"], "uncovered")
    return out


def before_after(demand: Demand, p: Placement, names: dict | None = None) -> list[dict]:
    """Per village: demand, covered before and after the new sites, % both, most newly
    covered first."""
    if demand.village is None:
        return []
    w = demand.weight
    assert p.unit_covered_before is not None and p.unit_covered_after is not None
    df = pd.DataFrame(
        {
            "code": demand.village,
            "demand": w,
            "before": np.where(p.unit_covered_before, w, 0.0),
            "after": np.where(p.unit_covered_after, w, 0.0),
        }
    )
    df = df[df["code"].notna()]
    g = df.groupby("code").sum()
    g["gain"] = g["after"] - g["before"]
    g = g.sort_values(["gain", "demand"], ascending=False, kind="stable")
    return [
        {
            "code": c,
            "name": (names or {}).get(c),
            "demand": float(r["demand"]),
            "covered_before": float(r["before"]),
            "covered_after": float(r["after"]),
            "newly_covered": float(r["gain"]),
            "pct_before": round(100 * r["before"] / r["demand"], 2),
            "pct_after": round(100 * r["after"] / r["demand"], 2),
        }
        for c, r in g.iterrows()
    ]


def newly_covered_areas(demand: Demand, p: Placement, cell_m: float = cov.GAP_CELL_M) -> dict:
    """Cells whose demand the new sites bring within the radius, as merged polygons."""
    assert p.unit_covered_before is not None and p.unit_covered_after is not None
    new = p.unit_covered_after & ~p.unit_covered_before
    fc = cov.cell_polygons(
        demand,
        np.where(new, demand.weight, 0.0),
        np.zeros(len(demand)),
        cell_m,
        field="newly_covered",
    )
    return fc


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def placement_geojson(
    p: Placement, sites: Sites, *, population: str, extra: dict | None = None
) -> dict:
    """The chosen sites as a GeoJSON FeatureCollection; top-level ``properties`` hold the
    model, objective, covered and total demand and the proven gap."""
    feats = []
    for i in p.chosen:
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(sites.lon[i]), 7), round(float(sites.lat[i]), 7)],
                },
                "properties": {
                    "id": str(sites.ids[i]),
                    "fixed": bool(sites.fixed[i]),
                    "kind": _clean(sites.label[i]) or None,
                    "name": _clean(sites.name[i]) or None,
                    "capacity": _clean(float(sites.capacity[i])),
                },
            }
        )
    props = {k: _clean(v) for k, v in p.summary().items()}
    props["demand"] = population
    props.update(extra or {})
    return {"type": "FeatureCollection", "properties": props, "features": feats}


def sites_csv_rows(fc: dict) -> list[dict]:
    """The chosen sites as rows (id, lon, lat, fixed, kind, name) for a CSV export."""
    return [
        {
            "id": f["properties"]["id"],
            "lon": f["geometry"]["coordinates"][0],
            "lat": f["geometry"]["coordinates"][1],
            "fixed": f["properties"]["fixed"],
            "kind": f["properties"]["kind"] or "",
            "name": f["properties"]["name"] or "",
        }
        for f in fc["features"]
    ]


def first_site_outside(conn, scope, sites: list[dict]) -> tuple[int, str] | None:
    """The number (from 1) of the first of ``sites`` ({lon, lat}) that lies outside the
    scope's area, with the area's name; None when all lie inside (or there are none).
    A site outside serves none of the plan's demand and would be reported as a new
    site all the same."""
    if not sites:
        return None
    row = conn.execute(
        sa.text("""
        SELECT s.n, a.name
        FROM admin_area a,
             unnest(CAST(:lon AS float8[]), CAST(:lat AS float8[])) WITH ORDINALITY
                 AS s(lon, lat, n)
        WHERE a.code = :code
          AND NOT ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326))
        ORDER BY s.n LIMIT 1"""),
        {
            "code": scope.area_code,
            "lon": [float(s["lon"]) for s in sites],
            "lat": [float(s["lat"]) for s in sites],
        },
    ).one_or_none()
    return None if row is None else (int(row.n), row.name)


def plan_in_db(
    conn,
    scope,
    *,
    model: str,
    k: int | None,
    radius: float,
    population: str = "households",
    kinds=instance.SERVICE_KINDS,
    uses=instance.DEFAULT_CANDIDATE_USES,
    grid_centroids: bool = True,
    added: list[dict] | None = None,
    time_limit: float | None = None,
    cover_pct: float = 100.0,
    capacity: float | None = None,
    as_of=None,
    suppress: bool = False,
) -> dict:
    """Place new sites for the scope: demand through the gate, existing active service
    points of ``kinds`` fixed, candidates from buildings of ``uses``, grid centroids and
    ``added`` sites ({lon, lat, name}). Returns the GeoJSON of the chosen sites, the
    before/after table by village and the newly covered areas."""
    epsg = instance.county_epsg(conn, scope)
    demand = instance.demand_from_db(conn, scope, population, as_of=as_of, epsg=epsg)
    sites = instance.sites_in_db(
        conn, scope, kinds=kinds, uses=uses, grid_centroids=grid_centroids, epsg=epsg
    )
    if added:
        frame = pd.DataFrame(
            [
                {"id": f"added:{i + 1}", "lon": s.get("lon"), "lat": s.get("lat")}
                for i, s in enumerate(added)
            ]
        )
        extra = instance.sites_from_table(frame, "added sites", epsg=epsg)
        extra.label[:] = "added"
        extra.name[:] = [s.get("name") or f"新增点 {i + 1}" for i, s in enumerate(added)]
        sites = sites.concat(extra)
    return run_plan(
        demand,
        sites,
        model=model,
        k=k,
        radius=radius,
        time_limit=time_limit,
        cover_pct=cover_pct,
        capacity=capacity,
        names=cov.area_names(conn, demand.village),
        suppress=suppress,
    )


def _protect_plan(demand: Demand, p: Placement, fc: dict, names, model: str):
    """The before/after table, the newly covered areas and the summary counts of a plan,
    through the disclosure rule. The proven bound is withheld (it is an exact count)."""
    w = demand.weight
    key = demand.key if demand.key is not None else np.zeros(len(demand), dtype=np.int64)
    before, after = p.unit_covered_before, p.unit_covered_after
    assert before is not None and after is not None  # set by every solve that reports
    props = fc["properties"]

    def prot(mask):
        return disclosure.protect(w[mask].sum(), disclosure.key_sum(key[mask]))

    everyone = np.ones(len(demand), bool)
    props["total_demand"], props["covered_before"] = prot(everyone), prot(before)
    props["covered_demand"] = prot(after)
    props["pct_covered"] = _pct(props["covered_demand"], props["total_demand"])
    if model in ("mclp", "setcover"):
        props["objective"] = props["covered_demand"] if model == "mclp" else props["objective"]
    props["bound"] = None
    props["unlocated_demand"] = disclosure.protect(demand.unlocated, 0)
    table = []
    if demand.village is not None:
        parts = {
            "demand": everyone,
            "covered_before": before,
            "covered_after": after,
            "newly_covered": after & ~before,
        }
        table = _protected_table(demand.village, w, key, parts, names, "newly_covered")
        for r in table:
            r["pct_before"] = _pct(r["covered_before"], r["demand"])
            r["pct_after"] = _pct(r["covered_after"], r["demand"])
    areas = _protect_cells(newly_covered_areas(demand, p), "newly_covered")
    return table, areas


def run_plan(
    demand: Demand,
    sites: Sites,
    *,
    model,
    k,
    radius,
    time_limit=None,
    cover_pct=100.0,
    capacity=None,
    names=None,
    suppress=False,
) -> dict:
    """Solve and report for any instance (database or files)."""
    capacitated = capacity is not None or bool(np.isfinite(sites.capacity[~sites.fixed]).any())
    if capacity is not None:
        sites.capacity[~sites.fixed] = float(capacity)
    elif capacitated:
        # only some candidates carry a capacity: the rest are unlimited, fixed ones too
        pass
    p = place(
        model,
        demand,
        sites,
        k=k,
        radius=radius,
        time_limit=time_limit,
        cover_pct=cover_pct,
        capacitated=capacitated,
    )
    fc = placement_geojson(
        p,
        sites,
        population=demand.population,
        extra={"unlocated_demand": demand.unlocated, "crs_metric": f"EPSG:{demand.epsg}"},
    )
    table = before_after(demand, p, names)
    areas = newly_covered_areas(demand, p)
    if suppress:
        table, areas = _protect_plan(demand, p, fc, names, model)
    else:
        for f in areas["features"]:
            f["properties"].pop("key", None)
    return {"result": fc, "villages": table, "newly_covered": areas, "placement": p}
