"""The map page, composed with folium from local assets (works with no internet).

folium builds the Leaflet map and the page; webmap/static/map.js draws our layers into
it from the API and the vector tiles, with the configuration given here.
"""

from __future__ import annotations

import folium
from branca.element import Element, JavascriptLink, MacroElement
from flask import Blueprint, render_template_string, url_for
from jinja2 import Template

from gis import layers, settings
from webmap.auth import current_scope, login_required
from webmap.dbconn import get_conn

bp = Blueprint("map", __name__)

#: default service radius per kind (metres), shown as circles on the map
SERVICE_RADIUS_M = {"distribution_point": 1000, "service_station": 3000, "clinic": 2000,
                    "pharmacy": 800, "machine": 500, "outreach": 1500}

CHROME = """
<div id="topbar"><strong>人口地理信息系统</strong>
  <span class="user">{{ scope.user }} · {{ scope.role }} · {{ scope_name }}</span>
  <span class="synthetic" id="synthetic" title="演示县的人口、楼栋和村界为合成数据">演示数据（合成）</span>
  <span class="spacer"></span>
  {% if scope.can_read_people %}<a id="review" href="/review">待核实定位</a>{% endif %}
  <button id="export" type="button">导出当前地图</button>
  <button id="lang" type="button">English</button>
  <form id="logoutform" method="post" action="{{ url_for('auth.logout') }}"><input type="hidden"
   name="csrf_token" value="{{ csrf_token() }}"><button id="logout" type="submit">退出</button></form></div>
<div id="searchbox"><input id="search" type="search" autocomplete="off" aria-label="search">
  <ul id="results"></ul></div>
<div id="filters"></div><div id="crumbs"></div><div id="legend"></div>
<aside id="panel" aria-live="polite"></aside><div id="toast" role="status"></div>
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
    m = folium.Map(location=[29.306, 120.075], zoom_start=11, tiles=None, max_zoom=20,
                   control_scale=True, crs="PopGISGCJ" if gcj else "EPSG3857")
    # Local assets only: folium's defaults point at CDNs. Leaflet goes first so that
    # the plugins after it find `L`.
    m.default_js = []
    m.default_css = [("leaflet_css", _asset("leaflet", "leaflet.css"))]
    header = m.get_root().header
    for name, package, filename in (
            ("leaflet", "leaflet", "leaflet.js"),
            ("vectorgrid", "leaflet.vectorgrid", "Leaflet.VectorGrid.bundled.min.js"),
            ("heat", "leaflet.heat", "leaflet-heat.js")):
        header.add_child(JavascriptLink(_asset(package, filename)), name=name)
    header.add_child(JavascriptLink(url_for("static", filename="map.js")), name="popgis")
    header.add_child(Element(
        f'<link rel="stylesheet" href="{url_for("static", filename="map.css")}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<script>if (window.L && window.PopGIS) { L.CRS.PopGISGCJ = PopGIS.gcjCrs(); }'
        '</script>'), name="popgis_css")
    if bounds:
        m.fit_bounds(bounds)
    m.add_child(PopGISLayers(config))
    return m


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
        "people": scope.can_read_people, "bounds": bounds, "scope_name": scope_name,
        "radius": SERVICE_RADIUS_M,
        "basemap_url": settings.get("POPGIS_BASEMAP_URL"),
        "basemap_attribution": settings.get("POPGIS_BASEMAP_ATTRIBUTION"),
        "datum": settings.get("POPGIS_BASEMAP_DATUM"),
    }
    m = build_map(config, bounds)
    m.get_root().html.add_child(Element(render_template_string(
        CHROME, scope=scope, scope_name=scope_name)))
    m.get_root().title = "地图 · popgis"
    return m.get_root().render()


