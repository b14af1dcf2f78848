/* popgis map: filters of the household dots and density layers, and the as-of date.
 * Roles that see aggregates only get the filters that change what they see (population,
 * women 15–49, as-of date); the household ones (certificates, visits, geocode level)
 * are for people roles. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, $ = P.$;

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
        '<label>' + t('not_visited') + ' <input type="number" min="0" id="f-nv" class="short"></label>' +
        '<label>' + t('level') + ' <select id="f-level">' + levels.map(function (l) {
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
      P.refreshFiltered();
    }
    P.each(box.querySelectorAll('select, input'), function (el) { el.addEventListener('change', update); });
  };
})();
