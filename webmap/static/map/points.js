/* popgis map: markets and work units (驻街单位) as a named layer, and service points by
 * kind with their service radii (those just outside the area that serve it are marked).
 * While a household is being placed by clicking, a click on any of these places it there
 * (on the market's building) instead of opening a popup. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, label = P.label, C = P.COLOURS;

  /** a click on a point layer: place the household being placed, else open the popup */
  function clickOrPlace(l, html, buildingId) {
    l.on('click', function (e) {
      L.DomEvent.stop(e);
      if (S.mode === 'pick' && S.current) {
        P.placeHousehold(S.current.id, e.latlng.lng, e.latlng.lat, buildingId || null);
        return;
      }
      P.popup().setLatLng(e.latlng).setContent(html).openOn(S.map);
    });
  }
  P.loadUnits = function () {
    if (S.unitsLoading || S.map.getZoom() < P.UNITS_MIN_ZOOM ||
        !S.map.hasLayer(S.layers.units.layer)) { return; }
    S.unitsLoading = true;
    P.api(S.cfg.units).then(function (fc) {
      // SVG circles (not DOM icons: thousands of them took seconds to draw), added in
      // slices of a few hundred per task: the map stays responsive and painted meanwhile
      var renderer = L.svg({pane: 'units'});
      var feats = fc.features, SLICE = 300;
      return new Promise(function (done) {
        (function slice(from) {
          addUnits(renderer, feats.slice(from, from + SLICE));
          if (from + SLICE < feats.length) { setTimeout(function () { slice(from + SLICE); }, 0); }
          else { done(fc); }
        })(0);
      });
    }).then(function (fc) {
      P.mark('units', fc.features.length);
      P.renderLegend();
    }).catch(function (e) { S.unitsLoading = false; P.showMessage(e.message); });
  };
  function addUnits(renderer, features) {
    var layer = L.geoJSON({type: 'FeatureCollection', features: features}, {
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, {renderer: renderer, radius: 5, weight: 1.5, color: '#fff',
                                   fillColor: C.units[f.properties.use] || '#495057',
                                   fillOpacity: 0.95});
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(esc(p.name), {direction: 'top', offset: [0, -6]});
        clickOrPlace(l, '<div class="unit-popup"><b>' + esc(p.name) + '</b><br>' +
          esc(label('uses', p.use)) + ' · ' + esc(P.I.tn('buildings_n', p.buildings)) +
          (p.village ? '<br>' + esc(p.village) : '') + '</div>', p.id);
      }
    });
    S.layers.units.layer.addLayer(layer);
  }

  /** smaller points at county zoom, where two thousand of them share the screen */
  function spRadius(z) { return z <= 11 ? 3.5 : (z <= 13 ? 5 : 6.5); }
  P.loadServicePoints = function () {
    // SVG circles: far cheaper than DOM icons, and unlike a canvas they let clicks between
    // them through to the households and buildings underneath
    S.pointRenderer = L.svg({pane: 'things'});
    S.map.on('zoomend', function () {
      var r = spRadius(S.map.getZoom());
      Object.keys(S.layers).forEach(function (k) {
        if (k.indexOf('sp_') === 0) { S.layers[k].layer.eachLayer(function (m) { m.setRadius(r); }); }
      });
    });
    P.api(S.cfg.api + 'layers/service_points').then(function (fc) {
      Object.keys(C.kinds).forEach(function (kind) {
        var feats = fc.features.filter(function (f) { return f.properties.kind === kind; });
        if (!feats.length) { return; }
        var pts = L.geoJSON({type: 'FeatureCollection', features: feats}, {
          pointToLayer: function (f, ll) {
            var p = f.properties;
            // outside the area: dashed dark ring, paler fill; inactive: faint
            return L.circleMarker(ll, {renderer: S.pointRenderer, radius: spRadius(S.map.getZoom()),
              fillColor: C.kinds[kind], fillOpacity: p.active ? (p.outside ? 0.55 : 0.95) : 0.35,
              color: p.outside ? '#212529' : '#fff', weight: 2, dashArray: p.outside ? '3 2' : null});
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            clickOrPlace(l, '<div class="sp-popup"><b>' + esc(p.name) + '</b><br>' + esc(label('kinds', kind)) +
              (p.address ? '<br>' + esc(p.address) : '') +
              (p.opening_hours ? '<br>' + esc(p.opening_hours) : '') +
              (p.outside ? '<br><i class="outside">' + t('outside_note') +
                (p.distance_m != null ? ' · ' + esc(p.distance_m) + ' m' : '') + '</i>' : '') +
              (p.active ? '' : '<br><i>' + t('inactive') + '</i>') + '</div>', null);
          }
        });
        var radius = L.geoJSON({type: 'FeatureCollection', features: feats}, {
          pointToLayer: function (f, ll) {
            return L.circle(ll, {radius: S.cfg.radius[kind], color: C.kinds[kind],
                                 weight: 1, fillOpacity: 0.06, interactive: false,
                                 pane: 'density', dashArray: f.properties.outside ? '4 4' : null});
          }
        });
        P.overlay('sp_' + kind, pts, '<i class="sp-dot" style="background:' + C.kinds[kind] +
                  '"></i>' + esc(label('kinds', kind)), true);
        P.overlay('radius_' + kind, radius, '&nbsp;&nbsp;↳ ' + t('radius') + ' ' +
                  S.cfg.radius[kind] + ' m');
        S.layers['sp_' + kind].kind = kind;
        S.layers['radius_' + kind].kind = kind;
        S.layers['sp_' + kind].outside = feats.some(function (f) { return f.properties.outside; });
      });
      P.mark('service_points', fc.features.filter(function (f) { return !f.properties.outside; }).length);
      P.mark('service_points_outside', fc.features.filter(function (f) { return f.properties.outside; }).length);
      P.rebuildControl();
      P.renderLegend();
      document.body.setAttribute('data-loaded', 'true');
    });
  };
})();
