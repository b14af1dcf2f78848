"""Per-user API tokens for desktop GIS clients (``Authorization: Bearer …``).

A token is 32 random bytes, shown once when made; only its SHA-256 is stored (table
``api_tokens``), with a read-only scope, when it was made, when it expires and when it
was last used. A fast hash is enough here: unlike a password, a token has 256 bits of
entropy, so it cannot be guessed from its hash, and hashing lets the server find the
token by its value alone. The web app's database role cannot read the hashes: it asks
``popgis_token_scope`` (a SECURITY DEFINER function) for the scope of a token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace

import sqlalchemy as sa

from gis.errors import InvalidInput, NotFound
from gis.gate import Scope
from gis.messages import _

PREFIX = "pgt_"
DEFAULT_DAYS = 90
MAX_DAYS = 366


def _digest(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode()).hexdigest()


def create_token(conn, name: str, *, days: int = DEFAULT_DAYS, label: str | None = None) -> str:
    """A new read-only token for active user ``name``, valid ``days`` days; returns it
    (shown once). Earlier tokens stay valid until they expire or are revoked."""
    if not 1 <= int(days) <= MAX_DAYS:
        raise InvalidInput(
            _("a token lives 1 to {MAX_DAYS} days; got {days}", MAX_DAYS=MAX_DAYS, days=days)
        )
    token = PREFIX + secrets.token_urlsafe(32)
    n = conn.execute(
        sa.text("""
        INSERT INTO api_tokens (user_id, token_hash, expires_at, label)
        SELECT id, :h, now() + make_interval(days => :d), :l FROM app_users
        WHERE name = :n AND active"""),
        {"h": _digest(token), "n": name, "d": int(days), "l": label},
    ).rowcount
    if not n:
        raise NotFound("active user")
    return token


def list_tokens(conn, name: str) -> list[dict]:
    """User ``name``'s tokens (never the hashes): id, scope, label, created, expires,
    last used, revoked, and whether it is valid now."""
    if not conn.execute(sa.text("SELECT 1 FROM app_users WHERE name = :n"), {"n": name}).scalar():
        raise NotFound("user")
    rows = conn.execute(
        sa.text("""
        SELECT t.id, t.scope, t.label, t.created_at, t.expires_at, t.last_used_at,
               t.revoked_at, (t.revoked_at IS NULL AND t.expires_at > now()) AS valid
        FROM api_tokens t JOIN app_users u ON u.id = t.user_id
        WHERE u.name = :n ORDER BY t.id"""),
        {"n": name},
    )
    return [dict(r._mapping) for r in rows]


def revoke_token(conn, token_id: int) -> None:
    """End token ``token_id`` now."""
    n = conn.execute(
        sa.text("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = :i"),
        {"i": int(token_id)},
    ).rowcount
    if not n:
        raise NotFound("token")


def revoke_user_tokens(conn, name: str) -> int:
    """End every token of user ``name``; returns how many were still valid."""
    return conn.execute(
        sa.text("""
        UPDATE api_tokens t SET revoked_at = now() FROM app_users u
        WHERE u.id = t.user_id AND u.name = :n AND t.revoked_at IS NULL
          AND t.expires_at > now()"""),
        {"n": name},
    ).rowcount


def verify_token(conn, token: str | None) -> Scope | None:
    """The scope of a valid token of an active user (its last use recorded), else None.

    The scope's ``token`` marks it read-only: the web app refuses writes made with it.
    """
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = conn.execute(
        sa.text("SELECT * FROM popgis_token_scope(:h)"), {"h": _digest(token)}
    ).one_or_none()
    if row is None:
        return None
    scope = Scope(
        user=row.name, role=row.role, area_code=row.area_code, path=row.path, level=row.level
    )
    return replace(scope, token_scope=row.token_scope)
