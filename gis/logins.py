"""Logins that resist guessing: backoff and a temporary lock per account and per client
address, kept in the database (so every worker sees them), every attempt logged; and
the passwords we refuse.

Per account: from the third failure in a row each further attempt must wait 2, 4, 8 …
seconds (at most a minute), and after ``POPGIS_LOGIN_LOCK_AFTER`` failures within
``POPGIS_LOGIN_LOCK_MINUTES`` the account is locked for that long. Per address (one
office may share one) there is no backoff, only the lock, after four times as many
failures. A success clears the account's count, not the address's.
While locked, the password is not even checked, and the answer says when to try again.
Only real password checks that fail count: an attempt refused during the back-off or
the lock (429) is logged as ``login_refused`` and counts for nothing, whatever password
it carried. ``unlock`` (``popgis users unlock``) clears an account or an address.
"""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa

from gis import audit, settings
from gis.errors import InvalidInput
from gis.messages import _

MIN_PASSWORD_LENGTH = 10
# Common Chinese choices that the general frequency list ranks lower than they deserve.
COMMON_PASSWORDS = frozenset(
    {
        "woaini1314",
        "woaini520",
        "5201314",
        "1314520",
        "qq123456",
        "aa123456",
        "a1234567",
        "123qwe",
        "qwe123456",
        "zxcvbnm123",
        "147258369",
        "1qaz2wsx",
        "woaini123",
        "abc123456",
        "iloveyou1314",
        "88888888",
        "66666666",
        "11111111",
        "123123123",
        "12345678910",
    }
)
BACKOFF_FROM = 3
MAX_BACKOFF_S = 60
ADDRESS_FACTOR = 4


def lock_after() -> int:
    return int(settings.required("POPGIS_LOGIN_LOCK_AFTER"))


def lock_seconds() -> int:
    return int(float(settings.required("POPGIS_LOGIN_LOCK_MINUTES")) * 60)


def check_password_policy(password: str, *, name: str = "") -> None:
    """InvalidInput unless ``password`` is long enough and not a common one."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _(
                "password too short: at least {MIN_PASSWORD_LENGTH} characters",
                MIN_PASSWORD_LENGTH=MIN_PASSWORD_LENGTH,
            )
        )
    if password.lower() in COMMON_PASSWORDS or (name and name.lower() in password.lower()):
        raise InvalidInput(
            _(
                "that password is too common or contains the user name; choose another (a few unrelated words work well)"
            )
        )
    result = zxcvbn(password[:100], user_inputs=[name] if name else [])
    if result["score"] < 2:
        raise InvalidInput(
            _(
                "that password is among the commonest or too easy to guess; choose another (a few unrelated words work well)"
            )
        )


def _keys(name: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"user:{name}", lock_after())]
    if address:
        keys.append((f"addr:{address}", lock_after() * ADDRESS_FACTOR))
    return keys


def wait_seconds(conn, name: str, address: str | None) -> int:
    """Seconds before this account or address may try again (0: now). The account backs
    off from its third failure in a row; the address (an office may share one) only
    locks, after four times as many failures."""
    rows = conn.execute(
        sa.text("""
        SELECT greatest(
                   extract(epoch FROM locked_until - now()),
                   CASE WHEN key LIKE 'user:%' AND failures >= :from
                             AND last_failure > now() - make_interval(secs => :window)
                        THEN extract(epoch FROM last_failure - now())
                             + least(:cap, power(2, failures - :from + 1)) END,
                   0) AS wait
        FROM login_throttle WHERE key = ANY(:keys)"""),
        {
            "keys": [k for k, _x in _keys(name, address)],
            "cap": MAX_BACKOFF_S,
            "from": BACKOFF_FROM,
            "window": lock_seconds(),
        },
    ).all()
    return int(max((r.wait for r in rows), default=0) + 0.999)


def refused(conn, name: str, address: str | None, wait: int) -> None:
    """Log an attempt refused unchecked because the account or address must wait: it
    does not count as a failure (its password was never checked)."""
    audit.record(conn, _who(conn, name, address), "login_refused", detail={"wait_s": wait})


def _who(conn, name: str, address: str | None) -> SimpleNamespace:
    """The author of a login entry: the name tried, with the role its account has now
    (none for a name of no account), stored with the entry: the log shows the role of
    the time, not one an account of that name has later."""
    role = conn.execute(sa.text("SELECT role FROM app_users WHERE name = :n"), {"n": name}).scalar()
    return SimpleNamespace(user=name[:100], role=role, address=address)


def unlock(conn, by: str, *, name: str | None = None, address: str | None = None) -> int:
    """Clear the failures, back-off and lock of account ``name`` and/or client
    ``address``; logged as ``login_unlock`` by ``by``. Returns how many were cleared."""
    keys = ([f"user:{name}"] if name else []) + ([f"addr:{address}"] if address else [])
    if not keys:
        raise InvalidInput(_("name an account or an address to unlock"))
    if (
        name
        and not conn.execute(
            sa.text("SELECT 1 FROM app_users WHERE name = :n"), {"n": name}
        ).scalar()
    ):
        # not "unlocked": a mistyped name would leave the real account locked unnoticed
        raise InvalidInput(_("no user named {name!r}; see `popgis users list`", name=name))
    n = conn.execute(
        sa.text("DELETE FROM login_throttle WHERE key = ANY(:keys)"), {"keys": keys}
    ).rowcount
    audit.record(
        conn,
        audit.console(by),
        "login_unlock",
        target=name or address,
        detail={"user": name, "address": address, "cleared": n},
    )
    return n


def record(conn, name: str, address: str | None, ok: bool, *, reason: str = "") -> None:
    """Count a failure of a real password check (locking where the limit is reached) or
    clear the account's count after a success; write the attempt to the access log.
    Attempts refused before the check go to ``refused`` instead."""
    who = _who(conn, name, address)
    if ok:
        conn.execute(
            sa.text("UPDATE login_throttle SET failures = 0, locked_until = NULL WHERE key = :k"),
            {"k": f"user:{name}"},
        )
        audit.record(conn, who, "login")
        return
    for key, limit in _keys(name, address):
        conn.execute(
            sa.text("""
            INSERT INTO login_throttle AS t (key, failures, last_failure)
            VALUES (:k, 1, now())
            ON CONFLICT (key) DO UPDATE SET
                -- failures count within the lock window; a lock that ran out starts over
                failures = CASE WHEN coalesce(t.locked_until < now(), false)
                                  OR t.last_failure < now() - make_interval(secs => :lock)
                                THEN 1 ELSE t.failures + 1 END,
                last_failure = now(),
                locked_until = CASE
                    WHEN t.locked_until >= now() THEN t.locked_until
                    WHEN coalesce(t.locked_until < now(), false)
                         OR t.last_failure < now() - make_interval(secs => :lock) THEN NULL
                    WHEN t.failures + 1 >= :limit THEN now() + make_interval(secs => :lock)
                    END"""),
            {"k": key, "limit": limit, "lock": lock_seconds()},
        )
    audit.record(conn, who, "login_failed", detail={"reason": reason} if reason else None)
