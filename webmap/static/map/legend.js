/* popgis map: one legend listing every layer switched on (boundaries, land cover, roads,
 * buildings by use, markets and work units, households, heat, choropleths with their
 * classes, service points by kind, those outside the area, service radii). A layer drawn
 * only from some zoom on says so once, at the top of the legend. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, label = P.label, C = P.COLOURS;

  function swatch(style) { return '<i class="sw" style="' + style + '"></i>'; }
  function entry(key, html) { return '<div class="lg" data-layer="' + key + '">' + html + '</div>'; }
  /** the rows of a choropleth's classes: "0 – 10", "11 – 20", … (density.js P.classes) */
  function classRows(group) {
    var labels = group.labels || [], colours = group.colours || [];
    return labels.map(function (text, i) {
      return '<div class="cls">' + swatch('background:' + colours[Math.min(i, colours.length - 1)]) +
        esc(text) + '</div>';
    }).join('');
  }
  P.renderLegend = function () {
    var el = P.$('legend');
    if (!el || !S.map) { return; }
    var z = S.map.getZoom();
    var on = function (k) { return S.layers[k] && S.map.hasLayer(S.layers[k].layer); };
    var later = [];   // layers switched on but drawn only from a deeper zoom
    function title(key, minZoom) {
      if (minZoom && z < minZoom) { later.push(t(key) + ' ' + minZoom); }
      return '<b>' + t(key) + '</b>' + (minZoom && z < minZoom ? ' <small class="fromzoom">*</small>' : '');
    }
    var html = '';
    var lines = swatch('border-top:2.5px solid #343a40;height:0') + t('township_line') + '<br>' +
      swatch('border-top:1.2px solid #495057;height:0') + t('village_line');
    if (S.areas && S.areas.grid && S.map.hasLayer(S.areas.grid)) {
      lines += '<br>' + swatch('border-top:1px dashed #868e96;height:0') + t('grid_line');
    }
    if (S.highlight) {
      lines += '<br>' + swatch('border-top:3px solid ' + C.highlight + ';height:0') + t('selected_area');
    }
    html += entry('boundaries', '<b>' + t('boundaries') + '</b><br>' + lines);
    if (on('landcover')) {
      html += entry('landcover', '<b>' + t('landcover') + '</b><br>' +
        swatch('background:' + C.land.water) + t('water') + ' ' + swatch('background:' + C.land.wood) +
        t('wood') + ' ' + swatch('background:' + C.land.farmland) + t('farmland'));
    }
    if (on('roads')) {
      html += entry('roads', '<b>' + t('roads') + '</b><br>' +
        swatch('border-top:3px solid #f8c76b;height:0') + t('major_road') + ' ' +
        swatch('border-top:2px solid #fff;height:0;box-shadow:0 0 0 1px #ced4da') + t('minor_road'));
    }
    if (on('buildings')) {
      html += entry('buildings', title('buildings', P.BUILDINGS_MIN_ZOOM) + '<br>' +
        ['residential', 'market', 'enterprise', 'dormitory', 'school', 'public'].map(function (u) {
          return '<span class="it">' + swatch('background:' + C.uses[u] + ';border:1px solid #868e96') +
            esc(label('uses', u)) + '</span>';
        }).join(''));
    }
    if (on('units')) {
      html += entry('units', title('units', P.UNITS_MIN_ZOOM) + '<br>' + ['market', 'enterprise'].map(function (u) {
        return '<span class="it">' + swatch('background:' + C.units[u] +
          ';border-radius:50%;width:10px;height:10px;border:1.5px solid #fff;box-shadow:0 0 1px #000') +
          esc(label('uses', u)) + '</span>'; }).join(''));
    }
    if (on('households')) {
      var H = C.households;
      var dot = function (c, ring) {
        return swatch('background:' + c + ';border-radius:50%;width:10px;height:10px;border:' +
                      (ring ? '2px solid #000' : '1px solid #fff'));
      };
      html += entry('households', title('households', P.HOUSEHOLDS_MIN_ZOOM) + '<br>' +
        '<span class="it">' + dot(H.resident) + t('resident_hh') + '</span>' +
        '<span class="it">' + dot(H.migrant) + t('migrant_hh') + '</span>' +
        '<span class="it">' + dot(H.imprecise) + t('imprecise') + '</span>' +
        '<span class="it">' + dot('#fff', true) + t('manual') + '</span>' +
        '<span class="it">' + swatch('background:' + H.cell + ';opacity:.4;border-radius:50%;width:14px;height:14px') +
        t('cell') + '</span>');
    }
    if (on('heat')) {
      // the stops in order of position: the key 1.0 is the integer key "1", which an
      // object lists before "0.15" (the bar was one solid dark red)
      var stops = Object.keys(C.heat).sort(function (a, b) { return a - b; }).map(function (k) {
        return C.heat[k] + ' ' + Math.round(k * 100) + '%'; }).join(',');
      html += entry('heat', '<b>' + t('heat') + '</b><br><span class="ramp" style="background:' +
        'linear-gradient(to right,' + stops + ')"></span><span class="ramp-labels"><span>' + t('low') +
        '</span><span>' + t('high') + '</span></span>');
    }
    ['choro', 'choro_grid'].forEach(function (key) {
      if (!on(key)) { return; }
      html += entry(key, '<b>' + t(key) + '</b><br><small>' + t('per_km2') + '</small>' +
                    classRows(S.layers[key].layer));
    });
    var sp = Object.keys(S.layers).filter(function (k) { return k.indexOf('sp_') === 0 && on(k); });
    if (sp.length) {
      var anyOutside = false;
      html += sp.map(function (k) {
        var kind = S.layers[k].kind;
        anyOutside = anyOutside || S.layers[k].outside;
        return entry(k, '<span class="sp-dot" style="background:' + C.kinds[kind] + '"></span>' +
                     esc(label('kinds', kind)));
      }).join('');
      if (anyOutside) {
        html += entry('sp_outside', swatch('background:#adb5bd;border-radius:50%;width:10px;height:10px;' +
          'border:2px dashed #212529') + t('outside_note'));
      }
    }
    Object.keys(S.layers).filter(function (k) { return k.indexOf('radius_') === 0 && on(k); })
      .forEach(function (k) {
        var kind = S.layers[k].kind;
        html += entry(k, swatch('border:1px solid ' + C.kinds[kind] + ';border-radius:50%;width:12px;height:12px') +
                      esc(label('kinds', kind)) + ' ' + S.cfg.radius[kind] + ' m');
      });
    // one note for every layer still waiting for a deeper zoom (not one per layer)
    var note = later.length ? '<div class="lg-note" id="legend-note">* ' +
      esc(t('zoom_in_for')) + ' ' + later.map(esc).join(', ') + '</div>' : '';
    el.innerHTML = '<div class="lg-title">' + t('legend') + '</div>' + html + note;
  };
})();
