/* popgis map: the export dialog (layer: heat, choropleth by village or grid, service
 * points with coverage; PNG or PDF; A4 or A3; portrait or landscape). The file frames
 * the part of the map the user sees: not the strip under the side column or the panel. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, $ = P.$;

  var EXPORT_LAYERS = [['heat', 'migrants', null, 'x_heat'], ['choro_village', 'density', 'village', 'x_choro_village'],
                       ['choro_grid', 'density', 'grid', 'x_choro_grid'], ['points', 'service-points', null, 'x_points']];
  function exportUrl(choice) {
    var spec = EXPORT_LAYERS.filter(function (x) { return x[0] === choice.layer; })[0];
    // the part of the map not under the side column or the panel, as it is: the server
    // cuts it to the user's area and refuses (422 outside_area) a view wholly outside it
    var b = P.visibleBounds();
    var q = {layer: spec[1], size: choice.size, landscape: choice.orient === 'landscape' ? '1' : '',
             bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
               .map(function (v) { return v.toFixed(5); }).join(',')};
    if (spec[2]) { q.per = spec[2]; }
    // the area drilled into names the map while the view still frames it (a wide screen
    // shows much of a narrow grid's village too)
    if (!P.regional() && S.trail && S.trail.length) { q.drilled = P.currentArea().code; }
    // a province or city exports one county at a time: the one drilled into
    if (P.regional() && P.regionCounty()) { q.area = P.regionCounty().code; }
    return S.cfg.exports + 'map.' + choice.format + '?' + P.qs(q);
  }
  /** the file name of a download (RFC 6266: filename* in UTF-8 first) */
  function fileName(disposition, fallback) {
    var m = /filename\*=UTF-8''([^;]+)/i.exec(disposition || '');
    if (m) { try { return decodeURIComponent(m[1]); } catch (e) { /* fall through */ } }
    m = /filename="?([^";]+)"?/i.exec(disposition || '');
    return m ? m[1] : fallback;
  }
  /** fetch the file (a refusal is an answer shown in the dialog, not a page) and save it */
  function download(url, format, dlg) {
    var msg = $('export-msg');
    msg.textContent = t('exporting');
    msg.className = '';
    return fetch(url, {credentials: 'same-origin'}).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          msg.textContent = (body.error && body.error.message) || String(r.status);
          msg.className = 'error';
          P.mark('export_refused', r.status);
        });
      }
      return r.blob().then(function (blob) {
        var a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = fileName(r.headers.get('Content-Disposition'), 'popgis-map.' + format);
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        msg.textContent = '';
        dlg.close();
        P.mark('export_done', 1);
      });
    }).catch(function (e) { msg.textContent = e.message; msg.className = 'error'; });
  }
  function setupExport() {
    var dlg = $('export-dialog');
    var radios = function (name, items, checked) {
      return items.map(function (it) {
        return '<label><input type="radio" name="' + name + '" value="' + it[0] + '"' +
          (it[0] === checked ? ' checked' : '') + '> ' + esc(t(it[1])) + '</label>';
      }).join('');
    };
    dlg.innerHTML = '<form method="dialog" id="export-form"><h3>' + t('export_title') + '</h3>' +
      '<fieldset><legend>' + t('export_layer') + '</legend>' +
      radios('layer', EXPORT_LAYERS.map(function (x) { return [x[0], x[3]]; }), 'heat') + '</fieldset>' +
      '<fieldset><legend>' + t('export_format') + '</legend>' + radios('format', [['png', 'PNG'], ['pdf', 'PDF']], 'png') +
      '</fieldset><fieldset><legend>' + t('export_size') + '</legend>' +
      radios('size', [['A4', 'A4'], ['A3', 'A3']], 'A4') + '</fieldset>' +
      '<fieldset><legend>' + t('export_orient') + '</legend>' +
      radios('orient', [['portrait', 'portrait'], ['landscape', 'landscape']], 'landscape') + '</fieldset>' +
      '<div class="buttons"><button type="button" id="export-cancel">' + t('cancel') + '</button>' +
      '<a id="export-go" class="button" href="#" download>' + t('download') + '</a></div>' +
      '<p id="export-msg" role="status"></p></form>';
    function choice() {
      var f = $('export-form'), pick = function (n) { return f.querySelector('input[name=' + n + ']:checked').value; };
      return {layer: pick('layer'), format: pick('format'), size: pick('size'), orient: pick('orient')};
    }
    /** a province or city user exports one county at a time: until one is drilled into,
     *  Download is disabled (no href, aria-disabled) and the hint says to click one */
    function needsCounty() { return P.regional() && !P.regionCounty(); }
    function refresh() {
      var go = $('export-go'), blocked = needsCounty();
      go.classList.toggle('disabled', blocked);
      go.setAttribute('aria-disabled', blocked ? 'true' : 'false');
      if (blocked) {
        go.removeAttribute('href');
        go.title = t('rg_export_county');
      } else {
        go.href = exportUrl(choice());
        go.removeAttribute('title');
      }
      return !blocked;
    }
    P.each(dlg.querySelectorAll('input'), function (el) { el.addEventListener('change', refresh); });
    $('export-cancel').addEventListener('click', function () { dlg.close(); });
    $('export-go').addEventListener('click', function (ev) {
      ev.preventDefault();
      if (!refresh()) { return; }
      download($('export-go').href, choice().format, dlg);
    });
    $('export').addEventListener('click', function () {
      refresh();
      $('export-msg').className = needsCounty() ? 'hint' : '';
      $('export-msg').textContent = needsCounty() ? t('rg_export_county') : '';
      P.closeMenu();
      dlg.showModal();
    });
    S.exportUrl = exportUrl;
    P.exportUrl = exportUrl;
  }
  P.setupExport = setupExport;
})();
