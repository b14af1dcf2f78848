/* popgis map: start-up. folium's page calls PopGIS.init(map, config) once Leaflet and
 * every map file are loaded: the view is framed first (so that tiles of only one view
 * are fetched), then the layers, filters, export dialog, search and breadcrumb. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t;

  P.init = function (map, cfg) {
    S.map = map;
    S.cfg = cfg;
    S.drawnAt.init = Math.round(performance.now());
    P.state = S;
    P.patchVectorGridPoints();
    P.setupChrome();
    // the first view is the jurisdiction, framed clear of the side column, before any
    // layer asks for tiles (else the tiles of two views are fetched)
    if (cfg.bounds) { P.fit(cfg.bounds, false); }
    if (P.regional()) {   // a province or city: its counties, then a county's townships
      P.initRegional();
      P.setupExport();
      return;
    }
    P.buildLayers();
    P.setupFilters();
    P.setupExport();
    if (cfg.people) { P.setupSearch(); } else { P.$('searchbox').style.display = 'none'; }
    P.renderCrumbs();
    map.on('overlayadd overlayremove zoomend', P.renderLegend);
    // placing by clicking: a click beside the buildings says what to click
    map.on('click', function () { if (S.mode === 'pick') { P.showMessage(t('pick_hint')); } });
    // /?household=ID (from the review queue): open it and start placing it by hand; a
    // household that is missing or outside the user's area is "not found" either way
    var wanted = new URLSearchParams(location.search).get('household');
    if (wanted && cfg.people) {
      if (!/^\d+$/.test(wanted)) {
        // not an id at all (a link cut short, a typo): say so, not "not found"; said
        // longer than a toast, as it comes while the map is still loading
        P.showMessage(t('household_bad_id').replace('{id}', wanted.slice(0, 40)), 10000);
        P.mark('household_error', 400);
        return;
      }
      P.openHousehold(+wanted).then(function (h) { if (h) { P.startDrag(h); } });
    }
  };
})();
