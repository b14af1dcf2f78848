"""Login sessions kept in the database, so that they can end.

The browser holds a random token (in the signed session cookie); the table
``app_sessions`` holds its SHA-256 with the user, when it started, when it was last
used, its idle and absolute limits, and when and why it ended. A session ends at logout,
after ``POPGIS_SESSION_IDLE_MINUTES`` without a request, ``POPGIS_SESSION_MAX_HOURS``
after login, when the user is disabled or changes password, or when revoked
(``popgis users sessions NAME --revoke``). A cookie copied before any of these is
worthless after it, in every worker at once.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from gis import settings
from gis.errors import NotFound
from gis.gate import Scope

# last_seen_at is written at most this often (seconds): a tile burst is not a write burst
TOUCH_EVERY_S = 30


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_seconds() -> int:
    return int(float(settings.required("POPGIS_SESSION_IDLE_MINUTES")) * 60)


def max_seconds() -> int:
    return int(float(settings.required("POPGIS_SESSION_MAX_HOURS")) * 3600)


def start(conn, name: str, *, address: str | None = None, user_agent: str | None = None) -> str:
    """A new session for active user ``name``; returns its token (for the cookie)."""
    token = secrets.token_urlsafe(32)
    n = conn.execute(
        sa.text("""
        INSERT INTO app_sessions (token_hash, user_id, expires_at, idle_seconds,
                                  client_addr, user_agent)
        SELECT :h, id, now() + make_interval(secs => :max), :idle, :a, :ua
        FROM app_users WHERE name = :n AND active"""),
        {
            "h": _digest(token),
            "n": name,
            "max": max_seconds(),
            "idle": idle_seconds(),
            "a": address,
            "ua": (user_agent or "")[:300],
        },
    ).rowcount
    if not n:
        raise NotFound("active user")
    return token


def resume(conn, token: str | None) -> Scope | None:
    """The scope of a live session (and it is marked as used), else None. A session
    past its idle or absolute limit, or of a disabled user, is ended here."""
    if not token or len(token) > 100:
        return None
    row = conn.execute(
        sa.text("""
        SELECT s.id, u.name, u.role, u.area_code, a.path, a.level, u.active,
               s.ended_at IS NULL AS open, s.expires_at > now() AS in_time,
               s.last_seen_at > now() - make_interval(secs => s.idle_seconds) AS awake,
               s.last_seen_at < now() - make_interval(secs => :touch) AS stale
        FROM app_sessions s JOIN app_users u ON u.id = s.user_id
        JOIN admin_area a ON a.code = u.area_code
        WHERE s.token_hash = :h"""),
        {"h": _digest(token), "touch": TOUCH_EVERY_S},
    ).one_or_none()
    if row is None or not row.open:
        return None
    if not (row.active and row.in_time and row.awake):
        reason = "disabled" if not row.active else "expired" if not row.in_time else "idle"
        _end(conn, "s.id = :id", {"id": row.id}, reason)
        return None
    if row.stale:
        conn.execute(
            sa.text("UPDATE app_sessions SET last_seen_at = now() WHERE id = :id"), {"id": row.id}
        )
    return Scope(
        user=row.name, role=row.role, area_code=row.area_code, path=row.path, level=row.level
    )


def _end(conn, where: str, params: dict, reason: str) -> int:
    return conn.execute(
        sa.text(f"""
        UPDATE app_sessions s SET ended_at = now(), end_reason = :reason
        FROM app_users u WHERE u.id = s.user_id AND s.ended_at IS NULL AND {where}"""),
        {**params, "reason": reason},
    ).rowcount


def end(conn, token: str | None, reason: str = "logout") -> None:
    """End the session of ``token`` (logout)."""
    if token:
        _end(conn, "s.token_hash = :h", {"h": _digest(token)}, reason)


def end_user(conn, name: str, reason: str) -> int:
    """End every open session of user ``name``; returns how many."""
    return _end(conn, "u.name = :n", {"n": name}, reason)


def revoke(conn, session_id: int) -> None:
    """End session ``session_id``."""
    if not _end(conn, "s.id = :id", {"id": int(session_id)}, "revoked"):
        raise NotFound("open session")


def list_sessions(conn, name: str) -> list[dict]:
    """User ``name``'s sessions, newest first (never the token)."""
    if not conn.execute(sa.text("SELECT 1 FROM app_users WHERE name = :n"), {"n": name}).scalar():
        raise NotFound("user")
    rows = conn.execute(
        sa.text("""
        SELECT s.id, s.created_at, s.last_seen_at, s.expires_at, s.client_addr,
               s.user_agent, s.ended_at, s.end_reason,
               (s.ended_at IS NULL AND s.expires_at > now() AND s.last_seen_at >
                now() - make_interval(secs => s.idle_seconds)) AS live
        FROM app_sessions s JOIN app_users u ON u.id = s.user_id
        WHERE u.name = :n ORDER BY s.id DESC"""),
        {"n": name},
    )
    return [dict(r._mapping) for r in rows]
