/* The planner, review and audit pages follow the language chosen on the map (kept in the
 * browser; i18n.js hands it to the server as the cookie popgis_lang). A page rendered in
 * the other language (first visit, or the choice changed elsewhere) is asked for again
 * once; the #lang button switches the choice for every page. */
(function () {
  'use strict';
  var I = window.PopGISi18n, html = document.documentElement;
  var rendered = html.getAttribute('data-lang');
  if (rendered && rendered !== I.lang) {
    try {
      if (sessionStorage.getItem('popgis.relang') !== location.href) {
        sessionStorage.setItem('popgis.relang', location.href);
        location.reload();
        return;
      }
    } catch (e) { /* no storage: stay with the page as rendered */ }
  }
  try { sessionStorage.removeItem('popgis.relang'); } catch (e) { /* private mode */ }
  document.addEventListener('DOMContentLoaded', function () {
    var btn = document.getElementById('lang');
    if (btn) {
      btn.addEventListener('click', function () {
        I.setLang(I.lang === 'zh' ? 'en' : 'zh');
        location.reload();
      });
    }
  });
})();
