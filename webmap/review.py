"""The geocoding review queue: unmatched and unsure households with their candidates;
one click accepts a candidate, or the map opens to place the household by hand."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from gis.errors import InvalidInput
from gis.gate import Gate, placement
from gis.gate import geocoding as gate_geocoding
from gis.layers import candidate_point
from gis.messages import _
from webmap import params
from webmap.auth import current_scope, people_required
from webmap.dbconn import get_conn
from webmap.mappage import LEVEL_LABELS, page_language
from webmap.pagetext import reason_label
from webmap.tiles import CACHE

bp = Blueprint("review", __name__)


def _item(review_id: int) -> dict:
    return gate_geocoding.review_item(get_conn(), current_scope(), review_id)


#: review items shown on one page (the count above the table is the whole queue's)
PAGE_SIZE = 200


def _candidate_label(c: dict, buildings: dict, lang: str) -> str:
    """A candidate as staff know the place: a building by its address (or compound and
    number), a village, compound or group by its names. The kind of place is said once,
    as a word ("building 5 · …", "楼栋 · …"), never as the geocoder's code."""
    code = c.get("level")
    words = (LEVEL_LABELS.get(code) or "位置 / place").split(" / ")
    level = words[lang == "en"]
    if code == "building":
        b = buildings.get(str(c.get("building_id"))) or {}
        no = b.get("building_no")
        if lang == "en":
            # "building 5 · <address> · <village>": the number goes with the kind word
            head = f"{level} {no}" if no else level
            rest = [x for x in (b.get("address") or c.get("compound"), c.get("village")) if x]
            return " · ".join([head, *rest])
        place = b.get("address") or "".join(
            x
            for x in (
                c.get("village"),
                c.get("compound") or b.get("compound"),
                f"{no}栋" if no else None,
            )
            if x
        )
        return f"{level} · {place}" if place else level
    group = c.get("group")
    parts = [
        c.get("village"),
        c.get("compound"),
        (f"group {group}" if lang == "en" else f"{group}组") if group else None,
    ]
    names = " ".join(x for x in parts if x)
    return f"{level} · {names}" if names else level


def score_note(item: dict, lang: str) -> str:
    """What the queue says after a row's reason about how well it matched: the score of
    the place found ("score 0.70"), or, for a row where something was NOT found
    (:func:`gis.gate.geocoding.not_found`, the rule the API's null score follows), the
    level it was placed at and no score. Nothing when the reason states the score itself."""
    reason, level = item.get("reason") or "", item.get("level")
    en = lang == "en"
    if gate_geocoding.not_found(level, reason):
        if level == "unmatched" or level is None:
            return "not found" if en else "未找到"
        place = (LEVEL_LABELS.get(level) or level).split(" / ")[en]
        return f"placed at the {place} only" if en else f"只定位到{place}"
    if item.get("score") is None or "score" in reason:
        return ""
    return f"{'score' if en else '匹配分数'} {item['score']:.2f}"


@bp.route("/review")
@people_required
def page():
    scope, conn, lang = current_scope(), get_conn(), page_language()
    items = gate_geocoding.review_items(conn, scope, limit=PAGE_SIZE)
    buildings = placement.candidate_buildings(
        conn, [c.get("building_id") for it in items for c in it["candidates"] or []]
    )
    for it in items:
        it["reason_text"] = reason_label(it["reason"], lang)
        it["score_note"] = score_note(it, lang)
        it["labels"] = [_candidate_label(c, buildings, lang) for c in it["candidates"] or []]
    return render_template(
        "review.html",
        items=items,
        scope=scope,
        total=placement.open_reviews(conn, scope),
        page_size=PAGE_SIZE,
    )


@bp.route("/api/review")
@people_required
def items():
    limit = params.arg_int("limit", high=10**9, default=100)
    conn = get_conn()
    found = gate_geocoding.review_items(conn, current_scope(), limit=min(int(limit), 1000))
    return jsonify({"items": _with_building_ids(conn, found)})


def _with_building_ids(conn, items: list[dict]) -> list[dict]:
    """The items with each candidate's ``building_id`` as the number that
    ``/api/households/<id>/location`` and ``/api/buildings/<id>`` take (the geocoder keeps
    the building's public id, "B000012", which they refused) and that public id as
    ``building_ref``, as the buildings file names it."""
    cands = [c for it in items for c in it["candidates"] or [] if c.get("building_id") is not None]
    buildings = placement.candidate_buildings(conn, [c["building_id"] for c in cands])
    for c in cands:
        ref = str(c["building_id"])
        c["building_ref"] = ref
        c["building_id"] = (buildings.get(ref) or {}).get("id")
    return items


def _candidate_number(k, item: dict, *, null: bool = False) -> int:
    """``candidate``: the number (0-based) of one of the item's candidates, else a 400
    saying which numbers there are (it said "candidate must be 0–0", and "0–-1" for an
    item without candidates); ``null``: it was sent as null rather than left out."""
    last = len(item["candidates"] or []) - 1
    if last < 0:
        raise InvalidInput(
            _("this review item has no candidate to accept; place the household on the map by hand")
        )
    # "0 (the only candidate)" rather than "a whole number from 0 to 0"
    numbers = (
        _("0 (the only candidate)")
        if last == 0
        else _("a whole number from 0 to {last}", last=last)
    )
    if k is None and null:
        raise InvalidInput(
            _(
                "candidate is null: send the number of the candidate to accept, {numbers}, "
                'e.g. "candidate": 0',
                numbers=numbers,
            )
        )
    if k is None:
        raise InvalidInput(
            _(
                "candidate is missing: send the number of the candidate to accept, "
                '{numbers}, e.g. "candidate": 0',
                numbers=numbers,
            )
        )
    if isinstance(k, bool):  # true/false is no number, in JSON as in Python
        raise InvalidInput(
            _(
                "candidate={show} is true/false, not a number: send the number of the "
                'candidate to accept, {numbers}, e.g. "candidate": 0',
                show=params.json_show(k),
                numbers=numbers,
            )
        )
    if not isinstance(k, int) or not 0 <= k <= last:
        raise InvalidInput(
            _(
                "candidate={show} is not a candidate of this review item: send {numbers}, "
                'e.g. "candidate": 0',
                show=params.json_show(k),
                numbers=numbers,
            )
        )
    return k


@bp.route("/api/review/<int:review_id>/accept", methods=["POST"])
@people_required
def accept(review_id):
    """Accept candidate number ``candidate`` (0-based) of a review item."""
    # (members checked here, not by json_object: a null candidate is a missing one, with
    # no default to fall back on)
    body = params.json_object()
    params.only_members(body, ("candidate",))
    k = body.get("candidate")
    params.not_text(k, "candidate", "0")
    item = _item(review_id)  # one of another jurisdiction: 404 before anything is said of it
    cand = item["candidates"][_candidate_number(k, item, null="candidate" in body)]
    # the geocoder stores the building's public id; placing needs the database id
    lon, lat, building = candidate_point(
        get_conn(), cand.get("building_id"), cand.get("village_code")
    )
    result = Gate(get_conn(), current_scope()).place_household(
        item["household_id"], lon, lat, building_id=building
    )
    CACHE.bump()
    return jsonify(result)
