"""`popgis coverage` and `popgis place`: coverage gaps and where to put new sites.

Bad input ends with a one-line message naming what is wrong and exit code 2.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from gis.errors import PopgisError

KINDS_HELP = ("service point kinds, comma-separated: distribution_point, service_station, "
              "clinic, pharmacy, machine, outreach")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _read_frame(path: Path):
    """A whole CSV/XLSX as one DataFrame of strings (``_row`` = spreadsheet row)."""
    import pandas as pd

    from loaders.files import read_table

    with read_table(path) as reader:
        return pd.concat(list(reader), ignore_index=True)


def _scope(conn, area: str | None):
    import sqlalchemy as sa

    from gis.gate import scope_for_area

    if area is None:
        codes = conn.execute(sa.text(
            "SELECT code FROM admin_area WHERE level = 'county' ORDER BY code")).scalars().all()
        if not codes:
            raise PopgisError("no county loaded; run `popgis load admin FILE` or "
                              "`popgis demo` first")
        if len(codes) > 1:
            raise PopgisError(f"several counties are loaded ({', '.join(codes)}); choose one "
                              "with --area CODE")
        area = codes[0]
    return scope_for_area(conn, area, user="cli", role="county")


def _kinds(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def register(group) -> None:
    @group.command("coverage")
    @click.option("--kinds", required=True, help=KINDS_HELP)
    @click.option("--radius", required=True,
                  help="service radius in metres: one number, or kind=metres,… per kind")
    @click.option("--network", "use_network", is_flag=True,
                  help="distance along roads (walking 4.5 km/h) instead of straight line")
    @click.option("--demand", "population", default="households", show_default=True,
                  type=click.Choice(["households", "residents", "migrants", "women15_49"]))
    @click.option("--area", help="12-digit code of the area (default: the county)")
    @click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
                  help="date for ages (women15_49); default today")
    @click.option("--cell", "cell_m", type=float, default=250.0, show_default=True,
                  help="size of the gap cells in metres")
    @click.option("--json", "as_json", is_flag=True, help="print the full result as JSON")
    def coverage_cmd(kinds, radius, use_network, population, area, as_of, cell_m, as_json):
        """Coverage of demand by active service points, per village and grid, with gaps."""
        from gis import db
        from gis.analysis import coverage, plans
        from webmap.cli import prepare

        if cell_m <= 0:
            _fail(f"--cell must be more than 0 metres; got {cell_m:g}")
        prepare()
        try:
            with db.engine().connect() as conn:
                scope = _scope(conn, area)
                res = coverage.coverage_in_db(
                    conn, scope, _kinds(kinds), radius, population=population,
                    use_network=use_network, as_of=as_of.date() if as_of else None,
                    cell_m=cell_m)
        except PopgisError as exc:
            _fail(exc.message)
        out = plans.coverage_report(res)
        if as_json:
            click.echo(json.dumps(out, ensure_ascii=False, indent=1))
            return
        t = out["totals"]
        how = "along roads" if use_network else "straight line"
        click.echo(f"{population}: {t['covered']:g} of {t['demand']:g} covered "
                   f"({t['pct_covered']}%) within {radius} m {how}; "
                   f"{t['unlocated']:g} unlocated; {out['seconds']['total']} s")
        click.echo("villages with most uncovered demand:")
        for v in out["villages"][:10]:
            click.echo(f"  {v['rank']:>3} {v['code']} {v['name'] or '':<12} uncovered "
                       f"{v['uncovered']:g} of {v['demand']:g} ({v['pct_covered']}% covered)")
        click.echo(f"gap areas: {len(out['gaps']['features'])}")

    @group.command("place")
    @click.option("--model", required=True, type=click.Choice(["mclp", "setcover", "pmedian"]))
    @click.option("--k", "k", type=int, help="number of new sites (mclp, pmedian; for "
                                             "setcover an upper limit)")
    @click.option("--radius", required=True, type=float, help="covering radius in metres")
    @click.option("--demand", "population", default="residents", show_default=True,
                  type=click.Choice(["migrants", "women15_49", "residents", "households"]))
    @click.option("--candidates", "candidates_file", type=click.Path(path_type=Path),
                  help="CSV/XLSX of sites: id, lon, lat, optional fixed, capacity")
    @click.option("--demand-file", type=click.Path(path_type=Path),
                  help="CSV/XLSX of demand: id, lon, lat, optional weight")
    @click.option("--time-limit", type=float, help="seconds; stop and state the gap")
    @click.option("--cover", "cover_pct", type=float, default=100.0, show_default=True,
                  help="setcover: % of demand to cover")
    @click.option("--capacity", type=float, help="capacity of every new site (demand it "
                                                 "can serve); turns on the capacitated model")
    @click.option("--kinds", default=",".join(("distribution_point", "service_station",
                                               "clinic", "pharmacy", "machine", "outreach")),
                  help="existing service points kept fixed (database instances); " + KINDS_HELP)
    @click.option("--uses", default="market,enterprise,dormitory,public", show_default=True,
                  help="building uses that are candidate sites (database instances)")
    @click.option("--no-grid-centroids", is_flag=True, help="grid centroids are not candidates")
    @click.option("--area", help="12-digit code of the area (default: the county)")
    @click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="date for ages")
    @click.option("--out", required=True, type=click.Path(path_type=Path),
                  help="GeoJSON file for the chosen sites")
    def place_cmd(model, k, radius, population, candidates_file, demand_file, time_limit,
                  cover_pct, capacity, kinds, uses, no_grid_centroids, area, as_of, out):
        """Choose new sites (MCLP, set cover, p-median), solved to proven optimality."""
        from gis.analysis import instance, plans
        from gis.crs import CRSError
        from loaders.files import FileProblem

        if radius <= 0:
            _fail(f"--radius must be more than 0 metres; got {radius:g}")
        if k is None and model != "setcover":
            _fail(f"--k (the number of new sites) is required for {model}")
        if capacity is not None and capacity <= 0:
            _fail(f"--capacity must be more than 0; got {capacity:g}")
        if time_limit is not None and time_limit <= 0:
            _fail(f"--time-limit must be more than 0 seconds; got {time_limit:g}")
        try:
            if demand_file is not None and candidates_file is not None:
                demand = instance.demand_from_table(_read_frame(demand_file), demand_file.name)
                sites = instance.sites_from_table(_read_frame(candidates_file),
                                                  candidates_file.name, epsg=demand.epsg)
                names = None
            else:
                demand, sites, names = _db_instance(
                    population, demand_file, candidates_file, kinds, uses,
                    not no_grid_centroids, area, as_of)
            res = plans.run_plan(demand, sites, model=model, k=k, radius=radius,
                                 time_limit=time_limit, cover_pct=cover_pct,
                                 capacity=capacity, names=names)
        except FileProblem as exc:
            _fail(str(exc))
        except (PopgisError, CRSError) as exc:
            _fail(getattr(exc, "message", str(exc)))
        fc = res["result"]
        fc["properties"]["villages"] = res["villages"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(fc, ensure_ascii=False, indent=1), encoding="utf-8")
        csv_path = out.with_suffix(".csv")
        with csv_path.open("w", newline="", encoding="utf-8") as f:
            rows = plans.sites_csv_rows(fc)
            writer = csv.DictWriter(f, fieldnames=["id", "lon", "lat", "fixed", "kind", "name"])
            writer.writeheader()
            writer.writerows(rows)
        p = fc["properties"]
        state = "proven optimal" if p["optimal"] else \
            f"stopped ({p['status']}), gap {100 * (p['gap'] or 0):.3f}%"
        click.echo(f"{model}: {p['new_sites']} new sites; objective {p['objective']:g}; "
                   f"covered {p['covered_demand']:g} of {p['total_demand']:g} "
                   f"({p['pct_covered']}%, before {p['covered_before']:g}); {state}; "
                   f"{p['seconds']['total']} s → {out} (+ {csv_path.name})")


def _db_instance(population, demand_file, candidates_file, kinds, uses, grid_centroids,
                 area, as_of):
    """Demand and sites from the database, or one side from a file."""
    from gis import db
    from gis.analysis import coverage, instance
    from webmap.cli import prepare

    prepare()
    with db.engine().connect() as conn:
        scope = _scope(conn, area)
        epsg = instance.county_epsg(conn, scope)
        if demand_file is not None:
            demand = instance.demand_from_table(_read_frame(demand_file), demand_file.name,
                                                epsg=epsg)
            names = None
        else:
            demand = instance.demand_from_db(conn, scope, population,
                                             as_of=as_of.date() if as_of else None, epsg=epsg)
            names = coverage.area_names(conn, demand.village)
        if candidates_file is not None:
            sites = instance.sites_from_table(_read_frame(candidates_file),
                                              candidates_file.name, epsg=epsg)
        else:
            fixed = instance.service_points(conn, scope, _kinds(kinds), epsg=epsg)
            cands = instance.candidate_sites(conn, scope, uses=_kinds(uses),
                                             grid_centroids=grid_centroids, epsg=epsg)
            sites = fixed.concat(cands)
    return demand, sites, names
