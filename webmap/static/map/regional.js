/* popgis map for province and city users: their counties as a choropleth (persons,
 * migrants, households or distribution points per county, counts below the disclosure
 * threshold withheld and drawn grey), a click on a county drills into its townships
 * (choropleth by township), the breadcrumb leads back. Never a household or a person:
 * no household tiles, no search, no household panel. Exports are made per county: the
 * export dialog sends the county drilled into. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, C = P.COLOURS;
  var MEASURES = ['persons', 'migrants', 'households', 'distribution_points'];
  var WITHHELD = '#ced4da';

  /** a province or city user: the map of counties instead of the county map */
  P.regional = function () {
    return S.cfg.scope_level === 'province' || S.cfg.scope_level === 'city';
  };
  /** the county drilled into, or null at the view of every county */
  P.regionCounty = function () { return S.regionTrail && S.regionTrail.length ? S.regionTrail[0] : null; };

  P.initRegional = function () {
    var map = S.map;
    map.createPane('regions').style.zIndex = 350;
    map.createPane('labels').style.zIndex = 460;
    map.getPane('labels').style.pointerEvents = 'none';
    if (S.cfg.basemap_url) {
      L.tileLayer(S.cfg.basemap_url, {attribution: S.cfg.basemap_attribution, maxZoom: 19}).addTo(map);
    }
    S.measure = 'persons';
    S.regionTrail = [];
    S.regionData = {};
    P.$('searchbox').style.display = 'none';
    document.body.classList.add('regional');
    renderMeasures();
    renderCrumbs();
    // names that would overlap a larger area's are hidden, again at every zoom
    map.on('zoomend', function () { if (S.regionLabels) { P.declutter(S.regionLabels); } });
    show('county', null);
  };

  /** the measure switch, in the side column where the county map has its filters */
  function renderMeasures() {
    var el = P.$('filters');
    el.innerHTML = '<div class="rg-measure"><b>' + esc(t('rg_measure')) + '</b>' +
      MEASURES.map(function (m) {
        return '<label><input type="radio" name="rg-measure" value="' + m + '"' +
          (m === S.measure ? ' checked' : '') + '> ' + esc(t('rg_' + m)) + '</label>';
      }).join('') + '</div>';
    P.each(el.querySelectorAll('input[name=rg-measure]'), function (input) {
      input.addEventListener('change', function () {
        S.measure = input.value;
        var cur = current();
        draw(S.regionData[key(cur.level, cur.within)], cur.level);
      });
    });
  }
  function key(level, within) { return level + ':' + (within || ''); }
  function current() {
    var c = P.regionCounty();
    return c ? {level: 'township', within: c.code} : {level: 'county', within: null};
  }
  /** fetch (once) and draw the counties of the user's area, or the townships of one county */
  function show(level, within) {
    var k = key(level, within);
    var got = S.regionData[k] ? Promise.resolve(S.regionData[k])
      : P.api(S.cfg.api + 'regions/figures?' + P.qs({level: level, within: within}));
    return got.then(function (fc) {
      S.regionData[k] = fc;
      // the user may have gone elsewhere meanwhile
      var cur = current();
      if (cur.level !== level || cur.within !== within) { return; }
      draw(fc, level);
      P.mark('regions_' + level, fc.features.length);
      document.body.setAttribute('data-drill', level === 'county' ? S.cfg.scope_level : 'county');
      document.body.setAttribute('data-loaded', 'true');
    }).catch(function (e) { P.showMessage(e.message); });
  }
  function value(p) { return p[S.measure]; }
  function fmt(v) { return v == null ? t('rg_withheld') : Number(v).toLocaleString('en-US'); }

  function draw(fc, level) {
    if (!fc) { return; }
    var map = S.map;
    if (S.regionLayer) { map.removeLayer(S.regionLayer); }
    if (S.regionLabels) { map.removeLayer(S.regionLabels); }
    var values = fc.features.map(function (f) { return value(f.properties); })
      .filter(function (v) { return v != null; });
    var cls = P.classes(values);
    var top = Math.max.apply(null, values.concat([0]));
    var colours = top ? P.classColours(cls.labels.length) : [C.choro[0]];
    var withheld = fc.features.some(function (f) { return value(f.properties) == null; });
    S.regionLayer = L.geoJSON(fc, {
      pane: 'regions',
      style: function (f) {
        var v = value(f.properties);
        return {fillColor: v == null ? WITHHELD : colours[cls.index(v)], fillOpacity: 0.75,
                color: '#495057', weight: level === 'county' ? 1.5 : 0.8};
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(figures(p), {sticky: true, className: 'area-label'});
        l.on('click', function (e) {
          L.DomEvent.stop(e);
          l.closeTooltip();
          if (level === 'county') { drill(p, l.getBounds()); }
          else {
            P.popup().setLatLng(e.latlng).setContent(figures(p)).openOn(map);
            P.mark('region_popup', p.code);
          }
        });
      }
    }).addTo(map);
    S.regionLabels = L.layerGroup(fc.features.map(function (f) {
      return L.marker([f.properties.label[1], f.properties.label[0]], {
        pane: 'labels', interactive: false, keyboard: false,
        icon: L.divIcon({className: 'area-name area-' + level, iconSize: null,
                         html: esc(f.properties.name)})});
    })).addTo(map);
    P.declutter(S.regionLabels);
    S.regionClasses = {labels: cls.labels, colours: colours, withheld: withheld, level: level};
    legend();
  }
  function figures(p) {
    return '<div class="region-figures" data-code="' + esc(p.code) + '"><b>' + esc(p.name) + '</b>' +
      MEASURES.map(function (m) {
        return '<br>' + esc(t('rg_' + m)) + ' ' + esc(fmt(p[m]));
      }).join('') + '</div>';
  }
  function legend() {
    var c = S.regionClasses;
    if (!c) { return; }
    var rows = c.labels.map(function (text, i) {
      return '<div class="cls"><i class="sw" style="background:' + c.colours[Math.min(i, c.colours.length - 1)] +
        '"></i>' + esc(text) + '</div>';
    }).join('');
    if (c.withheld) {
      rows += '<div class="cls"><i class="sw" style="background:' + WITHHELD + '"></i>' + esc(t('rg_withheld')) + '</div>';
    }
    P.$('legend').innerHTML = '<div class="lg-title">' + esc(t('legend')) + '</div>' +
      '<div class="lg" data-layer="regions"><b>' + esc(t(c.level === 'county' ? 'rg_by_county' : 'rg_by_township')) +
      '</b><br><small>' + esc(t('rg_' + S.measure)) + '</small>' + rows + '</div>' +
      (c.level === 'county' ? '<div class="lg-note">' + esc(t('rg_click_county')) + '</div>' : '');
  }
  function drill(props, bounds) {
    S.regionTrail = [{code: props.code, name: props.name, bounds: bounds}];
    S.map.closePopup();
    P.fit(bounds, false);
    renderCrumbs();
    P.mark('drill', props.code);
    return show('township', props.code);
  }
  P.regionDrill = function (code) {
    var hit = null;
    S.regionLayer.eachLayer(function (l) { if (l.feature.properties.code === code) { hit = l; } });
    if (hit) { drill(hit.feature.properties, hit.getBounds()); }
  };
  function back() {
    S.regionTrail = [];
    S.map.closePopup();
    if (S.cfg.bounds) { P.fit(S.cfg.bounds, false); }
    renderCrumbs();
    show('county', null);
  }
  function renderCrumbs() {
    var el = P.$('crumbs');
    var html = '<a href="#" data-i="-1">' + esc(S.cfg.scope_name) + '</a>';
    S.regionTrail.forEach(function (c, i) {
      html += ' › <a href="#" data-i="' + i + '" data-code="' + esc(c.code) + '">' + esc(c.name) + '</a>';
    });
    el.innerHTML = html;
    P.each(el.querySelectorAll('a'), function (a) {
      a.addEventListener('click', function (ev) {
        ev.preventDefault();
        if (+a.getAttribute('data-i') < 0) { back(); }
        else { P.fit(S.regionTrail[0].bounds, false); }
      });
    });
  }
})();
