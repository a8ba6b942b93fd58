// A stand-in for `vaern serve`, used only by `node run.mjs --self-check`. It serves tiny pages shaped like the
// contract the browser tests expect (ids, data-attributes, statuses, CSRF), so the tests themselves can be run
// before and independently of the real server. It is NOT a specification of Værn beyond what run.mjs checks.
//
// Started as `node run.mjs --fake-server serve …` (arguments ignored); prints "Værn kører på http://127.0.0.1:PORT".

import { randomBytes } from 'node:crypto';
import http from 'node:http';

const PASSWORD = 'vaern-demo';
const USERS = ['sagsbehandler', 'konsulent', 'teamleder', 'chef', 'analytiker', 'admin'];
const CSRF = randomBytes(12).toString('hex');
const RULE = 'supervision-visits-2-per-year';

const sessions = new Map(); // sid -> { user, flash, glass: Set<child> }
const audit = [];
const children = {
  c1: { name: 'Barn Et', placement: 'p1', rows: [['2025-06-30', 'met'], ['2025-12-31', 'overdue'], ['2026-06-30', 'due']] },
  'demo-foreign': { name: 'Fremmed Barn', placement: 'p9', rows: [['2026-06-30', 'due']], foreign: true },
};

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(session, title, main) {
  const nav = session
    ? `<nav aria-label="Hovedmenu"><a href="/mine-boern">Mine børn</a>
       <form id="logout" method="post" action="/logout"><input type="hidden" name="csrf" value="${CSRF}"><button type="submit">Log ud</button></form></nav>`
    : '';
  let flash = '';
  if (session?.flash) {
    flash = `<p class="flash" role="status">${esc(session.flash)}</p>`;
    session.flash = null;
  }
  return `<!doctype html><html lang="da"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
    <title>${esc(title)} – Værn</title></head><body><header><p>Værn</p>${nav}</header>
    <main>${flash}<h1>${esc(title)}</h1>${main}</main></body></html>`;
}

function loginForm(error) {
  return `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
    <form id="login" method="post" action="/login"><input type="hidden" name="csrf" value="${CSRF}">
      <label for="u">Brugernavn</label> <input id="u" name="username" autocomplete="username">
      <label for="p">Adgangskode</label> <input id="p" name="password" type="password" autocomplete="current-password">
      <button type="submit">Log ind</button></form>`;
}

function childPage(id, c, session) {
  const rows = c.rows.map(([due, status]) =>
    `<tr data-rule="${RULE}" data-subject="${c.placement}" data-status="${status}" data-due="${due}"><td>§ 148, stk. 2</td><td>${due}</td><td>${status}</td></tr>`).join('');
  return layout(session, c.name, `
    <p><a data-new-event="supervision_visit" href="/boern/${id}/ny/supervision_visit">Nyt tilsynsbesøg</a></p>
    <table id="obligations"><caption>Frister</caption><thead><tr><th>Regel</th><th>Frist</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>
    <section id="timeline" aria-label="Tidslinje"><p>Ingen hændelser.</p></section>`);
}

function handle(req, res, form) {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  const sid = /(?:^|;\s*)sid=([a-f0-9]+)/.exec(req.headers.cookie ?? '')?.[1];
  const session = sessions.get(sid);
  const send = (status, html, headers = {}) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "script-src 'self'", ...headers });
    res.end(html);
  };
  const redirect = (to, headers = {}) => send(303, '', { location: to, ...headers });

  if (req.method === 'POST' && form.get('csrf') !== CSRF) return send(403, layout(session, 'Afvist', '<p>CSRF-token mangler eller er forkert.</p>'));
  if (p === '/bad') { // deliberately inaccessible, for checking that axe reports violations
    return send(200, `<!doctype html><html><head><title>Bad</title></head><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      <input type="text" name="nolabel"><p style="color:#ccc;background:#fff">lav kontrast</p></body></html>`);
  }
  if (p === '/login' && req.method === 'GET') return send(200, layout(null, 'Log ind', loginForm()));
  if (p === '/login' && req.method === 'POST') {
    const user = form.get('username');
    if (!USERS.includes(user) || form.get('password') !== PASSWORD) {
      return send(401, layout(null, 'Log ind', loginForm('Forkert brugernavn eller adgangskode.')));
    }
    const id = randomBytes(8).toString('hex');
    sessions.set(id, { user, flash: null, glass: new Set() });
    return redirect(user === 'sagsbehandler' ? '/mine-boern' : '/profil', { 'set-cookie': `sid=${id}; Path=/; HttpOnly; SameSite=Lax` });
  }
  if (!session) return redirect('/login');
  if (p === '/logout' && req.method === 'POST') {
    sessions.delete(sid);
    return redirect('/login', { 'set-cookie': 'sid=; Path=/; Max-Age=0' });
  }
  if (p === '/mine-boern') {
    const section = (id, label, rows) => `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${label}</h2>
      <table><thead><tr><th>Barn</th><th>Paragraf</th><th>Frist</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    const c = children.c1;
    const rows = (status) => c.rows.filter(([, s]) => s === status).map(([due]) =>
      `<tr data-child="c1" data-rule="${RULE}" data-subject="${c.placement}"><td><a href="/boern/c1">${c.name}</a></td><td>§ 148, stk. 2</td><td>${due}</td></tr>`).join('');
    return send(200, layout(session, 'Mine børn', section('overdue', 'Overskredet', rows('overdue')) + section('this-week', 'Denne uge', '') +
      section('next-week', 'Næste uge', '') + section('later', 'Senere', rows('due'))));
  }
  const m = /^\/boern\/([^/]+)(\/ny\/supervision_visit|\/break-glass)?$/.exec(p);
  if (m) {
    const id = decodeURIComponent(m[1]);
    const c = children[id];
    if (!c) return send(404, layout(session, 'Ikke fundet', '<p>Barnet findes ikke.</p>'));
    if (c.foreign && !session.glass.has(id)) {
      if (m[2] === '/break-glass' && req.method === 'POST') {
        const reason = (form.get('reason') ?? '').trim();
        if (reason) {
          session.glass.add(id);
          audit.push({ action: 'break_glass', user: session.user, child: id, reason });
          return redirect(`/boern/${id}`);
        }
      }
      const error = m[2] === '/break-glass' ? '<p class="error" role="alert">Begrundelse skal udfyldes.</p>' : '';
      return send(403, layout(session, 'Ingen adgang', `${error}
        <form id="break-glass" method="post" action="/boern/${id}/break-glass"><input type="hidden" name="csrf" value="${CSRF}">
        <label for="r">Begrundelse</label><textarea id="r" name="reason" required></textarea><button type="submit">Giv mig adgang</button></form>`));
    }
    if (m[2] === '/ny/supervision_visit' && req.method === 'GET') {
      return send(200, layout(session, 'Nyt tilsynsbesøg', `<form id="event-form" method="post" action="${p}"><input type="hidden" name="csrf" value="${CSRF}">
        <p><label for="at">Dato</label> <input id="at" type="date" name="at" required></p>
        <p><label for="pl">Anbringelse</label> <select id="pl" name="placement"><option value="">Vælg</option><option value="${c.placement}">Plejefamilie</option></select></p>
        <p><input id="cs" type="checkbox" name="child_spoken_to"> <label for="cs">Barnet er talt med</label></p>
        <p><input id="wc" type="checkbox" name="without_carers"> <label for="wc">Uden plejeforældre til stede</label></p>
        <p><label for="cv">Barnets syn</label> <textarea id="cv" name="child_view"></textarea></p>
        <p><label for="n">Note</label> <textarea id="n" name="note"></textarea></p>
        <button type="submit">Gem</button></form>`));
    }
    if (m[2] === '/ny/supervision_visit' && req.method === 'POST') {
      if (form.get('placement') !== c.placement || !/^\d{4}-\d{2}-\d{2}$/.test(form.get('at') ?? '')) {
        return send(400, layout(session, 'Nyt tilsynsbesøg', '<p class="error" role="alert">Ugyldig anbringelse eller dato.</p>'));
      }
      const row = c.rows.find(([, s]) => s === 'overdue' || s === 'due');
      if (row) row[1] = 'met';
      session.flash = 'Tilsynsbesøget er registreret.';
      return redirect(`/boern/${id}`);
    }
    if (!m[2]) return send(200, childPage(id, c, session));
  }
  if (p === '/audit') {
    const rows = audit.map((a) => `<tr data-action="${a.action}"><td>${esc(a.user)}</td><td>${esc(a.child)}</td><td>${esc(a.reason)}</td></tr>`).join('');
    return send(200, layout(session, 'Revisionslog', `<table><thead><tr><th>Bruger</th><th>Barn</th><th>Begrundelse</th></tr></thead><tbody>${rows}</tbody></table>`));
  }
  const simple = { '/soeg': 'Søg', '/profil': 'Profil', '/team': 'Team', '/liste': 'Liste', '/kommune': 'Kommune', '/admin/brugere': 'Brugere', '/admin/teams': 'Teams' };
  if (simple[p]) return send(200, layout(session, simple[p], '<p>Indhold.</p>'));
  return send(404, layout(session, 'Ikke fundet', '<p>Siden findes ikke.</p>'));
}

export function runFakeServer() {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => handle(req, res, new URLSearchParams(body)));
  });
  server.listen(0, '127.0.0.1', () => {
    console.log('genererer demodata …');
    console.log(`Værn kører på http://127.0.0.1:${server.address().port}`);
  });
  process.on('SIGTERM', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
}
