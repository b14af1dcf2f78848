"""Per-user API tokens for desktop GIS clients (``Authorization: Bearer …``).

A token is 32 random bytes, shown once when made; only its SHA-256 is stored (in
``app_users.api_token_hash``). A fast hash is enough here: unlike a password, a token
has 256 bits of entropy, so it cannot be guessed from its hash, and hashing lets the
server find the user by the token alone. Making a new token replaces the old one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa

from gis.errors import NotFound
from gis.gate import Scope

PREFIX = "pgt_"


def _digest(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


def create_token(conn, name: str) -> str:
    """A new token for active user ``name`` (replacing any earlier one); returns it."""
    token = PREFIX + secrets.token_urlsafe(32)
    n = conn.execute(sa.text("UPDATE app_users SET api_token_hash = :h "
                             "WHERE name = :n AND active"),
                     {"h": _digest(token), "n": name}).rowcount
    if not n:
        raise NotFound("active user")
    return token


def revoke_token(conn, name: str) -> None:
    """Remove user ``name``'s token."""
    n = conn.execute(sa.text("UPDATE app_users SET api_token_hash = NULL WHERE name = :n"),
                     {"n": name}).rowcount
    if not n:
        raise NotFound("user")


def verify_token(conn, token: str | None) -> Scope | None:
    """The scope of the active user owning ``token``, else None."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    row = conn.execute(sa.text(
        "SELECT u.name, u.role, u.area_code, u.api_token_hash, a.path, a.level "
        "FROM app_users u JOIN admin_area a ON a.code = u.area_code "
        "WHERE u.api_token_hash = :h AND u.active"), {"h": digest}).one_or_none()
    if row is None or not hmac.compare_digest(row.api_token_hash, digest):
        return None
    return Scope(user=row.name, role=row.role, area_code=row.area_code, path=row.path,
                 level=row.level)
