"""``popgis stats``: counts per table and per admin level; ``popgis areas``: the areas
loaded, by code (what ``--area`` takes)."""

from __future__ import annotations

import click

from cli.common import echo_json, fail, json_option, level_name, prepare
from gis import db
from gis.messages import _


@click.command("stats")
@json_option
def stats_cmd(as_json):
    """Counts per table and per admin level."""
    from gis import stats

    prepare()
    with db.engine().connect() as conn:
        out = {"tables": stats.table_counts(conn), "levels": stats.level_counts(conn)}
    if as_json:
        echo_json(out)
    else:
        for k, v in out["tables"].items():
            click.echo(f"{k:<16} {v:>10}")
        for k, v in out["levels"].items():
            click.echo(f"{k:<16} {v}")


@click.command("areas")
@click.option(
    "--under",
    help="code of an area (2, 4, 6, 9 or 12 digits): list it and the areas directly below it",
)
@json_option
def areas_cmd(under, as_json):
    """Areas loaded, by code: provinces, cities and counties, or those below one."""
    from gis import stats
    from gis.errors import PopgisError
    from gis.messages import text_table
    from gis.scope import area_scope_of

    prepare()
    with db.engine().connect() as conn:
        try:
            where = None if under is None else area_scope_of(conn, under, "--under")
        except PopgisError as exc:
            fail(exc.message)
        rows = stats.areas(conn, where)
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo(_("no county loaded; run `popgis load admin FILE` or `popgis demo` first"))
        return
    table = [[_("area code"), _("level"), _("name")]]
    table += [[r["code"], level_name(r["level"]), r["name"]] for r in rows]
    for line in text_table(table):
        click.echo(line)
