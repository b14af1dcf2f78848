/* popgis map: the layers and their switches. Panes (drawing order), vector tiles
 * (basemap, buildings, households), the layer control in the side column. Each
 * overlay is registered under a key: its label and its legend entry come from the key. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, C = P.COLOURS;

  P.tileUrl = function (layer, extra) {
    var q = P.qs(Object.assign({}, extra || {}, S.cfg.datum === 'gcj02' ? {datum: 'gcj02'} : {}));
    return S.cfg.tiles + layer + '/{z}/{x}/{y}.pbf' + (q ? '?' + q : '');
  };
  function householdStyle(p, zoom) {
    if (p.households) {   // aggregated cell: size by count, kept light under the areas
      var r = Math.min(2 + Math.sqrt(p.households) * 0.8, 12);
      return {radius: r, fill: true, fillColor: C.households.cell, fillOpacity: 0.35, stroke: false};
    }
    var colour = p.migrants > 0 ? C.households.migrant : C.households.resident;
    if (p.level !== 'building') { colour = C.households.imprecise; }
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
  /** tiles up to the map's deepest zoom are asked for as they are (the server draws every
   * zoom to 22): over-zoomed VectorGrid tiles lost their SVG features (buildings
   * vanished beyond the native zoom) */
  function vectorLayer(layer, styles, opts) {
    var o = Object.assign({
      rendererFactory: L.svg.tile, vectorTileLayerStyles: {}, maxNativeZoom: 20,
      maxZoom: 20, getFeatureId: function (f) { return f.properties.id; }
    }, opts || {});
    o.vectorTileLayerStyles[layer] = styles;
    if (o.big) {
      o.tileSize = 512;
      return new BigTiles(P.tileUrl(layer, opts && opts.query), o);
    }
    return L.vectorGrid.protobuf(P.tileUrl(layer, opts && opts.query), o);
  }
  function pane(name, z) { S.map.createPane(name); S.map.getPane(name).style.zIndex = z; }
  /** register an overlay under a key: its label comes from the key, its legend too */
  P.overlay = function (key, layer, name, on) {
    S.layers[key] = {layer: layer, name: name || t(key)};
    if (on) { layer.addTo(S.map); }
  };
  P.buildLayers = function () {
    var map = S.map;
    pane('base', 250);
    pane('area-township', 300); pane('area-village', 301); pane('area-grid', 302);
    pane('highlight', 345);
    pane('density', 350);
    pane('bldg', 380);
    pane('units', 440);
    pane('things', 450);
    // area names above the dots (service points covered the township names)
    pane('labels', 460);
    S.map.getPane('labels').style.pointerEvents = 'none';
    if (S.cfg.basemap_url) {
      L.tileLayer(S.cfg.basemap_url, {attribution: S.cfg.basemap_attribution, maxZoom: 19})
        .addTo(map);
    }
    if (S.cfg.has_landcover) {   // no requests for a layer the county does not have
      P.overlay('landcover', vectorLayer('landcover', function (p) {
        return {fill: true, fillColor: C.land[p.kind] || '#e9ecef', fillOpacity: 0.8, stroke: false};
      }, {pane: 'base', interactive: false, rendererFactory: L.canvas.tile, big: true}), null, true);
    }
    // Road classes by zoom: the county view shows the through roads only (every class at
    // once drew a dense mesh), secondary roads from township zoom, the rest from village zoom.
    var ROAD_FROM = {motorway: 0, trunk: 0, primary: 0, secondary: 12, tertiary: 13};
    P.overlay('roads', vectorLayer('roads', function (p, z) {
      var from = ROAD_FROM[p.highway] != null ? ROAD_FROM[p.highway] : 14;
      if (z < from) { return []; }
      var major = from <= 12;
      return {color: major ? '#f8c76b' : '#ffffff',
              weight: major ? (z < 12 ? 2 : 3) : (z >= 16 ? 2 : 1), opacity: 1};
    }, {pane: 'base', interactive: false, rendererFactory: L.canvas.tile, big: true}), null, true);
    // Buildings sit above the area outlines so that a click on one reaches it.
    var buildings = vectorLayer('buildings', function (p) {
      return {fill: true, fillColor: C.uses[p.use] || C.uses.other, fillOpacity: 0.95,
              color: '#868e96', weight: 0.6};
    }, {pane: 'bldg', interactive: true, minZoom: P.BUILDINGS_MIN_ZOOM});
    buildings.on('click', function (e) {
      L.DomEvent.stop(e);
      P.onBuildingClick(e.layer.properties, e.latlng);
    });
    S.buildings = buildings;
    P.overlay('buildings', buildings, null, true);
    if (S.cfg.people) {
      // From village zoom: at county zoom the density layers tell more, and the county
      // view stays fast (no per-cell counts over the whole county).
      var hh = vectorLayer('households', householdStyle,
                           {pane: 'things', interactive: true, query: S.filters,
                            minZoom: P.HOUSEHOLDS_MIN_ZOOM});
      hh.on('click', function (e) {
        L.DomEvent.stop(e);
        var p = e.layer.properties;
        // placing by clicking: a dot stands on its building, so a click on it is a click
        // on that building (never another household's panel)
        if (S.mode === 'pick' && S.current) {
          P.placeHousehold(S.current.id, e.latlng.lng, e.latlng.lat, p.building_id || null);
          return;
        }
        if (p.id) { P.openHousehold(p.id); }
        else { map.setView(e.latlng, Math.max(map.getZoom() + 2, 15)); }
      });
      S.households = hh;
      P.overlay('households', hh, null, true);
    }
    P.loadBoundaries();
    // Density layers are heavy to compute: they load the first time one is switched on.
    ['heat', 'choro', 'choro_grid'].forEach(function (k) { P.overlay(k, L.layerGroup()); });
    map.on('overlayadd', function (e) {
      if (['heat', 'choro', 'choro_grid'].some(function (k) { return e.layer === S.layers[k].layer; }) &&
          !S.densityLoaded) { P.loadDensity(); }
    });
    // markets and work units: a named layer from village zoom, fetched when first needed
    P.overlay('units', L.layerGroup(), null, true);
    map.on('zoomend overlayadd', P.loadUnits);
    P.loadUnits();
    P.loadServicePoints();
  };
  /** household tiles are never kept by the browser (no-store): asking again redraws the
   * dots where they are now, e.g. after a placement */
  P.redrawHouseholds = function () {
    if (S.households) {
      S.households.redraw();
    }
  };
  P.refreshFiltered = function () {
    if (S.households) { S.households.setUrl(P.tileUrl('households', S.filters)); }
    S.densityLoaded = false;
    if (P.densityShown()) { P.loadDensity(); }
  };
  P.densityShown = function () {
    return ['heat', 'choro', 'choro_grid'].some(function (k) {
      return S.map.hasLayer(S.layers[k].layer);
    });
  };
  var ORDER = ['landcover', 'roads', 'buildings', 'units', 'households', 'heat', 'choro', 'choro_grid'];
  P.rebuildControl = function () {
    if (S.control) { S.map.removeControl(S.control); }
    var overlays = {};
    var keys = ORDER.filter(function (k) { return S.layers[k]; }).concat(
      Object.keys(S.layers).filter(function (k) { return ORDER.indexOf(k) < 0; }));
    keys.forEach(function (k) {
      overlays['<span data-layer="' + k + '">' + S.layers[k].name + '</span>'] = S.layers[k].layer;
    });
    S.control = L.control.layers(null, overlays, {collapsed: false, position: 'topright'})
      .addTo(S.map);
    // one column on the right: legend, layers, filters (never on top of each other)
    P.$('side-layers').appendChild(S.control.getContainer());
  };
})();
