"""``popgis db start|stop|status|migrate|url``."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from cli.common import OutFile, echo_json, fail, json_option, prepare, stop_marker
from gis import db
from gis.errors import PopgisError
from gis.messages import _


@click.group("db")
def db_group():
    """The database: the project's own cluster, or POPGIS_DATABASE_URL."""


@db_group.command("start")
def db_start():
    """Start the project's own PostGIS cluster (creating it the first time)."""
    if not db.uses_local_cluster():
        click.echo(_("POPGIS_DATABASE_URL is set: using that server, no local cluster"))
        return
    try:
        stop_marker().unlink(missing_ok=True)
        db.cluster_start()
    except PopgisError as exc:
        fail(exc.message)
    click.echo(_("running: {url}", url=db.database_url().render_as_string(hide_password=True)))


@db_group.command("stop")
def db_stop():
    """Stop the project's own cluster; other commands then do not start it again."""
    if not db.uses_local_cluster():
        click.echo(_("POPGIS_DATABASE_URL is set: using that server, no local cluster"))
        return
    db.cluster_stop()
    marker = stop_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("popgis db stop\n")
    click.echo(_("stopped"))


@db_group.command("status")
@json_option
def db_status(as_json):
    """Show whether the database is reachable and at which schema revision."""
    info = {"local_cluster": db.uses_local_cluster()}
    if db.uses_local_cluster():
        info.update(db.cluster_status())
    if not db.uses_local_cluster() or info.get("running"):
        info["health"] = db.health()
    if as_json:
        echo_json(info)
    else:
        click.echo("\n".join(f"{k}: {v}" for k, v in info.items()))


@db_group.command("migrate")
def db_migrate():
    """Bring the schema up to date (Alembic)."""
    prepare()
    click.echo(_("schema up to date"))


@db_group.command("url")
def db_url():
    """Print the database URL in use (password hidden)."""
    try:
        click.echo(db.database_url().render_as_string(hide_password=True))
    except PopgisError as exc:
        fail(exc.message)


@db_group.command("check")
@click.option(
    "--area",
    help="only this area: a province, city, county, township, village or grid code "
    "(2, 4, 6, 9, 12 or 15 digits; `popgis areas` lists them)",
)
@click.option(
    "--csv",
    "csv_path",
    type=OutFile("problems.csv"),
    help="also write the problems to this CSV file (UTF-8 with BOM)",
)
@json_option
def db_check(area, csv_path, as_json):
    """Find stored rows that break today's rules (e.g. an event dated 9999-12-31
    loaded before the date rule). Read-only: nothing is changed or deleted; each row
    is named with what is wrong and how to correct it. Exit code 1 when some are found."""
    from gis import csvfile
    from gis.gate import checks
    from gis.scope import area_scope_of, checked_area_code

    county = path = None
    if area is not None:  # given empty ('' or blanks) it is refused, not taken as "all"
        try:
            checked_area_code(area)  # a malformed code before the database is touched
        except PopgisError as exc:
            fail(exc.message)
    prepare()
    with db.engine().connect() as conn:
        if area is not None:
            try:
                where = area_scope_of(conn, area)
            except PopgisError as exc:
                fail(exc.message)
            county, path = where.county, where.path
        problems = checks.check(conn, county, path)
    rows = checks.as_dicts(problems)
    if csv_path is not None:
        try:
            with csvfile.open_csv(csv_path, CHECK_COLUMNS) as w:
                w.writedicts(CHECK_COLUMNS, rows)
        except OSError as exc:
            fail(_("cannot write {file}: {problem}", file=csv_path, problem=exc.strerror or exc))
    if as_json:
        echo_json({"problems": rows, "count": len(rows)})
    elif not problems:
        click.echo(_("no stored row breaks today's rules"))
    else:
        click.echo(_("{n} stored rows break today's rules (nothing was changed):", n=len(rows)))
        for p in problems:
            click.echo(
                _(
                    "{table} row {row_id} (county {county}, key {key}, household {household}): "
                    "{column} = {value}; rule: {rule}; fix: {fix}",
                    **asdict(p),
                )
            )
    if problems:
        sys.exit(1)


CHECK_COLUMNS = [
    "table",
    "row_id",
    "county",
    "key",
    "household",
    "column",
    "value",
    "rule",
    "fix",
]
