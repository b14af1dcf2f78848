/* popgis map: migrant density as a heat layer and as choropleths by village and grid.
 * Choropleth classes are quantiles with distinct, rounded limits (many villages or grids
 * with the same value give fewer classes, never "0–0"). */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, C = P.COLOURS;

  function heatOptions() {
    // A kernel of about 500 m on the ground (as on the exported map), and a colour scale
    // set from the cells as leaflet.heat groups them at this zoom (bins of r/2 pixels):
    // the 99th percentile of the bin sums, times the overlap of neighbouring bins, is
    // the top of the ramp. Hot spots stand out at every zoom instead of a faint haze
    // (maxZoom 0: no zoom damping) or a red blanket (overlaps summing to saturation).
    var z = S.map.getZoom(), lat = S.map.getCenter().lat;
    var mpp = 156543.03 * Math.cos(lat * Math.PI / 180) / Math.pow(2, z);
    var r = Math.max(10, Math.min(60, 500 / mpp)), cell = r / 2;
    var bins = {}, sums = [];
    (S.heatCells || []).forEach(function (c) {
      var pt = S.map.project([c[0], c[1]], z);
      var key = Math.floor(pt.x / cell) + ':' + Math.floor(pt.y / cell);
      bins[key] = (bins[key] || 0) + c[2];
    });
    Object.keys(bins).forEach(function (k) { sums.push(bins[k]); });
    sums.sort(function (a, b) { return a - b; });
    var p99 = sums.length ? sums[Math.floor(0.99 * (sums.length - 1))] : 1;
    return {radius: r, blur: r * 0.8, max: Math.max(1, p99 * 4), maxZoom: 0, minOpacity: 0.04,
            gradient: C.heat};
  }
  function round(v) { return v < 10 ? Math.round(v * 10) / 10 : Math.round(v); }
  /** upper limits of the classes (the last class is open): quantiles of the values,
   * rounded, distinct and above the smallest value */
  P.classBreaks = function (values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var out = [];
    if (!sorted.length) { return out; }
    [0.2, 0.4, 0.6, 0.8].forEach(function (p) {
      var v = round(sorted[Math.floor(p * (sorted.length - 1))]);
      if (v < sorted[sorted.length - 1] && (out.length ? v > out[out.length - 1] : v >= sorted[0])) {
        out.push(v);
      }
    });
    return out;
  };
  /** colours of n classes, spread over the whole ramp */
  P.classColours = function (n) {
    var ramp = C.choro, out = [];
    for (var i = 0; i < n; i++) {
      out.push(ramp[n === 1 ? 2 : Math.round(i * (ramp.length - 1) / (n - 1))]);
    }
    return out;
  };
  P.loadDensity = function () {
    S.densityLoaded = true;
    var q = P.qs(S.filters);
    P.api(S.cfg.api + 'density/heat' + (q ? '?' + q : '')).then(function (cells) {
      S.heatCells = cells;
      var group = S.layers.heat.layer;
      group.clearLayers();
      S.heatLayer = L.heatLayer(cells, heatOptions());
      group.addLayer(S.heatLayer);
      if (!S.heatZoomHooked) {
        S.heatZoomHooked = true;
        S.map.on('zoomend', function () { if (S.heatLayer) { S.heatLayer.setOptions(heatOptions()); } });
      }
      P.mark('heat_cells', cells.length);
      P.renderLegend();
    });
    ['village', 'grid'].forEach(function (level) {
      P.api(S.cfg.api + 'density/choropleth?level=' + level + (q ? '&' + q : ''))
        .then(function (fc) {
          var key = level === 'village' ? 'choro' : 'choro_grid';
          var values = fc.features.map(function (f) { return f.properties.migrants_per_km2 || 0; });
          var breaks = P.classBreaks(values);
          var top = round(Math.max.apply(null, values.concat([0])));
          // nothing anywhere: the palest colour, not a dark map of zeros
          var colours = top ? P.classColours(breaks.length + 1) : [C.choro[0]];
          var group = S.layers[key].layer;
          group.clearLayers();
          group.addLayer(L.geoJSON(fc, {pane: 'density', style: function (f) {
            var v = f.properties.migrants_per_km2 || 0, k = 0;
            while (k < breaks.length && v > breaks[k]) { k++; }
            return {fillColor: colours[k], fillOpacity: 0.65, color: '#fff', weight: 0.5};
          }, onEachFeature: function (f, l) {
            var p = f.properties;
            l.bindTooltip('<b>' + esc(P.areaName(Object.assign({level: level}, p))) + '</b><br>' + t('migrants') + ' ' + esc(p.migrants) +
              '<br>' + t('per_km2') + ' ' + (p.migrants_per_km2 == null ? '—' : esc(p.migrants_per_km2)) +
              '<br>' + t('per_1000') + ' ' + (p.migrants_per_1000_residents == null ? '—'
                : esc(p.migrants_per_1000_residents)));
            l.on('click', function (e) { L.DomEvent.stop(e); if (S.areaIndex[p.code]) { P.drill(p.code); } });
          }}));
          group.breaks = breaks;
          group.colours = colours;
          group.top = top;
          P.mark(key, fc.features.length);
          P.renderLegend();
        });
    });
  };
})();
