"""The `popgis` command line: database, loading, demo county, users, stats, serving."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from gis import db, settings
from gis.errors import PopgisError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def prepare() -> None:
    """Make the database usable: start the local cluster when needed, migrate."""
    try:
        if db.uses_local_cluster():
            db.cluster_start()
        db.wait_until_up(db.database_url(), seconds=20)
        db.migrate()
    except PopgisError as exc:
        _fail(exc.message)


@click.group()
def main():
    """popgis: population GIS for county population and family-planning services."""


# ------------------------------------------------------------------ db
@main.group("db")
def db_group():
    """The database: the project's own cluster, or POPGIS_DATABASE_URL."""


@db_group.command("start")
def db_start():
    """Start the project's own PostGIS cluster (creating it the first time)."""
    if not db.uses_local_cluster():
        click.echo("POPGIS_DATABASE_URL is set: using that server, no local cluster")
        return
    try:
        db.cluster_start()
    except PopgisError as exc:
        _fail(exc.message)
    click.echo(f"running: {db.database_url().render_as_string(hide_password=True)}")


@db_group.command("stop")
def db_stop():
    """Stop the project's own cluster."""
    db.cluster_stop()
    click.echo("stopped")


@db_group.command("status")
@click.option("--json", "as_json", is_flag=True)
def db_status(as_json):
    """Show whether the database is reachable and at which schema revision."""
    info = {"local_cluster": db.uses_local_cluster()}
    if db.uses_local_cluster():
        info.update(db.cluster_status())
    if not db.uses_local_cluster() or info.get("running"):
        info["health"] = db.health()
    click.echo(json.dumps(info, indent=2) if as_json else
               "\n".join(f"{k}: {v}" for k, v in info.items()))


@db_group.command("migrate")
def db_migrate():
    """Bring the schema up to date (Alembic)."""
    prepare()
    click.echo("schema up to date")


@db_group.command("url")
def db_url():
    """Print the database URL in use (password hidden)."""
    try:
        click.echo(db.database_url().render_as_string(hide_password=True))
    except PopgisError as exc:
        _fail(exc.message)


# ------------------------------------------------------------------ load
@main.command("load")
@click.argument("kind")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--crs", help="coordinate system of the file: wgs84, gcj02, bd09, cgcs2000 "
                            "or EPSG:4491-4554")
@click.option("--dry-run", is_flag=True, help="check everything, write nothing")
@click.option("--strict", is_flag=True, help="load nothing if any row is bad")
@click.option("--report", "report_dir", type=click.Path(path_type=Path),
              help="folder for the JSON and CSV report (default POPGIS_VAR_DIR/reports)")
@click.option("--user", default=None, help="who is loading (recorded in the batch)")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def load(kind, file, crs, dry_run, strict, report_dir, user, as_json):
    """Load FILE as KIND: admin, buildings, roads, osm, households, service-points,
    teams, events."""
    from gis.crs import CRSError
    from loaders.base import LoadError, get_loader

    prepare()
    try:
        loader = get_loader(kind)
        report = loader.run(file, crs=crs, dry_run=dry_run, strict=strict, user=user,
                            report_dir=report_dir or settings.var_dir() / "reports")
    except (LoadError, CRSError) as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(report.summary())
    if report.status == "rejected":
        sys.exit(1)


# ------------------------------------------------------------------ demo
@main.command("demo")
@click.option("--scale", type=float, default=None,
              help="1.0 = full county (about 1.9 M persons); default POPGIS_DEMO_SCALE")
@click.option("--seed", type=int, default=None, help="default POPGIS_DEMO_SEED")
@click.option("--serve/--no-serve", default=False, help="serve the map afterwards (gunicorn)")
@click.option("--dev", is_flag=True, help="serve with Flask's development server instead")
def demo(scale, seed, serve, dev):
    """Generate (once) and load the demo county 义乌市 (synthetic people), add demo users."""
    from loaders import demo_county

    prepare()
    scale = scale if scale is not None else float(settings.get("POPGIS_DEMO_SCALE"))
    seed = seed if seed is not None else int(settings.get("POPGIS_DEMO_SEED"))
    demo_county.ensure(scale, seed, echo=click.echo)
    click.echo(demo_county.accounts_text())
    if serve:
        _serve(settings.get("POPGIS_HOST"), int(settings.get("POPGIS_PORT")), dev=dev)


@main.command("generate")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--scale", type=float, default=0.053)
@click.option("--seed", type=int, default=1)
def generate(out, scale, seed):
    """Write the demo county's input files to OUT (no database needed)."""
    from loaders import demo as demo_gen

    out.mkdir(parents=True, exist_ok=True)
    counts = demo_gen.generate(out, scale=scale, seed=seed)
    click.echo(json.dumps(counts, ensure_ascii=False))


# ------------------------------------------------------------------ stats
@main.command("stats")
@click.option("--json", "as_json", is_flag=True)
def stats_cmd(as_json):
    """Counts per table and per admin level."""
    from gis import stats

    prepare()
    with db.engine().connect() as conn:
        out = {"tables": stats.table_counts(conn), "levels": stats.level_counts(conn)}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for k, v in out["tables"].items():
            click.echo(f"{k:<16} {v:>10}")
        for k, v in out["levels"].items():
            click.echo(f"{k:<16} {v}")


# ------------------------------------------------------------------ users
@main.group("users")
def users_group():
    """Accounts: each has a role and an admin area (their jurisdiction)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True,
              type=click.Choice(["county", "township", "village", "planner", "auditor"]))
@click.option("--area", required=True, help="12-digit (or grid 15-digit) area code")
@click.option("--password-stdin", is_flag=True, required=True,
              help="read the password from standard input")
def users_add(name, role, area, password_stdin):
    """Add a user."""
    from gis import users

    password = sys.stdin.readline().rstrip("\n")
    prepare()
    try:
        with db.engine().begin() as conn:
            users.add_user(conn, name, role, area, password)
    except PopgisError as exc:
        _fail(exc.message)
    click.echo(f"added {name} ({role}, {area})")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def users_list(as_json):
    """List users."""
    from gis import users

    prepare()
    with db.engine().connect() as conn:
        rows = users.list_users(conn)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    else:
        for u in rows:
            state = "" if u["active"] else " (disabled)"
            click.echo(f"{u['name']:<12} {u['role']:<9} {u['area_code']} {u['area_name']}"
                       f"{state}")


@users_group.command("disable")
@click.argument("name")
def users_disable(name):
    """Disable a user (they can no longer log in)."""
    from gis import users

    prepare()
    try:
        with db.engine().begin() as conn:
            users.disable_user(conn, name)
    except PopgisError:
        _fail(f"no user named {name!r}; see `popgis users list`")
    click.echo(f"disabled {name}")


# ------------------------------------------------------------------ serve
def _serve(host: str, port: int, dev: bool = False) -> None:
    from webmap import server

    # The workers open their own pools after the fork: none of ours may be inherited.
    db.dispose_engines()
    try:
        if dev:
            server.run_dev(host, port, echo=click.echo)
        else:
            server.run_gunicorn(host, port, echo=click.echo)
    except ValueError as exc:
        _fail(str(exc))


@main.command("serve")
@click.option("--host", default=None, help="default POPGIS_HOST")
@click.option("--port", type=int, default=None, help="default POPGIS_PORT")
@click.option("--dev", is_flag=True,
              help="Flask's development server instead of gunicorn (development only)")
def serve(host, port, dev):
    """Serve the web map under gunicorn (default http://127.0.0.1:8000)."""
    prepare()
    _serve(host or settings.get("POPGIS_HOST"), port or int(settings.get("POPGIS_PORT")),
           dev=dev)


# Commands of each capability live in their own module under webmap/commands/, each
# with a `register(group)` function, so that capabilities stay apart.
COMMAND_MODULES = ("geocode", "planning", "exports", "access")


def _register_commands() -> None:
    from webmap import optional_modules

    for module in optional_modules("webmap.commands", COMMAND_MODULES):
        module.register(main)


_register_commands()

if __name__ == "__main__":
    main()
