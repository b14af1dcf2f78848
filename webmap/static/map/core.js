/* popgis map, shared core: the namespace every map file adds to (window.PopGIS), the
 * map's state, colours, small helpers (escaping, JSON requests, messages), and the
 * part of the map that is not covered by the side column or the household panel
 * (framing and exports use it). No inline handlers anywhere: CSP. */
(function () {
  'use strict';
  var I = window.PopGISi18n;
  var P = window.PopGIS = window.PopGIS || {};
  P.I = I;
  P.t = I.t;
  P.label = I.label;
  /** the map's state: layers by key, the drill trail, filters, what was drawn when */
  P.S = {filters: {}, drawn: {}, drawnAt: {}, trail: [], layers: {}};
  P.COLOURS = {
    kinds: {distribution_point: '#d6336c', service_station: '#1971c2', clinic: '#2f9e44',
            pharmacy: '#f08c00', machine: '#7048e8', outreach: '#0c8599'},
    uses: {residential: '#ced4da', market: '#ffa94d', enterprise: '#9775fa',
           dormitory: '#ff8787', school: '#69db7c', public: '#74c0fc', other: '#ced4da'},
    households: {resident: '#1971c2', migrant: '#e8590c', imprecise: '#868e96', cell: '#1971c2'},
    choro: ['#fff5eb', '#fdd0a2', '#fd8d3c', '#e6550d', '#a63603'],
    // the export's colours (YlOrRd), fading out at the low end
    heat: {0.15: '#ffffb2', 0.35: '#fecc5c', 0.55: '#fd8d3c', 0.75: '#f03b20', 1.0: '#bd0026'},
    land: {water: '#a5d8ff', reservoir: '#a5d8ff', basin: '#a5d8ff', wetland: '#c5f6fa',
           wood: '#b2f2bb', forest: '#b2f2bb', scrub: '#d3f9d8', park: '#d3f9d8',
           grass: '#d8f5a2', meadow: '#d8f5a2', farmland: '#fff3bf', orchard: '#e9fac8',
           industrial: '#e5dbff', commercial: '#ffe8cc', retail: '#ffe8cc', residential: '#f1f3f5'},
    units: {market: '#f76707', enterprise: '#6741d9'},
    highlight: '#1c7ed6'
  };
  P.HOUSEHOLDS_MIN_ZOOM = 12;
  P.UNITS_MIN_ZOOM = 13;
  P.BUILDINGS_MIN_ZOOM = 14;

  P.$ = function (id) { return document.getElementById(id); };
  P.esc = function (s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  };
  P.each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  /** JSON from the server; a failure is an Error with the server's message and .status */
  P.api = function (url, opts) {
    return fetch(url, Object.assign({credentials: 'same-origin'}, opts || {}))
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) {
            var e = new Error((body.error && body.error.message) || String(r.status));
            e.status = r.status;
            e.code = body.error && body.error.code;
            throw e;
          }
          return body;
        });
      });
  };
  P.postJSON = function (url, body) {
    return P.api(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                       body: JSON.stringify(body || {})});
  };
  P.qs = function (obj) {
    var parts = [];
    Object.keys(obj).forEach(function (k) {
      if (obj[k] !== '' && obj[k] != null && obj[k] !== false) {
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(obj[k]));
      }
    });
    return parts.join('&');
  };
  /** record that something was drawn (and when, ms after navigation: for tests and the bench) */
  P.mark = function (name, n) {
    P.S.drawn[name] = n;
    P.S.drawnAt[name] = Math.round(performance.now());
    window.popgisDrawn = P.S.drawn;
  };
  P.today = function () {
    var d = new Date();
    return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' +
      ('0' + d.getDate()).slice(-2);
  };
  /** a message in the toast for ``ms`` milliseconds (default 3.5 s) */
  P.showMessage = function (text, ms) {
    var el = P.$('toast');
    el.textContent = text;
    el.classList.add('show');
    clearTimeout(P.S.toastTimer);
    P.S.toastTimer = setTimeout(function () { el.classList.remove('show'); }, ms || 3500);
  };

  /** wide screens: the side column on the right and the household panel on the left
   * cover part of the map */
  P.wide = function () { return window.innerWidth > 700; };
  /** the part of the map container not covered by the side column, the household panel
   * (desktop) or the top controls: [[left, top], [right, bottom]] in container pixels */
  P.openArea = function () {
    var c = P.S.map.getContainer().getBoundingClientRect();
    var left = 0, right = c.width, top = 0, bottom = c.height;
    if (P.wide()) {
      var side = P.$('side').getBoundingClientRect();
      if (side.width) { right = Math.min(right, side.left - c.left - 8); }
      var panel = P.$('panel');
      if (panel.classList.contains('open')) {
        left = Math.max(left, panel.getBoundingClientRect().right - c.left);
      }
    } else {
      // phone: the household panel (or the layer sheet) takes the bottom of the screen;
      // offsetTop is where the panel ends up, not where its slide-in transition is now
      var sheet = P.$('panel').classList.contains('open') ? P.$('panel').offsetTop
        : (document.body.classList.contains('side-open') ? P.$('side').getBoundingClientRect().top : 0);
      if (sheet > c.top) { bottom = Math.min(bottom, sheet - c.top); }
    }
    return [[left, top], [right, bottom]];
  };
  /** pan (no animation) so that a position is inside the open part of the map, clear of
   * the household panel, the phone's bottom sheet, the side column and the search box */
  P.keepVisible = function (latlng) {
    var a = P.openArea(), m = P.S.map, pt = m.latLngToContainerPoint(latlng);
    var top = a[0][1] + (P.wide() ? 60 : 90), margin = 24;
    if (pt.x >= a[0][0] + margin && pt.x <= a[1][0] - margin && pt.y >= top + margin &&
        pt.y <= a[1][1] - margin) { return; }
    m.panBy([pt.x - (a[0][0] + a[1][0]) / 2, pt.y - (top + a[1][1]) / 2], {animate: false});
  };
  /** fit bounds into the open part of the map (clear of side column, panel, search) */
  P.fit = function (bounds, animate) {
    var a = P.openArea(), c = P.S.map.getSize();
    var wide = P.wide();
    P.S.map.fitBounds(bounds, {
      paddingTopLeft: [a[0][0] + 10, wide ? 60 : 90], animate: animate !== false,
      paddingBottomRight: [c.x - a[1][0] + 10, 10]});
  };
  /** a popup that pans clear of the search box and breadcrumb (top left), the side
   * column (right, wide screens) and the household panel: autoPan keeps it inside the
   * open part of the map, below the lowest of the top-left controls */
  P.popup = function (opts) {
    var a = P.openArea(), size = P.S.map.getSize();
    var top = P.S.map.getContainer().getBoundingClientRect().top, below = 10;
    ['searchbox', 'crumbs'].forEach(function (id) {
      var el = P.$(id);
      if (el && el.offsetParent && getComputedStyle(el).visibility !== 'hidden') {
        below = Math.max(below, el.getBoundingClientRect().bottom - top + 8);
      }
    });
    return L.popup(Object.assign({
      autoPanPaddingTopLeft: L.point(a[0][0] + 10, below),
      autoPanPaddingBottomRight: L.point(size.x - a[1][0] + 10, size.y - a[1][1] + 10)
    }, opts || {}));
  };
  /** the geographic bounds of the open part of the map (what the user sees) */
  P.visibleBounds = function () {
    var a = P.openArea(), m = P.S.map;
    return L.latLngBounds(m.containerPointToLatLng(L.point(a[0][0], a[1][1])),
                          m.containerPointToLatLng(L.point(a[1][0], a[0][1])));
  };
})();
