/* The planner, review and audit pages speak the language the server chose (cookie
 * popgis_lang, else the browser's Accept-Language, else POPGIS_LANG; i18n.js reads it from
 * <html data-lang>); the #lang button switches the choice for every page. */
(function () {
  'use strict';
  var I = window.PopGISi18n;
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
