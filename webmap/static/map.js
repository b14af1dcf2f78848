/* popgis map: boundaries with drill-down (county → township → village → grid and back),
 * vector tiles (basemap, buildings, households), markets and work units, migrant density
 * (heat and choropleth), service points (with those just outside the area that serve it)
 * and their radii, one legend for every layer switched on, filters, an as-of date,
 * search, the household panel with its placement history, and the export dialog.
 * Everything comes from this server; nothing from the internet unless an online basemap
 * is configured. No inline handlers: everything is wired with addEventListener (CSP). */
(function () {
  'use strict';

  var I = window.PopGISi18n;
  var t = I.t, label = I.label;
  var KIND_COLOURS = {distribution_point: '#d6336c', service_station: '#1971c2',
    clinic: '#2f9e44', pharmacy: '#f08c00', machine: '#7048e8', outreach: '#0c8599'};
  var USE_COLOURS = {residential: '#ced4da', market: '#ffa94d', enterprise: '#9775fa',
    dormitory: '#ff8787', school: '#69db7c', public: '#74c0fc', other: '#ced4da'};
  var HH = {resident: '#1971c2', migrant: '#e8590c', imprecise: '#868e96', cell: '#1971c2'};
  var CHORO = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#e6550d', '#a63603'];
  // the export's colours (YlOrRd), fading out at the low end
  var HEAT_GRADIENT = {0.15: '#ffffb2', 0.35: '#fecc5c', 0.55: '#fd8d3c', 0.75: '#f03b20',
                       1.0: '#bd0026'};
  var LAND = {water: '#a5d8ff', reservoir: '#a5d8ff', basin: '#a5d8ff', wetland: '#c5f6fa',
              wood: '#b2f2bb', forest: '#b2f2bb', scrub: '#d3f9d8', park: '#d3f9d8',
              grass: '#d8f5a2', meadow: '#d8f5a2', farmland: '#fff3bf', orchard: '#e9fac8',
              industrial: '#e5dbff', commercial: '#ffe8cc', retail: '#ffe8cc',
              residential: '#f1f3f5'};
  var CHILD = {county: 'township', township: 'village', village: 'grid', grid: null};
  var HOUSEHOLDS_MIN_ZOOM = 12;
  var UNIT_COLOURS = {market: '#f76707', enterprise: '#6741d9'};

  var S = {filters: {}, drawn: {}, drawnAt: {}, trail: [], layers: {}};
  function $(id) { return document.getElementById(id); }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function api(url, opts) {
    return fetch(url, Object.assign({credentials: 'same-origin'}, opts || {}))
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error((body.error && body.error.message) || r.status); }
          return body;
        });
      });
  }
  function postJSON(url, body) {
    return api(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify(body || {})});
  }
  function qs(obj) {
    var parts = [];
    Object.keys(obj).forEach(function (k) {
      if (obj[k] !== '' && obj[k] != null && obj[k] !== false) {
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(obj[k]));
      }
    });
    return parts.join('&');
  }
  function mark(name, n) {
    S.drawn[name] = n;
    S.drawnAt[name] = Math.round(performance.now());   // when (ms after navigation), for the bench
    window.popgisDrawn = S.drawn;
  }
  function today() {
    var d = new Date();
    return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' +
      ('0' + d.getDate()).slice(-2);
  }

  // ----------------------------------------------------------- GCJ-02 display
  // With a GCJ-02 basemap the map's projection moves WGS-84 positions onto it, and
  // vector tiles are asked for with datum=gcj02 (the server shifts them).
  function gcjCrs() {
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
  }

  // VectorGrid's point features are CircleMarkers without a position, and Leaflet asks a
  // clicked CircleMarker for its position: give them one (tile origin + offset in tile).
  function patchVectorGridPoints() {
    var probe = L.VectorGrid.prototype._createLayer.call({options: {}},
      {type: 1, geometry: [[0, 0]], properties: {}}, 1);
    var proto = Object.getPrototypeOf(probe);
    if (proto.__popgis) { return; }
    proto.__popgis = true;
    proto.getLatLng = function () {
      var r = this._renderer;
      if (!r || !r.getCoord || !S.map) { return S.map ? S.map.getCenter() : L.latLng(0, 0); }
      var c = r.getCoord(), size = 256;
      return S.map.unproject(L.point(c.x * size, c.y * size).add(this._point), c.z);
    };
  }

  // ----------------------------------------------------------- layers
  function tileUrl(layer, extra) {
    var q = qs(Object.assign({}, extra || {}, S.cfg.datum === 'gcj02' ? {datum: 'gcj02'} : {}));
    return S.cfg.tiles + layer + '/{z}/{x}/{y}.pbf' + (q ? '?' + q : '');
  }
  function householdStyle(p, zoom) {
    if (p.households) {   // aggregated cell: size by count, kept light under the areas
      var r = Math.min(2 + Math.sqrt(p.households) * 0.8, 12);
      return {radius: r, fill: true, fillColor: HH.cell, fillOpacity: 0.35, stroke: false};
    }
    var colour = p.migrants > 0 ? HH.migrant : HH.resident;
    if (p.level !== 'building') { colour = HH.imprecise; }
    return {radius: zoom >= 17 ? 6 : 4, fill: true, fillColor: colour, fillOpacity: 0.9,
            color: p.manual ? '#000' : '#fff', weight: p.manual ? 2 : 1};
  }
  // Basemap layers come in 512-px tiles (the 256-px tile one zoom up, drawn twice as
  // large): a quarter of the requests for the county view, the same picture.
  var BigTiles = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise: function (coords) {
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(
        this, {x: coords.x, y: coords.y, z: coords.z - 1});
    }
  });
  function vectorLayer(layer, styles, opts) {
    var o = Object.assign({
      rendererFactory: L.svg.tile, vectorTileLayerStyles: {}, maxNativeZoom: 18,
      maxZoom: 20, getFeatureId: function (f) { return f.properties.id; }
    }, opts || {});
    o.vectorTileLayerStyles[layer] = styles;
    if (o.big) {
      o.tileSize = 512;
      o.maxNativeZoom = 19;
      return new BigTiles(tileUrl(layer, opts && opts.query), o);
    }
    return L.vectorGrid.protobuf(tileUrl(layer, opts && opts.query), o);
  }
  /** fit bounds clear of the right-hand column (desktop) */
  function fit(bounds, animate) {
    var wide = window.innerWidth >= 700;
    S.map.fitBounds(bounds, {paddingTopLeft: [10, wide ? 60 : 90], animate: animate !== false,
                             paddingBottomRight: [wide ? 290 : 10, 10]});
  }
  function pane(name, z) { S.map.createPane(name); S.map.getPane(name).style.zIndex = z; }
  /** register an overlay under a key: its label comes from the key, its legend too */
  function overlay(key, layer, name, on) {
    S.layers[key] = {layer: layer, name: name || t(key)};
    if (on) { layer.addTo(S.map); }
  }
  function buildLayers() {
    var map = S.map;
    pane('base', 250);
    pane('area-township', 300); pane('area-village', 301); pane('area-grid', 302);
    pane('density', 350);
    pane('bldg', 380);
    pane('units', 440);
    pane('things', 450);
    if (S.cfg.basemap_url) {
      L.tileLayer(S.cfg.basemap_url, {attribution: S.cfg.basemap_attribution, maxZoom: 19})
        .addTo(map);
    }
    if (S.cfg.has_landcover) {   // no requests for a layer the county does not have
      overlay('landcover', vectorLayer('landcover', function (p) {
        return {fill: true, fillColor: LAND[p.kind] || '#e9ecef', fillOpacity: 0.8, stroke: false};
      }, {pane: 'base', interactive: false, rendererFactory: L.canvas.tile, big: true}), null, true);
    }
    overlay('roads', vectorLayer('roads', function (p, z) {
      var major = ['motorway', 'trunk', 'primary', 'secondary'].indexOf(p.highway) >= 0;
      if (!major && z < 13) { return []; }   // minor roads from village zoom: less to draw
      return {color: major ? '#f8c76b' : '#ffffff', weight: major ? 3 : (z >= 16 ? 2 : 1),
              opacity: 1};
    }, {pane: 'base', interactive: false, rendererFactory: L.canvas.tile, big: true}), null, true);
    // Buildings sit above the area outlines so that a click on one reaches it.
    var buildings = vectorLayer('buildings', function (p) {
      return {fill: true, fillColor: USE_COLOURS[p.use] || USE_COLOURS.other, fillOpacity: 0.95,
              color: '#868e96', weight: 0.6};
    }, {pane: 'bldg', interactive: true, minZoom: 14});   // the server draws them from z14
    buildings.on('click', function (e) {
      L.DomEvent.stop(e);
      onBuildingClick(e.layer.properties, e.latlng);
    });
    overlay('buildings', buildings, null, true);
    if (S.cfg.people) {
      // From village zoom: at county zoom the density layers tell more, and the county
      // view stays fast (no per-cell counts over the whole county).
      var hh = vectorLayer('households', householdStyle,
                           {pane: 'things', interactive: true, query: S.filters,
                            minZoom: HOUSEHOLDS_MIN_ZOOM});
      hh.on('click', function (e) {
        L.DomEvent.stop(e);
        var p = e.layer.properties;
        if (p.id) { openHousehold(p.id); }
        else { map.setView(e.latlng, Math.max(map.getZoom() + 2, 15)); }
      });
      S.households = hh;
      overlay('households', hh, null, true);
    }
    loadBoundaries();
    // Density layers are heavy to compute: they load the first time one is switched on.
    ['heat', 'choro', 'choro_grid'].forEach(function (k) { overlay(k, L.layerGroup()); });
    map.on('overlayadd', function (e) {
      if (['heat', 'choro', 'choro_grid'].some(function (k) { return e.layer === S.layers[k].layer; }) &&
          !S.densityLoaded) { loadDensity(); }
    });
    // markets and work units: a named layer from village zoom, fetched when first needed
    overlay('units', L.layerGroup(), null, true);
    map.on('zoomend overlayadd', loadUnits);
    loadUnits();
    loadServicePoints();
  }
  function refreshFiltered() {
    if (S.households) { S.households.setUrl(tileUrl('households', S.filters)); }
    S.densityLoaded = false;
    if (densityShown()) { loadDensity(); }
  }
  function densityShown() {
    return ['heat', 'choro', 'choro_grid'].some(function (k) {
      return S.map.hasLayer(S.layers[k].layer);
    });
  }

  // ----------------------------------------------------------- boundaries, drill-down
  function loadBoundaries() {
    S.areas = {};
    S.areaIndex = {};
    S.areaLoads = {};
    // grids are fetched the first time they are shown (inside a village): the county
    // view does not wait for them
    var levels = S.cfg.scope_level === 'village' || S.cfg.scope_level === 'grid'
      ? ['township', 'village', 'grid'] : ['township', 'village'];
    S.loadAreas = loadAreas;
    return Promise.all(levels.map(loadAreas)).then(function () { setDrillLevel(); renderLegend(); });
  }
  function loadAreas(level) {
    if (S.areaLoads[level]) { return S.areaLoads[level]; }
    S.areaLoads[level] = api(S.cfg.api + 'layers/boundaries?level=' + level).then(function (fc) {
      var layer = L.geoJSON(fc, {
        pane: 'area-' + level,
        style: {color: level === 'township' ? '#343a40' : (level === 'grid' ? '#868e96' : '#495057'),
                weight: level === 'township' ? 2.5 : (level === 'grid' ? 0.8 : 1.2),
                dashArray: level === 'grid' ? '3 3' : null, fill: true, fillOpacity: 0},
        onEachFeature: function (f, l) {
          S.areaIndex[f.properties.code] = {props: f.properties, layer: l};
          l.bindTooltip(f.properties.short_name || f.properties.name,
                        {sticky: true, className: 'area-label'});
          l.on('click', function (e) {
            if (S.mode) { return; }
            L.DomEvent.stop(e);
            if (f.properties.code === current().code) { identifyArea(f.properties, e.latlng); }
            else { drill(f.properties.code); }
          });
        }
      });
      S.areas[level] = layer;
      // Labels at the area's inside point, shown from a zoom that suits the level.
      var labels = L.layerGroup(fc.features.map(function (f) {
        return L.marker([f.properties.label[1], f.properties.label[0]], {
          pane: 'area-' + level, interactive: false, keyboard: false,
          icon: L.divIcon({className: 'area-name area-' + level, iconSize: null,
                           html: esc(f.properties.short_name || f.properties.name)})});
      }));
      var zooms = {township: [0, 12], village: [13, 15], grid: [16, 22]}[level];
      function showLabels() {
        var z = S.map.getZoom(), on = z >= zooms[0] && z <= zooms[1] && S.map.hasLayer(layer);
        if (on && !S.map.hasLayer(labels)) { labels.addTo(S.map); }
        if (!on && S.map.hasLayer(labels)) { S.map.removeLayer(labels); }
      }
      S.map.on('zoomend overlayadd overlayremove popgis:areas', showLabels);
      if (level !== 'grid') { layer.addTo(S.map); }
      showLabels();
      mark(level, fc.features.length);
    });
    return S.areaLoads[level];
  }
  function current() {
    return S.trail.length ? S.trail[S.trail.length - 1]
      : {code: S.cfg.scope_code, level: S.cfg.scope_level, name: S.cfg.scope_name};
  }
  /** only the areas one level below the current one take clicks; grids show inside a village */
  function setDrillLevel() {
    var cur = current(), child = CHILD[cur.level];
    // at the deepest level the area itself takes the click (and names itself)
    var clickable = child || cur.level;
    ['township', 'village', 'grid'].forEach(function (level) {
      var p = S.map.getPane('area-' + level);
      if (level === clickable) { L.DomUtil.removeClass(p, 'area-off'); }
      else { L.DomUtil.addClass(p, 'area-off'); }
    });
    var showGrid = cur.level === 'village' || cur.level === 'grid';
    if (showGrid && S.areas && !S.areas.grid && S.loadAreas) {
      S.loadAreas('grid').then(setDrillLevel);
      return;
    }
    if (S.areas && S.areas.grid) {
      if (showGrid && !S.map.hasLayer(S.areas.grid)) { S.areas.grid.addTo(S.map); }
      if (!showGrid && S.map.hasLayer(S.areas.grid)) { S.map.removeLayer(S.areas.grid); }
    }
    document.body.setAttribute('data-drill', cur.level);
    S.map.fire('popgis:areas');
    renderLegend();
  }
  /** drill into an area by code: the trail becomes its chain of ancestors in scope */
  function drill(code) {
    var hit = S.areaIndex[code];
    if (!hit) { return; }
    var chain = [], c = hit;
    while (c) {
      chain.unshift({code: c.props.code, level: c.props.level,
                     name: c.props.short_name || c.props.name, bounds: c.layer.getBounds()});
      c = S.areaIndex[c.props.parent_code];
    }
    S.trail = chain;
    fit(hit.layer.getBounds());
    renderCrumbs();
    setDrillLevel();
    mark('drill', code);
  }
  function identifyArea(props, latlng) {
    L.popup().setLatLng(latlng).setContent('<div class="area-popup"><b>' +
      esc(props.name) + '</b><br>' + esc(t('level_' + props.level)) + ' · ' + esc(props.code) +
      '</div>').openOn(S.map);
    mark('area_popup', props.code);
  }
  function renderCrumbs() {
    var el = $('crumbs');
    var html = '<a href="#" data-i="-1">' + esc(S.cfg.scope_name || t('county')) + '</a>';
    S.trail.forEach(function (c, i) {
      html += ' › <a href="#" data-i="' + i + '" data-code="' + esc(c.code) + '">' + esc(c.name) + '</a>';
    });
    el.innerHTML = html;
    each(el.querySelectorAll('a'), function (a) {
      a.addEventListener('click', function (ev) {
        ev.preventDefault();
        var i = +a.getAttribute('data-i');
        if (i < 0) { S.trail = []; fit(S.cfg.bounds); }
        else { S.trail = S.trail.slice(0, i + 1); fit(S.trail[i].bounds); }
        renderCrumbs();
        setDrillLevel();
      });
    });
  }

  // ----------------------------------------------------------- density
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
            gradient: HEAT_GRADIENT};
  }
  function loadDensity() {
    S.densityLoaded = true;
    var q = qs(S.filters);
    api(S.cfg.api + 'density/heat' + (q ? '?' + q : '')).then(function (cells) {
      S.heatCells = cells;
      var group = S.layers.heat.layer;
      group.clearLayers();
      S.heatLayer = L.heatLayer(cells, heatOptions());
      group.addLayer(S.heatLayer);
      if (!S.heatZoomHooked) {
        S.heatZoomHooked = true;
        S.map.on('zoomend', function () { if (S.heatLayer) { S.heatLayer.setOptions(heatOptions()); } });
      }
      mark('heat_cells', cells.length);
      renderLegend();
    });
    ['village', 'grid'].forEach(function (level) {
      api(S.cfg.api + 'density/choropleth?level=' + level + (q ? '&' + q : ''))
        .then(function (fc) {
          var key = level === 'village' ? 'choro' : 'choro_grid';
          var values = fc.features.map(function (f) { return f.properties.migrants_per_km2 || 0; })
            .sort(function (a, b) { return a - b; });
          var breaks = [0.2, 0.4, 0.6, 0.8].map(function (p) {
            return values.length ? values[Math.floor(p * (values.length - 1))] : 0;
          });
          var group = S.layers[key].layer;
          group.clearLayers();
          group.addLayer(L.geoJSON(fc, {pane: 'density', style: function (f) {
            var v = f.properties.migrants_per_km2 || 0, k = 0;
            while (k < breaks.length && v > breaks[k]) { k++; }
            return {fillColor: CHORO[k], fillOpacity: 0.65, color: '#fff', weight: 0.5};
          }, onEachFeature: function (f, l) {
            var p = f.properties;
            l.bindTooltip('<b>' + esc(p.name) + '</b><br>' + t('migrants') + ' ' + esc(p.migrants) +
              '<br>' + t('per_km2') + ' ' + (p.migrants_per_km2 == null ? '—' : esc(p.migrants_per_km2)) +
              '<br>' + t('per_1000') + ' ' + (p.migrants_per_1000_residents == null ? '—'
                : esc(p.migrants_per_1000_residents)));
            l.on('click', function (e) { L.DomEvent.stop(e); if (S.areaIndex[p.code]) { drill(p.code); } });
          }}));
          group.breaks = breaks;
          renderLegend();
        });
    });
  }

  // ----------------------------------------------------------- markets and work units
  var UNITS_MIN_ZOOM = 13;
  function loadUnits() {
    if (S.unitsLoading || S.map.getZoom() < UNITS_MIN_ZOOM || !S.map.hasLayer(S.layers.units.layer)) { return; }
    S.unitsLoading = true;
    api(S.cfg.units).then(function (fc) {
      // SVG circles (not DOM icons: thousands of them took seconds to draw)
      var renderer = L.svg({pane: 'units'});
      var layer = L.geoJSON(fc, {
        pointToLayer: function (f, ll) {
          return L.circleMarker(ll, {renderer: renderer, radius: 5, weight: 1.5, color: '#fff',
                                     fillColor: UNIT_COLOURS[f.properties.use] || '#495057',
                                     fillOpacity: 0.95});
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          l.bindTooltip(esc(p.name), {direction: 'top', offset: [0, -6]});
          l.bindPopup('<div class="unit-popup"><b>' + esc(p.name) + '</b><br>' +
            esc(label('uses', p.use)) + ' · ' + esc(p.buildings) + ' ' + t('buildings') +
            (p.village ? '<br>' + esc(p.village) : '') + '</div>');
        }
      });
      S.layers.units.layer.addLayer(layer);
      mark('units', fc.features.length);
      renderLegend();
    }).catch(function (e) { S.unitsLoading = false; showMessage(e.message); });
  }

  // ----------------------------------------------------------- service points
  /** smaller points at county zoom, where two thousand of them share the screen */
  function spRadius(z) { return z <= 11 ? 3.5 : (z <= 13 ? 5 : 6.5); }
  function loadServicePoints() {
    // SVG circles: far cheaper than DOM icons, and unlike a canvas they let clicks between
    // them through to the households and buildings underneath
    S.pointRenderer = L.svg({pane: 'things'});
    S.map.on('zoomend', function () {
      var r = spRadius(S.map.getZoom());
      Object.keys(S.layers).forEach(function (k) {
        if (k.indexOf('sp_') === 0) { S.layers[k].layer.eachLayer(function (m) { m.setRadius(r); }); }
      });
    });
    api(S.cfg.api + 'layers/service_points').then(function (fc) {
      Object.keys(KIND_COLOURS).forEach(function (kind) {
        var feats = fc.features.filter(function (f) { return f.properties.kind === kind; });
        if (!feats.length) { return; }
        var pts = L.geoJSON({type: 'FeatureCollection', features: feats}, {
          pointToLayer: function (f, ll) {
            var p = f.properties;
            // outside the area: dashed dark ring, paler fill; inactive: faint
            return L.circleMarker(ll, {renderer: S.pointRenderer, radius: spRadius(S.map.getZoom()),
              fillColor: KIND_COLOURS[kind], fillOpacity: p.active ? (p.outside ? 0.55 : 0.95) : 0.35,
              color: p.outside ? '#212529' : '#fff', weight: 2, dashArray: p.outside ? '3 2' : null});
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            l.bindPopup('<div class="sp-popup"><b>' + esc(p.name) + '</b><br>' + esc(label('kinds', kind)) +
              (p.address ? '<br>' + esc(p.address) : '') +
              (p.opening_hours ? '<br>' + esc(p.opening_hours) : '') +
              (p.outside ? '<br><i class="outside">' + t('outside_note') +
                (p.distance_m != null ? ' · ' + esc(p.distance_m) + ' m' : '') + '</i>' : '') +
              (p.active ? '' : '<br><i>' + t('inactive') + '</i>') + '</div>');
          }
        });
        var radius = L.geoJSON({type: 'FeatureCollection', features: feats}, {
          pointToLayer: function (f, ll) {
            return L.circle(ll, {radius: S.cfg.radius[kind], color: KIND_COLOURS[kind],
                                 weight: 1, fillOpacity: 0.06, interactive: false,
                                 pane: 'density', dashArray: f.properties.outside ? '4 4' : null});
          }
        });
        overlay('sp_' + kind, pts, '<i class="sp-dot" style="background:' + KIND_COLOURS[kind] +
                '"></i>' + esc(label('kinds', kind)), true);
        overlay('radius_' + kind, radius, '&nbsp;&nbsp;↳ ' + t('radius') + ' ' +
                S.cfg.radius[kind] + ' m');
        S.layers['sp_' + kind].kind = kind;
        S.layers['radius_' + kind].kind = kind;
        S.layers['sp_' + kind].outside = feats.some(function (f) { return f.properties.outside; });
      });
      mark('service_points', fc.features.filter(function (f) { return !f.properties.outside; }).length);
      mark('service_points_outside', fc.features.filter(function (f) { return f.properties.outside; }).length);
      rebuildControl();
      renderLegend();
      document.body.setAttribute('data-loaded', 'true');
    });
  }
  var ORDER = ['landcover', 'roads', 'buildings', 'units', 'households', 'heat', 'choro', 'choro_grid'];
  function rebuildControl() {
    if (S.control) { S.map.removeControl(S.control); }
    var overlays = {};
    var keys = ORDER.filter(function (k) { return S.layers[k]; }).concat(
      Object.keys(S.layers).filter(function (k) { return ORDER.indexOf(k) < 0; }));
    keys.forEach(function (k) {
      overlays['<span data-layer="' + k + '">' + S.layers[k].name + '</span>'] = S.layers[k].layer;
    });
    S.control = L.control.layers(null, overlays, {collapsed: false, position: 'topright'})
      .addTo(S.map);
    // one column on the right: filters, layers, legend (never on top of each other)
    $('side-layers').appendChild(S.control.getContainer());
  }

  // ----------------------------------------------------------- legend
  function swatch(style) { return '<i class="sw" style="' + style + '"></i>'; }
  function entry(key, html) { return '<div class="lg" data-layer="' + key + '">' + html + '</div>'; }
  /** a note for layers drawn only from some zoom on */
  function fromZoom(z) {
    return S.map.getZoom() < z ? ' <small class="fromzoom">' + esc(t('from_zoom').replace('{z}', z)) + '</small>' : '';
  }
  function renderLegend() {
    var el = $('legend');
    if (!el || !S.map) { return; }
    var on = function (k) { return S.layers[k] && S.map.hasLayer(S.layers[k].layer); };
    var html = '';
    var lines = swatch('border-top:2.5px solid #343a40;height:0') + t('township_line') + '<br>' +
      swatch('border-top:1.2px solid #495057;height:0') + t('village_line');
    if (S.areas && S.areas.grid && S.map.hasLayer(S.areas.grid)) {
      lines += '<br>' + swatch('border-top:1px dashed #868e96;height:0') + t('grid_line');
    }
    html += entry('boundaries', '<b>' + t('boundaries') + '</b><br>' + lines);
    if (on('landcover')) {
      html += entry('landcover', '<b>' + t('landcover') + '</b><br>' +
        swatch('background:' + LAND.water) + t('water') + ' ' + swatch('background:' + LAND.wood) +
        t('wood') + ' ' + swatch('background:' + LAND.farmland) + t('farmland'));
    }
    if (on('roads')) {
      html += entry('roads', '<b>' + t('roads') + '</b><br>' +
        swatch('border-top:3px solid #f8c76b;height:0') + t('major_road') + ' ' +
        swatch('border-top:2px solid #fff;height:0;box-shadow:0 0 0 1px #ced4da') + t('minor_road'));
    }
    if (on('buildings')) {
      html += entry('buildings', '<b>' + t('buildings') + '</b>' + fromZoom(14) + '<br>' +
        ['residential', 'market', 'enterprise', 'dormitory', 'school', 'public'].map(function (u) {
          return '<span class="it">' + swatch('background:' + USE_COLOURS[u] + ';border:1px solid #868e96') +
            esc(label('uses', u)) + '</span>';
        }).join(''));
    }
    if (on('units')) {
      html += entry('units', '<b>' + t('units') + '</b>' + fromZoom(UNITS_MIN_ZOOM) + '<br>' + ['market', 'enterprise'].map(function (u) {
        return '<span class="it">' + swatch('background:' + UNIT_COLOURS[u] +
          ';border-radius:50%;width:10px;height:10px;border:1.5px solid #fff;box-shadow:0 0 1px #000') +
          esc(label('uses', u)) + '</span>'; }).join(''));
    }
    if (on('households')) {
      var dot = function (c, ring) {
        return swatch('background:' + c + ';border-radius:50%;width:10px;height:10px;border:' +
                      (ring ? '2px solid #000' : '1px solid #fff'));
      };
      html += entry('households', '<b>' + t('households') + '</b>' + fromZoom(HOUSEHOLDS_MIN_ZOOM) + '<br>' +
        '<span class="it">' + dot(HH.resident) + t('resident_hh') + '</span>' +
        '<span class="it">' + dot(HH.migrant) + t('migrant_hh') + '</span>' +
        '<span class="it">' + dot(HH.imprecise) + t('imprecise') + '</span>' +
        '<span class="it">' + dot('#fff', true) + t('manual') + '</span>' +
        '<span class="it">' + swatch('background:' + HH.cell + ';opacity:.4;border-radius:50%;width:14px;height:14px') +
        t('cell') + '</span>');
    }
    if (on('heat')) {
      var stops = Object.keys(HEAT_GRADIENT).map(function (k) {
        return HEAT_GRADIENT[k] + ' ' + Math.round(k * 100) + '%'; }).join(',');
      html += entry('heat', '<b>' + t('heat') + '</b><br><span class="ramp" style="background:' +
        'linear-gradient(to right,' + stops + ')"></span><span class="ramp-labels"><span>' + t('low') +
        '</span><span>' + t('high') + '</span></span>');
    }
    ['choro', 'choro_grid'].forEach(function (key) {
      if (!on(key)) { return; }
      var b = S.layers[key].layer.breaks || [], lows = [0].concat(b);
      var rows = '';
      if (b.length) {
        for (var i = 0; i < CHORO.length; i++) {
          rows += '<div>' + swatch('background:' + CHORO[i]) + (i === 0 ? '0' : lows[i].toFixed(0)) +
            (i < b.length ? '–' + b[i].toFixed(0) : '+') + '</div>';
        }
      }
      html += entry(key, '<b>' + t(key) + '</b><br><small>' + t('per_km2') + '</small>' + rows);
    });
    var sp = Object.keys(S.layers).filter(function (k) { return k.indexOf('sp_') === 0 && on(k); });
    if (sp.length) {
      var anyOutside = false;
      html += sp.map(function (k) {
        var kind = S.layers[k].kind;
        anyOutside = anyOutside || S.layers[k].outside;
        return entry(k, '<span class="sp-dot" style="background:' + KIND_COLOURS[kind] + '"></span>' +
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
        html += entry(k, swatch('border:1px solid ' + KIND_COLOURS[kind] + ';border-radius:50%;width:12px;height:12px') +
                      esc(label('kinds', kind)) + ' ' + S.cfg.radius[kind] + ' m');
      });
    el.innerHTML = '<div class="lg-title">' + t('legend') + '</div>' + html;
  }

  // ----------------------------------------------------------- search
  function setupSearch() {
    var input = $('search'), list = $('results');
    var timer;
    input.placeholder = t('search');
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!input.value.trim()) { list.innerHTML = ''; document.body.classList.remove('searching'); return; }
        api(S.cfg.api + 'search?q=' + encodeURIComponent(input.value)).then(function (r) {
          document.body.classList.add('searching');
          if (!r.results.length) { list.innerHTML = '<li class="empty">' + t('no_results') + '</li>'; return; }
          list.innerHTML = r.results.map(function (h, i) {
            return '<li data-i="' + i + '"><b>' + esc(h.household_no) + '</b> ' +
              esc(h.village_name || '') + '<br><small>' + esc(h.address || '') +
              (h.what !== 'household_no' && h.what !== 'address' ? ' · ' + esc(h.matched) : '') +
              '</small></li>';
          }).join('');
          each(list.querySelectorAll('li[data-i]'), function (li) {
            li.addEventListener('click', function () {
              goTo(r.results[+li.getAttribute('data-i')]);
              list.innerHTML = '';
              document.body.classList.remove('searching');
            });
          });
        }).catch(function (e) { list.innerHTML = '<li class="empty">' + esc(e.message) + '</li>'; });
      }, 200);
    });
  }
  function goTo(h) {
    if (h.lat != null) { S.map.setView([h.lat, h.lon], 18); }
    if (h.building_id) { openBuilding(h.building_id, h.lat != null ? L.latLng(h.lat, h.lon) : null); }
    openHousehold(h.id);
  }

  // ----------------------------------------------------------- buildings, households
  function onBuildingClick(props, latlng) {
    if (S.mode === 'pick' && S.current) {
      placeHousehold(S.current.id, latlng.lng, latlng.lat, props.id);
      return;
    }
    if (S.cfg.people) { openBuilding(props.id, latlng); return; }
    // aggregate roles: the building's kind only, no one in it
    L.popup().setLatLng(latlng).setContent('<div class="building-popup"><b>' + t('building') + '</b><br>' +
      esc(label('uses', props.use)) + (props.floors ? ' · ' + esc(props.floors) + ' ' + t('floors') : '') +
      '</div>').openOn(S.map);
    mark('building_popup', props.id);
  }
  function openBuilding(id, latlng) {
    api(S.cfg.api + 'buildings/' + id).then(function (b) {
      var html = '<div class="building-popup"><b>' + esc(b.address || (b.compound || '') + (b.building_no || '')) +
        '</b><br><small>' + esc(t('building')) + ' · ' + esc(b.floors || '?') + ' ' + t('floors') + ' · ' +
        esc(label('uses', b.use)) + '</small><ul>';
      html += b.households.map(function (h) {
        return '<li><a href="#" data-h="' + esc(h.id) + '">' + esc(h.household_no) + '</a> ' +
          esc(t('persons_n').replace('{n}', h.persons)) +
          (h.migrants ? ' · ' + t('migrant') + ' ' + esc(h.migrants) : '') + '</li>';
      }).join('') || '<li>' + t('none') + '</li>';
      html += '</ul></div>';
      var popup = L.popup().setLatLng(latlng || [b.lat, b.lon]).setContent(html).openOn(S.map);
      each(popup.getElement().querySelectorAll('a[data-h]'), function (a) {
        a.addEventListener('click', function (ev) { ev.preventDefault(); openHousehold(+a.getAttribute('data-h')); });
      });
      mark('building_popup', b.id);
    }).catch(function (e) { showMessage(e.message); });
  }
  var CERTS = [['cert_marriage', 'marriage'], ['cert_id', 'idcard'],
               ['cert_residence', 'residence'], ['cert_migrant', 'migrant_cert']];
  function certCell(p, key) {
    var status = p[key], exp = p[key + '_expiry'];
    var ref = S.filters.as_of || today();
    // a 'valid' certificate whose expiry date has passed is expired, whatever the record says
    if (exp && status === 'valid' && exp < ref) { status = 'expired'; }
    var soon = exp && status === 'valid' && (new Date(exp) - new Date(ref)) < 30 * 864e5;
    var cls = status === 'missing' || status === 'expired' ? 'bad' : (soon ? 'soon' : '');
    return '<span class="cert ' + cls + '" data-status="' + esc(status) + '">' + esc(t(status)) +
      (exp ? ' ' + esc(exp) : '') + '</span>';
  }
  function openHousehold(id) {
    return api(S.cfg.api + 'households/' + id).then(function (h) {
      S.current = h;
      var panel = $('panel');
      var html = '<button class="close" id="panel-close" type="button" aria-label="' + t('close') + '">×</button>' +
        '<h3 id="panel-title">' + esc(h.household_no) + '</h3><p>' + esc(h.address || '') + '<br><small>' +
        esc(h.village_name || '') + ' · ' + t('level') + ': ' + esc(t('level_' + (h.geocode_level || 'none'))) +
        (h.placed_manually ? ' · <b id="placed-manually">' + t('placed_by') + ' ' + esc(h.placed_by) + '</b>' : '') +
        '</small></p><h4>' + t('members') + '</h4><table class="members"><tbody>';
      h.members.forEach(function (m) {
        html += '<tr><td><b>' + esc(m.name) + '</b> ' + (m.sex === 'F' ? t('female') : t('male')) + ' ' +
          esc(m.birth_date) + '<br><small>' + esc(m.id_number) + (m.phone ? ' · ' + esc(m.phone) : '') +
          '</small><br><small>' + (m.is_migrant ? '<b class="migrant">' + t('migrant') + '</b> · ' + t('origin') + ' ' +
          esc(m.origin_name || m.origin_code || '') + (m.arrival_date ? ' · ' + t('arrival') + ' ' + esc(m.arrival_date) : '')
          : t('resident')) + '</small><br>' +
          CERTS.map(function (c) { return '<small>' + t(c[1]) + ' ' + certCell(m, c[0]) + '</small>'; }).join(' ') +
          '</td></tr>';
      });
      html += '</tbody></table><h4>' + t('visits') + '</h4><ul class="events">' +
        (h.events.map(function (e) {
          return '<li>' + esc(e.event_date) + ' ' + esc(label('events', e.kind)) + (e.team ? ' · ' + esc(e.team) : '') +
            (e.note ? ' · ' + esc(e.note) : '') + '</li>';
        }).join('') || '<li>' + t('none') + '</li>') + '</ul>' +
        '<div class="actions"><button type="button" id="rec-visit">' + t('record_visit') + '</button>' +
        '<button type="button" id="rec-dist">' + t('record_distribution') + '</button>' +
        '<button type="button" id="move">' + t('move') + '</button>' +
        '<button type="button" id="pick">' + t('pick_building') + '</button></div><p id="panel-msg"></p>' +
        '<h4>' + t('history') + '</h4><div id="history"></div>';
      panel.innerHTML = html;
      panel.classList.add('open');
      document.body.classList.add('panel-open');
      panel.setAttribute('data-household', h.id);
      $('panel-close').addEventListener('click', closePanel);
      $('rec-visit').addEventListener('click', function () { recordEvent(h.id, 'visit'); });
      $('rec-dist').addEventListener('click', function () { recordEvent(h.id, 'distribution'); });
      $('move').addEventListener('click', function () { startDrag(h); });
      $('pick').addEventListener('click', function () {
        stopDrag();
        S.mode = 'pick';
        document.body.classList.add('picking');
        $('panel-msg').textContent = t('pick_hint');
      });
      loadHistory(h.id);
      mark('household_panel', h.id);
    }).catch(function (e) { showMessage(e.message); });
  }
  function loadHistory(id) {
    api(S.cfg.placements.replace('0/', id + '/')).then(function (r) {
      var el = $('history');
      if (!el) { return; }
      var rows = r.history.map(function (p) {
        return '<li>' + esc((p.placed_at || '').replace('T', ' ').slice(0, 16)) + ' · ' + esc(p.placed_by) +
          ' · ' + esc(label('methods', p.action)) + '<br><small>' + t('from_place') + ': ' +
          esc(t('level_' + (p.from_level || 'none'))) +
          // geocode methods may carry notes ('coordinates(swapped lat/lon)'): the label of
          // the method itself, never the raw text
          (I.known('geo_methods', String(p.from_method || '').split(/[(:]/)[0]) ?
            ' (' + esc(I.known('geo_methods', String(p.from_method).split(/[(:]/)[0])) + ')' : '') +
          (p.from_lon != null ? ' ' + esc(p.from_lon.toFixed(5)) + ', ' + esc(p.from_lat.toFixed(5)) : '') +
          '</small></li>';
      }).join('');
      el.innerHTML = (rows ? '<ul class="events" id="history-list">' + rows + '</ul>' : '<p>' + t('no_history') + '</p>') +
        (r.can_restore ? '<button type="button" id="restore">' + t('restore') + '</button>' : '');
      var btn = $('restore');
      if (btn) {
        btn.addEventListener('click', function () {
          postJSON(S.cfg.placements.replace('0/', id + '/').replace(/placements$/, 'restore'))
            .then(function () {
              if (S.households) { S.households.redraw(); }
              openHousehold(id);
              showMessage(t('restored'));
            }).catch(function (e) { showMessage(e.message); });
        });
      }
    }).catch(function () { /* history is optional in the panel */ });
  }
  function closePanel() {
    var panel = $('panel');
    panel.classList.remove('open');
    document.body.classList.remove('panel-open');
    panel.removeAttribute('data-household');
    stopDrag();
    S.current = null;
  }
  function recordEvent(id, kind) {
    var day = S.filters.as_of || today();
    postJSON(S.cfg.api + 'households/' + id + '/events', {kind: kind, date: day})
      .then(function () { openHousehold(id); showMessage(t('saved')); })
      .catch(function (e) { showMessage(e.message); });
  }
  function startDrag(h) {
    stopDrag();
    var at = h.lat != null ? L.latLng(h.lat, h.lon) : S.map.getCenter();
    S.dragMarker = L.marker(at, {draggable: true, autoPan: true, icon: L.divIcon({
      className: 'drag-marker', html: '<span></span>', iconSize: [26, 26], iconAnchor: [13, 13]})})
      .addTo(S.map);
    S.map.setView(at, Math.max(S.map.getZoom(), 17));
    S.dragMarker.on('dragend', function () {
      var ll = S.dragMarker.getLatLng();
      placeHousehold(h.id, ll.lng, ll.lat, null);
    });
    $('panel-msg').textContent = t('drag_hint');
  }
  function stopDrag() {
    if (S.dragMarker) { S.map.removeLayer(S.dragMarker); S.dragMarker = null; }
    S.mode = null;
    document.body.classList.remove('picking');
  }
  function placeHousehold(id, lon, lat, buildingId) {
    var body = {lon: lon, lat: lat};
    if (buildingId) { body.building_id = buildingId; }
    postJSON(S.cfg.api + 'households/' + id + '/location', body)
      .then(function () {
        stopDrag();
        if (S.households) { S.households.redraw(); }
        openHousehold(id);
        showMessage(t('saved'));
        mark('placed', id);
      })
      .catch(function (e) { showMessage(e.message); });
  }
  function showMessage(text) {
    var el = $('toast');
    el.textContent = text;
    el.classList.add('show');
    setTimeout(function () { el.classList.remove('show'); }, 2500);
  }

  // ----------------------------------------------------------- filters
  function setupFilters() {
    var box = $('filters');
    var levels = ['', 'building', 'compound', 'group', 'village', 'township', 'unmatched', 'none'];
    var people = S.cfg.people;
    box.innerHTML = '<details' + (window.innerWidth < 700 ? '' : ' open') + '><summary>' + t('filters') + '</summary>' +
      '<label>' + t('population') + ' <select id="f-pop"><option value="">' + t('all') + '</option>' +
      '<option value="residents">' + t('residents') + '</option><option value="migrants">' + t('migrants') +
      '</option></select></label>' +
      '<label><input type="checkbox" id="f-women"> ' + t('women') + '</label>' +
      '<label>' + t('certs') + ' <select id="f-certs"><option value="">' + t('all') + '</option>' +
      '<option value="missing">' + t('certs_missing') + '</option><option value="expiring">' +
      t('certs_expiring') + '</option></select></label>' +
      '<label>' + t('not_visited') + ' <input type="number" min="0" id="f-nv" class="short"></label>' +
      (people ? '<label>' + t('level') + ' <select id="f-level">' + levels.map(function (l) {
        return '<option value="' + l + '">' + (l ? t('level_' + l) : t('all')) + '</option>';
      }).join('') + '</select></label>' : '') +
      '<label>' + t('as_of') + ' <input type="date" id="f-asof"></label></details>';
    function val(id) { var el = $(id); return el ? el.value : ''; }
    function update() {
      S.filters = {
        population: val('f-pop'),
        women15_49: $('f-women').checked ? '1' : '',
        certificates: val('f-certs'),
        not_visited_days: val('f-nv'),
        geocode_level: val('f-level'),
        as_of: val('f-asof')
      };
      refreshFiltered();
    }
    each(box.querySelectorAll('select, input'), function (el) { el.addEventListener('change', update); });
  }

  // ----------------------------------------------------------- export dialog
  var EXPORT_LAYERS = [['heat', 'migrants', null, 'x_heat'], ['choro_village', 'density', 'village', 'x_choro_village'],
                       ['choro_grid', 'density', 'grid', 'x_choro_grid'], ['points', 'service-points', null, 'x_points']];
  function exportUrl(choice) {
    var spec = EXPORT_LAYERS.filter(function (x) { return x[0] === choice.layer; })[0];
    // the current view, cut to the jurisdiction: a wide screen's margins are not printed
    var b = S.map.getBounds(), sb = L.latLngBounds(S.cfg.bounds);
    var w = Math.max(b.getWest(), sb.getWest()), e = Math.min(b.getEast(), sb.getEast());
    var s = Math.max(b.getSouth(), sb.getSouth()), n = Math.min(b.getNorth(), sb.getNorth());
    if (!(w < e && s < n)) { w = sb.getWest(); e = sb.getEast(); s = sb.getSouth(); n = sb.getNorth(); }
    var q = {layer: spec[1], size: choice.size, landscape: choice.orient === 'landscape' ? '1' : '',
             bbox: [w, s, e, n].map(function (v) { return v.toFixed(5); }).join(',')};
    if (spec[2]) { q.per = spec[2]; }
    return S.cfg.exports + 'map.' + choice.format + '?' + qs(q);
  }
  function setupExport() {
    var dlg = $('export-dialog');
    var radios = function (name, items, checked) {
      return items.map(function (it) {
        return '<label><input type="radio" name="' + name + '" value="' + it[0] + '"' +
          (it[0] === checked ? ' checked' : '') + '> ' + esc(t(it[1])) + '</label>';
      }).join('');
    };
    dlg.innerHTML = '<form method="dialog" id="export-form"><h3>' + t('export_title') + '</h3>' +
      '<fieldset><legend>' + t('export_layer') + '</legend>' +
      radios('layer', EXPORT_LAYERS.map(function (x) { return [x[0], x[3]]; }), 'heat') + '</fieldset>' +
      '<fieldset><legend>' + t('export_format') + '</legend>' + radios('format', [['png', 'PNG'], ['pdf', 'PDF']], 'png') +
      '</fieldset><fieldset><legend>' + t('export_size') + '</legend>' +
      radios('size', [['A4', 'A4'], ['A3', 'A3']], 'A4') + '</fieldset>' +
      '<fieldset><legend>' + t('export_orient') + '</legend>' +
      radios('orient', [['portrait', 'portrait'], ['landscape', 'landscape']], 'landscape') + '</fieldset>' +
      '<div class="buttons"><button type="button" id="export-cancel">' + t('cancel') + '</button>' +
      '<a id="export-go" class="button" href="#" download>' + t('download') + '</a></div></form>';
    function choice() {
      var f = $('export-form'), pick = function (n) { return f.querySelector('input[name=' + n + ']:checked').value; };
      return {layer: pick('layer'), format: pick('format'), size: pick('size'), orient: pick('orient')};
    }
    function refresh() { $('export-go').href = exportUrl(choice()); }
    each(dlg.querySelectorAll('input'), function (el) { el.addEventListener('change', refresh); });
    $('export-cancel').addEventListener('click', function () { dlg.close(); });
    $('export-go').addEventListener('click', function () {
      refresh();
      showMessage(t('exporting'));
      setTimeout(function () { dlg.close(); }, 0);
    });
    $('export').addEventListener('click', function () {
      refresh();
      closeMenu();
      dlg.showModal();
    });
    S.exportUrl = exportUrl;
  }

  // ----------------------------------------------------------- top bar, menu, phone sheet
  function closeMenu() { $('menu-list').hidden = true; $('menu-btn').setAttribute('aria-expanded', 'false'); }
  function setupChrome() {
    document.title = t('page_title');
    document.documentElement.lang = I.lang === 'zh' ? 'zh-CN' : 'en';
    $('title').textContent = t('title');
    $('title').setAttribute('data-short', t('short_title'));
    var role = $('role');
    if (role) { role.textContent = label('roles', role.getAttribute('data-role')); }
    var syn = $('synthetic');
    syn.textContent = t('synthetic');
    syn.title = t('synthetic_title');
    $('export').textContent = t('export');
    $('menu-btn').textContent = '☰ ' + t('menu');
    each(document.querySelectorAll('#menu-list [data-t]'), function (el) {
      el.textContent = t(el.getAttribute('data-t'));
    });
    $('lang').textContent = t('lang');
    $('lang').addEventListener('click', function () {
      I.setLang(I.lang === 'zh' ? 'en' : 'zh');
      location.reload();
    });
    $('menu-btn').addEventListener('click', function (ev) {
      ev.stopPropagation();
      var list = $('menu-list');
      list.hidden = !list.hidden;
      $('menu-btn').setAttribute('aria-expanded', String(!list.hidden));
    });
    document.addEventListener('click', function (ev) {
      if (!$('menu').contains(ev.target)) { closeMenu(); }
    });
    var toggle = $('side-toggle');
    toggle.textContent = t('layers_legend');
    toggle.addEventListener('click', function () {
      document.body.classList.toggle('side-open');
    });
  }

  function init(map, cfg) {
    S.map = map;
    S.cfg = cfg;
    S.drawnAt.init = Math.round(performance.now());
    window.PopGIS.state = S;
    patchVectorGridPoints();
    setupChrome();
    // the first view is the jurisdiction, framed clear of the side column, before any
    // layer asks for tiles (else the tiles of two views are fetched)
    if (cfg.bounds) { fit(cfg.bounds, false); }
    buildLayers();
    setupFilters();
    setupExport();
    if (cfg.people) { setupSearch(); } else { $('searchbox').style.display = 'none'; }
    renderCrumbs();
    map.on('overlayadd overlayremove zoomend', renderLegend);
    // /?household=ID (from the review queue): open it and start placing it by hand.
    var wanted = new URLSearchParams(location.search).get('household');
    if (wanted && cfg.people) {
      api(cfg.api + 'households/' + encodeURIComponent(wanted)).then(function (h) {
        openHousehold(h.id);
        startDrag(h);
      }).catch(function (e) { showMessage(e.message); });
    }
  }

  window.PopGIS = {init: init, gcjCrs: gcjCrs, t: t, drill: drill};
})();
