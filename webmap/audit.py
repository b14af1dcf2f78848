"""The auditor's view of the access log: who read which personal data, exported what,
when and from where, within the auditor's jurisdiction; and accounts reading far more
than usual. Auditors only (403 for everyone else, before any lookup)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, render_template, request

from gis import audit
from gis.errors import InvalidInput
from gis.messages import _
from webmap import params
from webmap.auth import current_scope, roles_required
from webmap.dbconn import get_conn

bp = Blueprint("audit", __name__)


@bp.after_request
def _no_store(resp):
    # the log names users and households: kept off the browser's disk, like them
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _filters() -> dict:
    args = request.args
    since = args.get("since") or None
    if since:
        try:
            since = dt.datetime.fromisoformat(since)
        except ValueError:
            raise InvalidInput(
                _("since={since!r}; expected a date YYYY-MM-DD", since=since)
            ) from None
    return {
        "user": params.arg_text("user", max_len=100) or None,
        "household": params.arg_text("household", max_len=100) or None,
        "since": since,
        "limit": params.arg_int("limit", low=1, high=5000, default=500),
    }


@bp.route("/audit")
@roles_required("auditor")
def page():
    f = _filters()
    conn, scope = get_conn(), current_scope()
    rows = audit.entries(conn, scope=scope, **f)
    return render_template(
        "audit.html", scope=scope, rows=rows, filters=f, unusual=audit.unusual(conn, scope=scope)
    )


@bp.route("/api/audit")
@roles_required("auditor")
def entries():
    conn, scope = get_conn(), current_scope()
    return jsonify(
        {
            "entries": audit.entries(conn, scope=scope, **_filters()),
            "unusual": audit.unusual(conn, scope=scope),
        }
    )
