// Værn: a little progressive enhancement, nothing required.
// Drafts: an event form keeps what has been typed in this browser tab (sessionStorage) until it is saved, so a
// timeout or a closed tab does not lose a half-written note. Nothing leaves the tab, and closing it clears it.
(function () {
  var form = document.getElementById('event-form');
  if (!form || !window.sessionStorage) return;
  var key = 'vaern-draft:' + form.getAttribute('action');
  var fields = form.querySelectorAll('input:not([type=hidden]), select, textarea');
  try {
    var saved = JSON.parse(sessionStorage.getItem(key) || 'null');
    if (saved && !form.querySelector('.field-error')) {
      fields.forEach(function (el) {
        if (!(el.name in saved)) return;
        if (el.type === 'checkbox') el.checked = saved[el.name] === true;
        else if (!el.value) el.value = saved[el.name];
      });
    }
  } catch (e) { /* a broken draft is ignored */ }
  form.addEventListener('input', function () {
    var d = {};
    fields.forEach(function (el) { d[el.name] = el.type === 'checkbox' ? el.checked : el.value; });
    sessionStorage.setItem(key, JSON.stringify(d));
  });
  form.addEventListener('submit', function () { sessionStorage.removeItem(key); });
})();
// Method suggestions on an intervention decision: when the kind or the ladder step changes, ask the server for the
// suggestions that fit (same panel, rendered server-side); "Vælg" puts the method into the form's method field.
(function () {
  var form = document.getElementById('event-form');
  var panel = document.getElementById('suggestions');
  if (!form || !panel) return;
  var child = panel.getAttribute('data-child');
  function choose(e) {
    var b = e.target.closest('.choose-method');
    if (!b) return;
    var sel = document.getElementById('i-method');
    if (sel) { sel.value = b.getAttribute('data-method'); sel.dispatchEvent(new Event('input', { bubbles: true })); sel.focus(); }
  }
  document.addEventListener('click', choose);
  function refresh() {
    var kind = (document.getElementById('i-kind') || {}).value || '';
    var step = (document.getElementById('i-ladder_step') || {}).value || '';
    var url = '/boern/' + encodeURIComponent(child) + '/metodeforslag?kind=' + encodeURIComponent(kind) +
      '&ladder_step=' + encodeURIComponent(step);
    fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.text() : null; }).then(function (html) {
      if (!html) return;
      var t = document.createElement('div');
      t.innerHTML = html;
      var fresh = t.querySelector('#suggestions');
      if (fresh) panel.innerHTML = fresh.innerHTML;
    });
  }
  ['i-kind', 'i-ladder_step'].forEach(function (id) {
    var el = document.getElementById(id);
    if (el) el.addEventListener('change', refresh);
  });
})();
