"""`popgis parse-address`, `popgis geocode`, `popgis gazetteer export`: thin wrappers
around gis.geocode (files are read with loaders.files; all SQL lives in gis)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

ADDRESS_COLUMNS = {"id": ["编号", "序号", "户号", "household_no"],
                   "address": ["地址", "住址", "现住址", "addr"],
                   "lon": ["经度", "longitude", "lng", "x"],
                   "lat": ["纬度", "latitude", "y"],
                   "crs": ["坐标系", "coordinate system", "datum"]}
OUTPUT_COLUMNS = ["id", "level", "building_id", "village_code", "township_code",
                  "county_code", "lon", "lat", "score", "method", "review"]


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _admin_gazetteer():
    """The database's gazetteer when it can be reached, else the national list only."""
    from gis import db
    from gis.geocode.gazetteer import AdminGazetteer

    try:
        if db.uses_local_cluster() and not db.cluster_status()["running"]:
            raise RuntimeError("no database running")
        with db.engine().connect() as conn:
            return AdminGazetteer.load(conn)
    except Exception:  # parsing still works offline, with the national list
        return AdminGazetteer.national()


@click.command("parse-address")
@click.argument("text", required=False)
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a text file with one address per line (UTF-8 or GBK)")
def parse_address(text, file):
    """Parse TEXT (or each line of --file) and print one JSON object per address: the
    components and the national codes resolved (county, township, village)."""
    from gis.geocode.parse import parsed_json_lines
    from gis.messages import _
    from gis.textfile import TextFileProblem, read_lines

    if (text is None) == (file is None):
        _fail(_("give an address, or --file with one address per line (not both)"))
    try:
        lines = read_lines(file) if file is not None else [text]
    except TextFileProblem as e:
        _fail(e.message)
    out = parsed_json_lines(lines, _admin_gazetteer())
    if out:
        click.echo(out)


@click.command("geocode")
@click.argument("infile", required=False, type=click.Path(path_type=Path))
@click.option("--out", "outfile", type=click.Path(path_type=Path),
              help="output CSV (with IN.csv)")
@click.option("--households", is_flag=True, help="geocode the households table in place")
@click.option("--all", "all_rows", is_flag=True,
              help="with --households: every household, not only those whose input changed")
@click.option("--area", help="with --households: only this area's subtree (12-digit code)")
@click.option("--crs", "default_crs", default="wgs84", show_default=True,
              help="coordinate system of lon/lat where a row has no crs")
def geocode(infile, outfile, households, all_rows, area, default_crs):
    """Geocode IN.csv (columns id, address, optional lon, lat, crs) into --out OUT.csv,
    or the households table in place (--households)."""
    from webmap.cli import prepare

    if households == (infile is not None):
        _fail("give IN.csv --out OUT.csv, or --households")
    prepare()
    if households:
        _geocode_households(all_rows, area)
    else:
        if outfile is None:
            _fail("give --out OUT.csv for the results")
        _geocode_file(infile, outfile, default_crs)


def _text(v) -> str:
    return "" if v is None or (isinstance(v, float) and v != v) else str(v)


def _coord(v) -> str:
    return "" if v is None or v != v else f"{float(v):.7f}"


def _geocode_file(infile: Path, outfile: Path, default_crs: str) -> None:
    import csv

    from gis import db
    from gis.crs import CRSError, normalize_crs
    from gis.geocode.batch import Geocoder
    from loaders.files import FileProblem, match_columns, read_table

    try:
        normalize_crs(default_crs)
    except CRSError as exc:
        _fail(str(exc))
    counts: dict[str, int] = {}
    try:
        reader = read_table(infile)
        cols = match_columns(infile, reader.header, ADDRESS_COLUMNS, {"id", "address"})
        with db.engine().begin() as conn:
            g = Geocoder.load(conn)
            with open(outfile, "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(OUTPUT_COLUMNS)
                for chunk in reader:
                    def col(name, _chunk=chunk):
                        return _chunk[cols[name]].to_numpy() if name in cols else None
                    res = g.table(conn, col("id"), col("address"), col("lon"), col("lat"),
                                  col("crs"), default_crs=default_crs)
                    for r in res.itertuples(index=False):
                        method = r.method if r.level != "unmatched" else f"none: {r.reason}"
                        w.writerow([r.id, r.level, _text(r.building_id), _text(r.village_code),
                                    _text(r.township_code), _text(r.county_code),
                                    _coord(r.lon), _coord(r.lat), f"{float(r.score):.3f}",
                                    method, "true" if r.review else "false"])
                        counts[r.level] = counts.get(r.level, 0) + 1
    except FileProblem as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot read or write a file: {exc}")
    total = sum(counts.values())
    click.echo(f"{total} rows → {outfile}: " + ", ".join(
        f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])))


def _geocode_households(all_rows: bool, area: str | None) -> None:
    from gis import db
    from gis.errors import PopgisError
    from gis.gate.geocoding import geocode_households, system_scope

    with db.engine().begin() as conn:
        try:
            scope = system_scope(conn, area)
        except PopgisError as exc:
            _fail(f"area {area}: {exc.message}")
        state = {"bar": None, "done": 0}

        def progress(done, total):
            if state["bar"] is None:
                state["bar"] = click.progressbar(length=max(total, 1), label="geocoding",
                                                 file=sys.stderr)
                state["bar"].__enter__()
            state["bar"].update(done - state["done"])
            state["done"] = done

        result = geocode_households(conn, scope, all_rows=all_rows, progress=progress)
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
    s = result["summary"]
    click.echo(f"geocoded {result['considered']} households ({result['updated']} changed) "
               f"in {result['seconds']} s")
    for level in ("building", "compound", "group", "village", "township", "county",
                  "unmatched", "none"):
        if level in s["levels"]:
            click.echo(f"  {level:<10} {s['levels'][level]:>9}")
    click.echo(f"  placed by hand {s['manual']}; open review items {s['review_open']}")


@click.group("gazetteer")
def gazetteer_group():
    """The gazetteer of buildings and admin areas."""


@gazetteer_group.command("export")
@click.option("--out", "outfile", required=True, type=click.Path(path_type=Path))
@click.option("--county", help="only this county (6-digit code)")
def gazetteer_export(outfile, county):
    """Write the standard address list (标准地址库), one row per building."""
    from gis import db
    from gis.geocode.export import write_standard_addresses
    from webmap.cli import prepare

    prepare()
    with db.engine().connect() as conn:
        try:
            n = write_standard_addresses(conn, outfile, county)
        except OSError as exc:
            _fail(f"cannot write {outfile}: {exc}")
    click.echo(f"{n} buildings → {outfile}")


def register(group) -> None:
    """Add the geocoding commands to the `popgis` group."""
    group.add_command(parse_address)
    group.add_command(geocode)
    group.add_command(gazetteer_group)
