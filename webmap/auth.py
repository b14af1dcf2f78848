"""Login with hashed passwords; every page and API needs it."""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import asdict

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from gis import users
from gis.errors import Forbidden, PopgisError
from gis.gate import Scope, require_people
from webmap.dbconn import get_conn

bp = Blueprint("auth", __name__)


class Unauthorized(PopgisError):
    status = 401
    code = "unauthorized"


# A session carries the user's scope, signed; it is checked against the database again
# after this many seconds (so a disabled user is out within that time).
RECHECK_SECONDS = 300
# Scope fields that belong to one request, never to the session.
EPHEMERAL = ("address", "token_scope")


def current_scope():
    """The logged-in user's scope, with the client's address (for the access log)."""
    if "scope" not in g:
        g.scope = None
        name = session.get("user")
        cached = session.get("scope")
        if name and cached and time.time() - session.get("checked", 0) < RECHECK_SECONDS:
            g.scope = Scope(**{k: v for k, v in cached.items() if k not in EPHEMERAL})
        elif name:
            g.scope = users.scope_of_user(get_conn(), name)
            if g.scope is None:
                session.clear()
            else:
                _remember(g.scope)
        if g.scope is not None:
            g.scope = with_address(g.scope)
    return g.scope


def with_address(scope: Scope) -> Scope:
    return dataclasses.replace(scope, address=request.remote_addr)


def _remember(scope: Scope) -> None:
    session["scope"] = {k: v for k, v in asdict(scope).items() if k not in EPHEMERAL}
    session["checked"] = time.time()


def login_required(view):
    @functools.wraps(view)
    def wrapped(**kwargs):
        if current_scope() is None:
            if request.path.startswith("/api/") or request.path.startswith("/tiles/"):
                raise Unauthorized("log in first")
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)
    return wrapped


def people_required(view):
    """Logged in with a role that sees people (county, township, village): everyone
    else gets 403 before anything is looked up, so existence is never revealed."""
    @functools.wraps(view)
    def wrapped(**kwargs):
        scope = current_scope()
        if scope is None:
            if request.path.startswith(("/api/", "/tiles/")):
                raise Unauthorized("log in first")
            return redirect(url_for("auth.login", next=request.path))
        require_people(scope)
        return view(**kwargs)
    return wrapped


def roles_required(*roles):
    """Logged in with one of ``roles``; 403 otherwise (before any lookup)."""
    def decorate(view):
        @functools.wraps(view)
        def wrapped(**kwargs):
            scope = current_scope()
            if scope is None:
                if request.path.startswith(("/api/", "/tiles/")):
                    raise Unauthorized("log in first")
                return redirect(url_for("auth.login", next=request.path))
            if scope.role not in roles:
                raise Forbidden(f"this is for the {' and '.join(roles)} role; yours is "
                                f"{scope.role}")
            return view(**kwargs)
        return wrapped
    return decorate


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        scope = users.authenticate(get_conn(), request.form.get("username", ""),
                                   request.form.get("password", ""))
        if scope is None:
            error = "用户名或密码错误 / wrong name or password"
        else:
            session.clear()
            session["user"] = scope.user
            _remember(scope)
            target = request.args.get("next") or "/"
            if not target.startswith("/") or target.startswith("//"):
                target = "/"
            return redirect(target)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST", "GET"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
