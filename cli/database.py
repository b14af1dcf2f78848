"""``popgis db start|stop|status|migrate|url``."""

from __future__ import annotations

import click

from cli.common import echo_json, fail, json_option, prepare, stop_marker
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
