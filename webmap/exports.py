"""Downloads behind the map's export buttons: briefing maps (also of the current view),
atlases, statistics tables and GIS layers. Thin: parse, call gis.exports, send.

``GET /exports/map.png|pdf?layer=migrants|density|coverage|service-points
[&area=CODE][&bbox=W,S,E,N][&size=A4|A3][&orientation=portrait|landscape or &landscape=1][&per=village|grid]`` — ``bbox`` is
the web map's view (Leaflet ``map.getBounds().toBBoxString()``; cut to the user's area, a
view outside it is a 422), ``per`` the units of a choropleth; the file is named after the
layer, the area the view frames, paper, orientation and date;
``GET /exports/atlas.pdf?layer=…[&area=CODE][&per=village|township]``;
``GET /exports/table.xlsx|csv[?area=CODE]``;
``GET /exports/layers.gpkg[?area=CODE][&layer=…]``, ``/exports/layers.geojson?layer=…``.
The session login or an ``Authorization: Bearer`` API token; every download is logged.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint, Response, request

from gis import rules
from gis.errors import InvalidInput, NotFound
from gis.exports import atlas, file_names, geo, mapping, paper_part, tables
from gis.messages import _
from gis.scope import not_in_jurisdiction, scope_for_area
from webmap import params
from webmap.auth import current_scope
from webmap.dbconn import get_conn
from webmap.ogc import auth_required

# An atlas page takes about a second to draw: a request waits at most about a minute
# (a whole county per village is for `popgis export atlas`, which shows its progress).
WEB_ATLAS_MAX_PAGES = 60
bp = Blueprint("exports", __name__, url_prefix="/exports")
# errors as JSON in the one shape, as for /api (a download has no page to show them on)

MIMETYPES = {
    "png": "image/png",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",  # given whole as content_type: no charset added
    "gpkg": "application/geopackage+sqlite3",
    "geojson": "application/geo+json",
}


def attachment(name: str, local_name: str | None = None) -> str:
    """A Content-Disposition: an ASCII ``filename`` for every client and, for those
    that read RFC 6266/5987, ``filename*`` with the Chinese name."""
    value = f'attachment; filename="{re.sub(r"[^A-Za-z0-9._+-]", "_", name)}"'
    if local_name:
        value += f"; filename*=UTF-8''{quote(local_name, safe='')}"
    return value


def _send(data: bytes, fmt: str, name: str, local_name: str | None = None) -> Response:
    # content_type, not mimetype: Flask would add a second charset to text/csv's
    resp = Response(data, content_type=MIMETYPES[fmt])
    resp.headers["Content-Disposition"] = attachment(
        name if name.endswith(f".{fmt}") else f"{name}.{fmt}", local_name
    )
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _area() -> str | None:
    """``area``: 12 digits (or 15, a grid), else a 400 naming it and a code to send (a
    county or smaller: a province or city exports one county at a time)."""
    return params.area_code(request.args.get("area"), "area", current_scope(), counties=True)


def _flag(name: str, default: bool = False) -> bool:
    return params.arg_bool(name, default=default)


def _landscape(default: bool) -> bool:
    """``orientation=portrait|landscape`` (other values: 400), else ``landscape=1|0``."""
    orientation = request.args.get("orientation")
    if orientation in (None, ""):
        return _flag("landscape", default=default)
    if orientation not in ("portrait", "landscape"):
        raise InvalidInput(
            _(
                "{name}={v!r}; expected one of {items}",
                name="orientation",
                v=orientation[:60],
                items="portrait, landscape",
            )
        )
    landscape = orientation == "landscape"
    if request.args.get("landscape") not in (None, "") and _flag("landscape") != landscape:
        raise InvalidInput(
            _("orientation={v} and landscape= disagree; send one of them", v=orientation)
        )
    return landscape


@bp.route("/map.<fmt>")
@auth_required
def map_file(fmt):
    if fmt not in mapping.FORMATS:
        raise InvalidInput(_("unknown map format {fmt!r}; expected png or pdf", fmt=fmt))
    layer = request.args.get("layer", "migrants")
    area = _area()
    out = mapping.render_map_file(
        get_conn(),
        current_scope(),
        layer,
        area_code=area,
        fmt=fmt,
        size=request.args.get("size", "A4"),
        landscape=_landscape(default=False),
        bbox=params.bbox_arg(),
        per=request.args.get("per") or None,
        drilled=_drilled(),
    )
    return _send(out.data, fmt, out.name, out.local_name)


def _drilled() -> str | None:
    """``drilled``: the code of the area the web map is drilled into (12 or 15 digits);
    it only names the map (the data shown is the user's area or ``area``). A malformed
    or empty one is refused as ``area`` is, with a code of the user's to send, and one
    outside the user's jurisdiction (or not loaded) is a 404 as ``area``'s (it was
    ignored silently)."""
    scope = current_scope()
    code = params.area_code(request.args.get("drilled"), "drilled", scope)
    if code is None or code == scope.area_code:
        return code
    try:
        inner = scope_for_area(get_conn(), code, user=scope.user, role=scope.role)
    except NotFound:
        inner = None
    if inner is None or not inner.path.startswith(scope.path):
        raise not_in_jurisdiction(get_conn(), scope, code, param="drilled")
    return code


def _names(what: str, local_what: str, area: str | None, fmt: str, *parts: tuple[str, str]):
    """(ASCII, local) file names of a download: :func:`gis.exports.file_names` of the
    area (default the user's), dated with the data's day."""
    conn = get_conn()
    code = area or current_scope().area_code
    return file_names(conn, what, local_what, code, rules.today(), fmt, *parts)


@bp.route("/atlas.pdf")
@auth_required
def atlas_file():
    layer = request.args.get("layer", "migrants")
    area = _area()
    per = request.args.get("per", "village")
    size = request.args.get("size", "A4").upper()
    landscape = _landscape(default=True)
    data = atlas.render_atlas(
        get_conn(),
        current_scope(),
        layer,
        area_code=area,
        per=per,
        size=size,
        landscape=landscape,
        max_pages=WEB_ATLAS_MAX_PAGES,
    )
    name, local = _names(
        f"atlas-{layer}-{per}",
        _("{layer} atlas", layer=mapping.LAYERS[layer].title),
        area,
        "pdf",
        paper_part(size, landscape),
    )
    return _send(data, "pdf", name, local)


@bp.route("/table.<fmt>")
@auth_required
def table_file(fmt):
    area = _area()
    data = tables.export_table(get_conn(), current_scope(), area, fmt)
    name, local = _names("table", _("Population statistics"), area, fmt)
    return _send(data, fmt, name, local)


@bp.route("/layers.<fmt>")
@params.repeatable("layer")  # a GeoPackage of several layers: ?layer=a&layer=b
@auth_required
def layers_file(fmt):
    area = _area()
    # a layer asked twice is one layer, once in the file and its name
    wanted = list(dict.fromkeys(v for v in request.args.getlist("layer") if v)) or None
    data = geo.export_layers(get_conn(), current_scope(), area, fmt, wanted)
    wanted_names = "".join(f"-{w}" for w in wanted or [])
    # the layers asked for in both names (the local one lacked them: two layers of one
    # area and day were downloaded under one name)
    name, local = _names("layers" + wanted_names, _("GIS layers") + wanted_names, area, fmt)
    return _send(data, fmt, name, local)
