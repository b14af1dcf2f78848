"""``popgis coverage`` and ``popgis place``: coverage gaps and where to put new sites.

Bad input ends with a one-line message naming what is wrong and exit code 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from cli.common import (
    INTERRUPTED,
    OutFile,
    bar,
    checked_dask_options,
    dask_client,
    dask_options,
    echo_json,
    fail,
    json_option,
    operator,
    prepare,
    scope,
    write_whole,
)
from gis.errors import PopgisError
from gis.messages import _

KINDS_HELP = (
    "service point kinds, comma-separated: distribution_point, service_station, "
    "clinic, pharmacy, machine, outreach"
)
ALL_KINDS = ("distribution_point", "service_station", "clinic", "pharmacy", "machine", "outreach")
SITE_COLUMNS = ["id", "lon", "lat", "fixed", "kind", "name"]


def _read_frame(path: Path):
    """A whole CSV/XLSX as one DataFrame of strings (``_row`` = spreadsheet row)."""
    import pandas as pd

    from loaders.files import read_table

    with read_table(path) as reader:
        return pd.concat(list(reader), ignore_index=True)


def _kinds(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


def _positive(name: str, value: float | None, unit: str = "") -> None:
    """Refuse a value of ``name`` that is not a finite number more than 0 (click's float
    takes inf and nan: --capacity nan solved quietly, with another answer)."""
    if value is not None and not math.isfinite(value):
        fail(
            _(
                "{option} must be a finite number more than 0{unit}; got {value:g}",
                option=name,
                unit=unit,
                value=value,
            )
        )
    if value is not None and value <= 0:
        fail(
            _(
                "{option} must be more than 0{unit}; got {value:g}",
                option=name,
                unit=unit,
                value=value,
            )
        )


@click.command("coverage")
@click.option("--kinds", required=True, help=KINDS_HELP)
@click.option(
    "--radius",
    required=True,
    help="service radius in metres: one number, or kind=metres,… per kind",
)
@click.option(
    "--network",
    "use_network",
    is_flag=True,
    help="distance along roads (walking 4.5 km/h) instead of straight line",
)
@click.option(
    "--demand",
    "population",
    default="households",
    show_default=True,
    type=click.Choice(["households", "residents", "migrants", "women15_49"]),
)
@click.option(
    "--area",
    help="code of the area: 2, 4, 6, 9 or 12 digits (default: the county); a province or a city: county by county",
)
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), help="date for ages (women15_49); default today"
)
@click.option(
    "--cell",
    "cell_m",
    type=float,
    default=250.0,
    show_default=True,
    help="size of the gap cells in metres",
)
@click.option("--json", "as_json", is_flag=True, help="print the full result as JSON")
@click.option(
    "--out",
    "outfile",
    type=OutFile("coverage.json"),
    help="also write the full result as JSON to this file",
)
@dask_options(
    "with --area of a province or a city: the counties one after the other in this "
    "process, or one Dask task per county"
)
def coverage_cmd(
    kinds,
    radius,
    use_network,
    population,
    area,
    as_of,
    cell_m,
    as_json,
    outfile,
    engine,
    scheduler,
    workers,
):
    """Coverage of demand by active service points, per village and grid, with gaps.
    For a province or a city (--area): county by county, with the area's totals."""
    from gis import db
    from gis.analysis import coverage, plans
    from gis.analysis.coverage_batch import is_above_county

    _positive("--cell", cell_m, _(" metres"))
    scheduler = checked_dask_options(engine, scheduler)
    prepare()
    try:
        with db.engine().connect() as conn:
            where = scope(conn, area)
            above = is_above_county(where)
            if not above:
                if engine == "dask":
                    fail(
                        _(
                            "--engine dask computes the coverage of a province or a city "
                            "county by county; {area} lies within one county: leave "
                            "--engine dask out",
                            area=where.area_code,
                        )
                    )
                res = coverage.coverage_in_db(
                    conn,
                    where,
                    _kinds(kinds),
                    radius,
                    population=population,
                    use_network=use_network,
                    as_of=as_of.date() if as_of else None,
                    cell_m=cell_m,
                )
    except PopgisError as exc:
        fail(exc.message)
    if above:
        _coverage_by_county(
            where,
            _kinds(kinds),
            radius,
            population,
            use_network,
            as_of.date() if as_of else None,
            cell_m,
            as_json,
            outfile,
            {"scheduler": scheduler, "workers": workers} if engine == "dask" else None,
        )
        return
    out = plans.coverage_report(res)
    if outfile is not None:
        _write_json(outfile, out)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    t = out["totals"]
    how = _("along roads") if use_network else _("straight line")
    click.echo(
        _(
            "{population}: {covered:g} of {demand:g} covered ({pct}%) within {radius} m "
            "{how}; {unlocated:g} unlocated; {seconds} s",
            population=population,
            covered=t["covered"],
            demand=t["demand"],
            pct=t["pct_covered"],
            radius=radius,
            how=how,
            unlocated=t["unlocated"],
            seconds=out["seconds"]["total"],
        )
    )
    click.echo(_("villages with most uncovered demand:"))
    for v in out["villages"][:10]:
        click.echo(
            _(
                "  {rank:>3} {code} {name:<12} uncovered {uncovered:g} of {demand:g} "
                "({pct}% covered)",
                rank=v["rank"],
                code=v["code"],
                name=v["name"] or "",
                uncovered=v["uncovered"],
                demand=v["demand"],
                pct=v["pct_covered"],
            )
        )
    click.echo(_("gap areas: {n}", n=len(out["gaps"]["features"])))


def _write_json(path: Path, value) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=1)
    try:
        write_whole(path, lambda part: part.write_text(text, encoding="utf-8"))
    except OSError as exc:
        fail(_("cannot read or write a file: {problem}", problem=exc))


def _coverage_by_county(
    where,
    kinds: list[str],
    radius: str,
    population: str,
    use_network: bool,
    as_of,
    cell_m: float,
    as_json: bool,
    outfile: Path | None,
    dask: dict | None,
) -> None:
    """Coverage of a province or a city, county by county, in this process or one Dask
    task per county (gis.analysis.coverage_batch); a table per county and the total."""
    import time

    from gis import db
    from gis.analysis import coverage_batch as batch
    from gis.messages import language

    params = batch.Params(
        kinds=tuple(kinds),
        radius=radius,
        population=population,
        use_network=use_network,
        as_of=as_of,
        cell_m=cell_m,
        user=operator(),
        lang=language(),
    )
    t0 = time.perf_counter()
    try:
        batch.check_params(params)  # before a cluster is started for nothing
        url = db.database_url().render_as_string(hide_password=False)
        if dask is None:
            with bar(_("coverage"), unit=_(" counties")) as progress:
                out = batch.coverage_of_area(url, where, params, progress=progress)
        else:
            client, cluster = dask_client(dask, preload=("gis.analysis.coverage_batch",))
            try:
                with bar(_("coverage"), unit=_(" counties")) as progress:
                    out = batch.coverage_of_area(
                        url, where, params, client=client, progress=progress
                    )
            except PopgisError:
                raise
            except Exception as exc:  # a task failed (a worker died too often, …)
                fail(
                    _(
                        "the batch failed on Dask ({problem})",
                        problem=f"{type(exc).__name__}: {exc}",
                    )
                )
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    except PopgisError as exc:
        fail(exc.message)
    except KeyboardInterrupt:  # Ctrl-C: the Dask cluster is closed (finally above)
        fail(_("interrupted (Ctrl-C)"), INTERRUPTED)
    seconds = round(time.perf_counter() - t0, 3)
    run = {"engine": "dask" if dask else "local", "seconds": seconds}
    if dask is not None:
        run["scheduler"] = dask["scheduler"]
        run["workers"] = None if dask["scheduler"] else dask["workers"]
    out = {**out, "run": run}
    if outfile is not None:
        _write_json(outfile, out)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    _echo_by_county(out, radius, use_network)


def _echo_by_county(out: dict, radius: str, use_network: bool) -> None:
    from gis.messages import text_table

    t = out["totals"]
    how = _("along roads") if use_network else _("straight line")
    click.echo(
        _(
            "{area} {name}, {population} within {radius} m {how}: {n} counties; {seconds} s",
            area=out["area"]["code"],
            name=out["area"]["name"],
            population=out["population"],
            radius=radius,
            how=how,
            n=t["counties"],
            seconds=out["run"]["seconds"],
        )
    )
    rows = [
        [
            _("county"),
            _("name"),
            _("demand"),
            _("covered"),
            _("% covered"),
            _("unlocated"),
            _("service points"),
            _("gap areas"),
        ]
    ]
    for c in out["counties"]:
        if "totals" not in c:
            rows.append([c["code"], c["name"], "-", "-", "-", "-", "-", "-"])
            continue
        ct = c["totals"]
        rows.append(
            [
                c["code"],
                c["name"],
                f"{ct['demand']:g}",
                f"{ct['covered']:g}",
                f"{ct['pct_covered']}",
                f"{ct['unlocated']:g}",
                str(c["sites"]),
                str(len(c["gaps"]["features"])),
            ]
        )
    rows.append(
        [
            _("total"),
            out["area"]["name"],
            f"{t['demand']:g}",
            f"{t['covered']:g}",
            f"{t['pct_covered']}",
            f"{t['unlocated']:g}",
            str(t["sites"]),
            str(t["gap_areas"]),
        ]
    )
    for line in text_table(rows):
        click.echo(line)
    for c in out["counties"]:
        if c["problem"]:
            click.echo(
                _("{code} {name}: {problem}", code=c["code"], name=c["name"], problem=c["problem"])
            )


@click.command("place")
@click.option("--model", required=True, type=click.Choice(["mclp", "setcover", "pmedian"]))
@click.option(
    "--k", "k", type=int, help="number of new sites (mclp, pmedian; for setcover an upper limit)"
)
@click.option(
    "--radius",
    required=True,
    help="covering radius in metres, more than 0 and at most 100000 (as coverage's)",
)
@click.option(
    "--demand",
    "population",
    default="residents",
    show_default=True,
    type=click.Choice(["migrants", "women15_49", "residents", "households"]),
)
@click.option(
    "--candidates",
    "candidates_file",
    type=click.Path(path_type=Path),
    help="CSV/XLSX of sites: id, lon, lat, optional fixed, capacity",
)
@click.option(
    "--demand-file",
    type=click.Path(path_type=Path),
    help="CSV/XLSX of demand: id, lon, lat, optional weight",
)
@click.option("--time-limit", type=float, help="seconds; stop and state the gap")
@click.option(
    "--cover",
    "cover_pct",
    type=float,
    default=100.0,
    show_default=True,
    help="setcover: % of demand to cover",
)
@click.option(
    "--capacity",
    type=float,
    help="capacity of every new site (demand it can serve); turns on the capacitated model",
)
@click.option(
    "--kinds",
    default=",".join(ALL_KINDS),
    help="existing service points kept fixed (database instances); " + KINDS_HELP,
)
@click.option(
    "--uses",
    default="market,enterprise,dormitory,public",
    show_default=True,
    help="building uses that are candidate sites (database instances)",
)
@click.option("--no-grid-centroids", is_flag=True, help="grid centroids are not candidates")
@click.option(
    "--area",
    help="a county or an area within one: 6, 9 or 12 digits, or a grid's 15 (default: the county)",
)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="date for ages")
@click.option(
    "--out",
    required=True,
    type=OutFile("sites.geojson"),
    help="GeoJSON file for the chosen sites (and a CSV next to it)",
)
@json_option
def place_cmd(
    model,
    k,
    radius,
    population,
    candidates_file,
    demand_file,
    time_limit,
    cover_pct,
    capacity,
    kinds,
    uses,
    no_grid_centroids,
    area,
    as_of,
    out,
    as_json,
):
    """Choose new sites (MCLP, set cover, p-median), solved to proven optimality."""
    from gis.analysis import instance, plans
    from gis.analysis.coverage import one_radius
    from gis.crs import CRSError
    from loaders.files import FileProblem

    try:  # the one refusal of coverage and the web planner: 0, -5, 200000, 1e308, inf
        radius = one_radius(radius)
    except PopgisError as exc:
        fail(exc.message)
    if k is None and model != "setcover":
        fail(_("--k (the number of new sites) is required for {model}", model=model))
    _positive("--capacity", capacity)
    if not 0 < cover_pct <= 100:  # refused before any work, naming the flag
        fail(
            _(
                "--cover {value:g} is not allowed: the percentage of demand to cover is a "
                "number in (0, 100]; e.g. --cover 95 (100 covers everyone)",
                value=cover_pct,
            )
        )
    _positive("--time-limit", time_limit, _(" seconds"))
    if area is not None and demand_file is not None and candidates_file is not None:
        fail(  # ignored, it would seem to cut the files to the area
            _(
                "--area chooses the database's demand and sites; with both --demand-file "
                "and --candidates nothing is read from the database: leave out --area"
            )
        )
    try:
        if demand_file is not None and candidates_file is not None:
            demand = instance.demand_from_table(_read_frame(demand_file), demand_file.name)
            sites = instance.sites_from_table(
                _read_frame(candidates_file), candidates_file.name, epsg=demand.epsg
            )
            names = None
        else:
            demand, sites, names = _db_instance(
                population,
                demand_file,
                candidates_file,
                kinds,
                uses,
                not no_grid_centroids,
                area,
                as_of,
            )
        res = plans.run_plan(
            demand,
            sites,
            model=model,
            k=k,
            radius=radius,
            time_limit=time_limit,
            cover_pct=cover_pct,
            capacity=capacity,
            names=names,
        )
    except FileProblem as exc:
        fail(str(exc))
    except (PopgisError, CRSError) as exc:
        fail(getattr(exc, "message", str(exc)))
    fc = res["result"]
    fc["properties"]["villages"] = res["villages"]
    csv_path = _write_sites(out, fc)
    p = fc["properties"]
    if as_json:
        echo_json({"out": str(out), "csv": str(csv_path), **p})
        return
    state = (
        _("proven optimal")
        if p["optimal"]
        else _(
            "stopped ({status}), gap {gap}%", status=p["status"], gap=f"{100 * (p['gap'] or 0):.3f}"
        )
    )
    click.echo(
        _(
            "{model}: {new} new sites; objective {objective:g}; covered {covered:g} of "
            "{total:g} ({pct}%, before {before:g}); {state}; {seconds} s → {file} "
            "(+ {csv})",
            model=model,
            new=p["new_sites"],
            objective=p["objective"],
            covered=p["covered_demand"],
            total=p["total_demand"],
            pct=p["pct_covered"],
            before=p["covered_before"],
            state=state,
            seconds=p["seconds"]["total"],
            file=out,
            csv=csv_path.name,
        )
    )


def _write_sites(out: Path, fc: dict) -> Path:
    """The chosen sites as GeoJSON in OUT and as CSV next to it; the CSV's path."""
    from gis import csvfile
    from gis.analysis import plans

    def write_csv(part: Path) -> None:
        with csvfile.open_csv(part, SITE_COLUMNS) as w:
            w.writedicts(SITE_COLUMNS, plans.sites_csv_rows(fc))

    csv_path = out.with_suffix(".csv")
    text = json.dumps(fc, ensure_ascii=False, indent=1)
    write_whole(out, lambda part: part.write_text(text, encoding="utf-8"))
    write_whole(csv_path, write_csv)
    return csv_path


def _one_county_at_a_time(conn, where, given: str | None) -> None:
    """End the command: a placement is planned for one county (or a part of one), as
    its planners and staff plan it; a province's or city's K sites would be one plan
    mixing counties (each county's planner decides its own, with its own service
    points, in its own UTM zone). Names a county to give and how to list them."""
    from gis.scope import jurisdiction

    name, example = jurisdiction(conn, where)
    fail(
        _(
            "--area {area} is {name}: place plans one county (or a township, village or "
            "grid of one) at a time, as the county's planners do; give --area with one of "
            "its counties, e.g. --area {example} (`popgis areas --under {code}` lists them), "
            "and run place once per county",
            area=given,
            name=name,
            example=example,
            code=where.area_code,
        )
    )


def _db_instance(
    population, demand_file, candidates_file, kinds, uses, grid_centroids, area, as_of
):
    """Demand and sites from the database, or one side from a file."""
    from gis import db
    from gis.analysis import coverage, instance

    prepare()
    with db.engine().connect() as conn:
        where = scope(conn, area)
        if where.county is None:  # a province or a city: several counties
            _one_county_at_a_time(conn, where, area)
        epsg = instance.county_epsg(conn, where)
        if demand_file is not None:
            demand = instance.demand_from_table(
                _read_frame(demand_file), demand_file.name, epsg=epsg
            )
            names = None
        else:
            demand = instance.demand_from_db(
                conn, where, population, as_of=as_of.date() if as_of else None, epsg=epsg
            )
            names = coverage.area_names(conn, demand.village)
        if candidates_file is not None:
            sites = instance.sites_from_table(
                _read_frame(candidates_file), candidates_file.name, epsg=epsg
            )
        else:
            sites = instance.sites_in_db(
                conn,
                where,
                kinds=_kinds(kinds),
                uses=_kinds(uses),
                grid_centroids=grid_centroids,
                epsg=epsg,
            )
    return demand, sites, names
