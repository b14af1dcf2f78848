/* popgis map: buildings and households. A building opens its popup (its households for
 * people roles, its use for the others); a household dot opens the household panel
 * (members, certificates, services, placement history with "restore the geocoded
 * place"); a household is placed by dragging its marker or by clicking a building. */
(function () {
  'use strict';
  var P = window.PopGIS, S = P.S, t = P.t, esc = P.esc, label = P.label, $ = P.$;
  var showMessage = P.showMessage, api = P.api, postJSON = P.postJSON, mark = P.mark, each = P.each;
  var I = P.I, tn = P.I.tn;

  function onBuildingClick(props, latlng) {
    if (S.mode === 'pick' && S.current) {
      placeHousehold(S.current.id, latlng.lng, latlng.lat, props.id);
      return;
    }
    if (S.cfg.people) { openBuilding(props.id, latlng); return; }
    // aggregate roles: the building's kind only, no one in it
    P.popup().setLatLng(latlng).setContent('<div class="building-popup"><b>' + t('building') + '</b><br>' +
      esc(label('uses', props.use)) + (props.floors ? ' · ' + esc(tn('floors_n', props.floors)) : '') +
      '</div>').openOn(S.map);
    mark('building_popup', props.id);
  }
  function openBuilding(id, latlng) {
    api(S.cfg.api + 'buildings/' + id).then(function (b) {
      var html = '<div class="building-popup"><b>' + esc(b.address || (b.compound || '') + (b.building_no || '')) +
        '</b><br><small>' + esc(t('building')) + (b.floors ? ' · ' + esc(tn('floors_n', b.floors)) : '') + ' · ' +
        esc(label('uses', b.use)) + '</small><ul>';
      html += b.households.map(function (h) {
        return '<li><a href="#" data-h="' + esc(h.id) + '">' + esc(h.household_no) + '</a> ' +
          esc(tn('persons_n', h.persons)) +
          (h.migrants ? ' · ' + esc(tn('migrants_n', h.migrants)) : '') + '</li>';
      }).join('') || '<li>' + t('none') + '</li>';
      html += '</ul></div>';
      var popup = P.popup().setLatLng(latlng || [b.lat, b.lon]).setContent(html).openOn(S.map);
      each(popup.getElement().querySelectorAll('a[data-h]'), function (a) {
        a.addEventListener('click', function (ev) { ev.preventDefault(); openHousehold(+a.getAttribute('data-h')); });
      });
      mark('building_popup', b.id);
    }).catch(function (e) { showMessage(e.message); });
  }
  var CERTS = [['cert_marriage', 'marriage'], ['cert_id', 'idcard'],
               ['cert_residence', 'residence'], ['cert_migrant', 'migrant_cert']];
  function certCell(p, key) {
    var status = p[key], exp = p[key + '_expiry'];
    var ref = S.filters.as_of || P.today();
    // a 'valid' certificate whose expiry date has passed is expired, whatever the record says
    if (exp && status === 'valid' && exp < ref) { status = 'expired'; }
    var soon = exp && status === 'valid' && (new Date(exp) - new Date(ref)) < 30 * 864e5;
    var cls = status === 'missing' || status === 'expired' ? 'bad' : (soon ? 'soon' : '');
    return '<span class="cert ' + cls + '" data-status="' + esc(status) + '">' + esc(t(status)) +
      (exp ? ' ' + esc(exp) : '') + '</span>';
  }
  function openHousehold(id) {
    return api(S.cfg.api + 'households/' + id).then(function (h) {
      // on a phone the panel takes the bottom of the screen: the layer sheet and a
      // building's popup close (one at a time, never overlapping)
      document.body.classList.remove('side-open');
      if (!P.wide()) { S.map.closePopup(); }
      S.current = h;
      var panel = $('panel');
      var html = '<button class="close" id="panel-close" type="button" aria-label="' + t('close') + '">×</button>' +
        '<h3 id="panel-title">' + esc(h.household_no) + '</h3><p>' + esc(h.address || '') + '<br><small>' +
        esc(h.village_name || '') + ' · ' + t('level') + ': ' + esc(t('level_' + (h.geocode_level || 'none'))) +
        (h.placed_manually ? ' · <b id="placed-manually">' + esc(t('placed_by_user').replace('{user}', h.placed_by || '')) + '</b>' : '') +
        '</small></p><h4>' + t('members') + '</h4><table class="members"><tbody>';
      h.members.forEach(function (m) {
        html += '<tr><td><b>' + esc(m.name) + '</b> ' + (m.sex === 'F' ? t('female') : t('male')) + ' ' +
          esc(m.birth_date) + '<br><small>' + esc(m.id_number) + (m.phone ? ' · ' + esc(m.phone) : '') +
          '</small><br><small>' + (m.is_migrant ? '<b class="migrant">' + t('migrant') + '</b> · ' + t('origin') + ' ' +
          esc(m.origin_name || m.origin_code || '') + (m.arrival_date ? ' · ' + t('arrival') + ' ' + esc(m.arrival_date) : '')
          : t('resident')) + '</small><br>' +
          CERTS.map(function (c) { return '<small>' + t(c[1]) + ' ' + certCell(m, c[0]) + '</small>'; }).join(' ') +
          '</td></tr>';
      });
      html += '</tbody></table><h4>' + t('visits') + '</h4><ul class="events">' +
        (h.events.map(function (e) {
          return '<li>' + esc(e.event_date) + ' ' + esc(label('events', e.kind)) + (e.team ? ' · ' + esc(e.team) : '') +
            (e.note ? ' · ' + esc(e.note) : '') + '</li>';
        }).join('') || '<li>' + t('none') + '</li>') + '</ul>' +
        '<div class="actions"><button type="button" id="rec-visit">' + t('record_visit') + '</button>' +
        '<button type="button" id="rec-dist">' + t('record_distribution') + '</button>' +
        '<button type="button" id="move">' + t('move') + '</button>' +
        '<button type="button" id="pick">' + t('pick_building') + '</button></div><p id="panel-msg"></p>' +
        '<h4>' + t('history') + '</h4><div id="history"></div>';
      panel.innerHTML = html;
      panel.classList.add('open');
      document.body.classList.add('panel-open');
      panel.setAttribute('data-household', h.id);
      // the household stays in sight: above the phone's panel, beside the desktop one
      if (h.lat != null) { P.keepVisible(L.latLng(h.lat, h.lon)); }
      $('panel-close').addEventListener('click', closePanel);
      $('rec-visit').addEventListener('click', function () { recordEvent(h.id, 'visit'); });
      $('rec-dist').addEventListener('click', function () { recordEvent(h.id, 'distribution'); });
      $('move').addEventListener('click', function () { startDrag(h); });
      $('pick').addEventListener('click', function () {
        stopDrag();
        S.mode = 'pick';
        document.body.classList.add('picking');
        $('panel-msg').textContent = t('pick_hint');
      });
      loadHistory(h.id);
      mark('household_panel', h.id);
      return h;
    }).catch(function (e) {
      // missing or outside the user's area: the same answer (nothing is revealed)
      showMessage(e.status === 404 || e.status === 403 ? t('household_not_found') : e.message);
      mark('household_error', e.status || 0);
      return null;
    });
  }
  // an API time (ISO 8601 with China's offset, "2026-12-07T08:48:00+08:00") as people
  // read it, with its zone: "2026-12-07 08:48 UTC+08:00" (as the export stamps)
  function clockText(iso) {
    var m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(?::[\d.]+)?(Z|[+-]\d\d:\d\d)?$/.exec(iso || '');
    if (!m) { return iso || ''; }
    return m[1] + ' ' + m[2] + (m[3] ? ' UTC' + (m[3] === 'Z' ? '' : m[3]) : '');
  }
  function loadHistory(id) {
    api(S.cfg.placements.replace('0/', id + '/')).then(function (r) {
      var el = $('history');
      if (!el) { return; }
      var rows = r.history.map(function (p) {
        return '<li>' + esc(clockText(p.placed_at)) + ' · ' + esc(p.placed_by) +
          ' · ' + esc(label('methods', p.action)) + '<br><small>' + t('from_place') + ': ' +
          esc(t('level_' + (p.from_level || 'none'))) +
          // geocode methods may carry notes ('coordinates(swapped lat/lon)'): the label of
          // the method itself, never the raw text
          (I.known('geo_methods', String(p.from_method || '').split(/[(:]/)[0]) ?
            ' (' + esc(I.known('geo_methods', String(p.from_method).split(/[(:]/)[0])) + ')' : '') +
          (p.from_lon != null ? ' ' + esc(p.from_lon.toFixed(5)) + ', ' + esc(p.from_lat.toFixed(5)) : '') +
          '</small></li>';
      }).join('');
      el.innerHTML = (rows ? '<ul class="events" id="history-list">' + rows + '</ul>' : '<p>' + t('no_history') + '</p>') +
        (r.can_restore ? '<button type="button" id="restore">' + t('restore') + '</button>' : '');
      var btn = $('restore');
      if (btn) {
        btn.addEventListener('click', function () {
          postJSON(S.cfg.placements.replace('0/', id + '/').replace(/placements$/, 'restore'))
            .then(function () {
              P.redrawHouseholds();
              openHousehold(id);
              showMessage(t('restored'));
            }).catch(function (e) { showMessage(e.message); });
        });
      }
    }).catch(function () { /* history is optional in the panel */ });
  }
  function closePanel() {
    var panel = $('panel');
    panel.classList.remove('open');
    document.body.classList.remove('panel-open');
    panel.removeAttribute('data-household');
    stopDrag();
    S.current = null;
  }
  function recordEvent(id, kind) {
    var day = S.filters.as_of || P.today();
    postJSON(S.cfg.api + 'households/' + id + '/events', {kind: kind, date: day})
      .then(function () { openHousehold(id); showMessage(t('saved')); })
      .catch(function (e) { showMessage(e.message); });
  }
  function startDrag(h) {
    stopDrag();
    var at = h.lat != null ? L.latLng(h.lat, h.lon) : S.map.getCenter();
    S.dragMarker = L.marker(at, {draggable: true, autoPan: true, icon: L.divIcon({
      className: 'drag-marker', html: '<span></span>', iconSize: [26, 26], iconAnchor: [13, 13]})})
      .addTo(S.map);
    S.map.setView(at, Math.max(S.map.getZoom(), 17), {animate: false});
    // centred is behind a phone's panel: panned into the open part, as a click does
    P.keepVisible(at);
    S.dragMarker.on('dragend', function () {
      var ll = S.dragMarker.getLatLng();
      // refused (e.g. outside the area): the marker goes back to where the household is
      placeHousehold(h.id, ll.lng, ll.lat, null).then(function (ok) {
        if (!ok && S.dragMarker) { S.dragMarker.setLatLng(at); }
      });
    });
    $('panel-msg').textContent = t('drag_hint');
  }
  function stopDrag() {
    if (S.dragMarker) { S.map.removeLayer(S.dragMarker); S.dragMarker = null; }
    S.mode = null;
    document.body.classList.remove('picking');
  }
  function placeHousehold(id, lon, lat, buildingId) {
    // ask: a question (another village?) comes back as an answer, not as a 409 that the
    // browser would log as a failed request
    var body = {lon: lon, lat: lat, ask: true};
    if (buildingId) { body.building_id = buildingId; }
    var url = S.cfg.api + 'households/' + id + '/location';
    return postJSON(url, body)
      .then(function (r) {
        if (!r.confirm) { return r; }
        // a place in another village hands the family to its staff: asked, never silent
        if (r.confirm.code !== 'confirm_village_move' || !window.confirm(r.confirm.message)) {
          throw new Error(r.confirm.message);
        }
        body.move_village = true;
        return postJSON(url, body);
      })
      .then(function () {
        stopDrag();
        P.redrawHouseholds();
        openHousehold(id);
        showMessage(t('saved'));
        mark('placed', id);
        return true;
      })
      .catch(function (e) { showMessage(e.message); return false; });
  }

  P.onBuildingClick = onBuildingClick;
  P.openBuilding = openBuilding;
  P.openHousehold = openHousehold;
  P.startDrag = startDrag;
  P.placeHousehold = placeHousehold;
  P.closePanel = closePanel;
})();
