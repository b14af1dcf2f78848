"""Accounts: each user has a role and one node of the admin tree (their jurisdiction)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

import sqlalchemy as sa

from gis import audit, sessions, users_tokens
from gis.errors import InvalidInput, NotFound
from gis.gate import Scope
from gis.logins import check_password_policy
from gis.messages import _, clip, role_name
from gis.scope import area_scope_of

ROLES = ("province", "city", "county", "township", "village", "planner", "auditor")
# Which admin levels each role may be assigned to. Province and city users see
# aggregates across their counties, never persons (gis.gate.PEOPLE_ROLES).
ROLE_LEVELS = {
    "province": {"province"},
    "city": {"city"},
    "county": {"county"},
    "township": {"township"},
    "village": {"village", "grid"},
    "planner": {"county", "township"},
    "auditor": {"county", "township", "village"},
}
#: an account name: ASCII letters, digits, "_", "." and "-", starting with a letter, at
#: most 64 characters. Names are read in the access log and typed at the command line:
#: a trailing space, full-width letters, bidi controls or a line break made one name look
#: like another (or a forged log line), and "cli:" is how console operators are logged.
NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")


def valid_name(name: str) -> bool:
    """True for a name :data:`NAME_PATTERN` allows (so never ``cli:…``)."""
    return NAME_PATTERN.fullmatch(name) is not None


def check_name(name: str) -> None:
    """Raise InvalidInput naming the rule when ``name`` may not be an account's."""
    if not valid_name(name):
        raise InvalidInput(
            _(
                "account name {name} is not allowed: use 1-64 ASCII letters, digits, '_', "
                "'.' or '-', starting with a letter ('cli:' names the console's operators)",
                name=ascii(clip(name, 40)),
            )
        )


# argon2id with the library's defaults (t=3, m=64 MiB, p=4: above OWASP's minimum).
_ARGON2 = {"time_cost": 3, "memory_cost": 65536, "parallelism": 4, "hash_len": 32}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _argon2_prefix(salt: bytes, p: dict = _ARGON2) -> str:
    return (
        f"$argon2id$v=19$m={p['memory_cost']},t={p['time_cost']},p={p['parallelism']}${_b64(salt)}"
    )


def hash_password(password: str) -> str:
    """A salted argon2id hash in the usual encoding (``$argon2id$v=19$m=…$salt$hash``)."""
    return hash_with(_argon2_prefix(secrets.token_bytes(16)), password)


def hash_with(prefix: str, password: str) -> str:
    """The hash of ``password`` with the algorithm, parameters and salt of ``prefix``
    (a stored hash without its last ``$`` part): argon2id, or the older scrypt."""
    from argon2.low_level import Type, hash_secret_raw

    parts = prefix.split("$")
    if prefix.startswith("$argon2id$"):
        params = dict(kv.split("=") for kv in parts[3].split(","))
        raw = hash_secret_raw(
            password.encode(),
            _unb64(parts[4]),
            time_cost=int(params["t"]),
            memory_cost=int(params["m"]),
            parallelism=int(params["p"]),
            hash_len=32,
            type=Type.ID,
        )
        return f"{prefix}${_b64(raw)}"
    if parts[0] == "scrypt" and len(parts) == 5:
        _x, n, r, p, salt = parts
        digest = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r), p=int(p)
        )
        return f"{prefix}${base64.b64encode(digest).decode()}"
    # an unknown name: the same work as a real login, with a salt made from the prefix
    fake_salt = hashlib.sha256(prefix.encode()).digest()[:16]
    return hash_with(_argon2_prefix(fake_salt), password)


def check_password(stored: str, password: str) -> bool:
    """Constant-time check of ``password`` against a hash from ``hash_password``."""
    prefix, _x, _x = stored.rpartition("$")
    if not prefix:
        return False
    return hmac.compare_digest(hash_with(prefix, password).encode(), stored.encode())


def needs_rehash(stored: str) -> bool:
    """True for a hash made with an older algorithm or weaker parameters."""
    return not stored.startswith(_argon2_prefix(b""))


#: the levels from the top, for messages
LEVEL_ORDER = ("province", "city", "county", "township", "village", "grid")


def role_levels(role: str) -> str:
    """The levels a role's accounts are assigned to, from the top ("county or township")."""
    return _(" or ").join(_(lv) for lv in LEVEL_ORDER if lv in ROLE_LEVELS[role])


def add_user(
    conn, name: str, role: str, area_code: str, password: str, *, hashed: str | None = None
) -> int:
    """Create a user of area ``area_code`` (any form `--area` takes:
    :func:`gis.scope.checked_area_code`); raises InvalidInput (NotFound for an area
    not loaded) naming what is wrong and how to fix it.

    ``hashed``: :func:`hash_password` of ``password`` made by the caller, for demo
    accounts that share one published password (a hash takes about 0.1 s of both
    cores, a province has about a hundred of them)."""
    if role not in ROLES:
        raise InvalidInput(
            _("unknown role {role!r}; expected one of {items}", role=role, items=", ".join(ROLES))
        )
    check_name(name)
    check_password_policy(password, name=name)
    # any form of --area (33, 3307, 330782, 330782001 or 12 digits, a grid's 15); a
    # malformed code or one of no area loaded is named with `popgis areas`
    where = area_scope_of(conn, area_code)
    area_code, level = where.area_code, where.level
    if level not in ROLE_LEVELS[role]:
        raise InvalidInput(
            _(
                "{role} accounts are assigned to an area of level {items}; {area_code} is of "
                "level {level}",
                role=role_name(role),
                items=role_levels(role),
                area_code=area_code,
                level=_(level),  # the level's name (村/社区), not its code
            )
        )
    active = conn.execute(
        sa.text("SELECT active FROM app_users WHERE name = :n"), {"n": name}
    ).scalar()
    if active is False:  # the account to bring back, not a new one
        raise InvalidInput(
            _(
                "user {name!r} exists already, disabled; `popgis users enable {name}` lets "
                "them log in again",
                name=name,
            )
        )
    if active:
        raise InvalidInput(_("user {name!r} exists already", name=name))
    return conn.execute(
        sa.text(
            "INSERT INTO app_users (name, role, area_code, password_hash) "
            "VALUES (:n, :r, :a, :h) RETURNING id"
        ),
        {"n": name, "r": role, "a": area_code, "h": hashed or hash_password(password)},
    ).scalar()


def list_users(conn) -> list[dict]:
    """All users with role, area and status (never the password hash)."""
    rows = conn.execute(
        sa.text(
            "SELECT u.name, u.role, u.area_code, a.name AS area_name, a.level AS area_level, "
            "u.active, u.created_at FROM app_users u JOIN admin_area a ON a.code = u.area_code "
            "ORDER BY u.name"
        )
    )
    return [dict(r._mapping) for r in rows]


def disable_user(conn, name: str, *, by: str | None = None) -> None:
    """Disable user ``name``: no login, and every open session and token ends now;
    logged in the access log as ``user_disable`` by ``by`` when given (the command
    line's operator)."""
    _set_active(conn, name, False, by)
    sessions.end_user(conn, name, "disabled")
    users_tokens.revoke_user_tokens(conn, name)


def enable_user(conn, name: str, *, by: str | None = None) -> bool:
    """Let user ``name`` log in again (with their password as it was; their ended
    sessions and tokens stay ended); logged as ``user_enable`` by ``by`` when given.
    Returns whether the account was disabled (False: it was active already)."""
    return not _set_active(conn, name, True, by)


def _set_active(conn, name: str, active: bool, by: str | None) -> bool:
    """Set ``name``'s ``active``; returns what it was (NotFound for no such user)."""
    was = conn.execute(
        sa.text(
            "UPDATE app_users u SET active = :a FROM app_users old "
            "WHERE u.name = :n AND old.name = u.name RETURNING old.active"
        ),
        {"a": active, "n": name},
    ).scalar()
    if was is None:
        raise NotFound("user")
    if by is not None and (was != active or not active):  # enabling an active one: no change
        audit.record(
            conn,
            audit.console(by),
            "user_enable" if active else "user_disable",
            target=name,
            detail={"user": name, "was_active": was},
        )
    return was


def set_password(conn, name: str, password: str) -> None:
    """Give user ``name`` a new password (checked like a new one); every open session of
    the user ends, and so does every API token."""
    check_password_policy(password, name=name)
    n = conn.execute(
        sa.text(
            "UPDATE app_users SET password_hash = :h, password_changed_at = now() WHERE name = :n"
        ),
        {"h": hash_password(password), "n": name},
    ).rowcount
    if not n:
        raise NotFound("user")
    sessions.end_user(conn, name, "password changed")
    users_tokens.revoke_user_tokens(conn, name)


def authenticate(conn, name: str, password: str) -> Scope | None:
    """The user's scope if the name and password match an active user, else None.

    The caller never reads the stored hash: ``popgis_login_salt`` gives its algorithm,
    parameters and salt (made-up ones for an unknown name, so both cost the same), the
    password is hashed here, and ``popgis_login_check`` compares. A hash made with an
    older algorithm is replaced by an argon2id one (``popgis_login_rehash``).
    """
    if not valid_name(name):
        # an account made before names had a rule logs in no more; the same work and
        # answer as a wrong password (made-up salt: no name is looked up)
        hash_with("unnamed", password)
        return None
    prefix = conn.execute(sa.text("SELECT popgis_login_salt(:n)"), {"n": name}).scalar()
    attempt = hash_with(prefix, password)
    row = conn.execute(
        sa.text("SELECT * FROM popgis_login_check(:n, :h)"), {"n": name, "h": attempt}
    ).one_or_none()
    if row is None:
        return None
    if needs_rehash(attempt):
        conn.execute(
            sa.text("SELECT popgis_login_rehash(:n, :old, :new)"),
            {"n": name, "old": attempt, "new": hash_password(password)},
        )
    return Scope(
        user=row.name, role=row.role, area_code=row.area_code, path=row.path, level=row.level
    )


def scope_of_user(conn, name: str) -> Scope | None:
    """The scope of an active user (for a logged-in session), else None."""
    row = conn.execute(
        sa.text(
            "SELECT u.name, u.role, u.area_code, a.path, a.level FROM app_users u "
            "JOIN admin_area a ON a.code = u.area_code WHERE u.name = :n AND u.active"
        ),
        {"n": name},
    ).one_or_none()
    if row is None:
        return None
    return Scope(
        user=row.name, role=row.role, area_code=row.area_code, path=row.path, level=row.level
    )
