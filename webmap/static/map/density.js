/* popgis map: migrant density as a heat layer and as choropleths by village and grid.
 * Choropleth classes are quantiles with distinct, rounded limits that do not overlap, as
 * on the exported maps (many villages or grids with the same value give fewer classes). */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, C = P.COLOURS;
  /** the density figures of each area drawn, by layer key (choro, choro_grid) and code */
  var figuresByCode = {choro: {}, choro_grid: {}};
  /** an area's density figures (HTML) while its choropleth is on the map, else '' */
  P.densityFigures = function (code) {
    var key = ['choro_grid', 'choro'].filter(function (k) {
      return S.layers[k] && S.map.hasLayer(S.layers[k].layer) && figuresByCode[k][code] != null;
    })[0];
    return key ? figuresByCode[key][code] : '';
  };

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
  function roundTo(x, d) { var f = Math.pow(10, d); return Math.round(x * f) / f; }
  function quantile(sorted, p) {
    var pos = (sorted.length - 1) * p, lo = Math.floor(pos), hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }
  function floor2(x, step) {
    if (x <= 0) { return Math.floor(x / step) * step; }
    var unit = Math.max(Math.pow(10, Math.floor(Math.log10(x)) - 1), step);
    return Math.floor(x / unit + 1e-9) * unit;
  }
  /** at most n classes at quantiles, as the server's exports draw them
   * (gis/exports/mapping.py classes()): values counted rounded to whole numbers (one
   * decimal when all are below 100 and some are fractions), breaks of two significant digits, a class ends one
   * step below the next one's start ("0 – 10", "11 – 20"), no empty or repeated class.
   * {bounds, labels, decimals, index(v)} */
  P.classes = function (values, n) {
    n = n || 5;
    if (!values.length) { values = [0]; }
    // counts (whole numbers) stay whole even when small: "0", "1 – 2", never "0.0 – 0.9"
    var whole = values.every(function (x) { return Number.isInteger(x); });
    var decimals = whole || Math.max.apply(null, values) >= 100 ? 0 : 1, step = Math.pow(10, -decimals);
    var v = values.map(function (x) { return roundTo(x, decimals); }).sort(function (a, b) { return a - b; });
    var top = v[v.length - 1];
    var bounds = [roundTo(floor2(v[0], step), decimals)];
    // the lowest value filling a class or more by itself (grids where nobody lives) is a
    // class of its own; the other values are classed at their own quantiles
    var ranked = v, nq = n, nLow = v.filter(function (x) { return x === v[0]; }).length;
    if (nLow > 1 && quantile(v, 1 / n) <= v[0] && v[0] < top) {
      bounds.push(roundTo(v[0] + step, decimals));
      ranked = v.slice(nLow); nq = n - 1;
    }
    for (var i = 1; i < nq; i++) {
      var r = roundTo(Number(quantile(ranked, i / nq).toPrecision(2)), decimals);
      if (bounds[bounds.length - 1] < r && r <= top) { bounds.push(r); }
    }
    bounds.push(roundTo(top + step, decimals));
    function index(x) {
      x = roundTo(x || 0, decimals);
      var k = 0;
      while (k < bounds.length - 2 && x >= bounds[k + 1]) { k++; }
      return k;
    }
    // a class no value falls in joins the one below it
    var counts = bounds.slice(1).map(function () { return 0; });
    v.forEach(function (x) { counts[index(x)]++; });
    bounds = bounds.filter(function (b, j) { return j === 0 || j === bounds.length - 1 || counts[j]; });
    var fmt = function (x) {
      return x.toLocaleString('en-US', {minimumFractionDigits: decimals, maximumFractionDigits: decimals});
    };
    var labels = [];
    for (var j = 0; j < bounds.length - 1; j++) {
      var lo = bounds[j], hi = j === bounds.length - 2 ? top : roundTo(bounds[j + 1] - step, decimals);
      labels.push(hi <= lo ? fmt(lo) : fmt(lo) + ' – ' + fmt(hi));
    }
    return {bounds: bounds, labels: labels, decimals: decimals, index: index};
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
          var cls = P.classes(values);
          var top = Math.max.apply(null, values.concat([0]));
          // nothing anywhere: the palest colour, not a dark map of zeros
          var colours = top ? P.classColours(cls.labels.length) : [C.choro[0]];
          var group = S.layers[key].layer;
          group.clearLayers();
          figuresByCode[key] = {};
          group.addLayer(L.geoJSON(fc, {pane: 'density', style: function (f) {
            return {fillColor: colours[cls.index(f.properties.migrants_per_km2)], fillOpacity: 0.65,
                    color: '#fff', weight: 0.5};
          }, onEachFeature: function (f, l) {
            var p = f.properties;
            var figures = t('migrants') + ' ' + esc(p.migrants) +
              '<br>' + t('per_km2') + ' ' + (p.migrants_per_km2 == null ? '—' : esc(p.migrants_per_km2)) +
              '<br>' + t('per_1000') + ' ' + (p.migrants_per_1000_residents == null ? '—'
                : esc(p.migrants_per_1000_residents));
            // the area's popup (a click on it) repeats them: it opens where the tooltip was
            figuresByCode[key][p.code] = figures;
            l.bindTooltip('<b>' + esc(P.areaName(Object.assign({level: level}, p))) + '</b><br>' + figures);
            // the click is the area's under it, by the drill's rules (one level down)
            l.on('click', function (e) {
              if (S.mode) { return; }  // placing a household: the map's click
              L.DomEvent.stop(e);
              P.clickAreaAt(e.latlng);
            });
          }}));
          group.labels = cls.labels;
          group.colours = colours;
          P.mark(key, fc.features.length);
          P.renderLegend();
        });
    });
  };
})();
