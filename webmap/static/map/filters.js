/* popgis map: filters of the household dots and density layers, and the as-of date.
 * Roles that see aggregates only get the filters that change what they see (population,
 * women 15–49, as-of date); the household ones (certificates, visits, geocode level)
 * are for people roles. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, $ = P.$;
  /** the server's limits (webmap/tiles.py parse_filters: not_visited_days in [0, 36500];
   * the as-of date that of the planner, 1900–2100): a value outside them is refused in
   * place, never sent (every household tile was a 400 and the dots vanished silently) */
  var NV_MAX = 36500, ASOF_MIN = '1900-01-01', ASOF_MAX = '2100-12-31';
  /** the filter a field sets, and what its message under it says when refused */
  var CHECKED = {'f-nv': {key: 'not_visited_days', bad: 'nv_bad'},
                 'f-asof': {key: 'as_of', bad: 'asof_bad'}};
  /** a field's value, or null when the browser finds it invalid (out of range, not a
   * whole number, not a date); the message under it says what to enter */
  function checked(id) {
    var el = $(id), msg = $(id + '-msg');
    if (!el) { return ''; }
    var ok = el.checkValidity();
    msg.hidden = ok;
    msg.textContent = ok ? '' : t(CHECKED[id].bad);
    if (ok) { el.removeAttribute('aria-invalid'); } else { el.setAttribute('aria-invalid', 'true'); }
    return ok ? el.value : null;
  }
  function message(id) {
    return '<small class="field-msg" id="' + id + '-msg" role="alert" hidden></small>';
  }

  P.setupFilters = function () {
    var box = $('filters');
    var levels = ['', 'building', 'compound', 'group', 'village', 'township', 'unmatched', 'none'];
    var people = S.cfg.people;
    // closed by default: the legend below stays on screen
    box.innerHTML = '<details id="filters-box"><summary>' + t('filters') + '</summary>' +
      '<label>' + t('population') + ' <select id="f-pop"><option value="">' + t('all') + '</option>' +
      '<option value="residents">' + t('residents') + '</option><option value="migrants">' + t('migrants') +
      '</option></select></label>' +
      '<label><input type="checkbox" id="f-women"> ' + t('women') + '</label>' +
      (people ? '<label>' + t('certs') + ' <select id="f-certs"><option value="">' + t('all') + '</option>' +
        '<option value="missing">' + t('certs_missing') + '</option><option value="expiring">' +
        t('certs_expiring') + '</option></select></label>' +
        '<label>' + t('not_visited') + ' <input type="number" min="0" max="' + NV_MAX + '" step="1" ' +
          'id="f-nv" class="short" aria-describedby="f-nv-msg"></label>' + message('f-nv') +
        '<label>' + t('level') + ' <select id="f-level">' + levels.map(function (l) {
          return '<option value="' + l + '">' + (l ? t('level_' + l) : t('all')) + '</option>';
        }).join('') + '</select></label>' : '') +
      '<label>' + t('as_of') + ' <input type="date" id="f-asof" min="' + ASOF_MIN + '" max="' +
      ASOF_MAX + '" aria-describedby="f-asof-msg"></label>' + message('f-asof') + '</details>';
    function val(id) { var el = $(id); return el ? el.value : ''; }
    function update() {
      var last = S.filters, next = {
        population: val('f-pop'),
        women15_49: $('f-women').checked ? '1' : '',
        certificates: val('f-certs'),
        geocode_level: val('f-level')
      };
      // a refused field keeps its last good value: the map goes on showing what it showed
      Object.keys(CHECKED).forEach(function (id) {
        var v = checked(id), key = CHECKED[id].key;
        next[key] = v === null ? (last[key] || '') : v;
      });
      var same = Object.keys(next).every(function (k) { return (last[k] || '') === next[k]; });
      S.filters = next;
      if (!same) { P.refreshFiltered(); }
    }
    P.each(box.querySelectorAll('select, input'), function (el) { el.addEventListener('change', update); });
  };
})();
