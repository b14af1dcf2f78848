"""Login with hashed passwords; every page and API needs it."""

from __future__ import annotations

import functools
import time
from dataclasses import asdict

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from gis import users
from gis.errors import PopgisError
from gis.gate import Scope
from webmap.dbconn import get_conn

bp = Blueprint("auth", __name__)


class Unauthorized(PopgisError):
    status = 401
    code = "unauthorized"


# A session carries the user's scope, signed; it is checked against the database again
# after this many seconds (so a disabled user is out within that time).
RECHECK_SECONDS = 300


def current_scope():
    if "scope" not in g:
        g.scope = None
        name = session.get("user")
        cached = session.get("scope")
        if name and cached and time.time() - session.get("checked", 0) < RECHECK_SECONDS:
            g.scope = Scope(**cached)
        elif name:
            g.scope = users.scope_of_user(get_conn(), name)
            if g.scope is None:
                session.clear()
            else:
                _remember(g.scope)
    return g.scope


def _remember(scope: Scope) -> None:
    session["scope"] = asdict(scope)
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
