"""What every command shares: the error exit, preparing the database, JSON output,
progress bars and the scope a command acts in."""

from __future__ import annotations

import getpass
import json
import sys
from typing import NoReturn

import click

from gis import db
from gis.errors import PopgisError
from gis.messages import _
from gis.progress import bar  # noqa: F401  (the one progress bar style, for commands)

#: ``--json``: print the result as JSON instead of text (every command that prints results)
json_option = click.option("--json", "as_json", is_flag=True, help="print the result as JSON")


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command: ``message`` on standard error, exit ``code`` (2: bad input or a
    problem to fix; 1 is kept for a load that rejected its file)."""
    click.echo(_("error: {message}", message=message), err=True)
    sys.exit(code)


def prepare() -> None:
    """Make the database usable: start the local cluster when needed, migrate. A database
    that cannot be reached ends the command within a few seconds with the fix."""
    try:
        if db.uses_local_cluster():
            db.cluster_start()
        db.wait_until_up(db.database_url())
        db.migrate()
    except PopgisError as exc:
        fail(exc.message)


def echo_json(value) -> None:
    """``value`` as indented JSON (Chinese as it is, dates as text)."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def operator() -> str:
    """The name a console job acts under in the access log: ``cli:<login>``."""
    return f"cli:{getpass.getuser()}"


def scope(conn, area: str | None = None):
    """The scope of a command (see :func:`gis.gate.command_scope`); a problem ends the
    command with its message."""
    from gis.gate import command_scope

    try:
        return command_scope(conn, area, user=operator())
    except PopgisError as exc:
        fail(exc.message)
