// Planner panel: coverage gaps and placement of new sites, drawn with local Leaflet.
// window.popgisPlanner records what was drawn (for tests and the curious).
(function () {
  'use strict';
  var cfg = window.POPGIS, t = window.PopGISi18n.t;
  /** new sites in black: no service kind has that colour */
  var NEW_SITE = '#000000';
  var state = window.popgisPlanner = {ready: false, added: [], last: null, drawn: {},
                                      newSiteColour: NEW_SITE};
  // framed on the user's villages as soon as they are loaded
  var map = L.map('map', {preferCanvas: true}).setView([35, 105], 4);
  L.control.scale({imperial: false}).addTo(map);
  // on a phone (the layout of planner.css's max-width:700px) the layer list is an icon
  // that opens on a tap: open, it covered half of the small map
  var phone = window.matchMedia('(max-width: 700px)').matches;
  var control = L.control.layers(null, null, {collapsed: phone}).addTo(map);
  state.layersCollapsed = phone;
  // the results, each its own layer with its own switch in the layer list (added to the
  // list, and to the legend, once it has something drawn)
  var results = {gaps: L.layerGroup().addTo(map), newly: L.layerGroup().addTo(map),
                 sites: L.layerGroup().addTo(map)};
  var RESULT_NAMES = {gaps: 'pl_uncovered', newly: 'pl_newly', sites: 'pl_sites_layer'};
  var listed = {};
  /** for tests: whether a result layer (gaps, newly, sites) is on the map, and its size */
  state.onMap = function (key) { return map.hasLayer(key === 'added' ? addedLayer : results[key]); };
  /** for tests: the page pixel of a place on the map */
  state.pixel = function (lat, lon) {
    var r = map.getContainer().getBoundingClientRect(), p = map.latLngToContainerPoint([lat, lon]);
    return [r.left + p.x, r.top + p.y];
  };
  var addedLayer = L.layerGroup().addTo(map), addedListed = false;
  var $ = function (id) { return document.getElementById(id); };

  function fmt(v) { return v === null || v === undefined ? '<5' : Number(v).toLocaleString('zh-CN'); }
  function pct(v) { return v === null || v === undefined ? '—' : v.toFixed(1) + '%'; }
  function status(text, isError) {
    var el = $('status'); el.textContent = text; el.className = isError ? 'error' : '';
  }
  function getJSON(url, opts) {
    return fetch(url, opts).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error ? body.error.message : r.statusText); }
        return body;
      });
    });
  }

  // base layers from the project's own data
  var boundaries = getJSON(cfg.boundaries + '?level=village').then(function (fc) {
    var layer = L.geoJSON(fc, {style: {color: '#868e96', weight: 1, fillOpacity: 0.03},
      onEachFeature: function (f, l) { l.bindTooltip(f.properties.short_name || f.properties.name, {sticky: true}); }
    }).addTo(map);
    if (fc.features.length) { map.fitBounds(layer.getBounds()); }
    control.addOverlay(layer, t('pl_villages'));
    state.drawn.villages = fc.features.length;
  });
  // the map page's colours per service kind, with a legend
  var KIND_COLOURS = {distribution_point: '#d6336c', service_station: '#1971c2',
    clinic: '#2f9e44', pharmacy: '#f08c00', machine: '#7048e8', outreach: '#0c8599'};
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]; });
  }
  function kindLabel(k) { return (cfg.kinds && cfg.kinds[k]) || k; }
  var points = getJSON(cfg.points).then(function (fc) {
    var inside = fc.features.filter(function (f) { return !f.properties.outside; });
    var layer = L.geoJSON({type: 'FeatureCollection', features: inside}, {pointToLayer: function (f, ll) {
      return L.circleMarker(ll, {radius: 5, color: '#fff', weight: 1,
                                 fillColor: KIND_COLOURS[f.properties.kind] || '#495057',
                                 fillOpacity: f.properties.active ? 0.9 : 0.3});
    }, onEachFeature: function (f, l) {
      l.bindPopup('<b>' + esc(f.properties.name) + '</b><br>' + esc(kindLabel(f.properties.kind)));
    }}).addTo(map);
    control.addOverlay(layer, t('pl_existing'));
    state.drawn.points = inside.length;
    state.pointKinds = Object.keys(KIND_COLOURS).filter(function (k) {
      return inside.some(function (f) { return f.properties.kind === k; }); });
    state.pointsLayer = layer;
    renderLegend();
  });
  // the legend: only what is drawn and switched on (the existing kinds present, and the
  // results once drawn); on a phone it is a button that opens it (open, it covered a
  // third of the small map), as the layer list is an icon there
  var legendOpen = !phone;
  state.legendCollapsed = phone;
  var legend = L.control({position: 'bottomright'});
  legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'legend');
    div.id = 'planner-legend';
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);
  function swatch(colour, round, ring) {
    return '<i style="background:' + colour + (round ? ';border-radius:50%' : ';opacity:.5') +
      (ring ? ';box-shadow:0 0 0 2px #fff,0 0 0 3px ' + colour + ';margin:0 7px 0 3px' : '') + '"></i>';
  }
  function renderLegend() {
    var rows = [];
    if (state.pointsLayer && map.hasLayer(state.pointsLayer)) {
      (state.pointKinds || []).forEach(function (k) {
        rows.push('<span data-kind="' + k + '">' + swatch(KIND_COLOURS[k], true) + esc(kindLabel(k)) + '</span>');
      });
    }
    var shown = function (key) { return listed[key] && map.hasLayer(results[key]); };
    if (shown('gaps')) { rows.push('<span data-kind="gaps">' + swatch('#e03131') + t('pl_uncovered') + '</span>'); }
    if (shown('newly')) { rows.push('<span data-kind="newly">' + swatch('#2f9e44') + t('pl_newly') + '</span>'); }
    if (shown('sites')) {
      rows.push('<span data-kind="new_site">' + swatch(NEW_SITE, true, true) + t('pl_new_site') + '</span>');
    }
    if (addedListed && map.hasLayer(addedLayer)) {
      // Leaflet's marker, drawn where the planner clicked
      rows.push('<span data-kind="added"><i class="pin"></i>' + t('pl_added') + '</span>');
    }
    var div = $('planner-legend');
    div.hidden = rows.length === 0;
    div.innerHTML = '<button type="button" id="legend-toggle" aria-expanded="' + legendOpen + '">' +
      t('legend') + ' ' + (legendOpen ? '▾' : '▸') + '</button>' +
      '<div id="legend-body"' + (legendOpen ? '' : ' hidden') + '>' + rows.join('<br>') + '</div>';
    state.legendEntries = rows.length;
    $('legend-toggle').addEventListener('click', function () {
      legendOpen = !legendOpen; state.legendCollapsed = !legendOpen; renderLegend();
    });
  }
  map.on('overlayadd overlayremove', renderLegend);
  /** a result layer's switch in the layer list: there while it has something drawn */
  function list(key, count) {
    if (count && !listed[key]) { control.addOverlay(results[key], t(RESULT_NAMES[key])); listed[key] = true; }
    if (!count && listed[key]) { control.removeLayer(results[key]); listed[key] = false; }
    if (count && !map.hasLayer(results[key])) { results[key].addTo(map); }
  }
  function clearResults() {
    Object.keys(results).forEach(function (key) { results[key].clearLayers(); list(key, 0); });
  }

  Promise.all([boundaries, points]).then(function () { state.ready = true; document.body.dataset.ready = 'true'; })
    .catch(function (e) { status(t('pl_base_failed') + e.message, true); });

  // planner-added candidate sites: each is checked first (the server's test of the
  // plan's area); one outside is refused at once with the reason, never added, so it
  // cannot block Solve for the others
  state.checking = 0;
  map.on('click', function (e) {
    var lon = +e.latlng.lng.toFixed(6), lat = +e.latlng.lat.toFixed(6);
    state.checking++;
    getJSON(cfg.site + '?lon=' + lon + '&lat=' + lat).then(function (res) {
      if (!res.inside) { status(res.message, true); state.refused = (state.refused || 0) + 1; return; }
      var site = {lon: lon, lat: lat, name: t('pl_new_site') + ' ' + (state.added.length + 1)};
      state.added.push(site);
      L.marker(e.latlng, {title: site.name}).addTo(addedLayer);
      $('added-count').textContent = state.added.length;
      if (!addedListed) { control.addOverlay(addedLayer, t('pl_added')); addedListed = true; }
      status('');
      renderLegend();
    }).catch(function (err) { status(err.message, true); })
      .then(function () { state.checking--; });
  });

  function params() {
    var kinds = Array.prototype.filter.call($('kinds').options, function (o) { return o.selected; })
      .map(function (o) { return o.value; });
    // numbers as JSON numbers (the API refuses "2"); an empty field is left out (its
    // default), never sent as null
    var p = {model: $('model').value, demand: $('demand').value, kinds: kinds, sites: state.added};
    [['k', 'k'], ['radius', 'radius'], ['cover_pct', 'cover']].forEach(function (f) {
      var v = $(f[1]).value;
      if (v !== '' && isFinite(Number(v))) { p[f[0]] = Number(v); }
    });
    return p;
  }
  /** the form's numbers checked against their fields' own limits (min, max, step: the
   * API's ranges) before anything is sent, and a refusal worded for the field that is
   * wrong (the API's own speaks JSON: 'k=99999999 … send e.g. "k": 2'); the first wrong
   * field gets the focus. True when one is wrong. */
  var FIELD_TEXT = {k: 'pl_k_bad', radius: 'pl_radius_bad', cover: 'pl_cover_bad'};
  function fieldText(id, key) {
    var range = cfg.limits[id];
    return t(key || FIELD_TEXT[id]).replace('{low}', range[0]).replace('{high}', range[1]);
  }
  function refused(ids) {
    var bad = ids.filter(function (id) { return !$(id).checkValidity(); })[0];
    ids.forEach(function (id) {
      if (id === bad) { $(id).setAttribute('aria-invalid', 'true'); } else { $(id).removeAttribute('aria-invalid'); }
    });
    if (!bad) { return false; }
    status(fieldText(bad), true);
    $(bad).focus();
    return true;
  }
  /** the API's refusal of a form's number (k, radius, cover_pct) in the form's words:
   * a limit the page does not know of is still said for its field */
  var API_FIELDS = {k: 'k', radius: 'radius', cover_pct: 'cover'};
  function formMessage(e) {
    var m = /^(k|radius|cover_pct)[= ]/.exec(e.message);
    return m ? fieldText(API_FIELDS[m[1]]) : e.message;
  }
  function toggleCover() {
    $('cover-row').style.display = $('model').value === 'setcover' ? '' : 'none';
  }
  $('model').addEventListener('change', toggleCover); toggleCover();

  function heads(names) {
    $('villages').querySelector('thead').innerHTML = '<tr>' + names.map(function (n) {
      return '<th>' + n + '</th>'; }).join('') + '</tr>';
  }
  function caption(text) { $('villages').querySelector('caption').textContent = text; }
  function summary(rows) {
    $('summary').innerHTML = '<dl>' + rows.map(function (r) {
      return '<dt>' + r[0] + '</dt><dd>' + r[1] + '</dd>'; }).join('') + '</dl>';
  }

  $('run-coverage').addEventListener('click', function () {
    if (refused(['radius'])) { return; }
    var p = params();
    status(t('pl_computing'));
    var q = '?kinds=' + encodeURIComponent(p.kinds.join(',')) + '&radius=' + encodeURIComponent(p.radius === undefined ? '' : p.radius) +
            '&demand=' + encodeURIComponent(p.demand) + ($('network').checked ? '&network=1' : '');
    getJSON(cfg.coverage + q).then(function (res) {
      clearResults();
      var gaps = L.geoJSON(res.gaps, {style: {color: '#e03131', weight: 1, fillOpacity: 0.35},
        onEachFeature: function (f, l) { l.bindTooltip(t('pl_uncovered') + ': ' + fmt(f.properties.uncovered)); }});
      results.gaps.addLayer(gaps);
      list('gaps', res.gaps.features.length);
      renderLegend();
      var tot = res.totals;
      summary([[t('pl_demand'), fmt(tot.demand)], [t('pl_covered'), fmt(tot.covered) + ' (' + pct(tot.pct_covered) + ')'],
               [t('pl_uncovered'), fmt(tot.uncovered)], [t('pl_gap_areas'), res.gaps.features.length]]);
      state.last = null; $('exports').hidden = true;
      // coverage as it is (no plan solved: no before and after, no empty column for them)
      caption(t('pl_table_coverage'));
      heads([t('pl_village'), t('pl_demand'), t('pl_covered_pct'), t('pl_uncovered')]);
      var tbody = $('villages').querySelector('tbody');
      tbody.innerHTML = res.villages.slice(0, 30).map(function (v) {
        return '<tr><td>' + (v.name || v.code) + '</td><td>' + fmt(v.demand) + '</td><td>' + pct(v.pct_covered) +
               '</td><td>' + fmt(v.uncovered) + '</td></tr>'; }).join('');
      $('villages').hidden = false;
      state.drawn.gaps = res.gaps.features.length;
      state.drawn.newly = 0; state.drawn.sites = 0;
      status(t('pl_coverage_done'));
      document.body.dataset.coverage = 'done';
    }).catch(function (e) { status(formMessage(e), true); });
  });

  $('plan-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var p = params();
    // K left empty: say what to enter here (the server's refusal named only "k"), and
    // send nothing (a 400 is a console error in every browser)
    if (p.model !== 'setcover' && $('k').value === '' && !$('k').validity.badInput) {
      status(fieldText('k', 'pl_k_missing'), true); $('k').focus(); return;
    }
    if (refused(p.model === 'setcover' ? ['k', 'radius', 'cover'] : ['k', 'radius'])) { return; }
    status(t('pl_solving'));
    getJSON(cfg.place, {method: 'POST', headers: {'Content-Type': 'application/json'},
                        body: JSON.stringify(p)}).then(function (res) {
      state.last = res;
      clearResults();
      results.newly.addLayer(L.geoJSON(res.newly_covered, {style: {color: '#2f9e44', weight: 1, fillOpacity: 0.35},
        onEachFeature: function (f, l) { l.bindTooltip(t('pl_newly') + ': ' + fmt(f.properties.newly_covered)); }}));
      // the new sites only: the existing ones are the layer of existing service points
      var chosen = res.result.features.filter(function (f) { return !f.properties.fixed; });
      results.sites.addLayer(L.geoJSON({type: 'FeatureCollection', features: chosen}, {pointToLayer: function (f, ll) {
        return L.circleMarker(ll, {radius: 9, color: '#fff', weight: 2, fillColor: NEW_SITE, fillOpacity: 1});
      }, onEachFeature: function (f, l) {
        l.bindPopup(esc(t('pl_new_one') + (f.properties.name || f.properties.id)));
      }}));
      list('newly', res.newly_covered.features.length);
      list('sites', chosen.length);
      renderLegend();
      var r = res.result.properties;
      // the model by the name its choice shows (not its code), and K as the form's label
      var opt = document.querySelector('#model option[value="' + r.model + '"]');
      var kLabel = $('k').parentNode.firstChild.textContent.trim();
      summary([[t('pl_model'), (opt ? opt.textContent : r.model) + (r.k ? '; ' + kLabel + ' = ' + r.k : '')],
               [t('pl_new_sites'), r.new_sites],
               [t('pl_covered'), fmt(r.covered_demand) + ' / ' + fmt(r.total_demand) + ' (' + pct(r.pct_covered) + ')'],
               [t('pl_before'), fmt(r.covered_before)],
               [t('pl_mean_distance'), r.mean_distance_m + ' m'],
               [t('pl_optimality'), r.optimal ? t('pl_proven') : t('pl_gap') + ' ' + (100 * (r.gap || 0)).toFixed(3) + '%'],
               [t('pl_time'), r.seconds.total + ' s']]);
      caption(t('pl_table_plan'));
      heads([t('pl_village'), t('pl_demand'), t('pl_before_pct'), t('pl_after_pct'), t('pl_gain')]);
      var tbody = $('villages').querySelector('tbody');
      tbody.innerHTML = res.villages.map(function (v) {
        return '<tr><td>' + (v.name || v.code) + '</td><td>' + fmt(v.demand) + '</td><td>' + pct(v.pct_before) +
               '</td><td>' + pct(v.pct_after) + '</td><td>' + fmt(v.newly_covered) + '</td></tr>'; }).join('');
      $('villages').hidden = false;
      $('exports').hidden = false;
      state.drawn.sites = chosen.length;
      state.drawn.newly = res.newly_covered.features.length;
      state.drawn.gaps = 0;
      status(r.optimal ? t('pl_solved') : t('pl_stopped') + r.status);
      document.body.dataset.solved = 'true';
    }).catch(function (e) { status(formMessage(e), true); });
  });

  function download(name, type, text) {
    var a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], {type: type}));
    a.download = name; document.body.appendChild(a); a.click(); a.remove();
  }
  function csvCell(v) { v = v === null || v === undefined ? '' : String(v); return /[",\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  $('export-geojson').addEventListener('click', function () {
    if (state.last) { download('placement.geojson', 'application/geo+json', JSON.stringify(state.last.result)); }
  });
  $('export-csv').addEventListener('click', function () {
    if (!state.last) { return; }
    // the before/after table by village (the sites themselves are in the GeoJSON)
    var lines = ['village_code,village,demand,covered_before,covered_after,newly_covered,pct_before,pct_after'];
    state.last.villages.forEach(function (v) {
      lines.push([v.code, v.name, v.demand, v.covered_before, v.covered_after, v.newly_covered,
                  v.pct_before, v.pct_after].map(csvCell).join(','));
    });
    download('placement-villages.csv', 'text/csv', '\ufeff' + lines.join('\n'));
  });
})();
