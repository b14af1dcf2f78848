"""`popgis export map|table|layer|atlas`.

Exports run as the user named with ``--user`` (within that user's jurisdiction) or, by
default, as the operator at the console (``cli:<login>``) with the whole county; either
way they are logged in ``access_log``.
"""

from __future__ import annotations

import getpass
import sys
from datetime import date
from pathlib import Path

import click

from gis import db
from gis.errors import PopgisError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _scope(conn, user: str | None, area: str | None):
    """The scope exports run in: a named user's, or the console operator's."""
    from gis import users
    from gis.gate import scope_for_area

    if user:
        scope = users.scope_of_user(conn, user)
        if scope is None:
            _fail(f"no active user named {user!r}; see `popgis users list`")
        return scope
    code = area or conn.execute(__import__("sqlalchemy").text(
        "SELECT code FROM admin_area WHERE level = 'county' ORDER BY code LIMIT 1")).scalar()
    if code is None:
        _fail("no admin areas loaded; load them with `popgis load admin FILE` first")
    try:
        county = scope_for_area(conn, code[:6] + "000000")
    except PopgisError:
        county = scope_for_area(conn, code)
    return county.__class__(user=f"cli:{getpass.getuser()}", role="county",
                            area_code=county.area_code, path=county.path, level=county.level)


def _run(out: Path, produce) -> None:
    """Prepare the database, run ``produce(conn, ...)`` in one transaction, write OUT."""
    from webmap.cli import prepare

    prepare()
    try:
        with db.engine().begin() as conn:
            data = produce(conn)
    except PopgisError as exc:
        _fail(exc.message)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    click.echo(f"wrote {out} ({len(data):,} bytes)")


def _fmt(out: Path, given: str | None, allowed: tuple[str, ...]) -> str:
    fmt = (given or out.suffix.lstrip(".")).lower()
    if fmt not in allowed:
        _fail(f"cannot tell the format of {out}: use --format {'|'.join(allowed)}")
    return fmt


AREA = click.option("--area", help="12-digit area code (default: the whole jurisdiction)")
USER = click.option("--user", help="export as this user, within their jurisdiction "
                                   "(default: the console operator, whole county)")
OUT = click.option("--out", required=True, type=click.Path(path_type=Path),
                   help="file to write")
AS_OF = click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]),
                     help="date the counts refer to (default today)")


@click.group("export")
def export_group():
    """Briefing maps, atlases, tables and GIS layers, safe to hand out (aggregates
    only, small counts suppressed; every export is logged)."""


@export_group.command("map")
@click.option("--layer", required=True,
              type=click.Choice(["migrants", "density", "coverage", "service-points"]))
@AREA
@click.option("--format", "fmt", type=click.Choice(["png", "pdf"]))
@click.option("--size", type=click.Choice(["A4", "A3"], case_sensitive=False), default="A4")
@click.option("--landscape", is_flag=True)
@click.option("--bbox", help="only this view: west,south,east,north (WGS-84 degrees)")
@AS_OF
@USER
@OUT
def export_map(layer, area, fmt, size, landscape, bbox, as_of, user, out):
    """A 300-dpi briefing map (PNG or PDF)."""
    from gis.exports import mapping

    fmt = _fmt(out, fmt, mapping.FORMATS)
    box = None
    if bbox:
        try:
            box = tuple(float(v) for v in bbox.split(","))
            assert len(box) == 4
        except (ValueError, AssertionError):
            _fail(f"--bbox {bbox!r}: expected four numbers west,south,east,north")
    _run(out, lambda conn: mapping.render_map(
        conn, _scope(conn, user, area), layer, area_code=area, fmt=fmt, size=size.upper(),
        landscape=landscape, bbox=box, as_of=_date(as_of)))


@export_group.command("atlas")
@click.option("--layer", default="migrants",
              type=click.Choice(["migrants", "density", "coverage", "service-points"]))
@AREA
@click.option("--per", type=click.Choice(["village", "township"]), default="village")
@click.option("--size", type=click.Choice(["A4", "A3"], case_sensitive=False), default="A4")
@click.option("--portrait", is_flag=True, help="portrait pages (default landscape)")
@AS_OF
@USER
@OUT
def export_atlas(layer, area, per, size, portrait, as_of, user, out):
    """One PDF: an overview page, then a page per village (or township)."""
    from gis.exports import atlas

    def produce(conn):
        with click.progressbar(length=1, label="atlas pages", file=sys.stderr) as bar:
            def progress(done, total):
                bar.length = total
                bar.update(1)
            return atlas.render_atlas(conn, _scope(conn, user, area), layer, area_code=area,
                                      per=per, size=size.upper(), landscape=not portrait,
                                      as_of=_date(as_of), progress=progress)
    _run(out, produce)


@export_group.command("table")
@AREA
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]))
@AS_OF
@USER
@OUT
def export_table(area, fmt, as_of, user, out):
    """Per-village statistics as XLSX or CSV (UTF-8 with BOM)."""
    from gis.exports import tables

    fmt = _fmt(out, fmt, tables.FORMATS)
    _run(out, lambda conn: tables.export_table(conn, _scope(conn, user, area), area, fmt,
                                               as_of=_date(as_of)))


@export_group.command("layer")
@AREA
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]))
@click.option("--layer", "layers", multiple=True,
              type=click.Choice(["village_stats", "grid_stats", "service_points",
                                 "boundaries"]),
              help="layer(s) to write (default all; GeoJSON takes exactly one)")
@USER
@OUT
def export_layer(area, fmt, layers, user, out):
    """Aggregated layers, service points and boundaries as GeoPackage or GeoJSON."""
    from gis.exports import geo

    fmt = _fmt(out, fmt, geo.FORMATS)
    _run(out, lambda conn: geo.export_layers(conn, _scope(conn, user, area), area, fmt,
                                             list(layers) or None))


def _date(value) -> date | None:
    return value.date() if value is not None else None


def register(group) -> None:
    """Add `export …` to the popgis group."""
    group.add_command(export_group)
