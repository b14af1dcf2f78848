/* popgis map: the GCJ-02 display projection (for a GCJ-02 online basemap; our WGS-84
 * layers are moved onto it) and a position for VectorGrid's point features. */
(function () {
  'use strict';
  var P = window.PopGIS;

  // With a GCJ-02 basemap the map's projection moves WGS-84 positions onto it, and
  // vector tiles are asked for with datum=gcj02 (the server shifts them).
  P.gcjCrs = function () {
    var A = 6378245.0, EE = 0.00669342162296594323, M = L.Projection.SphericalMercator;
    function out(lng, lat) { return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271; }
    function tlat(x, y) {
      var r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
      r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
      r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
      r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
      return r;
    }
    function tlng(x, y) {
      var r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
      r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
      r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
      r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
      return r;
    }
    function toGcj(ll) {
      if (out(ll.lng, ll.lat)) { return ll; }
      var dlat = tlat(ll.lng - 105, ll.lat - 35), dlng = tlng(ll.lng - 105, ll.lat - 35);
      var rad = ll.lat / 180 * Math.PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
      var sq = Math.sqrt(magic);
      dlat = (dlat * 180) / ((A * (1 - EE)) / (magic * sq) * Math.PI);
      dlng = (dlng * 180) / (A / sq * Math.cos(rad) * Math.PI);
      return L.latLng(ll.lat + dlat, ll.lng + dlng);
    }
    function toWgs(g) {  // fixed-point inverse, exact to millimetres
      var w = L.latLng(g.lat, g.lng);
      for (var i = 0; i < 8; i++) {
        var f = toGcj(w);
        w = L.latLng(w.lat + g.lat - f.lat, w.lng + g.lng - f.lng);
      }
      return w;
    }
    var proj = {
      project: function (ll) { return M.project(toGcj(ll)); },
      unproject: function (p) { return toWgs(M.unproject(p)); },
      bounds: M.bounds
    };
    return L.extend({}, L.CRS.EPSG3857, {projection: proj});
  };

  // VectorGrid's point features are CircleMarkers without a position, and Leaflet asks a
  // clicked CircleMarker for its position: give them one (tile origin + offset in tile).
  P.patchVectorGridPoints = function () {
    var probe = L.VectorGrid.prototype._createLayer.call({options: {}},
      {type: 1, geometry: [[0, 0]], properties: {}}, 1);
    var proto = Object.getPrototypeOf(probe);
    if (proto.__popgis) { return; }
    proto.__popgis = true;
    proto.getLatLng = function () {
      var r = this._renderer, map = P.S.map;
      if (!r || !r.getCoord || !map) { return map ? map.getCenter() : L.latLng(0, 0); }
      var c = r.getCoord(), size = r._size ? r._size.x : 256;
      return map.unproject(L.point(c.x * size, c.y * size).add(this._point), c.z);
    };
  };
})();
