/* popgis map: the search box (household number, name, address, last 4 digits of an ID or
 * phone number). Names and household numbers are found from one character; an address
 * fragment needs three: a shorter query with no result says so. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, $ = P.$;
  /** address fragments are searched from this many characters (the server's rule) */
  var ADDRESS_MIN_CHARS = 3;

  function goTo(h) {
    if (h.lat != null) {
      S.map.setView([h.lat, h.lon], 18, {animate: false});
      // phone: the panel covers the lower 62 % of the screen; the household sits above it
      if (!P.wide()) { S.map.panBy([0, window.innerHeight * 0.31], {animate: false}); }
    }
    // a phone has room for one: the household panel, not the building's popup as well
    if (h.building_id && P.wide()) { P.openBuilding(h.building_id, h.lat != null ? L.latLng(h.lat, h.lon) : null); }
    P.openHousehold(h.id);
  }
  P.setupSearch = function () {
    var input = $('search'), list = $('results');
    var timer;
    // a phone's box is narrower: a placeholder that fits (the long one was cut off)
    input.placeholder = P.wide() ? t('search') : t('search_phone');
    function empty(text) {
      list.innerHTML = '<li class="empty" id="search-empty">' + esc(text) + '</li>';
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (!q) { list.innerHTML = ''; document.body.classList.remove('searching'); return; }
        P.api(S.cfg.api + 'search?q=' + encodeURIComponent(q)).then(function (r) {
          document.body.classList.add('searching');
          if (!r.results.length) {
            empty(q.length < ADDRESS_MIN_CHARS
              ? t('search_short').replace('{n}', ADDRESS_MIN_CHARS) : t('no_results'));
            return;
          }
          list.innerHTML = r.results.map(function (h, i) {
            return '<li data-i="' + i + '"><b>' + esc(h.household_no) + '</b> ' +
              esc(h.village_name || '') + '<br><small>' + esc(h.address || '') +
              (h.what !== 'household_no' && h.what !== 'address' ? ' · ' + esc(h.matched) : '') +
              '</small></li>';
          }).join('');
          P.each(list.querySelectorAll('li[data-i]'), function (li) {
            li.addEventListener('click', function () {
              goTo(r.results[+li.getAttribute('data-i')]);
              list.innerHTML = '';
              document.body.classList.remove('searching');
            });
          });
        }).catch(function (e) { empty(e.message); });
      }, 200);
    });
  };
})();
