/* popgis map: administrative areas and the drill-down county → township → village →
 * grid and back. Only the areas one level below the current one take clicks; the
 * current area is outlined (its own shape); the breadcrumb starts at the user's own
 * area and never repeats it. A click that would zoom the map OUT (a near miss next to
 * a building at street zoom) names the area instead of drilling. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc;
  var CHILD = {county: 'township', township: 'village', village: 'grid', grid: null};
  /** from this zoom on, a click on an area names it and never moves the map */
  var STREET_ZOOM = 16;
  var DIGITS = {'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9};

  /** 第十二 → 12 (the numbers grids are named with); NaN when it is none */
  function chineseNumber(s) {
    if (/^\d+$/.test(s)) { return +s; }
    var m = /^([一二三四五六七八九]?)(十?)([一二三四五六七八九]?)$/.exec(s);
    if (!m || !s) { return NaN; }
    if (!m[2]) { return DIGITS[m[1]] || NaN; }
    return (m[1] ? DIGITS[m[1]] : 1) * 10 + (m[3] ? DIGITS[m[3]] : 0);
  }
  /** the name an area is shown with: in English a grid is "Grid N" (its Chinese name
   * is "…第N网格"; else its number in the village) */
  P.areaName = function (props) {
    var name = props.short_name || props.name;
    if (P.I.lang !== 'en' || props.level !== 'grid') { return name; }
    var m = /第([0-9一二三四五六七八九十]+)网格/.exec(props.name || '');
    var n = m ? chineseNumber(m[1]) : NaN;
    if (isNaN(n)) { n = parseInt(String(props.code).slice(-3), 10); }
    return t('grid_n').replace('{n}', n);
  };

  P.loadBoundaries = function () {
    S.areas = {};
    S.areaIndex = {};
    S.areaLoads = {};
    // grids are fetched the first time they are shown (inside a village): the county
    // view does not wait for them
    var levels = S.cfg.scope_level === 'village' || S.cfg.scope_level === 'grid'
      ? ['township', 'village', 'grid'] : ['township', 'village'];
    return Promise.all(levels.map(loadAreas)).then(function () {
      setDrillLevel();
      P.renderLegend();
    });
  };
  function loadAreas(level) {
    if (S.areaLoads[level]) { return S.areaLoads[level]; }
    S.areaLoads[level] = P.api(S.cfg.api + 'layers/boundaries?level=' + level).then(function (fc) {
      var layer = L.geoJSON(fc, {
        pane: 'area-' + level,
        style: {color: level === 'township' ? '#343a40' : (level === 'grid' ? '#868e96' : '#495057'),
                weight: level === 'township' ? 2.5 : (level === 'grid' ? 0.8 : 1.2),
                dashArray: level === 'grid' ? '3 3' : null, fill: true, fillOpacity: 0},
        onEachFeature: function (f, l) {
          S.areaIndex[f.properties.code] = {props: f.properties, layer: l};
          l.bindTooltip(esc(P.areaName(f.properties)), {sticky: true, className: 'area-label'});
          l.on('click', function (e) {
            if (S.mode) { return; }
            L.DomEvent.stop(e);
            areaClick(f.properties, l, e.latlng);
          });
        }
      });
      S.areas[level] = layer;
      // Labels at the area's inside point, shown from a zoom that suits the level.
      var labels = L.layerGroup(fc.features.map(function (f) {
        return L.marker([f.properties.label[1], f.properties.label[0]], {
          pane: 'labels', interactive: false, keyboard: false,
          icon: L.divIcon({className: 'area-name area-' + level, iconSize: null,
                           html: esc(P.areaName(f.properties))})});
      }));
      var zooms = {township: [0, 12], village: [13, 15], grid: [16, 22]}[level];
      function showLabels() {
        var z = S.map.getZoom(), on = z >= zooms[0] && z <= zooms[1] && S.map.hasLayer(layer);
        if (on && !S.map.hasLayer(labels)) { labels.addTo(S.map); }
        if (!on && S.map.hasLayer(labels)) { S.map.removeLayer(labels); }
        if (on) { declutter(labels); }
      }
      S.map.on('zoomend overlayadd overlayremove popgis:areas', showLabels);
      if (level !== 'grid') { layer.addTo(S.map); }
      showLabels();
      P.mark(level, fc.features.length);
    });
    return S.areaLoads[level];
  }
  /** labels that would overlap one already shown are hidden (the first, larger areas
   * first, keep theirs): county view showed township names on top of each other */
  function declutter(labels) {
    var shown = [];
    var icons = [];
    labels.eachLayer(function (m) { if (m._icon) { icons.push(m._icon); } });
    // read every box first, then write (one layout, not one per label)
    icons.forEach(function (el) { el.style.visibility = ''; });
    var boxes = icons.map(function (el) { return el.getBoundingClientRect(); });
    boxes.forEach(function (b, i) {
      var hit = shown.some(function (o) {
        return b.left < o.right + 4 && o.left < b.right + 4 && b.top < o.bottom && o.top < b.bottom;
      });
      icons[i].style.visibility = hit ? 'hidden' : '';
      if (!hit) { shown.push(b); }
    });
  }
  P.declutter = declutter;
  function current() {
    return S.trail.length ? S.trail[S.trail.length - 1]
      : {code: S.cfg.scope_code, level: S.cfg.scope_level, name: S.cfg.scope_name};
  }
  P.currentArea = current;
  function areaClick(props, layer, latlng) {
    var map = S.map;
    // drilling would zoom out (or the map is at street zoom): name the area, stay put
    var zoomOut = map.getBoundsZoom(layer.getBounds()) < map.getZoom();
    if (props.code === current().code || map.getZoom() >= STREET_ZOOM || zoomOut) {
      identifyArea(props, latlng);
    } else {
      P.drill(props.code);
    }
  }
  /** whether a GeoJSON (Multi)Polygon contains a point (ray casting; holes count out) */
  function contains(geometry, latlng) {
    var polys = geometry.type === 'Polygon' ? [geometry.coordinates]
      : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
    var x = latlng.lng, y = latlng.lat;
    return polys.some(function (rings) {
      var inside = false;
      rings.forEach(function (ring) {
        for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
          if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { inside = !inside; }
        }
      });
      return inside;
    });
  }
  /** a click on the map at ``latlng`` made on a layer drawn over the areas (a density
   * choropleth): it goes to the area there that takes clicks now, with the same rules
   * as a click on the area itself. Before, a village choropleth drilled straight into
   * its village from any level (a click on another village's grid, after a drill into
   * a grid, showed that village instead of the grid). False when no such area is there. */
  P.clickAreaAt = function (latlng) {
    var cur = current(), level = CHILD[cur.level] || cur.level, layer = S.areas[level], hit = null;
    if (!layer || !S.map.hasLayer(layer)) { return false; }
    layer.eachLayer(function (l) {
      if (!hit && contains(l.feature.geometry, latlng)) { hit = l; }
    });
    if (hit) { areaClick(hit.feature.properties, hit, latlng); }
    return !!hit;
  };
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
    if (showGrid && !S.areas.grid) {
      loadAreas('grid').then(setDrillLevel);
      return;
    }
    if (S.areas.grid) {
      if (showGrid && !S.map.hasLayer(S.areas.grid)) { S.areas.grid.addTo(S.map); }
      if (!showGrid && S.map.hasLayer(S.areas.grid)) { S.map.removeLayer(S.areas.grid); }
    }
    highlight(cur.code);
    document.body.setAttribute('data-drill', cur.level);
    S.map.fire('popgis:areas');
    P.renderLegend();
  }
  /** outline the current area with its own shape (not its bounding box) */
  function highlight(code) {
    if (S.highlight) { S.map.removeLayer(S.highlight); S.highlight = null; }
    var hit = S.areaIndex[code];
    if (!hit) { return; }
    S.highlight = L.geoJSON(hit.layer.feature, {
      pane: 'highlight', interactive: false,
      style: {color: P.COLOURS.highlight, weight: 3.5, opacity: 0.9, fill: false}
    }).addTo(S.map);
    S.highlightCode = code;
  }
  /** drill into an area by code: the trail is its chain of ancestors below the user's own
   * area (which is the breadcrumb's first entry already) */
  P.drill = function (code) {
    var hit = S.areaIndex[code];
    if (!hit) { return; }
    var chain = [], c = hit;
    while (c && c.props.code !== S.cfg.scope_code) {
      chain.unshift({code: c.props.code, level: c.props.level,
                     name: P.areaName(c.props), bounds: c.layer.getBounds()});
      c = S.areaIndex[c.props.parent_code];
    }
    S.trail = chain;
    S.map.closePopup();  // a popup of the area left behind (its name, a household's) goes
    // no zoom animation: one jump, one set of tiles, the controls painted at once (the
    // animated fit left headless Chromium half-drawn for seconds after a drill)
    P.fit(hit.layer.getBounds(), false);
    renderCrumbs();
    setDrillLevel();
    P.mark('drill', code);
  };
  /** the area's name and level in a popup, with its density figures when its choropleth
   * is drawn: the popup opens where the figures' tooltip was and covered it, so the
   * tooltips close and the popup says them */
  function identifyArea(props, latlng) {
    var figures = P.densityFigures(props.code);
    S.map.eachLayer(function (l) { if (l.getTooltip && l.getTooltip() && l.isTooltipOpen()) { l.closeTooltip(); } });
    P.popup().setLatLng(latlng).setContent('<div class="area-popup"><b>' +
      esc(P.areaName(props)) + '</b>' + (P.areaName(props) !== props.name ? '<br>' + esc(props.name) : '') +
      '<br>' + esc(t('level_' + props.level)) +
      (figures ? '<div class="area-figures">' + figures + '</div>' : '') + '</div>').openOn(S.map);
    P.mark('area_popup', props.code);
  }
  function renderCrumbs() {
    var el = P.$('crumbs');
    // the user's own area named as the map names it (a grid: "Grid 2" in English)
    var root = S.cfg.scope_name
      ? P.areaName({code: S.cfg.scope_code, level: S.cfg.scope_level, name: S.cfg.scope_name}) : t('county');
    var html = '<a href="#" data-i="-1">' + esc(root) + '</a>';
    S.trail.forEach(function (c, i) {
      html += ' › <a href="#" data-i="' + i + '" data-code="' + esc(c.code) + '">' + esc(c.name) + '</a>';
    });
    el.innerHTML = html;
    P.each(el.querySelectorAll('a'), function (a) {
      a.addEventListener('click', function (ev) {
        ev.preventDefault();
        // back up the trail: the popup of the area left (a grid's name) goes with it
        S.map.closePopup();
        var i = +a.getAttribute('data-i');
        if (i < 0) { S.trail = []; P.fit(S.cfg.bounds, false); }
        else { S.trail = S.trail.slice(0, i + 1); P.fit(S.trail[i].bounds, false); }
        renderCrumbs();
        setDrillLevel();
      });
    });
  }
  P.renderCrumbs = renderCrumbs;
})();
