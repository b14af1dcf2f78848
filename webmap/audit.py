"""The auditor's view of the access log: who read which personal data, exported what,
when and from where, within the auditor's jurisdiction; and accounts reading far more
than usual. Auditors only (403 for everyone else, before any lookup)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify, render_template, request

from gis import audit
from gis.errors import InvalidInput
from gis.exports.geo import COLLECTIONS
from gis.messages import _
from webmap import pagetext, params
from webmap.auth import current_scope, roles_required
from webmap.dbconn import get_conn
from webmap.mappage import page_language

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


#: what the access log holds beyond webmap.pagetext's labels: (中文, English)
_ACTIONS = {
    "login_unlock": ("解除登录锁定", "unlocked logins"),
    "user_disable": ("停用账号", "disabled an account"),
    "user_enable": ("启用账号", "enabled an account"),
    "login_refused": ("登录被拒（尝试过多）", "login refused (too many attempts)"),
}
_TARGETS = {
    "table": ("统计表", "statistics table"),
    "layer": ("GIS 图层", "GIS layers"),
    "coverage": ("药具发放覆盖率图", "coverage map"),
}
#: "map:density", "atlas:migrants", "ogc:village_stats": the export's kind, then its layer
_PREFIXES = {
    "map": ("地图", "map"),
    "atlas": ("图集", "atlas"),
    "ogc": ("OGC API", "OGC API"),
}


def action_label(code, lang: str) -> str:
    """An access-log action by name in the page's language (the code when unknown)."""
    hit = _ACTIONS.get(code)
    return hit[lang == "en"] if hit else pagetext.action_label(code, lang)


def target_label(code, lang: str) -> str:
    """An access-log target kind by name; ``kind:layer`` as "map · density map"."""
    if not code:
        return ""
    prefix, _sep, rest = code.partition(":")
    if rest and prefix in _PREFIXES:
        return f"{_PREFIXES[prefix][lang == 'en']} · {_layer_label(rest, lang)}"
    return _layer_label(code, lang)


def _layer_label(code: str, lang: str) -> str:
    if code in _TARGETS:
        return _TARGETS[code][lang == "en"]
    if code in COLLECTIONS:  # titles are "中文 English"
        zh, _sep, en = COLLECTIONS[code].title.partition(" ")
        return en if lang == "en" and en else zh
    return pagetext.target_label(code, lang)


@bp.route("/audit")
@roles_required("auditor")
def page():
    f = _filters()
    conn, scope = get_conn(), current_scope()
    rows = audit.entries(conn, scope=scope, **f)
    lang = page_language()
    return render_template(
        "audit.html",
        scope=scope,
        rows=rows,
        filters=f,
        unusual=audit.unusual(conn, scope=scope),
        # these win over the map's context processor: every code of the log by name
        action_label=lambda a: action_label(a, lang),
        target_label=lambda k: target_label(k, lang),
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
