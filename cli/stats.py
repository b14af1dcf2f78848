"""``popgis stats``: counts per table and per admin level."""

from __future__ import annotations

import click

from cli.common import echo_json, json_option, prepare
from gis import db


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
