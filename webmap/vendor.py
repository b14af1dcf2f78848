"""Front-end assets installed from the npm registry, served locally (no CDN)."""

from flask import Blueprint, abort, send_from_directory

from gis import settings

bp = Blueprint("vendor", __name__)
# Only these packages' dist folders are exposed.
PACKAGES = {"leaflet": "dist", "leaflet.heat": "dist", "leaflet.vectorgrid": "dist"}


@bp.route("/vendor/<package>/<path:filename>")
def asset(package, filename):
    if package not in PACKAGES:
        abort(404)
    folder = settings.node_modules() / package / PACKAGES[package]
    return send_from_directory(folder, filename, max_age=86400)
