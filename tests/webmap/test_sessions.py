"""Sessions that end, logins that resist guessing, CSRF, redirects: against a served app
(real HTTP on loopback, its own database connections, nothing shared with the test)."""

from __future__ import annotations

import re

import pytest
import requests
import sqlalchemy as sa
from click.testing import CliRunner

from tests.conftest import PASSWORD


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def browser_login(
    base, name, password=PASSWORD, next_=None
) -> tuple[requests.Session, requests.Response]:
    s = requests.Session()
    token = _form_token(s.get(base + "/login").text)
    url = base + "/login" + (f"?next={next_}" if next_ is not None else "")
    r = s.post(
        url,
        data={"username": name, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    return s, r


@pytest.fixture
def fresh_user(engine):
    """A user of its own, so lockouts and disabling touch no one else."""
    from gis import users

    name = "sess_user"
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM app_users WHERE name = :n"), {"n": name})
        c.execute(sa.text("DELETE FROM login_throttle"))
        users.add_user(c, name, "village", "330782001001", PASSWORD)
    yield name
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM events WHERE recorded_by = :n"), {"n": name})
        c.execute(sa.text("DELETE FROM login_throttle"))
        c.execute(sa.text("DELETE FROM app_users WHERE name = :n"), {"n": name})


def test_a_copied_cookie_dies_with_logout(live_server, fresh_user):
    s, r = browser_login(live_server, fresh_user)
    assert r.status_code == 302
    flags = r.headers["Set-Cookie"]
    assert "HttpOnly" in flags and "SameSite=Lax" in flags and "Secure" not in flags
    cookie = s.cookies.get("popgis_session")
    r = s.get(live_server + "/api/me")
    assert r.status_code == 200 and r.json()["user"] == fresh_user
    token = _form_token(s.get(live_server + "/").text)
    assert s.get(live_server + "/logout").status_code == 405  # never over GET
    assert (
        s.post(
            live_server + "/logout", data={"csrf_token": token}, allow_redirects=False
        ).status_code
        == 302
    )
    thief = requests.Session()
    thief.cookies.set("popgis_session", cookie)
    assert thief.get(live_server + "/api/me").status_code == 401


def test_disable_and_password_change_end_sessions(live_server, fresh_user, engine):
    from cli.main import main

    s, _ = browser_login(live_server, fresh_user)
    assert s.get(live_server + "/api/me").status_code == 200
    r = CliRunner().invoke(main, ["users", "sessions", fresh_user, "--json"])
    assert r.exit_code == 0 and '"live": true' in r.stdout
    from gis import users_tokens

    with engine.begin() as c:
        token = users_tokens.create_token(c, fresh_user)
    bearer = {"Authorization": f"Bearer {token}"}
    assert requests.get(live_server + "/ogc", headers=bearer).status_code == 200
    r = CliRunner().invoke(
        main, ["users", "passwd", fresh_user, "--password-stdin"], input="brand-new horse battery\n"
    )
    assert r.exit_code == 0, r.output
    assert s.get(live_server + "/api/me").status_code == 401
    assert requests.get(live_server + "/ogc", headers=bearer).status_code == 401
    s, _ = browser_login(live_server, fresh_user, "brand-new horse battery")
    assert s.get(live_server + "/api/me").status_code == 200
    r = CliRunner().invoke(main, ["users", "disable", fresh_user])
    assert r.exit_code == 0
    assert s.get(live_server + "/api/me").status_code == 401
    with engine.connect() as c:
        reasons = {
            row[0]
            for row in c.execute(
                sa.text(
                    "SELECT end_reason FROM app_sessions s JOIN app_users u ON u.id = s.user_id "
                    "WHERE u.name = :n"
                ),
                {"n": fresh_user},
            )
        }
    assert reasons == {"password changed", "disabled"}


def test_idle_and_absolute_limits_and_revoke(live_server, fresh_user, engine):
    from cli.main import main

    s, _ = browser_login(live_server, fresh_user)
    with engine.begin() as c:  # 31 minutes without a request
        c.execute(
            sa.text(
                "UPDATE app_sessions SET last_seen_at = now() - interval '31 min' "
                "WHERE ended_at IS NULL"
            )
        )
    assert s.get(live_server + "/api/me").status_code == 401
    s, _ = browser_login(live_server, fresh_user)
    with engine.begin() as c:  # busy, but logged in more than 10 hours ago
        c.execute(
            sa.text(
                "UPDATE app_sessions SET expires_at = now() - interval '1 s' WHERE ended_at IS NULL"
            )
        )
    assert s.get(live_server + "/api/me").status_code == 401
    s, _ = browser_login(live_server, fresh_user)
    assert CliRunner().invoke(main, ["users", "sessions", fresh_user, "--revoke"]).exit_code == 0
    assert s.get(live_server + "/api/me").status_code == 401


def _wait_out_backoff(engine):
    """As if a minute had passed since the last failure (still within the lock window)."""
    with engine.begin() as c:
        c.execute(sa.text("UPDATE login_throttle SET last_failure = now() - interval '61 s'"))


def _throttle(engine, key):
    with engine.connect() as c:
        return c.execute(
            sa.text("SELECT failures, locked_until IS NOT NULL FROM login_throttle WHERE key = :k"),
            {"k": key},
        ).first()


def test_lockout_and_its_end(live_server, fresh_user, engine):
    for _ in range(5):
        _wait_out_backoff(engine)
        _, r = browser_login(live_server, fresh_user, "wrong password")
        assert r.status_code == 401
    # the right password is refused while locked, with the time to wait
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 60
    assert "too many attempts" in r.text
    with engine.begin() as c:  # the lock ends
        c.execute(
            sa.text(
                "UPDATE login_throttle SET locked_until = now() - interval '1 s', "
                "last_failure = now() - interval '1 hour'"
            )
        )
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 302
    with engine.connect() as c:
        actions = [
            row[0]
            for row in c.execute(
                sa.text(
                    "SELECT action FROM access_log WHERE user_name = :n AND action LIKE 'login%' "
                    "ORDER BY id"
                ),
                {"n": fresh_user},
            )
        ]
    assert actions.count("login_failed") == 5 and actions.count("login_refused") == 1
    assert actions[-1] == "login"


def test_only_real_password_checks_count(live_server, fresh_user, engine):
    for _ in range(3):
        _, r = browser_login(live_server, fresh_user, "wrong password")
        assert r.status_code == 401
    # during the back-off: refused unchecked, and not counted, whatever the password
    for password in ("wrong password", "wrong password", None, None):
        _, r = browser_login(live_server, fresh_user, *([password] if password else []))
        assert r.status_code == 429
    assert tuple(_throttle(engine, f"user:{fresh_user}")) == (3, False)
    assert _throttle(engine, "addr:127.0.0.1")[0] == 3
    # two more real failures lock the account (POPGIS_LOGIN_LOCK_AFTER = 5)
    for _ in range(2):
        _wait_out_backoff(engine)
        _, r = browser_login(live_server, fresh_user, "wrong password")
        assert r.status_code == 401
    for _ in range(3):  # the right password while locked: refused, not counted
        _, r = browser_login(live_server, fresh_user)
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 60
    assert tuple(_throttle(engine, f"user:{fresh_user}")) == (5, True)


def test_unlock_command(live_server, fresh_user, engine):
    from cli.main import main

    with engine.begin() as c:  # the account and this address are locked
        for key in (f"user:{fresh_user}", "addr:127.0.0.1"):
            c.execute(
                sa.text(
                    "INSERT INTO login_throttle (key, failures, last_failure, "
                    "locked_until) VALUES (:k, 20, now(), now() + interval '1 hour')"
                ),
                {"k": key},
            )
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 429
    r = CliRunner().invoke(main, ["users", "unlock", fresh_user])
    assert r.exit_code == 0 and fresh_user in r.output, r.output
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 429  # the address is still locked
    r = CliRunner().invoke(main, ["users", "unlock", "--address", "127.0.0.x"])
    assert r.exit_code == 2 and "not an IP address" in r.output
    assert CliRunner().invoke(main, ["users", "unlock"]).exit_code == 2
    r = CliRunner().invoke(main, ["users", "unlock", "--address", "127.0.0.1"])
    assert r.exit_code == 0, r.output
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 302
    with engine.connect() as c:
        logged = c.execute(
            sa.text(
                "SELECT target_id, user_name FROM access_log WHERE action = 'login_unlock' "
                "ORDER BY id DESC LIMIT 2"
            )
        ).all()
    assert [t for t, _u in logged] == ["127.0.0.1", fresh_user]
    assert all(u.startswith("cli:") for _t, u in logged)


def test_an_office_is_not_locked_out_by_a_few_typos(live_server, fresh_user, engine):
    # three people at one address mistype once each: nobody waits
    for name in ("someone", "someone_else", "a_third"):
        _, r = browser_login(live_server, name, "typo typo typo")
        assert r.status_code == 401
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 302
    # one account mistyped three times in a row waits (2 s), its neighbours do not
    for _ in range(3):
        _, r = browser_login(live_server, fresh_user, "typo typo typo")
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 2
    _, r = browser_login(live_server, "someone", "typo typo typo")
    assert r.status_code == 401


def test_unknown_names_cost_as_much_as_known_ones(live_server, fresh_user, engine):
    import statistics
    import time

    def timed(name):
        s = requests.Session()
        token = _form_token(s.get(live_server + "/login").text)
        t = time.perf_counter()
        s.post(
            live_server + "/login",
            data={"username": name, "password": "nope nope", "csrf_token": token},
            allow_redirects=False,
        )
        return time.perf_counter() - t

    known, unknown = [], []
    for i in range(4):
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM login_throttle"))
        known.append(timed(fresh_user))
        unknown.append(timed(f"nobody{i}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.6 < ratio < 1.6, (known, unknown)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/%09/evil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example/x", "/"),
        ("/\\evil.example", "/evil.example"),
        ("javascript:alert(1)", "/"),
        ("/review?x=1", "/review?x=1"),
        ("%0d%0a//evil.example", "/"),
        ("", "/"),
    ],
)
def test_next_stays_on_this_site(live_server, fresh_user, target, expected):
    _, r = browser_login(live_server, fresh_user, next_=target)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location in (expected, live_server + expected), location


def test_csrf(live_server, fresh_user):
    s = requests.Session()
    # a login form posted without its token (or from another site) is refused
    r = s.post(live_server + "/login", data={"username": fresh_user, "password": PASSWORD})
    assert r.status_code == 403
    s, _ = browser_login(live_server, fresh_user)
    hid = s.get(live_server + "/api/search?q=HA1").json()["results"][0]["id"]
    url = f"{live_server}/api/households/{hid}/events"
    assert s.post(url, json={"kind": "visit"}).status_code == 403  # no Origin, no token
    assert (
        s.post(url, json={"kind": "visit"}, headers={"Origin": "https://evil.example"}).status_code
        == 403
    )
    assert s.post(url, json={"kind": "visit"}, headers={"Origin": live_server}).status_code == 201
    token = _form_token(s.get(live_server + "/").text)
    assert s.post(url, json={"kind": "visit"}, headers={"X-CSRF-Token": token}).status_code == 201
    r = s.post(live_server + "/logout", headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


def test_password_policy(engine):
    from gis import users
    from gis.errors import InvalidInput

    with engine.connect() as c:
        for bad in ("short1", "password123", "woaini1314", "qwertyuiop", "sess_user_2024"):
            with pytest.raises(InvalidInput):
                users.add_user(c, "sess_user", "village", "330782001001", bad)
        c.rollback()


def test_old_hashes_are_upgraded_at_login(engine, live_server, fresh_user):
    import base64
    import hashlib
    import secrets as sec

    salt = sec.token_bytes(16)
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, dklen=32, n=2**14, r=8, p=1)
    old = f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    with engine.begin() as c:
        c.execute(
            sa.text("UPDATE app_users SET password_hash = :h WHERE name = :n"),
            {"h": old, "n": fresh_user},
        )
    _, r = browser_login(live_server, fresh_user)
    assert r.status_code == 302
    with engine.connect() as c:
        new = c.execute(
            sa.text("SELECT password_hash FROM app_users WHERE name = :n"), {"n": fresh_user}
        ).scalar()
    assert new.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
