"""``popgis export map|atlas|table|layer``.

Exports run as the user named with ``--user`` (within that user's jurisdiction) or, by
default, as the operator at the console (``cli:<login>``) in the scope of every command
(:func:`gis.gate.command_scope`); either way they are logged in ``access_log``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from cli.common import (
    OutFile,
    bar,
    echo_json,
    fail,
    json_option,
    prepare,
    scope,
    write_whole,
)
from gis import db
from gis.errors import PopgisError
from gis.messages import _


def _area(conn, user: str | None, area: str | None):
    """``(scope, code)`` of an export: the scope of ``--area`` (as typed) for a named
    user or the console operator, checked here once, so that a refusal speaks of
    ``--area`` and `popgis areas` (the web's of ``area=``) and echoes the code as typed
    (an area outside the jurisdiction said exactly as one not loaded, a province or
    city without a county of it); ``code`` its 12-digit code (None without
    ``--area``). Given to an export function, this scope is taken as checked
    (:func:`gis.exports.area_scope`)."""
    from gis import users
    from gis.exports import area_scope
    from gis.scope import checked_area_code

    try:
        if user:
            found = users.scope_of_user(conn, user)
            if found is None:
                fail(_("no active user named {name!r}; see `popgis users list`", name=user))
            code = None if area is None else checked_area_code(area)
        else:
            # the operator works as the area's county staff would (every command's scope:
            # its not-loaded message echoes --area as typed), the export cut to --area
            found = scope(conn, area)
            code = None if area is None else found.area_code
        where = area_scope(conn, found, code, option="--area", given=area)
    except PopgisError as exc:
        fail(exc.message)
    return where, code


def _run(out: Path, as_json: bool, produce) -> None:
    """Prepare the database, run ``produce(conn)`` in one transaction, write OUT (checked
    when read: :class:`cli.common.OutFile`)."""
    prepare()
    try:
        with db.engine().begin() as conn:
            data = produce(conn)
    except PopgisError as exc:
        fail(exc.message)
    write_whole(out, lambda part: part.write_bytes(data))
    if as_json:
        echo_json({"file": str(out), "bytes": len(data)})
    else:
        click.echo(_("wrote {file} ({size} bytes)", file=out, size=f"{len(data):,}"))


def _fmt(out: Path, given: str | None, allowed: tuple[str, ...]) -> str:
    fmt = (given or out.suffix.lstrip(".")).lower()
    if fmt not in allowed:
        fail(
            _(
                "cannot tell the format of {file}: use --format {formats}",
                file=out,
                formats="|".join(allowed),
            )
        )
    return fmt


def _date(value) -> date | None:
    return value.date() if value is not None else None


def _area_code(_ctx, _param, value: str | None) -> str | None:
    """``--area`` as typed (the messages echo it), its form checked before the database
    is touched (:func:`gis.scope.checked_area_code`: 2 to 12 digits, a grid's 15)."""
    from gis.scope import checked_area_code

    if value is not None:
        try:
            checked_area_code(value)
        except PopgisError as exc:
            fail(exc.message)
    return value


AREA = click.option(
    "--area",
    callback=_area_code,
    help="area code: 2, 4, 6, 9 or 12 digits, or a grid's 15 (default: the whole jurisdiction)",
)
USER = click.option(
    "--user",
    help="export as this user, within their jurisdiction "
    "(default: the console operator, whole county)",
)


# --format read before --out wherever it is written, so that a refusal of --out suggests a
# file of the format asked (--format csv --out /tmp/ → /tmp/table.csv, not table.xlsx)
FORMAT_FIRST = True


def _out(example: str):
    """``--out``: the file to write; ``example`` names one in a folder given instead."""
    return click.option("--out", required=True, type=OutFile(example), help="file to write")


AS_OF = click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), help="date the counts refer to (default today)"
)
LAYERS = click.Choice(["migrants", "density", "coverage", "service-points"])


@click.group("export")
def export_group():
    """Briefing maps, atlases, tables and GIS layers, safe to hand out (aggregates
    only, small counts suppressed; every export is logged)."""


@export_group.command("map")
@click.option("--layer", required=True, type=LAYERS)
@AREA
@click.option("--format", "fmt", type=click.Choice(["png", "pdf"]), is_eager=FORMAT_FIRST)
@click.option("--size", type=click.Choice(["A4", "A3"], case_sensitive=False), default="A4")
@click.option("--landscape", is_flag=True)
@click.option("--bbox", help="only this view: west,south,east,north (WGS-84 degrees)")
@AS_OF
@USER
@_out("map.png")
@json_option
def export_map(layer, area, fmt, size, landscape, bbox, as_of, user, out, as_json):
    """A 300-dpi briefing map (PNG or PDF)."""
    from gis.exports import mapping

    fmt = _fmt(out, fmt, mapping.FORMATS)
    from gis.errors import InvalidInput
    from webmap.params import bbox as parse_bbox  # the one strict bbox parser

    try:
        box = parse_bbox(bbox, "--bbox")
    except InvalidInput as exc:
        fail(exc.message)

    def produce(conn):
        where, code = _area(conn, user, area)
        return mapping.render_map(
            conn,
            where,
            layer,
            area_code=code,
            fmt=fmt,
            size=size.upper(),
            landscape=landscape,
            bbox=box,
            as_of=_date(as_of),
        )

    _run(out, as_json, produce)


@export_group.command("atlas")
@click.option("--layer", default="migrants", type=LAYERS)
@AREA
@click.option("--per", type=click.Choice(["village", "township"]), default="village")
@click.option("--size", type=click.Choice(["A4", "A3"], case_sensitive=False), default="A4")
@click.option("--portrait", is_flag=True, help="portrait pages (default landscape)")
@AS_OF
@USER
@_out("atlas.pdf")
@json_option
def export_atlas(layer, area, per, size, portrait, as_of, user, out, as_json):
    """One PDF: an overview page, then a page per village (or township)."""
    from gis.exports import atlas

    def produce(conn):
        where, code = _area(conn, user, area)
        with bar(_("atlas pages")) as progress:
            return atlas.render_atlas(
                conn,
                where,
                layer,
                area_code=code,
                per=per,
                size=size.upper(),
                landscape=not portrait,
                as_of=_date(as_of),
                progress=progress,
            )

    _run(out, as_json, produce)


@export_group.command("table")
@AREA
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), is_eager=FORMAT_FIRST)
@AS_OF
@USER
@_out("table.xlsx")
@json_option
def export_table(area, fmt, as_of, user, out, as_json):
    """Per-village statistics as XLSX or CSV (UTF-8 with BOM)."""
    from gis.exports import tables

    fmt = _fmt(out, fmt, tables.FORMATS)

    def produce(conn):
        where, code = _area(conn, user, area)
        return tables.export_table(conn, where, code, fmt, as_of=_date(as_of))

    _run(out, as_json, produce)


@export_group.command("layer")
@AREA
@click.option("--format", "fmt", type=click.Choice(["gpkg", "geojson"]), is_eager=FORMAT_FIRST)
@click.option(
    "--layer",
    "layers",
    multiple=True,
    type=click.Choice(["village_stats", "grid_stats", "service_points", "boundaries"]),
    help="layer(s) to write (default all; GeoJSON takes exactly one)",
)
@USER
@_out("layer.gpkg")
@json_option
def export_layer(area, fmt, layers, user, out, as_json):
    """Aggregated layers, service points and boundaries as GeoPackage or GeoJSON."""
    from gis.exports import geo

    fmt = _fmt(out, fmt, geo.FORMATS)
    if fmt == "geojson" and len(layers) != 1:
        fail(
            _(
                "a GeoJSON file holds one layer; choose it with --layer ({items}) or use the "
                "GeoPackage format",
                items=", ".join(geo.COLLECTIONS),
            )
        )

    def produce(conn):
        where, code = _area(conn, user, area)
        return geo.export_layers(conn, where, code, fmt, list(layers) or None)

    _run(out, as_json, produce)
