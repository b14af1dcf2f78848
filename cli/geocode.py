"""``popgis parse-address``, ``popgis geocode``, ``popgis gazetteer export``: thin wrappers
around gis.geocode (files are read with loaders.files; all SQL lives in gis)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import (
    INTERRUPTED,
    OutFile,
    bar,
    checked_dask_options,
    dask_options,
    echo_json,
    fail,
    json_option,
    level_name,
    prepare,
    scheduler_unreachable,
    scope,
)
from gis.messages import _

ADDRESS_COLUMNS = {
    "id": ["编号", "序号", "户号", "household_no"],
    "address": ["地址", "住址", "现住址", "addr"],
    "lon": ["经度", "longitude", "lng", "x"],
    "lat": ["纬度", "latitude", "y"],
    "crs": ["坐标系", "coordinate system", "datum"],
}
LEVELS = ("building", "compound", "group", "village", "township", "county", "unmatched", "none")


def _admin_gazetteer():
    """The database's gazetteer: the national list with the counties loaded (their
    villages, aliases, former names). A database that cannot be reached ends the
    command within a few seconds with the fix, as every command (:func:`prepare`):
    parsing with the national list alone would answer worse (no village codes, a
    village read as a compound) without a word."""
    from gis import db
    from gis.geocode.gazetteer import AdminGazetteer

    prepare()
    with db.engine().connect() as conn:
        return AdminGazetteer.load(conn)


@click.command("parse-address")
@click.argument("text", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="a text file with one address per line (UTF-8 or GBK); - reads standard input",
)
def parse_address(text, file):
    """Parse TEXT (or each line of --file) and print one JSON object per address: the
    components and the national codes resolved (county, township, village). Exit 1
    when nothing of an address was recognised in any of them."""
    from gis.geocode.parse import NOTHING, json_line, parse_many, paused_gc
    from gis.messages import _
    from gis.textfile import TextFileProblem, read_lines

    if (text is None) == (file is None):
        fail(_("give an address, or --file with one address per line (not both)"))
    try:
        if file == Path("-"):  # (the Unix habit: read once, as a pipe can only be)
            file = Path("/dev/stdin")
        lines = read_lines(file) if file is not None else [text]
    except TextFileProblem as e:
        fail(e.message)
    gaz = _admin_gazetteer()
    # the output lines too without the cycle collector (see paused_gc): each is a few
    # dicts, and a full collection walks every object of the national list
    with paused_gc():
        parsed = parse_many(lines, gaz)
        out = "\n".join(json_line(p) for p in parsed)
    if parsed:
        click.echo(out)
    if all(NOTHING in p.flags for p in parsed):
        fail(_("nothing of an address recognised"), 1)


@click.command("geocode")
@click.argument("infile", required=False, type=click.Path(path_type=Path))
@click.option("--out", "outfile", type=OutFile("geocoded.csv"), help="output CSV (with IN.csv)")
@click.option("--households", is_flag=True, help="geocode the households table in place")
@click.option(
    "--all",
    "all_rows",
    is_flag=True,
    help="with --households: every household, not only those whose input changed",
)
@click.option(
    "--area", help="with --households: only this area's subtree (its code: 2, 4, 6, 9 or 12 digits)"
)
@click.option(
    "--crs",
    "default_crs",
    default="wgs84",
    show_default=True,
    help="coordinate system of lon/lat where a row has no crs",
)
@dask_options(
    "with IN.csv: this process, or Dask distributed (the file cut into slices of rows, "
    "in input order, geocoded by the workers)"
)
@json_option
def geocode(
    infile, outfile, households, all_rows, area, default_crs, engine, scheduler, workers, as_json
):
    """Geocode IN.csv (columns id, address, optional lon, lat, crs) into --out OUT.csv,
    or the households table in place (--households)."""
    if households == (infile is not None):
        fail(_("give IN.csv --out OUT.csv, or --households"))
    if households and engine != "local":
        fail(_("--engine dask geocodes a file (IN.csv --out OUT.csv), not --households"))
    if area is not None and not households:  # ignored, it would seem to cut the file
        fail(
            _(
                "--area goes with --households (the households of that area); a file is "
                "geocoded whole: leave out --area"
            )
        )
    scheduler = checked_dask_options(engine, scheduler)
    prepare()
    if households:
        _geocode_households(all_rows, area, as_json)
    else:
        if outfile is None:
            fail(_("give --out OUT.csv for the results"))
        dask = {"scheduler": scheduler, "workers": workers} if engine == "dask" else None
        _geocode_file(infile, outfile, default_crs, as_json, dask)


def _geocode_file(
    infile: Path, outfile: Path, default_crs: str, as_json: bool, dask: dict | None = None
) -> None:
    """IN.csv → OUT.csv, in this process or on Dask; both engines format their rows with
    gis.geocode.csvout, so the files are the same bytes. OUT.csv appears only whole."""
    from gis import db
    from gis.crs import CRSError, normalize_crs
    from gis.geocode.batch import Geocoder
    from gis.geocode.csvout import format_lines, remove_stale_part, write_file
    from gis.geocode.distributed import BlockUnreadable, csv_blocks
    from loaders.files import FileProblem, match_columns, read_table

    try:
        normalize_crs(default_crs)
    except CRSError as exc:
        fail(str(exc))
    counts: dict[str, int] = {}
    ignored = 0

    def tally(c: dict, ign: int) -> None:
        nonlocal ignored
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v
        ignored += ign

    try:
        # a part file a killed run (kill -9) left beside OUT.csv goes first, whatever this
        # run's fate (write_file removes its own on any error it sees)
        remove_stale_part(outfile)
        # chunks of 50 k rows: the Dask workers start on the first while the rest is read
        reader = read_table(infile, chunk_rows=50_000)
        cols = match_columns(infile, reader.header, ADDRESS_COLUMNS, {"id", "address"})

        def columns():
            for chunk in reader:
                yield tuple(
                    chunk[cols[name]].to_numpy() if name in cols else None
                    for name in ("id", "address", "lon", "lat", "crs")
                )

        if dask is not None:
            # the workers load the geocoder while this process reads the file
            with (
                _dask_client(dask) as client,
                bar(_("geocoding"), unit=" rows") as progress,
            ):
                # a CSV goes to the workers as bytes, block by block; other tables as
                # columns
                blocks = (
                    csv_blocks(
                        infile,
                        reader.header_row,
                        reader.header,
                        reader.delimiter,
                        reader.encoding,
                        [cols.get(name) for name in ("id", "address", "lon", "lat", "crs")],
                    )
                    if reader.delimiter is not None and reader.encoding is not None
                    else None
                )
                opts = {"default_crs": default_crs, "progress": progress, "tally": tally}
                pieces = client.blocks(blocks, **opts) if blocks else client.text(columns(), **opts)
                try:
                    write_file(outfile, pieces)
                except (FileProblem, OSError):
                    raise
                except Exception as exc:  # a task failed (a worker died too often, …)
                    if isinstance(exc, BlockUnreadable):
                        # a row the parser cannot read: say where, as the single
                        # process says it (the FileProblem of reading the file)
                        for _chunk in read_table(infile, chunk_rows=50_000):
                            pass
                    fail(
                        _(
                            "the batch failed on Dask ({problem}); {file} was not written",
                            problem=f"{type(exc).__name__}: {exc}",
                            file=outfile,
                        )
                    )
        else:
            with (
                db.engine().begin() as conn,
                bar(_("geocoding"), unit=" rows") as progress,
            ):
                g = Geocoder.load(conn)

                def pieces_here():
                    for ids, addresses, lon, lat, crs in columns():
                        res = g.table(conn, ids, addresses, lon, lat, crs, default_crs=default_crs)
                        lines, c, ign = format_lines(res)
                        tally(c, ign)
                        yield "".join(lines)
                        done = sum(counts.values())
                        progress(done, done)

                write_file(outfile, pieces_here())
    except FileProblem as exc:
        fail(str(exc))
    except OSError as exc:
        fail(_("cannot read or write a file: {problem}", problem=exc))
    except KeyboardInterrupt:  # Ctrl-C: the Dask cluster is closed, the part file removed
        fail(_("interrupted (Ctrl-C); {file} was not written", file=outfile), INTERRUPTED)
    total = sum(counts.values())
    if as_json:
        echo_json(
            {"rows": total, "out": str(outfile), "levels": counts, "coordinates_ignored": ignored}
        )
        return
    click.echo(
        _("{total} rows → {file}: ", total=total, file=outfile)
        + ", ".join(
            f"{level_name(k)} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
        )
    )
    if ignored:
        click.echo(
            _(
                "{n} row(s) gave coordinates that cannot be used (not a number, only one of "
                "lon/lat, 0,0 or an unknown CRS): placed by the address alone and marked "
                "review=true; their method column says why. Fix the lon/lat cells or leave "
                "them empty",
                n=ignored,
            ),
            err=True,
        )


def _dask_client(dask: dict):
    """A started :class:`gis.geocode.distributed.DaskGeocoder` (its workers warming up)."""
    from gis import db
    from gis.geocode.distributed import DaskGeocoder

    try:
        return DaskGeocoder(
            db.database_url().render_as_string(hide_password=False),
            scheduler=dask["scheduler"],
            workers=dask["workers"],
        )
    except OSError:  # the scheduler's address cannot be reached (Dask: "Timed out …")
        scheduler_unreachable(dask["scheduler"])


def _geocode_households(all_rows: bool, area: str | None, as_json: bool) -> None:
    from gis import db
    from gis.gate.geocoding import geocode_households

    with db.engine().begin() as conn:
        where = scope(conn, area)
        with bar(_("geocoding"), unit=" households") as progress:
            result = geocode_households(conn, where, all_rows=all_rows, progress=progress)
    if as_json:
        echo_json(result)
        return
    s = result["summary"]
    click.echo(
        _(
            "geocoded {n} households ({changed} changed) in {seconds} s",
            n=result["considered"],
            changed=result["updated"],
            seconds=result["seconds"],
        )
    )
    for level in LEVELS:
        if level in s["levels"]:
            click.echo(f"  {level_name(level):<10} {s['levels'][level]:>9}")
    click.echo(
        _(
            "  placed by hand {manual}; open review items {review}",
            manual=s["manual"],
            review=s["review_open"],
        )
    )


def _county_code(conn, given: str | None) -> str | None:
    """The 6-digit code of ``--county`` (6 or 12 digits), a county loaded; a malformed
    code, one of no area loaded or of an area that is no county is refused in one line
    (it wrote an empty list, exit 0: "0 buildings", as if the county had none)."""
    from gis.errors import PopgisError
    from gis.scope import area_scope_of

    if given is None:
        return None
    try:
        scope = area_scope_of(conn, given, "--county")
    except PopgisError as exc:
        fail(exc.message)
    if scope.level != "county":
        fail(
            _(
                "--county {given} is no county ({level}): give the 6-digit code of a "
                "county; `popgis areas` lists them",
                given=given,
                level=level_name(scope.level),
            )
        )
    return scope.path[:6]


@click.group("gazetteer")
def gazetteer_group():
    """The gazetteer of buildings and admin areas."""


@gazetteer_group.command("export")
@click.option("--out", "outfile", required=True, type=OutFile("addresses.csv"))
@click.option("--county", help="only this county (6-digit code)")
@json_option
def gazetteer_export(outfile, county, as_json):
    """Write the standard address list (标准地址库), one row per building."""
    from gis import db
    from gis.geocode.export import write_standard_addresses

    prepare()
    with db.engine().connect() as conn:
        county = _county_code(conn, county)
        try:
            n = write_standard_addresses(conn, outfile, county)
        except OSError as exc:
            fail(_("cannot write {file}: {problem}", file=outfile, problem=exc))
    if as_json:
        echo_json({"buildings": n, "out": str(outfile)})
    else:
        click.echo(_("{n} buildings → {file}", n=n, file=outfile))
