"""``popgis load KIND FILE``: one file, one transaction, every bad row reported."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.common import echo_json, fail, json_option, prepare
from gis import settings


@click.command("load")
@click.argument("kind")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--crs", help="coordinate system of the file: wgs84, gcj02, bd09, cgcs2000 or EPSG:4491-4554"
)
@click.option("--dry-run", is_flag=True, help="check everything, write nothing")
@click.option("--strict", is_flag=True, help="load nothing if any row is bad")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path),
    help="folder for the JSON and CSV report (default POPGIS_VAR_DIR/reports)",
)
@click.option("--user", default=None, help="who is loading (recorded in the batch)")
@json_option
def load(kind, file, crs, dry_run, strict, report_dir, user, as_json):
    """Load FILE as KIND: admin, buildings, roads, landcover, osm, households,
    service-points, teams, events."""
    from gis.crs import CRSError
    from loaders.base import LoadError, get_loader

    prepare()
    try:
        loader = get_loader(kind)
        report = loader.run(
            file,
            crs=crs,
            dry_run=dry_run,
            strict=strict,
            user=user,
            report_dir=report_dir or settings.var_dir() / "reports",
        )
    except (LoadError, CRSError) as exc:
        fail(str(exc))
    if as_json:
        echo_json(report.to_dict())
    else:
        click.echo(report.summary())
    # A dry run is a check: bad rows fail it as they fail a strict load (a script can test
    # the exit status before loading for real).
    # A load whose every row was rejected wrote nothing of use either.
    nothing = report.rejected and not (report.inserted or report.updated or report.unchanged)
    if report.status == "rejected" or (report.status == "dry_run" and report.rejected) or nothing:
        sys.exit(1)
