"""The geocoding review queue: unmatched and unsure households with their candidates;
one click accepts a candidate, or the map opens to place the household by hand."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from gis.errors import InvalidInput
from gis.gate import Gate
from gis.gate import geocoding as gate_geocoding
from gis.messages import _
from webmap import params
from webmap.auth import current_scope, people_required
from webmap.dbconn import get_conn

bp = Blueprint("review", __name__)


def _item(review_id: int) -> dict:
    return gate_geocoding.review_item(get_conn(), current_scope(), review_id)


@bp.route("/review")
@people_required
def page():
    scope = current_scope()
    items = gate_geocoding.review_items(get_conn(), scope, limit=200)
    return render_template("review.html", items=items, scope=scope)


@bp.route("/api/review")
@people_required
def items():
    limit = params.arg_int("limit", high=10**9, default=100)
    return jsonify({"items": gate_geocoding.review_items(get_conn(), current_scope(),
                                                         limit=min(int(limit), 1000))})


@bp.route("/api/review/<int:review_id>/accept", methods=["POST"])
@people_required
def accept(review_id):
    """Accept candidate number ``candidate`` (0-based) of a review item."""
    from gis.layers import candidate_point
    from webmap.tiles import CACHE

    k = params.json_object().get("candidate")
    item = _item(review_id)
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < len(item["candidates"]):
        raise InvalidInput(_("candidate must be 0–{last}", last=len(item['candidates']) - 1))
    cand = item["candidates"][k]
    # the geocoder stores the building's public id; placing needs the database id
    lon, lat, building = candidate_point(get_conn(), cand.get("building_id"),
                                         cand.get("village_code"))
    result = Gate(get_conn(), current_scope()).place_household(
        item["household_id"], lon, lat, building_id=building)
    CACHE.bump()
    return jsonify(result)
