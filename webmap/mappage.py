"""The map page, composed with folium from local assets (works with no internet)."""

from __future__ import annotations

import folium
from branca.element import Element, MacroElement
from flask import Blueprint, render_template, url_for
from jinja2 import Template

from gis import layers
from webmap.auth import current_scope, login_required
from webmap.dbconn import get_conn

bp = Blueprint("map", __name__)

KIND_STYLE = {  # colour and Chinese label per service point kind
    "distribution_point": ("#d6336c", "药具发放点"),
    "service_station": ("#1971c2", "计生服务站"),
    "clinic": ("#2f9e44", "卫生院/诊所"),
    "pharmacy": ("#f08c00", "药店"),
    "machine": ("#7048e8", "自助发放机"),
    "outreach": ("#0c8599", "外展服务点"),
}


class DataLayers(MacroElement):
    """Fetches boundaries and service points from the API and draws them."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function() {
  var map = {{ this._parent.get_name() }};
  var kinds = {{ this.kinds|tojson }};
  var control = L.control.layers(null, null, {collapsed: false}).addTo(map);
  // What was drawn, for tests and for the curious: window.popgisDrawn.
  window.popgisDrawn = {};
  function styleFor(level) {
    return level === 'township' ? {color: '#495057', weight: 2.5, fill: false}
         : {color: '#868e96', weight: 1, fillOpacity: 0.04};
  }
  function addBoundaries(level, label, show) {
    return fetch({{ this.boundaries_url|tojson }} + '?level=' + level)
      .then(function(r) { return r.json(); })
      .then(function(fc) {
        var layer = L.geoJSON(fc, {style: styleFor(level), onEachFeature: function(f, l) {
          l.bindTooltip(f.properties.short_name || f.properties.name,
                        {sticky: true, className: 'area-label'});
          l.on('click', function() { map.fitBounds(l.getBounds()); });
        }});
        if (show) layer.addTo(map);
        window.popgisDrawn[level] = fc.features.length;
        control.addOverlay(layer, label);
        return layer;
      });
  }
  addBoundaries('township', '乡镇/街道', true);
  addBoundaries('village', '村/社区', true);
  fetch({{ this.points_url|tojson }}).then(function(r) { return r.json(); })
    .then(function(fc) {
      Object.keys(kinds).forEach(function(kind) {
        var layer = L.geoJSON(fc, {
          filter: function(f) { return f.properties.kind === kind; },
          pointToLayer: function(f, latlng) {
            return L.circleMarker(latlng, {radius: 5, color: '#fff', weight: 1,
              fillColor: kinds[kind][0], fillOpacity: f.properties.active ? 0.95 : 0.3});
          },
          onEachFeature: function(f, l) {
            l.bindPopup('<b>' + f.properties.name + '</b><br>' + kinds[kind][1] +
              (f.properties.address ? '<br>' + f.properties.address : '') +
              (f.properties.opening_hours ? '<br>' + f.properties.opening_hours : ''));
          }
        }).addTo(map);
        control.addOverlay(layer, '<span style="color:' + kinds[kind][0] + '">●</span> ' +
                           kinds[kind][1]);
      });
      window.popgisDrawn.service_points = fc.features.length;
      document.body.setAttribute('data-loaded', 'true');
    });
})();
{% endmacro %}
""")

    def __init__(self, boundaries_url: str, points_url: str):
        super().__init__()
        self._name = "DataLayers"
        self.boundaries_url = boundaries_url
        self.points_url = points_url
        self.kinds = KIND_STYLE


def build_map(bounds) -> folium.Map:
    m = folium.Map(location=[29.306, 120.075], zoom_start=11, tiles=None,
                   prefer_canvas=True, control_scale=True)
    # Local assets only: folium's defaults point at CDNs.
    m.default_js = [("leaflet", url_for("vendor.asset", package="leaflet",
                                        filename="leaflet.js"))]
    m.default_css = [("leaflet_css", url_for("vendor.asset", package="leaflet",
                                             filename="leaflet.css"))]
    if bounds:
        m.fit_bounds(bounds)
    m.add_child(DataLayers(url_for("api.boundaries"), url_for("api.service_points")))
    return m


@bp.route("/")
@login_required
def index():
    scope = current_scope()
    m = build_map(layers.extent(get_conn(), scope))
    m.get_root().header.add_child(Element(
        "<style>.area-label{font-size:12px}</style>"))
    map_html = m.get_root().render()
    return render_template("map.html", map_html=map_html, scope=scope)
