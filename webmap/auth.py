"""Login and the session: every page and API needs it.

Sessions live in the database (``gis.sessions``); the signed cookie holds only a random
token and this browser's CSRF token. Logins are throttled per account and per address
(``gis.logins``); ``next`` goes only to a path on this site; every state-changing
request must come from our own pages (Origin or CSRF token)."""

from __future__ import annotations

import dataclasses
import functools
import hmac
import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from gis import logins, sessions, users
from gis.errors import Forbidden, PopgisError
from gis.gate import Scope, require_people
from gis.messages import LANGUAGES, _, language, role_name, role_names
from webmap.dbconn import get_conn, read_conn
from webmap.errors import LANG_COOKIE

bp = Blueprint("auth", __name__)


class Unauthorized(PopgisError):
    status = 401
    code = "unauthorized"


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def current_scope():
    """The logged-in user's scope, with the client's address (for the access log).

    The signed cookie carries only a random session token; the session itself lives in
    the database (``gis.sessions``), so logout, disabling the user, a password change
    or a revocation end it at once."""
    if "scope" not in g:
        g.scope = None
        token = session.get("sid")
        if token:
            g.scope = sessions.resume(read_conn(), token)
            if g.scope is None:
                session.pop("sid", None)
            else:
                g.scope = with_address(g.scope)
    return g.scope


def with_address(scope: Scope) -> Scope:
    return dataclasses.replace(scope, address=request.remote_addr)


def csrf_token() -> str:
    """This browser's CSRF token (made on first use, kept in the signed cookie)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def own_origin() -> str:
    """scheme://host[:port] of this site as browsers see it: POPGIS_PUBLIC_URL, or the
    Host the browser sent (a page on another site cannot change that one)."""
    public = current_app.config.get("PUBLIC_URL")
    if public:
        parts = urlsplit(public)
        return f"{parts.scheme}://{parts.netloc}"
    host = request.environ.get("popgis.client_host") or request.host
    return f"{request.scheme}://{host}"


def check_csrf() -> None:
    """A state-changing request must come from our own pages: its Origin is this site,
    or it carries this browser's CSRF token (form field ``csrf_token`` or header
    ``X-CSRF-Token``). Called before every request."""
    if request.method not in STATE_CHANGING:
        return
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
    if sent and session.get("csrf") and hmac.compare_digest(sent, session["csrf"]):
        return
    origin = request.headers.get("Origin")
    if request.path != url_for("auth.login") and origin and origin == own_origin():
        return
    raise Forbidden(
        _(
            "this request did not come from a popgis page (CSRF check); reload the page and try again"
        )
    )


def safe_next(target: str | None) -> str:
    """``next`` as a path on this site, or ``/``: control characters and backslashes
    removed, anything with a scheme or a host refused."""
    target = "".join(ch for ch in (target or "") if ch.isprintable() and ch != "\\")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return target


def _to_login():
    """Not logged in: 401 for the API and tiles, the login page for pages."""
    if request.path.startswith(("/api/", "/tiles/")):
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            # a GIS program's token: say where it works rather than "log in first"
            raise Unauthorized(
                _(
                    "API tokens work only with the OGC API (/ogc), the tiles and the exports; "
                    "log in to use this"
                )
            )
        raise Unauthorized(_("log in first"))
    return redirect(url_for("auth.login", next=request.path))


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if current_scope() is None:
            return _to_login()
        return view(**kwargs)

    return wrapped


def people_required(view):
    """Logged in with a role that sees people (county, township, village): everyone
    else gets 403 before anything is looked up, so existence is never revealed."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        scope = current_scope()
        if scope is None:
            return _to_login()
        require_people(scope)
        resp = make_response(view(**kwargs))
        resp.headers["Cache-Control"] = "no-store"  # people's data stays off disks
        return resp

    return wrapped


def roles_required(*roles):
    """Logged in with one of ``roles``; 403 otherwise (before any lookup)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            scope = current_scope()
            if scope is None:
                return _to_login()
            if scope.role not in roles:
                raise Forbidden(
                    _(
                        "this is for {items} accounts; your account's role is {role}",
                        items=role_names(roles),
                        role=role_name(scope.role),
                    )
                )
            return view(**kwargs)

        return wrapped

    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        name = request.form.get("username", "")[:100]
        password = request.form.get("password", "")[:1000]
        conn, addr = get_conn(), request.remote_addr
        wait = logins.wait_seconds(conn, name, addr)
        scope = None
        if wait:
            logins.refused(conn, name, addr, wait)  # not a password check: not counted
            error = _("too many attempts: try again in {time}", time=_minutes(wait))
            status = 429
        else:
            scope = users.authenticate(conn, name, password)
            logins.record(conn, name, addr, scope is not None)
            if scope is None:
                error, status = _("wrong name or password"), 401
        if scope is not None:
            session.clear()
            session["sid"] = sessions.start(
                conn, scope.user, address=addr, user_agent=request.user_agent.string
            )
            csrf_token()
            resp = redirect(safe_next(request.args.get("next")))
            return _keep_language(resp)
    # the page in the request's language (?lang=, cookie, Accept-Language) and a link to
    # the other one, keeping where the user was going
    other = "zh" if language() == "en" else "en"
    switch = url_for(
        "auth.login", **{k: v for k, v in request.args.items() if k != "lang"}, lang=other
    )
    resp = make_response(render_template("login.html", error=error, switch=switch), status)
    if status == 429:
        resp.headers["Retry-After"] = str(wait)
    return _keep_language(resp)


def _keep_language(resp):
    """A language asked for with ?lang= stays chosen (the cookie every page reads)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        resp.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="Lax")
    return resp


def _minutes(seconds: int) -> str:
    if seconds < 60:
        return _("{n} s", n=seconds)
    return _("{n} min", n=(seconds + 59) // 60)


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.end(get_conn(), session.get("sid"))
    session.clear()
    return redirect(url_for("auth.login"))
