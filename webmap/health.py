from flask import Blueprint, jsonify

from gis import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """200 with the database status when the database answers, 503 otherwise."""
    status = db.health()
    return jsonify({"ok": status["ok"], "database": status}), (200 if status["ok"] else 503)
