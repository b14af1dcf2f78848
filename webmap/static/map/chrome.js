/* popgis map: the top bar (title, user and role by name, the synthetic-data badge),
 * the menu (planner, review queue, access log, language, log out) and the phone's
 * bottom sheet of filters, layers and legend. */
(function () {
  'use strict';
  var P = window.PopGIS, t = P.t, label = P.label, $ = P.$, I = P.I;

  P.closeMenu = function () { $('menu-list').hidden = true; $('menu-btn').setAttribute('aria-expanded', 'false'); };
  function setupChrome() {
    document.title = t('page_title');
    document.documentElement.lang = I.lang === 'zh' ? 'zh-CN' : 'en';
    $('title').textContent = t('title');
    $('title').setAttribute('data-short', t('short_title'));
    var role = $('role');
    if (role) { role.textContent = label('roles', role.getAttribute('data-role')); }
    var syn = $('synthetic');
    syn.textContent = t('synthetic');
    syn.title = t('synthetic_title');
    $('export').textContent = t('export');
    $('menu-btn').textContent = '☰ ' + t('menu');
    P.each(document.querySelectorAll('#menu-list [data-t]'), function (el) {
      el.textContent = t(el.getAttribute('data-t'));
    });
    $('lang').textContent = t('lang');
    $('lang').addEventListener('click', function () {
      I.setLang(I.lang === 'zh' ? 'en' : 'zh');
      location.reload();
    });
    $('menu-btn').addEventListener('click', function (ev) {
      ev.stopPropagation();
      var list = $('menu-list');
      list.hidden = !list.hidden;
      $('menu-btn').setAttribute('aria-expanded', String(!list.hidden));
    });
    document.addEventListener('click', function (ev) {
      if (!$('menu').contains(ev.target)) { P.closeMenu(); }
    });
    var toggle = $('side-toggle');
    toggle.textContent = t('layers_legend');
    toggle.addEventListener('click', function () {
      document.body.classList.toggle('side-open');
      // the sheet and the household panel share the bottom of a phone: one at a time
      if (document.body.classList.contains('side-open') && P.closePanel) { P.closePanel(); }
    });
  }
  P.setupChrome = setupChrome;
})();
