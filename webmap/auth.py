"""Login with hashed passwords; every page and API needs it."""

from __future__ import annotations

import functools

from flask import Blueprint, g, redirect, render_template, request, session, url_for

from gis import users
from gis.errors import PopgisError
from webmap.dbconn import get_conn

bp = Blueprint("auth", __name__)


class Unauthorized(PopgisError):
    status = 401
    code = "unauthorized"


def current_scope():
    if "scope" not in g:
        name = session.get("user")
        g.scope = users.scope_of_user(get_conn(), name) if name else None
    return g.scope


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
            target = request.args.get("next") or "/"
            if not target.startswith("/") or target.startswith("//"):
                target = "/"
            return redirect(target)
    return render_template("login.html", error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST", "GET"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
