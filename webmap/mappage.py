"""The map page, composed with folium from local assets (works with no internet).

folium builds the Leaflet map and the page; webmap/static/map.js draws our layers into
it from the API and the vector tiles, with the configuration given here.
"""

from __future__ import annotations

import time
from pathlib import Path

import folium
from branca.element import Element, JavascriptLink, MacroElement
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template_string,
    request,
    send_from_directory,
    url_for,
)
from jinja2 import Template

from gis import layers, settings
from gis.exports import REGIONAL_LEVELS
from gis.gate import Gate, placement
from gis.messages import LANGUAGES, area_label, language, role_name, speaking, who
from webmap import pagetext, params
from webmap.auth import current_scope, login_required, people_required
from webmap.dbconn import get_conn
from webmap.planning import PLANNER_ROLES
from webmap.tiles import CACHE

bp = Blueprint("map", __name__)

#: default service radius per kind (metres), shown as circles on the map
SERVICE_RADIUS_M = layers.SERVICE_RADIUS_M

CHROME = """
<div id="topbar"><strong id="title">人口地理信息系统</strong>
  <span class="user" id="who">{{ scope.user }}{% if scope.user != scope.role %} · <span id="role"
    data-role="{{ scope.role }}">{{ scope.role }}</span>{% endif %} · {{ scope_name }}</span>
  <span class="synthetic" id="synthetic" title="演示县的人口、楼栋和村界为合成数据">演示数据（合成）</span>
  <span class="spacer"></span>
  <button id="export" type="button">导出…</button>
  <div id="menu"><button id="menu-btn" type="button" aria-haspopup="true"
    aria-expanded="false">☰ 菜单</button>
   <ul id="menu-list" hidden>
    {% if links.planner %}<li><a id="menu-planner" href="{{ links.planner }}" data-t="planner">服务点规划</a></li>{% endif %}
    {% if links.review %}<li><a id="review" href="{{ links.review }}" data-t="review">待核实定位</a></li>{% endif %}
    {% if links.audit %}<li><a id="menu-audit" href="{{ links.audit }}" data-t="audit">访问日志</a></li>{% endif %}
    <li><button id="lang" type="button">English</button></li>
    <li><form id="logoutform" method="post" action="{{ url_for('auth.logout') }}"><input
     type="hidden" name="csrf_token" value="{{ csrf_token() }}"><button id="logout"
     type="submit" data-t="logout">退出</button></form></li>
   </ul></div></div>
<div id="searchbox"><input id="search" type="search" autocomplete="off" aria-label="search">
  <ul id="results"></ul></div>
<div id="crumbs"></div>
<div id="side"><div id="filters"></div><div id="side-layers"></div><div id="legend"></div></div>
<button id="side-toggle" type="button">图层与图例</button>
<aside id="panel" aria-live="polite"></aside><div id="toast" role="status"></div>
<dialog id="export-dialog"></dialog>
"""


class PopGISLayers(MacroElement):
    """Hands the Leaflet map and our configuration to map.js."""

    _template = Template("""
{% macro script(this, kwargs) %}
PopGIS.init({{ this._parent.get_name() }}, {{ this.config|tojson }});
{% endmacro %}
""")

    def __init__(self, config: dict):
        super().__init__()
        self._name = "PopGISLayers"
        self.config = config


def _asset(package: str, filename: str) -> str:
    return url_for("vendor.asset", package=package, filename=filename)


def build_map(config: dict, bounds) -> folium.Map:
    gcj = config["datum"] == "gcj02"
    # the centre of the user's own area (from its loaded admin areas); map.js frames the
    # area itself before any layer loads
    if bounds:
        (s, w), (n, e) = bounds
        location, zoom = [(s + n) / 2, (w + e) / 2], 11
    else:  # no admin areas loaded yet: all of China
        location, zoom = [35.0, 105.0], 4
    m = folium.Map(
        location=location,
        zoom_start=zoom,
        tiles=None,
        max_zoom=20,
        control_scale=True,
        crs="PopGISGCJ" if gcj else "EPSG3857",
    )
    # Local assets only: folium's defaults point at CDNs. Leaflet goes first so that
    # the plugins after it find `L`.
    m.default_js = []
    m.default_css = [("leaflet_css", _asset("leaflet", "leaflet.css"))]
    header = m.get_root().header
    # first in the head: the map's first data is fetched while the scripts load
    header.add_child(
        Element(
            "".join(
                f'<link rel="preload" as="fetch" crossorigin="anonymous" href="{u}">'
                for u in config.get("preload", ())
            )
        ),
        name="preload",
    )
    for name, package, filename in (
        ("leaflet", "leaflet", "leaflet.js"),
        ("vectorgrid", "leaflet.vectorgrid", "Leaflet.VectorGrid.bundled.min.js"),
        ("heat", "leaflet.heat", "leaflet-heat.js"),
    ):
        header.add_child(JavascriptLink(_asset(package, filename)), name=name)
    # the language the server chose for this request, read by i18n.js
    header.add_child(Element(f'<meta name="popgis-lang" content="{page_language()}">'), name="lang")
    header.add_child(JavascriptLink(url_for("static", filename="i18n.js")), name="i18n")
    # the map's files as one script: one request instead of thirteen (the browser asks
    # at most six at a time, and the county view's data waits behind them)
    header.add_child(JavascriptLink(url_for("map.script")), name="popgis")
    header.add_child(
        Element(
            f'<link rel="stylesheet" href="{url_for("static", filename="map.css")}">'
            f'<link rel="icon" href="{url_for("map.favicon")}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<script>if (window.L && window.PopGIS) { L.CRS.PopGISGCJ = PopGIS.gcjCrs(); }"
            "</script>"
        ),
        name="popgis_css",
    )
    # the view is framed by map.js (clear of its side column) before any layer loads
    m.add_child(PopGISLayers(config))
    return m


#: The map's script files (webmap/static/map/), in load order: core first, start-up last.
MAP_SCRIPTS = (
    "core",
    "gcj",
    "layers",
    "areas",
    "density",
    "points",
    "legend",
    "household",
    "search",
    "filters",
    "export",
    "chrome",
    "regional",
    "main",
)


#: Labels of codes for the server-rendered pages (planner, review queue, access log),
#: "中文 / English": a page shows the one of the user's language. The map page takes its
#: labels from static/i18n.js.
KIND_LABELS = {
    "distribution_point": "药具发放点 / Distribution point",
    "service_station": "计生服务站 / Service station",
    "clinic": "卫生院/诊所 / Clinic",
    "pharmacy": "药店 / Pharmacy",
    "machine": "自助发放机 / Self-service machine",
    "outreach": "外展服务点 / Outreach point",
}
LEVEL_LABELS = {
    "building": "楼栋 / building",
    "compound": "小区 / compound",
    "group": "村民小组 / group",
    "village": "村/社区 / village",
    "township": "乡镇 / township",
    "county": "县 / county",
    "unmatched": "未匹配 / unmatched",
}


def _in(lang: str, fn, *args):
    with speaking(lang):
        return fn(*args)


def page_language() -> str:
    """The request's language as the server decides it (webmap/errors.py
    ``request_language()``: ``?lang=``, cookie ``popgis_lang``, else Accept-Language, else
    ``POPGIS_LANG``); the pages and static/i18n.js follow it."""
    lang = language()
    return lang if lang in LANGUAGES else "zh"


@bp.app_context_processor
def _page_helpers():
    """area_name(code) and code labels for every template."""

    def area_name(code):
        try:
            return layers.area_name(get_conn(), code) or code
        except Exception:  # a page must render even if the name cannot be read
            return code

    lang = page_language()

    def tr(zh: str, en: str) -> str:
        """The text in the page's language."""
        return en if lang == "en" else zh

    def pick(labels: dict, code):
        text = labels.get(code)
        return text.split(" / ")[lang == "en"] if text else (code or "")

    return {
        "area_name": area_name,
        "lang": lang,
        "tr": tr,
        "kind_label": lambda k: pick(KIND_LABELS, k),
        # role names from the one catalogue (gis.messages), in the page's language
        "role_label": lambda r: _in(lang, role_name, r),
        "who": lambda s: _in(
            lang, who, s.user, s.role, _in(lang, area_label, area_name(s.area_code), s.area_code)
        ),
        "level_label": lambda v: pick(LEVEL_LABELS, v),
        "action_label": lambda a: pagetext.action_label(a, lang),
        "target_label": lambda k: pagetext.target_label(k, lang),
    }


def _links(scope) -> dict:
    """Where the menu leads, by role: planner page, review queue, access log."""
    return {
        "planner": "/planner" if scope.role in PLANNER_ROLES else None,
        "review": "/review" if scope.can_read_people else None,
        "audit": "/audit" if scope.role == "auditor" else None,
    }


@bp.route("/")
@login_required
def index():
    scope = current_scope()
    conn = get_conn()
    bounds = layers.extent(conn, scope)
    scope_name = layers.area_name(conn, scope.area_code)
    config = {
        "api": url_for("api.me").rsplit("me", 1)[0],
        "tiles": url_for("tiles.tile", layer="x", z=0, x=0, y=0).split("x/0/0/0.pbf")[0],
        "units": url_for("map.units"),
        "placements": url_for("map.placements", household_id=0),
        "exports": "/exports/",
        "people": scope.can_read_people,
        "bounds": bounds,
        "scope_name": scope_name,
        "scope_code": scope.area_code,
        "scope_level": scope.level,
        "role": scope.role,
        "radius": SERVICE_RADIUS_M,
        "has_landcover": layers.has_landcover(conn),
        "basemap_url": settings.get("POPGIS_BASEMAP_URL"),
        "basemap_attribution": settings.get("POPGIS_BASEMAP_ATTRIBUTION"),
        "datum": settings.get("POPGIS_BASEMAP_DATUM"),
    }
    # The first data of the map, asked for while the scripts load (the same URLs as
    # map.js asks for, so the browser hands it the preloaded answers).
    levels = ["township", "village"] + (["grid"] if scope.level in ("village", "grid") else [])
    config["preload"] = [url_for("api.boundaries", level=lv) for lv in levels] + [
        url_for("api.service_points")
    ]
    if scope.level in REGIONAL_LEVELS:  # a province or city: the figures of its counties
        config["preload"] = [url_for("api.region_figures", level="county")]
    m = build_map(config, bounds)
    m.get_root().html.add_child(
        Element(
            # the header names a grid as the map does ("Grid 2" in English)
            render_template_string(
                CHROME,
                scope=scope,
                scope_name=area_label(scope_name, scope.area_code),
                links=_links(scope),
            )
        )
    )
    m.get_root().title = "地图 · popgis"
    return m.get_root().render()


_SCRIPT: dict = {}


@bp.route("/map.js")
def script():
    """webmap/static/map/*.js in load order, as one script (read once per process; the
    ETag lets the browser keep it)."""
    if "text" not in _SCRIPT or current_app.debug:  # debug: edits show at once
        folder = Path(__file__).parent / "static" / "map"
        _SCRIPT["text"] = "\n".join(
            (folder / f"{name}.js").read_text(encoding="utf-8") for name in MAP_SCRIPTS
        )
    resp = Response(_SCRIPT["text"], mimetype="text/javascript")
    resp.cache_control.no_cache = True
    resp.add_etag()
    return resp.make_conditional(request)


@bp.route("/favicon.ico")
def favicon():
    """The site icon (browsers ask for /favicon.ico on every page)."""
    return send_from_directory(
        Path(__file__).parent / "static",
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=86400,
    )


@bp.route("/api/layers/units")
@login_required
def units():
    """Markets and work units (驻街单位) of the user's area as named points."""
    scope = current_scope()
    return Response(
        _cached(("units", scope.path), lambda: layers.units(get_conn(), scope)),
        mimetype="application/geo+json",
    )


# Markets and work units change only with a load: kept per scope for a few minutes.
_UNITS: dict = {}
UNITS_TTL_S = 300.0


def _cached(key, make) -> str:
    key = (id(current_app._get_current_object()), *key)
    hit = _UNITS.get(key)
    if hit is None or time.monotonic() - hit[1] > UNITS_TTL_S:
        if len(_UNITS) > 200:
            _UNITS.clear()
        hit = _UNITS[key] = (make(), time.monotonic())
    return hit[0]


@bp.route("/api/households/<int:household_id>/placements")
@people_required
def placements(household_id):
    """Placement history of a household (who, when, from where) and whether the
    geocoded place can be restored."""
    return jsonify(placement.history(get_conn(), current_scope(), household_id))


@bp.route("/api/households/<int:household_id>/restore", methods=["POST"])
@people_required
def restore(household_id):
    """Put a household placed by hand back on its geocoded place (no input: an empty
    body or ``{}``)."""
    params.json_object((), optional=True)
    placement.restore(get_conn(), current_scope(), household_id)
    CACHE.bump()
    return jsonify(Gate(get_conn(), current_scope()).household(household_id))
