"""``popgis serve``: the only command that imports the web app (and so Flask)."""

from __future__ import annotations

import click

from cli.common import fail, prepare
from gis import db, settings


def run_server(host: str, port: int, dev: bool = False) -> None:
    """Serve the web map under gunicorn (or Flask's development server)."""
    from webmap import server

    # The workers open their own pools after the fork: none of ours may be inherited.
    db.dispose_engines()
    try:
        if dev:
            server.run_dev(host, port, echo=click.echo)
        else:
            server.run_gunicorn(host, port, echo=click.echo)
    except ValueError as exc:
        fail(str(exc))


@click.command("serve")
@click.option("--host", default=None, help="default POPGIS_HOST")
@click.option("--port", type=int, default=None, help="default POPGIS_PORT")
@click.option(
    "--dev", is_flag=True, help="Flask's development server instead of gunicorn (development only)"
)
def serve(host, port, dev):
    """Serve the web map under gunicorn (default http://127.0.0.1:8000)."""
    prepare()
    run_server(
        host or settings.get("POPGIS_HOST"), port or int(settings.get("POPGIS_PORT")), dev=dev
    )
