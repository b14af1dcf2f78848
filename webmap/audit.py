"""The auditor's view of the access log: who read which personal data, exported what,
when and from where, within the auditor's jurisdiction; and accounts reading far more
than usual. Auditors only (403 for everyone else, before any lookup)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, render_template, request

from gis import audit
from gis.errors import InvalidInput
from webmap.auth import current_scope, roles_required
from webmap.dbconn import get_conn

bp = Blueprint("audit", __name__)


def _filters() -> dict:
    args = request.args
    since = args.get("since") or None
    if since:
        try:
            since = dt.datetime.fromisoformat(since)
        except ValueError:
            raise InvalidInput(f"since={since!r}; expected a date YYYY-MM-DD") from None
    limit = args.get("limit", "500")
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= 5000:
        raise InvalidInput("limit must be a whole number from 1 to 5000")
    return {"user": args.get("user") or None, "household": args.get("household") or None,
            "since": since, "limit": int(limit)}


@bp.route("/audit")
@roles_required("auditor")
def page():
    f = _filters()
    conn, scope = get_conn(), current_scope()
    rows = audit.entries(conn, scope=scope, **f)
    return render_template("audit.html", scope=scope, rows=rows, filters=f,
                           unusual=audit.unusual(conn, scope=scope))


@bp.route("/api/audit")
@roles_required("auditor")
def entries():
    conn, scope = get_conn(), current_scope()
    return jsonify({"entries": audit.entries(conn, scope=scope, **_filters()),
                    "unusual": audit.unusual(conn, scope=scope)})
