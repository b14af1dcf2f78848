"""Accounts: each user has a role and one node of the admin tree (their jurisdiction)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import sqlalchemy as sa

from gis.errors import InvalidInput, NotFound
from gis.gate import Scope

ROLES = ("county", "township", "village", "planner", "auditor")
# Which admin levels each role may be assigned to.
ROLE_LEVELS = {
    "county": {"county"},
    "township": {"township"},
    "village": {"village", "grid"},
    "planner": {"county", "township"},
    "auditor": {"county", "township", "village"},
}
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing: ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return (f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}$"
            f"{b64(salt).decode()}${b64(digest).decode()}")


def check_password(stored: str, password: str) -> bool:
    """Constant-time check of ``password`` against a hash from ``hash_password``."""
    try:
        algo, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algo != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32,
                         n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(got, base64.b64decode(digest))


def add_user(conn, name: str, role: str, area_code: str, password: str) -> int:
    """Create a user; raises InvalidInput naming what is wrong and how to fix it."""
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise InvalidInput("password too short: at least 8 characters")
    level = conn.execute(sa.text("SELECT level FROM admin_area WHERE code = :c"),
                         {"c": area_code}).scalar()
    if level is None:
        raise InvalidInput(f"unknown area code {area_code!r}; list areas with "
                           "`popgis stats --json` or load the admin areas first")
    if level not in ROLE_LEVELS[role]:
        raise InvalidInput(f"a {role} user is assigned to a "
                           f"{' or '.join(sorted(ROLE_LEVELS[role]))}, but {area_code} "
                           f"is a {level}")
    if conn.execute(sa.text("SELECT 1 FROM app_users WHERE name = :n"), {"n": name}).scalar():
        raise InvalidInput(f"user {name!r} exists already")
    return conn.execute(sa.text(
        "INSERT INTO app_users (name, role, area_code, password_hash) "
        "VALUES (:n, :r, :a, :h) RETURNING id"),
        {"n": name, "r": role, "a": area_code, "h": hash_password(password)}).scalar()


def list_users(conn) -> list[dict]:
    """All users with role, area and status (never the password hash)."""
    rows = conn.execute(sa.text(
        "SELECT u.name, u.role, u.area_code, a.name AS area_name, a.level AS area_level, "
        "u.active, u.created_at FROM app_users u JOIN admin_area a ON a.code = u.area_code "
        "ORDER BY u.name"))
    return [dict(r._mapping) for r in rows]


def disable_user(conn, name: str) -> None:
    n = conn.execute(sa.text("UPDATE app_users SET active = false WHERE name = :n"),
                     {"n": name}).rowcount
    if not n:
        raise NotFound("user")


def authenticate(conn, name: str, password: str) -> Scope | None:
    """The user's scope if the name and password match an active user, else None."""
    row = conn.execute(sa.text(
        "SELECT u.name, u.role, u.area_code, u.password_hash, a.path, a.level "
        "FROM app_users u JOIN admin_area a ON a.code = u.area_code "
        "WHERE u.name = :n AND u.active"), {"n": name}).one_or_none()
    if row is None or not check_password(row.password_hash, password):
        return None
    return Scope(user=row.name, role=row.role, area_code=row.area_code, path=row.path,
                 level=row.level)


def scope_of_user(conn, name: str) -> Scope | None:
    """The scope of an active user (for a logged-in session), else None."""
    row = conn.execute(sa.text(
        "SELECT u.name, u.role, u.area_code, a.path, a.level FROM app_users u "
        "JOIN admin_area a ON a.code = u.area_code WHERE u.name = :n AND u.active"),
        {"n": name}).one_or_none()
    if row is None:
        return None
    return Scope(user=row.name, role=row.role, area_code=row.area_code, path=row.path,
                 level=row.level)
