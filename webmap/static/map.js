/* popgis map: boundaries with drill-down, vector tiles (basemap, buildings, households),
 * migrant density (heat and choropleth), service points with service radii, filters,
 * an as-of date, search, the household panel, and fixing a household's place.
 * Everything comes from this server; nothing from the internet unless an online
 * basemap is configured. */
(function () {
  'use strict';

  var T = {
    zh: {
      search: '搜索户号、姓名、地址、证件/电话后4位', layers: '图层', filters: '筛选', landcover: '水系与用地',
      roads: '道路', buildings: '楼栋', households: '住户', heat: '流动人口热力',
      choro: '流动人口密度（村/社区）', choro_grid: '流动人口密度（网格）',
      per_km2: '每平方公里流动人口', per_1000: '每千常住人口流动人口',
      population: '人口', all: '全部', residents: '户籍/常住', migrants: '流动人口',
      women: '育龄妇女（15–49岁）', certs: '证件', certs_missing: '缺证或过期',
      certs_expiring: '30天内到期', not_visited: '未走访天数', level: '定位精度',
      as_of: '截至日期', radius: '服务半径', household: '住户', members: '成员',
      certificates: '四证', visits: '最近服务记录', record_visit: '记录走访',
      record_distribution: '记录药具发放', move: '拖动标记修正位置',
      pick_building: '点击楼栋放置', saved: '已保存', placed_by: '手动定位',
      no_results: '无结果', migrant: '流动', resident: '户籍', origin: '户籍地',
      arrival: '来本地', close: '关闭', building: '楼栋', none: '无',
      marriage: '婚姻证', idcard: '身份证', residence: '居住证', migrant_cert: '婚育证明',
      valid: '有效', missing: '缺', expired: '过期', 'n/a': '—', lang: 'English',
      synthetic: '演示数据（合成）', logout: '退出', export: '导出当前地图', review: '待核实定位', county: '全县', legend: '图例',
      drag_hint: '拖动红色标记到正确位置', pick_hint: '点击正确的楼栋',
      level_building: '楼栋', level_compound: '小区', level_group: '村民小组',
      level_village: '村/社区', level_township: '乡镇', level_unmatched: '未匹配',
      level_none: '未定位', kinds: {
        distribution_point: '药具发放点', service_station: '计生服务站',
        clinic: '卫生院/诊所', pharmacy: '药店', machine: '自助发放机',
        outreach: '外展服务点'}
    },
    en: {
      search: 'Household no., name, address, last 4 of ID/phone', layers: 'Layers', landcover: 'Water and land use',
      filters: 'Filters', roads: 'Roads', buildings: 'Buildings', households: 'Households',
      heat: 'Migrant heat', choro: 'Migrant density (villages)',
      choro_grid: 'Migrant density (grids)', per_km2: 'Migrants per km²',
      per_1000: 'Migrants per 1,000 residents', population: 'Population', all: 'All',
      residents: 'Residents', migrants: 'Migrants', women: 'Women aged 15–49',
      certs: 'Certificates', certs_missing: 'Missing or expired',
      certs_expiring: 'Expiring within 30 days', not_visited: 'Not visited for days',
      level: 'Geocode level', as_of: 'As of', radius: 'Service radius',
      household: 'Household', members: 'Members', certificates: 'Certificates',
      visits: 'Recent services', record_visit: 'Record a visit',
      record_distribution: 'Record a distribution', move: 'Drag the marker to fix',
      pick_building: 'Click a building', saved: 'Saved', placed_by: 'Placed by hand',
      no_results: 'No results', migrant: 'Migrant', resident: 'Resident',
      origin: 'Registered in', arrival: 'Arrived', close: 'Close', building: 'Building',
      none: 'None', marriage: 'Marriage', idcard: 'ID card', residence: 'Residence permit',
      migrant_cert: 'Migrant cert.', valid: 'valid', missing: 'missing',
      expired: 'expired', 'n/a': '—', lang: '中文', synthetic: 'Demo data (synthetic)',
      logout: 'Log out', export: 'Export this view', review: 'Review queue', county: 'County', legend: 'Legend',
      drag_hint: 'Drag the red marker to the right place',
      pick_hint: 'Click the right building', level_building: 'building',
      level_compound: 'compound', level_group: 'group', level_village: 'village',
      level_township: 'township', level_unmatched: 'unmatched', level_none: 'not placed',
      kinds: {distribution_point: 'Distribution point', service_station: 'Service station',
              clinic: 'Clinic', pharmacy: 'Pharmacy', machine: 'Self-service machine',
              outreach: 'Outreach point'}
    }
  };
  var KIND_COLOURS = {distribution_point: '#d6336c', service_station: '#1971c2',
    clinic: '#2f9e44', pharmacy: '#f08c00', machine: '#7048e8', outreach: '#0c8599'};
  var CHORO = ['#fff5eb', '#fdd0a2', '#fd8d3c', '#e6550d', '#a63603'];

  var S = {lang: localStorage.getItem('popgis.lang') || 'zh', filters: {}, drawn: {}};
  function t(key) { return (T[S.lang] || T.zh)[key] || key; }
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function api(url, opts) {
    return fetch(url, Object.assign({credentials: 'same-origin'}, opts || {}))
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { throw new Error((body.error && body.error.message) || r.status); }
          return body;
        });
      });
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
    window.popgisDrawn = S.drawn;
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

  // ----------------------------------------------------------- layers
  function tileUrl(layer, extra) {
    var q = qs(Object.assign({}, extra || {}, S.cfg.datum === 'gcj02' ? {datum: 'gcj02'} : {}));
    return S.cfg.tiles + layer + '/{z}/{x}/{y}.pbf' + (q ? '?' + q : '');
  }
  function householdStyle(p, zoom) {
    if (p.households) {   // aggregated cell: size by count, kept light under the areas
      var r = Math.min(2 + Math.sqrt(p.households) * 0.8, 12);
      return {radius: r, fill: true, fillColor: '#1971c2', fillOpacity: 0.35, stroke: false};
    }
    var colour = p.migrants > 0 ? '#e8590c' : '#1971c2';
    if (p.level !== 'building') { colour = '#868e96'; }
    return {radius: zoom >= 17 ? 6 : 4, fill: true, fillColor: colour, fillOpacity: 0.9,
            color: p.manual ? '#000' : '#fff', weight: p.manual ? 2 : 1};
  }
  function vectorLayer(layer, styles, opts) {
    var o = Object.assign({
      rendererFactory: L.svg.tile, vectorTileLayerStyles: {}, maxNativeZoom: 18,
      maxZoom: 20, getFeatureId: function (f) { return f.properties.id; }
    }, opts || {});
    o.vectorTileLayerStyles[layer] = styles;
    return L.vectorGrid.protobuf(tileUrl(layer, opts && opts.query), o);
  }
  function buildLayers() {
    var map = S.map;
    map.createPane('base'); map.getPane('base').style.zIndex = 250;
    map.createPane('areas'); map.getPane('areas').style.zIndex = 300;
    map.createPane('density'); map.getPane('density').style.zIndex = 350;
    map.createPane('things'); map.getPane('things').style.zIndex = 450;
    S.overlays = {};
    if (S.cfg.basemap_url) {
      L.tileLayer(S.cfg.basemap_url, {attribution: S.cfg.basemap_attribution, maxZoom: 19})
        .addTo(map);
    }
    var LAND = {water: '#a5d8ff', reservoir: '#a5d8ff', basin: '#a5d8ff', wetland: '#c5f6fa',
                wood: '#b2f2bb', forest: '#b2f2bb', scrub: '#d3f9d8', park: '#d3f9d8',
                grass: '#d8f5a2', meadow: '#d8f5a2', farmland: '#fff3bf', orchard: '#e9fac8',
                industrial: '#e5dbff', commercial: '#ffe8cc', retail: '#ffe8cc',
                residential: '#f1f3f5'};
    S.landcover = vectorLayer('landcover', function (p) {
      return {fill: true, fillColor: LAND[p.kind] || '#e9ecef', fillOpacity: 0.8, stroke: false};
    }, {pane: 'base', interactive: false, rendererFactory: L.canvas.tile}).addTo(map);
    S.roads = vectorLayer('roads', function (p, z) {
      var major = ['motorway', 'trunk', 'primary', 'secondary'].indexOf(p.highway) >= 0;
      return {color: major ? '#f8c76b' : '#ffffff', weight: major ? 3 : (z >= 16 ? 2 : 1),
              opacity: 1};
    }, {pane: 'base', interactive: false, rendererFactory: L.canvas.tile}).addTo(map);
    S.buildings = vectorLayer('buildings', function (p) {
      var colours = {market: '#ffd8a8', enterprise: '#d0bfff', dormitory: '#ffc9c9',
                     school: '#b2f2bb', public: '#a5d8ff'};
      return {fill: true, fillColor: colours[p.use] || '#ced4da', fillOpacity: 0.95,
              color: '#868e96', weight: 0.6};
    }, {pane: 'base', interactive: true});
    S.buildings.on('click', function (e) { onBuildingClick(e.layer.properties, e.latlng); });
    S.buildings.addTo(map);
    S.overlays[t('landcover')] = S.landcover;
    S.overlays[t('roads')] = S.roads;
    S.overlays[t('buildings')] = S.buildings;
    if (S.cfg.people) {
      S.households = vectorLayer('households', householdStyle,
                                 {pane: 'things', interactive: true, query: S.filters});
      S.households.on('click', function (e) {
        if (e.layer.properties.id) { openHousehold(e.layer.properties.id); }
        else { map.setView(e.latlng, Math.max(map.getZoom() + 2, 15)); }
      });
      S.households.addTo(map);
      S.overlays[t('households')] = S.households;
    }
    loadBoundaries();
    // Density layers are heavy to compute: they load the first time one is switched on.
    ['heat', 'choro', 'choro_grid'].forEach(function (k) {
      S[k] = L.layerGroup();
      S.overlays[t(k)] = S[k];
    });
    map.on('overlayadd', function (e) {
      if (['heat', 'choro', 'choro_grid'].some(function (k) { return e.layer === S[k]; }) &&
          !S.densityLoaded) { loadDensity(); }
    });
    loadServicePoints();
  }
  function refreshFiltered() {
    if (S.households) { S.households.setUrl(tileUrl('households', S.filters)); }
    S.densityLoaded = false;
    if (densityShown()) { loadDensity(); }
  }
  function densityShown() {
    return ['heat', 'choro', 'choro_grid'].some(function (k) { return S[k] && S.map.hasLayer(S[k]); });
  }

  // ----------------------------------------------------------- boundaries, breadcrumb
  function loadBoundaries() {
    ['township', 'village', 'grid'].forEach(function (level) {
      api(S.cfg.api + 'layers/boundaries?level=' + level).then(function (fc) {
        var layer = L.geoJSON(fc, {
          pane: 'areas',
          style: {color: level === 'township' ? '#343a40' : (level === 'grid' ? '#adb5bd' : '#495057'),
                  weight: level === 'township' ? 2.5 : (level === 'grid' ? 0.7 : 1.2),
                  dashArray: level === 'grid' ? '3 3' : null, fill: level !== 'grid',
                  fillOpacity: 0},
          onEachFeature: function (f, l) {
            l.bindTooltip(f.properties.short_name || f.properties.name,
                          {sticky: true, className: 'area-label'});
            if (level !== 'grid') {
              l.on('click', function (e) {
                if (S.mode) { return; }
                drill(f.properties, l.getBounds());
                L.DomEvent.stopPropagation(e);
              });
            }
          }
        });
        S.areas = S.areas || {};
        S.areas[level] = layer;
        // Labels at the area's inside point, shown from a zoom that suits the level.
        var labels = L.layerGroup(fc.features.map(function (f) {
          return L.marker([f.properties.label[1], f.properties.label[0]], {
            pane: 'areas', interactive: false, keyboard: false,
            icon: L.divIcon({className: 'area-name area-' + level, iconSize: null,
                             html: esc(f.properties.short_name || f.properties.name)})});
        }));
        var zooms = {township: [0, 12], village: [13, 15], grid: [16, 22]}[level];
        function showLabels() {
          var z = S.map.getZoom(), on = z >= zooms[0] && z <= zooms[1];
          if (level === 'grid') { on = on && S.map.hasLayer(layer); }
          if (on && !S.map.hasLayer(labels)) { labels.addTo(S.map); }
          if (!on && S.map.hasLayer(labels)) { S.map.removeLayer(labels); }
        }
        S.map.on('zoomend overlayadd overlayremove', showLabels);
        showLabels();
        if (level !== 'grid') { layer.addTo(S.map); }
        mark(level, fc.features.length);
      });
    });
  }
  function drill(props, bounds) {
    S.map.fitBounds(bounds);
    var trail = S.trail || [];
    trail = trail.filter(function (c) { return props.code.indexOf(c.prefix) === 0 && c.code !== props.code; });
    var prefix = props.level === 'township' ? props.code.slice(0, 9) : props.code.slice(0, 12);
    trail.push({code: props.code, prefix: prefix, name: props.short_name || props.name,
                bounds: bounds});
    S.trail = trail;
    renderCrumbs();
    if (props.level === 'village' && S.areas.grid) { S.areas.grid.addTo(S.map); }
  }
  function renderCrumbs() {
    var el = document.getElementById('crumbs');
    var html = '<a href="#" data-i="-1">' + esc(S.cfg.scope_name || t('county')) + '</a>';
    (S.trail || []).forEach(function (c, i) {
      html += ' › <a href="#" data-i="' + i + '">' + esc(c.name) + '</a>';
    });
    el.innerHTML = html;
    Array.prototype.forEach.call(el.querySelectorAll('a'), function (a) {
      a.onclick = function (ev) {
        ev.preventDefault();
        var i = +a.getAttribute('data-i');
        if (i < 0) { S.trail = []; S.map.fitBounds(S.cfg.bounds); }
        else { S.trail = S.trail.slice(0, i + 1); S.map.fitBounds(S.trail[i].bounds); }
        renderCrumbs();
      };
    });
  }

  // ----------------------------------------------------------- density
  function loadDensity() {
    S.densityLoaded = true;
    var q = qs(S.filters);
    api(S.cfg.api + 'density/heat' + (q ? '?' + q : '')).then(function (cells) {
      var max = cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
      var on = S.heat && S.map.hasLayer(S.heat);
      if (S.heat) { S.map.removeLayer(S.heat); }
      S.heat = L.heatLayer(cells, {radius: 18, blur: 22, max: max * 0.6, pane: 'density'});
      S.overlays[t('heat')] = S.heat;
      if (on) { S.heat.addTo(S.map); }
      mark('heat_cells', cells.length);
      rebuildControl();
    });
    ['village', 'grid'].forEach(function (level) {
      api(S.cfg.api + 'density/choropleth?level=' + level + (q ? '&' + q : ''))
        .then(function (fc) {
          var key = level === 'village' ? 'choro' : 'choro_grid';
          var values = fc.features.map(function (f) { return f.properties.migrants_per_km2 || 0; })
            .sort(function (a, b) { return a - b; });
          var breaks = [0.2, 0.4, 0.6, 0.8].map(function (q) {
            return values.length ? values[Math.floor(q * (values.length - 1))] : 0;
          });
          var on = S[key] && S.map.hasLayer(S[key]);
          if (S[key]) { S.map.removeLayer(S[key]); }
          S[key] = L.geoJSON(fc, {pane: 'density', style: function (f) {
            var v = f.properties.migrants_per_km2 || 0, k = 0;
            while (k < breaks.length && v > breaks[k]) { k++; }
            return {fillColor: CHORO[k], fillOpacity: 0.65, color: '#fff', weight: 0.5};
          }, onEachFeature: function (f, l) {
            var p = f.properties;
            l.bindTooltip('<b>' + esc(p.name) + '</b><br>' + t('migrants') + ' ' + p.migrants +
              '<br>' + t('per_km2') + ' ' + (p.migrants_per_km2 == null ? '—' : p.migrants_per_km2) +
              '<br>' + t('per_1000') + ' ' + (p.migrants_per_1000_residents == null ? '—' : p.migrants_per_1000_residents));
          }});
          S[key].breaks = breaks;
          S.overlays[t(key)] = S[key];
          if (on) { S[key].addTo(S.map); }
          rebuildControl();
          renderLegend();
        });
    });
  }
  function renderLegend() {
    var el = document.getElementById('legend');
    var layer = (S.choro && S.map.hasLayer(S.choro)) ? S.choro
      : (S.choro_grid && S.map.hasLayer(S.choro_grid)) ? S.choro_grid : null;
    if (!layer) { el.style.display = 'none'; return; }
    var b = layer.breaks, html = '<b>' + t('per_km2') + '</b>';
    var lows = [0].concat(b);
    for (var i = 0; i < CHORO.length; i++) {
      html += '<div><i style="background:' + CHORO[i] + '"></i> ' + (i === 0 ? '0' : lows[i].toFixed(0)) +
        (i < b.length ? '–' + b[i].toFixed(0) : '+') + '</div>';
    }
    el.innerHTML = html;
    el.style.display = 'block';
  }

  // ----------------------------------------------------------- service points
  function loadServicePoints() {
    api(S.cfg.api + 'layers/service_points').then(function (fc) {
      Object.keys(KIND_COLOURS).forEach(function (kind) {
        var feats = fc.features.filter(function (f) { return f.properties.kind === kind; });
        var pts = L.geoJSON({type: 'FeatureCollection', features: feats}, {
          pointToLayer: function (f, ll) {
            return L.marker(ll, {pane: 'things', icon: L.divIcon({
              className: 'sp-icon sp-' + kind + (f.properties.active ? '' : ' sp-inactive'),
              html: '<span style="background:' + KIND_COLOURS[kind] + '"></span>',
              iconSize: [16, 16]})});
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            l.bindPopup('<b>' + esc(p.name) + '</b><br>' + esc(t('kinds')[kind]) +
              (p.address ? '<br>' + esc(p.address) : '') +
              (p.opening_hours ? '<br>' + esc(p.opening_hours) : '') +
              (p.active ? '' : '<br><i>停用 / inactive</i>'));
          }
        }).addTo(S.map);
        var radius = L.geoJSON({type: 'FeatureCollection', features: feats}, {
          pointToLayer: function (f, ll) {
            return L.circle(ll, {radius: S.cfg.radius[kind], color: KIND_COLOURS[kind],
                                 weight: 1, fillOpacity: 0.06, interactive: false,
                                 pane: 'density'});
          }
        });
        S.overlays['<i class="sp-dot" style="background:' + KIND_COLOURS[kind] + '"></i>' +
                   esc(t('kinds')[kind])] = pts;
        S.overlays['&nbsp;&nbsp;↳ ' + t('radius') + ' ' + S.cfg.radius[kind] + ' m'] = radius;
      });
      mark('service_points', fc.features.length);
      rebuildControl();
      document.body.setAttribute('data-loaded', 'true');
    });
  }
  function rebuildControl() {
    if (S.control) { S.map.removeControl(S.control); }
    S.control = L.control.layers(null, S.overlays, {collapsed: window.innerWidth < 700,
                                                    position: 'topright'}).addTo(S.map);
  }

  // ----------------------------------------------------------- search
  function setupSearch() {
    var input = document.getElementById('search'), list = document.getElementById('results');
    var timer;
    input.placeholder = t('search');
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!input.value.trim()) { list.innerHTML = ''; return; }
        api(S.cfg.api + 'search?q=' + encodeURIComponent(input.value)).then(function (r) {
          if (!r.results.length) { list.innerHTML = '<li class="empty">' + t('no_results') + '</li>'; return; }
          list.innerHTML = r.results.map(function (h, i) {
            return '<li data-i="' + i + '"><b>' + esc(h.household_no) + '</b> ' +
              esc(h.village_name || '') + '<br><small>' + esc(h.address || '') +
              (h.what !== 'household_no' && h.what !== 'address' ? ' · ' + esc(h.matched) : '') +
              '</small></li>';
          }).join('');
          Array.prototype.forEach.call(list.querySelectorAll('li[data-i]'), function (li) {
            li.onclick = function () { goTo(r.results[+li.getAttribute('data-i')]); list.innerHTML = ''; };
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
    if (S.cfg.people) { openBuilding(props.id, latlng); }
  }
  function openBuilding(id, latlng) {
    api(S.cfg.api + 'buildings/' + id).then(function (b) {
      var html = '<div class="building-popup"><b>' + esc(b.address || (b.compound || '') + (b.building_no || '')) +
        '</b><br><small>' + esc(t('building')) + ' · ' + (b.floors || '?') + 'F · ' + esc(b.use) + '</small><ul>';
      html += b.households.map(function (h) {
        return '<li><a href="#" data-h="' + h.id + '">' + esc(h.household_no) + '</a> ' +
          h.persons + '人' + (h.migrants ? ' · ' + t('migrant') + ' ' + h.migrants : '') + '</li>';
      }).join('') || '<li>' + t('none') + '</li>';
      html += '</ul></div>';
      var popup = L.popup().setLatLng(latlng || [b.lat, b.lon]).setContent(html).openOn(S.map);
      var el = popup.getElement();
      Array.prototype.forEach.call(el.querySelectorAll('a[data-h]'), function (a) {
        a.onclick = function (ev) { ev.preventDefault(); openHousehold(+a.getAttribute('data-h')); };
      });
      mark('building_popup', b.id);
    });
  }
  var CERTS = [['cert_marriage', 'marriage'], ['cert_id', 'idcard'],
               ['cert_residence', 'residence'], ['cert_migrant', 'migrant_cert']];
  function certCell(p, key) {
    var status = p[key], exp = p[key + '_expiry'];
    var soon = exp && (new Date(exp) - new Date(S.filters.as_of || Date.now())) < 30 * 864e5;
    var cls = status === 'missing' || status === 'expired' ? 'bad' : (soon && status === 'valid' ? 'soon' : '');
    return '<span class="cert ' + cls + '">' + esc(t(status)) + (exp ? ' ' + esc(exp) : '') + '</span>';
  }
  function openHousehold(id) {
    api(S.cfg.api + 'households/' + id).then(function (h) {
      S.current = h;
      var panel = document.getElementById('panel');
      var html = '<button class="close" id="panel-close" aria-label="' + t('close') + '">×</button>' +
        '<h3 id="panel-title">' + esc(h.household_no) + '</h3><p>' + esc(h.address || '') + '<br><small>' +
        esc(h.village_name || '') + ' · ' + t('level') + ': ' + esc(t('level_' + (h.geocode_level || 'none'))) +
        (h.placed_manually ? ' · <b id="placed-manually">' + t('placed_by') + ' ' + esc(h.placed_by) + '</b>' : '') +
        '</small></p><h4>' + t('members') + '</h4><table class="members"><tbody>';
      h.members.forEach(function (m) {
        html += '<tr><td><b>' + esc(m.name) + '</b> ' + (m.sex === 'F' ? '女' : '男') + ' ' +
          esc(m.birth_date) + '<br><small>' + esc(m.id_number) + (m.phone ? ' · ' + esc(m.phone) : '') +
          '</small><br><small>' + (m.is_migrant ? '<b class="migrant">' + t('migrant') + '</b> · ' + t('origin') + ' ' +
          esc(m.origin_name || m.origin_code || '') + (m.arrival_date ? ' · ' + t('arrival') + ' ' + esc(m.arrival_date) : '')
          : t('resident')) + '</small><br>' +
          CERTS.map(function (c) { return '<small>' + t(c[1]) + ' ' + certCell(m, c[0]) + '</small>'; }).join(' ') +
          '</td></tr>';
      });
      html += '</tbody></table><h4>' + t('visits') + '</h4><ul class="events">' +
        (h.events.map(function (e) {
          return '<li>' + esc(e.event_date) + ' ' + esc(e.kind) + (e.team ? ' · ' + esc(e.team) : '') +
            (e.note ? ' · ' + esc(e.note) : '') + '</li>';
        }).join('') || '<li>' + t('none') + '</li>') + '</ul>' +
        '<div class="actions"><button id="rec-visit">' + t('record_visit') + '</button>' +
        '<button id="rec-dist">' + t('record_distribution') + '</button>' +
        '<button id="move">' + t('move') + '</button>' +
        '<button id="pick">' + t('pick_building') + '</button></div><p id="panel-msg"></p>';
      panel.innerHTML = html;
      panel.classList.add('open');
      panel.setAttribute('data-household', h.id);
      document.getElementById('panel-close').onclick = closePanel;
      document.getElementById('rec-visit').onclick = function () { recordEvent(h.id, 'visit'); };
      document.getElementById('rec-dist').onclick = function () { recordEvent(h.id, 'distribution'); };
      document.getElementById('move').onclick = function () { startDrag(h); };
      document.getElementById('pick').onclick = function () {
        S.mode = 'pick';
        document.getElementById('panel-msg').textContent = t('pick_hint');
      };
    }).catch(function (e) { showMessage(e.message); });
  }
  function closePanel() {
    var panel = document.getElementById('panel');
    panel.classList.remove('open');
    panel.removeAttribute('data-household');
    stopDrag();
    S.current = null;
  }
  function recordEvent(id, kind) {
    var day = S.filters.as_of || new Date().toISOString().slice(0, 10);
    api(S.cfg.api + 'households/' + id + '/events', {method: 'POST',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify({kind: kind, date: day})})
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
    document.getElementById('panel-msg').textContent = t('drag_hint');
  }
  function stopDrag() {
    if (S.dragMarker) { S.map.removeLayer(S.dragMarker); S.dragMarker = null; }
    S.mode = null;
  }
  function placeHousehold(id, lon, lat, buildingId) {
    var body = {lon: lon, lat: lat};
    if (buildingId) { body.building_id = buildingId; }
    api(S.cfg.api + 'households/' + id + '/location', {method: 'POST',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
      .then(function () {
        stopDrag();
        if (S.households) { S.households.redraw(); }
        openHousehold(id);
        showMessage(t('saved'));
      })
      .catch(function (e) { showMessage(e.message); });
  }
  function showMessage(text) {
    var el = document.getElementById('toast');
    el.textContent = text;
    el.classList.add('show');
    setTimeout(function () { el.classList.remove('show'); }, 2500);
  }

  // ----------------------------------------------------------- filters
  function setupFilters() {
    var box = document.getElementById('filters');
    var levels = ['', 'building', 'compound', 'group', 'village', 'township', 'unmatched', 'none'];
    box.innerHTML = '<details' + (window.innerWidth < 700 ? '' : ' open') + '><summary>' + t('filters') + '</summary>' +
      '<label>' + t('population') + ' <select id="f-pop"><option value="">' + t('all') + '</option>' +
      '<option value="residents">' + t('residents') + '</option><option value="migrants">' + t('migrants') +
      '</option></select></label>' +
      '<label><input type="checkbox" id="f-women"> ' + t('women') + '</label>' +
      '<label>' + t('certs') + ' <select id="f-certs"><option value="">' + t('all') + '</option>' +
      '<option value="missing">' + t('certs_missing') + '</option><option value="expiring">' +
      t('certs_expiring') + '</option></select></label>' +
      '<label>' + t('not_visited') + ' <input type="number" min="0" id="f-nv" style="width:5em"></label>' +
      '<label>' + t('level') + ' <select id="f-level">' + levels.map(function (l) {
        return '<option value="' + l + '">' + (l ? t('level_' + l) : t('all')) + '</option>';
      }).join('') + '</select></label>' +
      '<label>' + t('as_of') + ' <input type="date" id="f-asof"></label></details>';
    function update() {
      S.filters = {
        population: document.getElementById('f-pop').value,
        women15_49: document.getElementById('f-women').checked ? '1' : '',
        certificates: document.getElementById('f-certs').value,
        not_visited_days: document.getElementById('f-nv').value,
        geocode_level: document.getElementById('f-level').value,
        as_of: document.getElementById('f-asof').value
      };
      refreshFiltered();
    }
    Array.prototype.forEach.call(box.querySelectorAll('select, input'), function (el) {
      el.addEventListener('change', update);
    });
  }

  function init(map, cfg) {
    S.map = map;
    S.cfg = cfg;
    window.PopGIS.state = S;
    document.documentElement.lang = S.lang === 'zh' ? 'zh-CN' : 'en';
    var lang = document.getElementById('lang');
    lang.textContent = t('lang');
    lang.onclick = function () {
      localStorage.setItem('popgis.lang', S.lang === 'zh' ? 'en' : 'zh');
      location.reload();
    };
    document.getElementById('synthetic').textContent = t('synthetic');
    document.getElementById('logout').textContent = t('logout');
    var rev = document.getElementById('review');
    if (rev) { rev.textContent = t('review'); }
    var exp = document.getElementById('export');
    exp.textContent = t('export');
    exp.onclick = function () {   // a 300-dpi briefing map of the current view
      var b = S.map.getBounds();
      window.open('/exports/map.png?layer=migrants&landscape=1&bbox=' +
                  [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
                    return v.toFixed(5); }).join(','), '_blank');
    };
    buildLayers();
    setupFilters();
    if (cfg.people) { setupSearch(); } else { document.getElementById('searchbox').style.display = 'none'; }
    renderCrumbs();
    map.on('overlayadd overlayremove', renderLegend);
    // /?household=ID (from the review queue): open it and start placing it by hand.
    var wanted = new URLSearchParams(location.search).get('household');
    if (wanted && cfg.people) {
      api(cfg.api + 'households/' + encodeURIComponent(wanted)).then(function (h) {
        openHousehold(h.id);
        startDrag(h);
      }).catch(function (e) { showMessage(e.message); });
    }
  }

  window.PopGIS = {init: init, gcjCrs: gcjCrs, t: t};
})();
