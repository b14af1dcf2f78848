"""``popgis users …`` (accounts, passwords, login sessions, API tokens for GIS clients)
and ``popgis audit`` (who read which personal data, and unusual reading)."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from cli.common import echo_json, echo_table, fail, json_option, operator, prepare
from gis import db, rules
from gis.errors import PopgisError
from gis.messages import _, role_name


def _dump(rows: list[dict], as_json: bool, as_csv: bool = False) -> None:
    if as_json:
        echo_json(rows)
    elif as_csv:
        from gis import csvfile

        csvfile.to_stream(sys.stdout, list(rows[0]) if rows else [], rows)
    else:
        echo_table(rows)


def _no_user(name: str) -> str:
    return _("no user named {name!r}; see `popgis users list`", name=name)


@click.group("users")
def users_group():
    """Accounts: each has a role and an admin area (their jurisdiction)."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["province", "city", "county", "township", "village", "planner", "auditor"]),
    help="province and city users see aggregates across their counties, never persons",
)
@click.option(
    "--area",
    required=True,
    help="the user's area: 2, 4, 6, 9 or 12 digits (a grid's 15); `popgis areas` lists them",
)
@click.option(
    "--password-stdin", is_flag=True, required=True, help="read the password from standard input"
)
def users_add(name, role, area, password_stdin):
    """Add a user."""
    from gis import users

    password = sys.stdin.readline().rstrip("\n")
    prepare()
    try:
        with db.engine().begin() as conn:
            users.add_user(conn, name, role, area, password)
            added = next(u for u in users.list_users(conn) if u["name"] == name)
    except PopgisError as exc:
        fail(exc.message)
    # the area as stored (330782001 → 330782001000) with its name, the role by its name
    where = f"{added['area_name']} {added['area_code']}"
    click.echo(_("added {name} ({role}, {area})", name=name, role=role_name(role), area=where))


@users_group.command("list")
@json_option
def users_list(as_json):
    """List users."""
    from gis import users

    prepare()
    with db.engine().connect() as conn:
        rows = users.list_users(conn)
    if as_json:
        echo_json(rows)
    else:  # columns aligned by display width (a Chinese character takes two columns)
        echo_table(
            [
                {
                    "name": u["name"],
                    "role": role_name(u["role"]),
                    "area_code": u["area_code"],
                    "area_name": u["area_name"],
                    "active": u["active"],
                }
                for u in rows
            ]
        )


@users_group.command("disable")
@click.argument("name")
def users_disable(name):
    """Disable a user (they can no longer log in).

    `popgis users enable NAME` lets them log in again; both are logged in the access log
    (user_disable, user_enable)."""
    from gis import users

    prepare()
    try:
        with db.engine().begin() as conn:
            users.disable_user(conn, name, by=operator())
    except PopgisError:
        fail(_no_user(name))
    click.echo(_("disabled {name}", name=name))


@users_group.command("enable")
@click.argument("name")
def users_enable(name):
    """Enable a disabled user (they can log in again).

    With their password as it was (a new one: `popgis users passwd NAME`); logged in the
    access log as user_enable."""
    from gis import users

    prepare()
    try:
        with db.engine().begin() as conn:
            was_disabled = users.enable_user(conn, name, by=operator())
    except PopgisError:
        fail(_no_user(name))
    if was_disabled:
        click.echo(_("enabled {name}: they can log in again", name=name))
    else:
        click.echo(_("{name} is enabled already (nothing changed)", name=name))


@users_group.command("unlock")
@click.argument("name", required=False)
@click.option("--address", metavar="IP", help="also (or only) unlock this client address")
def users_unlock(name, address):
    """Clear the failed logins, back-off and lock of NAME and/or a client --address
    (logged in the access log as login_unlock)."""
    import ipaddress

    from gis import logins

    if not name and not address:
        fail(_("name an account or an address to unlock"))
    if address:
        try:
            address = str(ipaddress.ip_address(address.strip()))
        except ValueError:
            fail(_("{address!r} is not an IP address", address=address))
    prepare()
    try:
        with db.engine().begin() as conn:
            n = logins.unlock(conn, operator(), name=name, address=address)
    except PopgisError as exc:
        fail(exc.message)
    click.echo(
        _(
            "unlocked {what} ({n} lock record(s) cleared)",
            what=" + ".join(filter(None, (name, address))),
            n=n,
        )
    )


@users_group.command("passwd")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    required=True,
    help="read the new password from standard input",
)
def users_passwd(name, password_stdin):
    """Give NAME a new password; their open sessions end."""
    from gis import users

    password = sys.stdin.readline().rstrip("\n")
    prepare()
    try:
        with db.engine().begin() as conn:
            users.set_password(conn, name, password)
    except PopgisError as exc:
        fail(exc.message)
    click.echo(_("new password for {name}; their sessions have ended", name=name))


@users_group.command("sessions")
@click.argument("name")
@click.option("--revoke", "revoke", is_flag=True, help="end all of NAME's open sessions")
@json_option
def users_sessions(name, revoke, as_json):
    """List NAME's login sessions (started, last used, expires, address, ended and why);
    --revoke ends the open ones."""
    from gis import sessions

    prepare()
    try:
        with db.engine().begin() as conn:
            if revoke:
                n = sessions.end_user(conn, name, "revoked")
                if as_json:
                    echo_json({"revoked": n})
                else:
                    click.echo(_("ended {n} session(s) of {name}", n=n, name=name))
                return
            rows = sessions.list_sessions(conn, name)
    except PopgisError:
        fail(_no_user(name))
    _dump(rows, as_json)


@users_group.command("token")
@click.argument("name")
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    default=90,
    show_default=True,
    help="how long the token is valid",
)
@click.option("--label", default=None, help="what the token is for (e.g. 'QGIS office')")
@click.option("--revoke", is_flag=True, help="end all of NAME's tokens instead")
@json_option
def users_token(name, days, label, revoke, as_json):
    """Make a read-only API token for NAME (printed once; only its hash is kept). Send it
    as `Authorization: Bearer TOKEN`."""
    from gis import users_tokens

    prepare()
    try:
        with db.engine().begin() as conn:
            if revoke:
                n = users_tokens.revoke_user_tokens(conn, name)
                if as_json:
                    echo_json({"revoked": n})
                else:
                    click.echo(_("revoked {n} token(s) of {name}", n=n, name=name))
                return
            token = users_tokens.create_token(conn, name, days=days, label=label)
            info = users_tokens.list_tokens(conn, name)[-1]
    except PopgisError as exc:
        fail(_("{message}; see `popgis users list`", message=exc.message))
    if as_json:
        echo_json({"token": token, **info})
        return
    click.echo(token)
    click.echo(
        _(
            "read-only API token {id} of {name}, valid until {until} (shown once). "
            "QGIS/GDAL: send the header `Authorization: Bearer <token>`",
            id=info["id"],
            name=name,
            until=rules.shown(info["expires_at"]),
        ),
        err=True,
    )


@users_group.command("tokens")
@click.argument("name")
@json_option
def users_tokens_list(name, as_json):
    """List NAME's API tokens: id, scope, label, created, expires, last used, revoked."""
    from gis import users_tokens

    prepare()
    try:
        with db.engine().connect() as conn:
            rows = users_tokens.list_tokens(conn, name)
    except PopgisError:
        fail(_no_user(name))
    _dump(rows, as_json)


@users_group.command("revoke-token")
@click.argument("token_id", type=int)
@json_option
def users_revoke_token(token_id, as_json):
    """End API token TOKEN_ID (see `popgis users tokens NAME`)."""
    from gis import users_tokens

    prepare()
    try:
        with db.engine().begin() as conn:
            users_tokens.revoke_token(conn, token_id)
    except PopgisError:
        fail(_("no token {id}; see `popgis users tokens NAME`", id=token_id))
    if as_json:
        echo_json({"revoked": token_id})
    else:
        click.echo(_("revoked token {id}", id=token_id))


@click.command("audit")
@click.option("--user", "user", default=None, help="only this user's entries")
@click.option("--household", default=None, help="reads of this household (number or id)")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    default=None,
    help="from this date (YYYY-MM-DD, a day in China time) on",
)
@click.option("--limit", type=click.IntRange(1, 100000), default=1000, show_default=True)
@click.option(
    "--unusual",
    is_flag=True,
    help="list accounts whose reads in an hour of the last day are far above "
    "their own usual level, instead of entries",
)
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="CSV (UTF-8 with BOM) on stdout")
def audit(user, household, since: datetime | None, limit, unusual, as_json, as_csv):
    """The access log: who read which personal data and exported what, when, from where."""
    from gis import audit as gis_audit

    if as_json and as_csv:
        fail(_("choose one of --json and --csv"))
    for option, value in (("--user", user), ("--household", household)):
        if value is not None and not value.strip():
            # `--household ''` (a variable left unset in a script) listed every entry
            fail(
                _(
                    "{option} is empty: give a value, or leave {option} out for every entry",
                    option=option,
                )
            )
    prepare()
    with db.engine().connect() as conn:
        if unusual:
            rows = gis_audit.unusual(conn)
        else:
            try:
                rows = gis_audit.entries(
                    conn, user=user, household=household, since=since, limit=limit
                )
            except PopgisError as exc:  # a --household that is no household of the scope
                fail(exc.message)
    if not as_json and not as_csv:
        # codes stay in JSON and CSV (for programs); the table shows names
        rows = [_audit_names(r) for r in rows]
    _dump(rows, as_json, as_csv)


def _audit_names(row: dict) -> dict:
    """An access-log row with its role, action and target kind by name, as the web
    audit page names them (``map:density`` → "map · density map")."""
    from gis.messages import language
    from webmap.audit import action_label, target_label

    lang = language()
    out = dict(row)
    if "role" in out:
        out["role"] = role_name(out["role"]) if out["role"] else "—"
    if "action" in out:
        out["action"] = action_label(out["action"], lang)
    if "target_kind" in out:
        out["target_kind"] = target_label(out["target_kind"], lang)
    return out
