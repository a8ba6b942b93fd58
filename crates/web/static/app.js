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
