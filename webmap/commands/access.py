"""`popgis users token|tokens|revoke-token` (API tokens for GIS clients),
`popgis users sessions|passwd` (login sessions, passwords) and `popgis audit` (who read
which personal data, and unusual reading)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime

import click

from gis import db
from gis.errors import PopgisError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _dump(rows: list[dict], as_json: bool, as_csv: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    elif as_csv:
        # UTF-8 with BOM (Excel), text that starts like a formula gets an apostrophe
        out = sys.stdout
        out.write("\ufeff")
        if rows:
            w = csv.DictWriter(out, fieldnames=list(rows[0]))
            w.writeheader()
            for r in rows:
                w.writerow({k: _cell(v) for k, v in r.items()})
    else:
        for r in rows:
            click.echo("  ".join(f"{k}={v}" for k, v in r.items() if v not in (None, "")))


def _cell(v):
    if isinstance(v, (list, dict)):
        v = json.dumps(v, ensure_ascii=False, default=str)
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return v


@click.command("token")
@click.argument("name")
@click.option("--days", type=click.IntRange(1, 366), default=90, show_default=True,
              help="how long the token is valid")
@click.option("--label", default=None, help="what the token is for (e.g. 'QGIS office')")
@click.option("--revoke", is_flag=True, help="end all of NAME's tokens instead")
@click.option("--json", "as_json", is_flag=True)
def users_token(name, days, label, revoke, as_json):
    """Make a read-only API token for NAME (printed once; only its hash is kept). Send it
    as `Authorization: Bearer TOKEN`."""
    from gis import users_tokens
    from webmap.cli import prepare

    prepare()
    try:
        with db.engine().begin() as conn:
            if revoke:
                n = users_tokens.revoke_user_tokens(conn, name)
                click.echo(json.dumps({"revoked": n}) if as_json else
                           f"revoked {n} token(s) of {name}")
                return
            token = users_tokens.create_token(conn, name, days=days, label=label)
            info = users_tokens.list_tokens(conn, name)[-1]
    except PopgisError as exc:
        _fail(f"{exc.message}; see `popgis users list`")
    if as_json:
        click.echo(json.dumps({"token": token, **info}, default=str))
        return
    click.echo(token)
    click.echo(f"read-only API token {info['id']} of {name}, valid until "
               f"{info['expires_at']:%Y-%m-%d %H:%M} (shown once). QGIS/GDAL: send the "
               "header `Authorization: Bearer <token>`", err=True)


@click.command("tokens")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def users_tokens_list(name, as_json):
    """List NAME's API tokens: id, scope, label, created, expires, last used, revoked."""
    from gis import users_tokens
    from webmap.cli import prepare

    prepare()
    try:
        with db.engine().connect() as conn:
            rows = users_tokens.list_tokens(conn, name)
    except PopgisError:
        _fail(f"no user named {name!r}; see `popgis users list`")
    _dump(rows, as_json, False)


@click.command("revoke-token")
@click.argument("token_id", type=int)
def users_revoke_token(token_id):
    """End API token TOKEN_ID (see `popgis users tokens NAME`)."""
    from gis import users_tokens
    from webmap.cli import prepare

    prepare()
    try:
        with db.engine().begin() as conn:
            users_tokens.revoke_token(conn, token_id)
    except PopgisError:
        _fail(f"no token {token_id}; see `popgis users tokens NAME`")
    click.echo(f"revoked token {token_id}")


@click.command("sessions")
@click.argument("name")
@click.option("--revoke", "revoke", is_flag=True, help="end all of NAME's open sessions")
@click.option("--json", "as_json", is_flag=True)
def users_sessions(name, revoke, as_json):
    """List NAME's login sessions (started, last used, expires, address, ended and why);
    --revoke ends the open ones."""
    from gis import sessions
    from webmap.cli import prepare

    prepare()
    try:
        with db.engine().begin() as conn:
            if revoke:
                n = sessions.end_user(conn, name, "revoked")
                click.echo(json.dumps({"revoked": n}) if as_json else
                           f"ended {n} session(s) of {name}")
                return
            rows = sessions.list_sessions(conn, name)
    except PopgisError:
        _fail(f"no user named {name!r}; see `popgis users list`")
    _dump(rows, as_json, False)


@click.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, required=True,
              help="read the new password from standard input")
def users_passwd(name, password_stdin):
    """Give NAME a new password; their open sessions end."""
    from gis import users
    from webmap.cli import prepare

    password = sys.stdin.readline().rstrip("\n")
    prepare()
    try:
        with db.engine().begin() as conn:
            users.set_password(conn, name, password)
    except PopgisError as exc:
        _fail(exc.message)
    click.echo(f"new password for {name}; their sessions have ended")


@click.command("audit")
@click.option("--user", "user", default=None, help="only this user's entries")
@click.option("--household", default=None, help="reads of this household (number or id)")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), default=None,
              help="from this date (YYYY-MM-DD) on")
@click.option("--limit", type=click.IntRange(1, 100000), default=1000, show_default=True)
@click.option("--unusual", is_flag=True,
              help="list accounts whose reads in an hour of the last day are far above "
                   "their own usual level, instead of entries")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True, help="CSV (UTF-8 with BOM) on stdout")
def audit(user, household, since: datetime | None, limit, unusual, as_json, as_csv):
    """The access log: who read which personal data and exported what, when, from where."""
    from gis import audit as gis_audit
    from webmap.cli import prepare

    if as_json and as_csv:
        _fail("choose one of --json and --csv")
    prepare()
    with db.engine().connect() as conn:
        if unusual:
            rows = gis_audit.unusual(conn)
        else:
            rows = gis_audit.entries(conn, user=user, household=household, since=since,
                                     limit=limit)
    _dump(rows, as_json, as_csv)


def register(group) -> None:
    """Add `audit` to the popgis group and the token commands to `users`."""
    group.add_command(audit)
    users = group.commands.get("users")
    if users is not None:
        for cmd in (users_token, users_tokens_list, users_revoke_token, users_sessions,
                    users_passwd):
            users.add_command(cmd)
