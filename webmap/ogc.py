"""OGC API – Features (Part 1: Core, GeoJSON) for desktop GIS clients such as QGIS and
GDAL: ``/ogc``, ``/ogc/conformance``, ``/ogc/collections``, ``/ogc/collections/{id}``,
``/ogc/collections/{id}/items`` (``bbox``, ``limit``, ``offset``, ``next``/``prev``
links, ``area``) and ``/ogc/collections/{id}/items/{featureId}`` (``area``).

Collections: aggregated statistics per village and grid (suppressed), service points and
boundaries, all inside the caller's jurisdiction. Access needs the web login or a
per-user API token (``popgis users token NAME``) sent as ``Authorization: Bearer …``.
The features are made per county, as the exports: a province or city user gives
``area=<county code>`` (one of its counties; an area outside its own answers 404).
Every items request is logged as an export.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timezone

from flask import Blueprint, Response, g, request, url_for

from gis import users_tokens
from gis.errors import Forbidden, InvalidInput
from gis.exports import area_scope, geo, log_export
from gis.layers import extent
from gis.messages import _
from webmap import params
from webmap.auth import Unauthorized, current_scope, with_address
from webmap.dbconn import get_conn

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]
DEFAULT_LIMIT = 100


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _x, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def auth_required(view):
    """The web login, or a valid ``Authorization: Bearer`` API token; 401 otherwise."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        token = bearer_token()
        if token is not None:
            scope = users_tokens.verify_token(get_conn(), token)
            if scope is None:
                raise Unauthorized(
                    _(
                        "invalid, expired or revoked API token; make a new one with `popgis users token NAME`"
                    )
                )
            if request.method not in ("GET", "HEAD"):
                raise Forbidden(_("API tokens are read-only"))
            g.scope = with_address(scope)
        elif current_scope() is None:
            raise Unauthorized(_("log in first, or send an API token as Authorization: Bearer …"))
        return view(**kwargs)

    return wrapped


def _json(obj, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(obj, ensure_ascii=False, default=str), mimetype=mimetype)


#: query parameters of the items resource; unknown ones are refused (OGC API – Features
#: Part 1, /req/core/query-param-unknown), a feature takes f and area, other resources f
#: only. ``area``: the county (inside the user's area) whose features are served, which
#: a province or city user must give (features are made per county, as the exports)
ITEMS_PARAMS = ("f", "bbox", "bbox-crs", "limit", "offset", "area")
ITEM_PARAMS = ("f", "area")


def _check_format() -> None:
    allowed = {"ogc.items": ITEMS_PARAMS, "ogc.item": ITEM_PARAMS}.get(request.endpoint, ("f",))
    params.refuse_unknown(allowed)
    f = request.args.get("f")
    if f not in (None, "", "json", "geojson"):
        raise InvalidInput(_("unsupported format f={f!r}; this service speaks f=json", f=f))


def _link(href: str, rel: str, type_: str = "application/json", title: str | None = None):
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


@bp.route("", strict_slashes=False)
@auth_required
def landing():
    _check_format()
    return _json(
        {
            "title": "popgis OGC API – Features",
            "description": "Aggregated population statistics (small counts suppressed), "
            "service points and boundaries of your jurisdiction.",
            "links": [
                _link(url_for("ogc.landing", _external=True), "self", title="this document"),
                _link(
                    url_for("ogc.conformance", _external=True),
                    "conformance",
                    title="conformance classes",
                ),
                _link(
                    url_for("ogc.collections", _external=True), "data", title="feature collections"
                ),
            ],
        }
    )


@bp.route("/conformance")
@auth_required
def conformance():
    _check_format()
    return _json({"conformsTo": CONFORMANCE})


def _collection_doc(col: geo.Collection) -> dict:
    bounds = extent(get_conn(), current_scope())
    spatial = (
        {"bbox": [[bounds[0][1], bounds[0][0], bounds[1][1], bounds[1][0]]], "crs": CRS84}
        if bounds
        else {"bbox": [[-180, -90, 180, 90]], "crs": CRS84}
    )
    return {
        "id": col.id,
        "title": col.title,
        "description": col.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": spatial},
        "links": [
            _link(url_for("ogc.collection", collection_id=col.id, _external=True), "self"),
            _link(
                url_for("ogc.items", collection_id=col.id, _external=True),
                "items",
                "application/geo+json",
                col.title,
            ),
        ],
    }


@bp.route("/collections")
@auth_required
def collections():
    _check_format()
    return _json(
        {
            "links": [_link(url_for("ogc.collections", _external=True), "self")],
            "collections": [_collection_doc(c) for c in geo.COLLECTIONS.values()],
        }
    )


@bp.route("/collections/<collection_id>")
@auth_required
def collection(collection_id):
    _check_format()
    return _json(_collection_doc(geo.collection(collection_id)))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    return params.arg_int(name, low=low, high=high, default=default)


def _bbox_arg():
    crs = request.args.get("bbox-crs")
    if crs not in (None, "", CRS84):
        raise InvalidInput(_("bbox-crs {crs!r} not supported; use {CRS84}", crs=crs, CRS84=CRS84))
    return params.bbox_arg(allow_3d=True)


def _area_scope():
    """The scope the features are read in: the user's own, or the county given as
    ``area`` inside it (404 outside); 403 for a province or city as a whole."""
    scope = current_scope()
    code = params.area_code(request.args.get("area"), "area", scope, counties=True)
    return area_scope(get_conn(), scope, code)


@bp.route("/collections/<collection_id>/items")
@auth_required
def items(collection_id):
    _check_format()
    col = geo.collection(collection_id)
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, geo.MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    bbox = _bbox_arg()
    scope = _area_scope()
    feats, matched = geo.features(get_conn(), scope, col.id, bbox=bbox, limit=limit, offset=offset)

    def page_url(off: int) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
        return url_for(
            "ogc.items", collection_id=col.id, _external=True, **args, limit=limit, offset=off
        )

    links = [
        _link(page_url(offset), "self", "application/geo+json"),
        _link(url_for("ogc.collection", collection_id=col.id, _external=True), "collection"),
    ]
    if offset + len(feats) < matched:
        links.append(_link(page_url(offset + limit), "next", "application/geo+json"))
    if offset > 0:
        links.append(_link(page_url(max(0, offset - limit)), "prev", "application/geo+json"))
    log_export(
        get_conn(),
        scope,
        f"ogc:{col.id}",
        scope.area_code,
        {"bbox": bbox, "limit": limit, "offset": offset, "returned": len(feats)},
    )
    return _json(
        {
            "type": "FeatureCollection",
            "features": feats,
            "numberMatched": matched,
            "numberReturned": len(feats),
            "timeStamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "links": links,
        },
        "application/geo+json",
    )


@bp.route("/collections/<collection_id>/items/<feature_id>")
@auth_required
def item(collection_id, feature_id):
    _check_format()
    col = geo.collection(collection_id)
    scope = _area_scope()
    feats, _x = geo.features(get_conn(), scope, col.id, feature_id=feature_id, limit=1)
    log_export(get_conn(), scope, f"ogc:{col.id}", scope.area_code, {"feature": feature_id})
    feature = feats[0]
    feature["links"] = [
        _link(
            url_for("ogc.item", collection_id=col.id, feature_id=feature_id, _external=True),
            "self",
            "application/geo+json",
        ),
        _link(url_for("ogc.collection", collection_id=col.id, _external=True), "collection"),
    ]
    return _json(feature, "application/geo+json")
