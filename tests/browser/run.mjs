#!/usr/bin/env node
// Værn browser tests: starts `vaern serve` on demo data, drives Debian's chromium through it with
// playwright-core and checks every main page with axe-core.
//
//   node tests/browser/run.mjs                 run all tests against $VAERN_BIN or <repo>/target/debug/vaern
//   node tests/browser/run.mjs --only csrf     run only the tests whose name contains "csrf" (comma-separated list)
//   node tests/browser/run.mjs --self-check    check chromium, screenshots, axe and the helpers on a fake server
//
// Exit code: 0 all passed, 1 a test failed, 2 the run could not start (binary, chromium or server missing).
// Environment: VAERN_BIN (server binary), VAERN_URL (use a server that is already running; skips start-up),
// CHROMIUM (browser, default /usr/bin/chromium), VERBOSE=1 (print browser console errors of passing tests too).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const THIS_FILE = fileURLToPath(import.meta.url);
const REPO = path.resolve(HERE, '..', '..');
const ARTIFACTS = path.join(HERE, 'artifacts');

// ---------------------------------------------------------------------------------------------------------------
// Configuration: extend these lists rather than the test bodies.

/** Pages checked by axe. `as`: demo user to sign in as (null = signed out). `{child}` = a child of sagsbehandler's.
 *  `status`: the expected HTTP status (default 200). */
const AXE_PAGES = [
  { as: null, path: '/login' },
  { as: 'sagsbehandler', path: '/mine-boern' },
  { as: 'sagsbehandler', path: '/boern/{child}' },
  { as: 'sagsbehandler', path: '/boern/{child}/ny/supervision_visit' },
  { as: 'sagsbehandler', path: '/soeg?q=a' },
  { as: 'sagsbehandler', path: '/profil' },
  { as: 'teamleder', path: '/team' },
  { as: 'teamleder', path: '/audit' },
  { as: 'teamleder', path: '/liste?status=overdue' },
  { as: 'chef', path: '/kommune' },
  { as: 'admin', path: '/admin/brugere' },
  { as: 'admin', path: '/admin/teams' },
  { as: 'sagsbehandler', path: '/boern/{child}/indsigt' },
  { as: 'sagsbehandler', path: '/boern/ny' },
  { as: 'konsulent', path: '/boern/demo-foreign', status: 403 }, // the break-the-glass page
  { as: 'konsulent', path: '/steder' },
  { as: 'konsulent', path: '/steder/ny/foster_training' },
  { as: 'konsulent', path: '/tilsyn' },
  { as: 'konsulent', path: '/steder/ny/danger_signal' },
  { as: 'teamleder', path: '/faresignaler?status=all' },
  { as: 'chef', path: '/steder/oekonomi' },
  { as: 'chef', path: '/rapporter/tilsyn' },
  { as: 'teamleder', path: '/team?rule=supervision-visits-2-per-year' },
  { as: 'analytiker', path: '/statistik' },
  { as: null, path: '/api/v1/docs' },
  { as: 'sagsbehandler', path: '/metoder?q=plejefamilier' },
  { as: 'sagsbehandler', path: '/metoder/mst' },
  { as: 'sagsbehandler', path: '/metoder/mst/historik' },
  { as: 'redaktoer', path: '/metoder/mst/rediger' },
  { as: 'sagsbehandler', path: '/boern/{child}/ny/intervention_decided' },
  { as: 'sagsbehandler', path: '/boern/{child}/viso' },
  { as: 'teamleder', path: '/viso' },
  { as: 'sagsbehandler', path: '/effekt' },
  { as: 'chef', path: '/effekt' },
  { as: 'chef', path: '/oekonomi' },
  { as: 'teamleder', path: '/tidlig-opsporing' },
  { as: 'chef', path: '/anbringelser/kvalitet' },
  { as: 'sagsbehandler', path: '/boern/{child}/ny/plan_followed_up' },
  { as: 'analytiker', path: '/landstal' },
  { as: 'chef', path: '/statistik/kl' },
  { as: 'chef', path: '/praksis' },
  { as: 'chef', path: '/praksis/1' }, // the demo's audit of last year
  { as: 'chef', path: '/praksis/1/rapport' },
];

const AXE_OPTIONS = { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } };

/** Demo users (all with the same password): sagsbehandler, konsulent, teamleder, chef, analytiker, admin. */
const DEMO_PASSWORD = 'vaern-demo';

const SERVE_ARGS = (tmp) => [
  'serve',
  '--database', `sqlite://${path.join(tmp, 'v.db')}`,
  '--listen', '127.0.0.1:0',
  '--demo-children', '300',
  '--seed', '7',
];

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

const SERVER_START_TIMEOUT_MS = 120_000;
const SERVER_STOP_TIMEOUT_MS = 10_000;
const ACTION_TIMEOUT_MS = 15_000;
const NAVIGATION_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 240_000;

const SUPERVISION_RULE = 'supervision-visits-2-per-year';
const FOREIGN_CHILD = 'demo-foreign';
const BREAK_GLASS_REASON = 'Akut henvendelse fra skole, sagsbehandler syg';
const OPEN_STATUSES = ['overdue', 'due'];

// ---------------------------------------------------------------------------------------------------------------
// The tests against the real server. Each gets `t` (see makeTestContext) and runs in a fresh browser context.

const TESTS = [
  {
    name: 'sign in',
    async run(t) {
      const page = await t.newPage();
      // Wrong password first, while signed out (a signed-in /login might redirect away).
      const bad = await signIn(t, page, 'sagsbehandler', 'forkert-kodeord', { expectSuccess: false });
      assert.equal(pathOf(page), '/login', `wrong password: expected to stay on /login, landed on ${page.url()} (HTTP ${bad?.status()})`);
      const err = page.locator('.error[role="alert"]');
      assert.ok(await err.count() > 0, `wrong password: no element .error[role="alert"] on ${page.url()}`);
      assert.ok((await err.first().innerText()).trim().length > 0, 'wrong password: .error[role="alert"] is empty');
      assert.equal(await page.locator('#logout, form#logout').count(), 0, 'wrong password: page shows a sign-out form');

      await signIn(t, page, 'sagsbehandler');
      assert.equal(pathOf(page), '/mine-boern', `expected to land on /mine-boern after sign-in, got ${page.url()}`);
      const h1 = page.locator('h1');
      assert.ok(await h1.count() > 0, '/mine-boern has no h1');
      assert.match(await h1.first().innerText(), /Mine børn/, 'h1 on /mine-boern does not contain "Mine børn"');
    },
  },
  {
    name: 'see overdue items',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'sagsbehandler');
      await t.goto(page, '/mine-boern', { status: 200 });
      const section = page.locator('#overdue');
      assert.equal(await section.count(), 1, '/mine-boern has no (or more than one) #overdue');
      const rows = section.locator('table tbody tr[data-child]');
      const n = await rows.count();
      assert.ok(n >= 1, '#overdue has no table body rows tr[data-child]');
      const paragraphs = await rows.evaluateAll((trs) =>
        trs.map((tr) => ({ child: tr.dataset.child, ok: [...tr.cells].some((c) => c.textContent.includes('§') || c.textContent.startsWith('Kommunal retningslinje')), text: tr.innerText })),
      );
      const missing = paragraphs.filter((r) => !r.ok);
      assert.equal(missing.length, 0,
        `${missing.length} of ${n} overdue rows cite neither a § nor a municipal policy, e.g. child ${missing[0]?.child}: ${oneLine(missing[0]?.text)}`);
      t.note(`${n} overdue rows`);
    },
  },
  {
    name: 'record a supervision visit and see the obligation turn met',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'sagsbehandler');
      await t.goto(page, '/mine-boern', { status: 200 });
      const candidate = page.locator(
        `:is(#overdue, #this-week, #next-week, #later) tr[data-rule=${cssString(SUPERVISION_RULE)}]`,
      );
      assert.ok(await candidate.count() > 0,
        `no row tr[data-rule="${SUPERVISION_RULE}"] in #overdue, #this-week, #next-week or #later on /mine-boern`);
      const child = await candidate.first().getAttribute('data-child');
      const placement = await candidate.first().getAttribute('data-subject');
      assert.ok(child, 'the supervision row has no data-child');
      assert.ok(placement, 'the supervision row has no data-subject (placement id)');
      t.note(`child ${child}, placement ${placement}`);

      const childPath = `/boern/${encodeURIComponent(child)}`;
      await t.goto(page, childPath, { status: 200 });
      const before = await readObligations(page, SUPERVISION_RULE, placement);
      assert.ok(before.length > 0,
        `#obligations on ${childPath} has no row tr[data-rule="${SUPERVISION_RULE}"][data-subject="${placement}"][data-status]`);
      for (const r of before) assert.match(r.due ?? '', /^\d{4}-\d{2}-\d{2}$/, `obligation row without a data-due YYYY-MM-DD: ${JSON.stringify(r)}`);
      // A placement year is met by its second qualifying visit (spec/rules.md): the current year (the open row with
      // the latest deadline — visits today count towards it) turns met after at most two visits.
      const open = before.filter((r) => OPEN_STATUSES.includes(r.status)).sort((a, b) => b.due.localeCompare(a.due));
      assert.ok(open.length > 0, `no ${OPEN_STATUSES.join('/')} row for the rule and placement; rows: ${describeRows(before)}`);
      const target = open[0];
      const metBefore = before.filter((r) => r.status === 'met').length;

      let after = before;
      for (let visit = 1; visit <= 2; visit++) {
        const link = page.locator('a[data-new-event="supervision_visit"]');
        assert.ok(await link.count() > 0, `${childPath} has no link a[data-new-event="supervision_visit"]`);
        await t.click(page, link.first());
        assert.equal(decodedPathOf(page), `/boern/${child}/ny/supervision_visit`, 'the new-event link went elsewhere');

        const form = page.locator('form#event-form');
        assert.equal(await form.count(), 1, 'no form#event-form');
        await assertCsrfField(form, 'form#event-form');
        await fillDate(form.locator('input[name="at"]'), todayInDenmark());
        await form.locator('select[name="placement"]').selectOption(placement);
        await form.locator('input[name="child_spoken_to"]').check();
        await form.locator('input[name="without_carers"]').check();
        await form.locator('textarea[name="child_view"]').fill('Barnet fortæller, at det er glad for at bo i plejefamilien.');
        await form.locator('textarea[name="note"]').fill(`Tilsynsbesøg ${visit} i plejefamilien (browsertest).`);
        const resp = await t.submit(page, form.locator('button[type="submit"]'));
        assert.equal(decodedPathOf(page), `/boern/${child}`,
          `after submitting, expected to be redirected to /boern/${child}; at ${page.url()} (HTTP ${resp?.status()}): ${await errorText(page)}`);
        assert.equal(resp?.status(), 200, `child page after submit answered HTTP ${resp?.status()}`);
        const flash = page.locator('.flash[role="status"]');
        assert.ok(await flash.count() > 0, 'no .flash[role="status"] after recording the visit');
        assert.ok((await flash.first().innerText()).trim().length > 0, '.flash[role="status"] is empty');
        const timeline = page.locator('#timeline li[data-type="supervision_visit"]').filter({ hasText: `Tilsynsbesøg ${visit} i plejefamilien` });
        assert.ok(await timeline.count() > 0, `visit ${visit} is not in #timeline`);

        after = await readObligations(page, SUPERVISION_RULE, placement);
        const now = after.find((r) => r.due === target.due);
        assert.ok(now, `the row due ${target.due} disappeared; after: ${describeRows(after)}`);
        t.note(`after visit ${visit}: row due ${target.due} is ${now.status}`);
        if (now.status === 'met') break;
        assert.ok(visit < 2, `the row due ${target.due} is still ${now.status} after two visits; after: ${describeRows(after)}`);
      }
      const metAfter = after.filter((r) => r.status === 'met').length;
      assert.equal(metAfter, metBefore + 1,
        `expected ${metBefore + 1} met rows after the visits (was ${metBefore}); before: ${describeRows(before)}; after: ${describeRows(after)}`);
    },
  },
  {
    name: "consultant's worklist: plan a visit, record it, raise a danger signal",
    async run(t) {
      // The team leader makes konsulent responsible for a site with children placed now.
      const lead = await t.newPage();
      await signIn(t, lead, 'teamleder');
      await t.goto(lead, '/steder', { status: 200 });
      const rows = lead.locator('#sites tr[data-site][data-placed]');
      const sites = await rows.evaluateAll((trs) => trs.map((tr) => ({ site: tr.dataset.site, placed: Number(tr.dataset.placed), type: tr.dataset.type })));
      const target = sites.find((x) => x.placed > 0 && x.type.includes('foster')) ?? sites.find((x) => x.placed > 0);
      assert.ok(target, `no site with children placed in #sites (${sites.length} rows)`);
      const sitePath = `/steder/${encodeURIComponent(target.site)}`;
      await t.goto(lead, sitePath, { status: 200 });
      const assign = lead.locator('form[action$="/konsulent"]');
      assert.equal(await assign.count(), 1, `${sitePath}: no form to assign a consultant`);
      await assertCsrfField(assign, 'the assign form');
      await assign.locator('select[name="consultant"]').selectOption('konsulent');
      await t.submit(lead, assign.locator('button[type="submit"]'));
      assert.equal(decodedPathOf(lead), `/steder/${target.site}`, `after assigning: at ${lead.url()}: ${await errorText(lead)}`);
      t.note(`site ${target.site} (${target.type}) assigned to konsulent`);

      // The consultant sees the site's children on the worklist and plans a visit.
      const page = await t.newPage();
      await signIn(t, page, 'konsulent');
      await t.goto(page, '/tilsyn', { status: 200 });
      const site_rows = page.locator(`#sites tr[data-site=${cssString(target.site)}]`);
      assert.equal(await site_rows.count(), 1, `/tilsyn #sites has no row for ${target.site}`);
      const placed = page.locator('#visits tr[data-child][data-placement]');
      const kids = await placed.evaluateAll((trs) => trs.map((tr) => ({ child: tr.dataset.child, placement: tr.dataset.placement, text: tr.innerText })));
      const mine = kids[0];
      assert.ok(mine, '/tilsyn #visits lists no placed child');
      const child = mine.child;
      t.note(`child ${child}, placement ${mine.placement}`);
      const plan = page.locator('form#plan-visit');
      assert.equal(await plan.count(), 1, '/tilsyn has no form#plan-visit');
      await assertCsrfField(plan, 'form#plan-visit');
      await plan.locator('select[name="child"]').selectOption(child);
      const inTen = new Date(Date.now() + 10 * 86400_000).toLocaleDateString('sv-SE', { timeZone: 'Europe/Copenhagen' });
      await fillDate(plan.locator('input[name="planned_for"]'), inTen);
      await t.submit(page, plan.locator('button[type="submit"]'));
      assert.equal(pathOf(page), '/tilsyn', `after planning: at ${page.url()}: ${await errorText(page)}`);
      const planned = page.locator(`#plans tr[data-child=${cssString(child)}][data-state="planned"]`);
      assert.ok(await planned.count() > 0, `#plans has no planned row for ${child}`);

      // Record the visit from the worklist's link: the plan turns held and the last visit is today.
      const record = page.locator(`#visits tr[data-child=${cssString(child)}] a[href*="/ny/supervision_visit"]`);
      assert.ok(await record.count() > 0, `no "Registrér besøg" link for ${child} on /tilsyn`);
      await t.click(page, record.first());
      const form = page.locator('form#event-form');
      assert.equal(await form.count(), 1, 'no form#event-form for the visit');
      await fillDate(form.locator('input[name="at"]'), todayInDenmark());
      assert.equal(await form.locator('select[name="placement"]').inputValue(), mine.placement, 'the placement is not pre-filled from the worklist');
      await form.locator('input[name="child_spoken_to"]').check();
      await form.locator('input[name="without_carers"]').check();
      await form.locator('textarea[name="child_view"]').fill('Jeg kan godt lide at bo her, men jeg savner min storebror.');
      const resp = await t.submit(page, form.locator('button[type="submit"]'));
      assert.equal(decodedPathOf(page), `/boern/${child}`, `after the visit: at ${page.url()} (HTTP ${resp?.status()}): ${await errorText(page)}`);
      await t.goto(page, '/tilsyn', { status: 200 });
      const held = page.locator(`#plans tr[data-child=${cssString(child)}][data-state="held"]`);
      assert.ok(await held.count() > 0, `the planned visit of ${child} did not turn held after the visit`);
      const [y, m, d] = todayInDenmark().split('-');
      const last = await page.locator(`#visits tr[data-child=${cssString(child)}]`).innerText();
      assert.ok(last.includes(`${d}.${m}.${y}`), `the last visit of ${child} is not today: ${oneLine(last)}`);

      // Raise a critical danger signal at the site from its page; it is listed with its reaction deadline.
      await t.goto(page, sitePath, { status: 200 });
      const raise = page.locator('a[href*="/steder/ny/danger_signal?site="]');
      assert.ok(await raise.count() > 0, `${sitePath} has no link to register a danger signal`);
      await t.click(page, raise.first());
      const sig = page.locator('form#event-form');
      await fillDate(sig.locator('input[name="at"]'), todayInDenmark());
      assert.equal(await sig.locator('select[name="site"]').inputValue(), target.site, 'the site is not pre-filled');
      await sig.locator('input[name="kind"]').fill('Barnet fortæller om voldsomme skænderier (browsertest)');
      await sig.locator('select[name="source"]').selectOption('visit');
      await sig.locator('select[name="severity"]').selectOption('critical');
      await t.submit(page, sig.locator('button[type="submit"]'));
      assert.equal(decodedPathOf(page), `/steder/${target.site}`, `after the signal: at ${page.url()}: ${await errorText(page)}`);
      const listed = page.locator('#signals tr[data-signal]').filter({ hasText: 'voldsomme skænderier (browsertest)' });
      assert.equal(await listed.count(), 1, 'the signal is not in #signals on the site page');
      assert.match(await listed.innerText(), /Kritisk/, 'the signal row does not show its severity');
      await t.goto(lead, '/faresignaler', { status: 200 });
      const forLeader = lead.locator('#signals tr[data-signal]').filter({ hasText: 'voldsomme skænderier (browsertest)' });
      assert.equal(await forLeader.count(), 1, "the new signal is not on the leader's /faresignaler");
    },
  },
  {
    name: 'knowledge bank: search, filter, and choose a suggested method in the case',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'sagsbehandler');
      // Danish stemming: the plural finds the singular entry.
      await t.goto(page, '/metoder', { status: 200 });
      await page.locator('#q').fill('plejefamilier');
      await t.submit(page, page.locator('form.search-box button[type="submit"]'));
      assert.ok((await page.locator('a[href="/metoder/plejefamilie"]').count()) > 0, `"plejefamilier" did not find /metoder/plejefamilie: ${oneLine(await page.locator('.results').innerText())}`);
      // A typo still finds the method.
      await page.locator('#q').fill('familiebehandlng');
      await t.submit(page, page.locator('form.search-box button[type="submit"]'));
      assert.ok((await page.locator('a[href="/metoder/familiebehandling"]').count()) > 0, 'the typo "familiebehandlng" found nothing');
      // A facet narrows the list to what its count promised, and keeps the search text.
      await t.goto(page, '/metoder', { status: 200 });
      const facet = page.locator('.facets a[href*="evidens=rct"]');
      assert.equal(await facet.count(), 1, 'no evidence facet "rct"');
      const promised = Number((await facet.locator('xpath=..').innerText()).match(/\((\d+)\)/)[1]);
      await t.click(page, facet);
      const hits = await page.locator('ol.hits > li.hit').count();
      assert.equal(hits, promised, `the facet promised ${promised} entries, the list shows ${hits}`);
      const labels = await page.locator('ol.hits .evidence').allInnerTexts();
      assert.ok(labels.every((l) => l.includes('randomiserede')), `a filtered hit is not RCT-documented: ${labels}`);

      // In the case: the decision form suggests methods; changing kind and step refreshes them; "Vælg" fills the field.
      const child = await childOf(t, page);
      await t.goto(page, `/boern/${encodeURIComponent(child)}/ny/intervention_decided`, { status: 200 });
      const panel = page.locator('#suggestions');
      assert.equal(await panel.count(), 1, 'the decision form has no #suggestions panel');
      const form = page.locator('form#event-form');
      await form.locator('select[name="kind"]').selectOption('family_treatment');
      await form.locator('select[name="ladder_step"]').selectOption('3');
      await page.waitForFunction(() => document.querySelector('#suggestions .hint')?.textContent.includes('familiebehandling'), null, { timeout: 10_000 });
      const choose = panel.locator('button.choose-method').first();
      assert.ok(await choose.count() > 0, `no suggestion for family treatment on step 3: ${oneLine(await panel.innerText())}`);
      const method = await choose.getAttribute('data-method');
      assert.ok((await panel.locator('.effect').first().innerText()).startsWith('Egne data:'), 'a suggestion lacks the own effect data line');
      await choose.click();
      assert.equal(await form.locator('select[name="method"]').inputValue(), method, '"Vælg" did not put the method in the form');
      await fillDate(form.locator('input[name="at"]'), todayInDenmark());
      const resp = await t.submit(page, form.locator('button[type="submit"]'));
      assert.equal(decodedPathOf(page), `/boern/${child}`, `after the decision: at ${page.url()} (HTTP ${resp?.status()}): ${await errorText(page)}`);
      t.note(`child ${child}: decided family treatment with method ${method}`);
    },
  },
  {
    name: 'goals: follow-ups draw the goal chart, an intervention without effect asks for a decision',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'sagsbehandler');
      const daysAgo = (n) => {
        const d = new Date(`${todayInDenmark()}T12:00:00Z`);
        d.setUTCDate(d.getUTCDate() - n);
        return d.toISOString().slice(0, 10);
      };
      // A new child of the caseworker's, so the case holds only what this test records.
      await t.goto(page, '/boern/ny', { status: 200 });
      let form = page.locator('form#event-form');
      await form.locator('input[name="name"]').fill('Maja Måltest');
      await fillDate(form.locator('input[name="birth_date"]'), '2014-05-02');
      await fillDate(form.locator('input[name="at"]'), daysAgo(130));
      let resp = await t.submit(page, form.locator('button[type="submit"]'));
      const child = decodedPathOf(page).replace('/boern/', '');
      assert.ok(/^\/boern\/[^/]+$/.test(decodedPathOf(page)), `creating the child: at ${page.url()} (HTTP ${resp?.status()}): ${await errorText(page)}`);
      const record = async (type, days, fill) => {
        await t.goto(page, `/boern/${encodeURIComponent(child)}/ny/${type}`, { status: 200 });
        const f = page.locator('form#event-form');
        await fillDate(f.locator('input[name="at"]'), daysAgo(days));
        await fill(f);
        const r = await t.submit(page, f.locator('button[type="submit"]'));
        assert.equal(decodedPathOf(page), `/boern/${child}`, `${type}: at ${page.url()} (HTTP ${r?.status()}): ${await errorText(page)}`);
      };
      await record('plan_created', 120, async (f) => {
        await f.locator('select[name="goal_1_theme"]').selectOption('school');
        await f.locator('[name="goal_1_text"]').fill('Går i skole hver dag');
        await f.locator('select[name="goal_2_theme"]').selectOption('friends');
        await f.locator('[name="goal_2_text"]').fill('Har en fast ven');
      });
      await record('intervention_decided', 110, async (f) => {
        await f.locator('select[name="kind"]').selectOption('family_treatment');
        await f.locator('input[name="daily_cost_dkk"]').fill('1200');
        await f.locator('input[name="provider"]').fill('Familiehuset Browsertest');
      });
      // Three follow-ups: the mean score goes 5 → 5 → 4,5 (no progress twice in a row), with SDQ scores.
      for (const [days, s1, s2, sdq] of [[90, '5', '5', '24'], [50, '6', '4', '25'], [10, '5', '4', '26']]) {
        await record('plan_followed_up', days, async (f) => {
          const goals = await f.locator('select[name="progress_1_goal"] option').evaluateAll((os) => os.map((o) => ({ v: o.value, l: o.textContent })));
          const g1 = goals.find((g) => g.l.includes('Går i skole'));
          const g2 = goals.find((g) => g.l.includes('fast ven'));
          assert.ok(g1 && g2, `the follow-up form does not offer the plan's goals: ${JSON.stringify(goals)}`);
          await f.locator('select[name="progress_1_goal"]').selectOption(g1.v);
          await f.locator('select[name="progress_1_score"]').selectOption(s1);
          await f.locator('select[name="progress_2_goal"]').selectOption(g2.v);
          await f.locator('select[name="progress_2_score"]').selectOption(s2);
          await f.locator('input[name="sdq"]').fill(sdq);
        });
      }
      // The goal chart: one line per goal, a point per score; the SDQ chart; the table behind them.
      const chart = page.locator('#goal-chart svg');
      assert.equal(await chart.count(), 1, 'no goal chart #goal-chart svg on the child page');
      assert.equal(await chart.locator('polyline.series').count(), 2, 'the goal chart should have one line per goal');
      assert.equal(await chart.locator('circle.point').count(), 6, 'the goal chart should have a point per score (2 goals × 3)');
      assert.match(await chart.locator('circle.point title').first().textContent(), /score 5/);
      assert.equal(await page.locator('#sdq-chart svg circle.point').count(), 3, 'the SDQ chart should have three points');
      assert.match(await page.locator('#goal-table').innerText(), /Går i skole hver dag/);
      // The flag and the decision: continuing needs a reason in the note.
      const flag = page.locator('.flag[data-intervention]');
      assert.equal(await flag.count(), 1, 'the intervention is not flagged "uden effekt" on the child page');
      assert.match(await flag.innerText(), /5,0 → 5,0 → 4,5/);
      const intervention = await flag.getAttribute('data-intervention');
      await t.click(page, flag.locator('a', { hasText: 'Registrér beslutning' }));
      form = page.locator('form#event-form');
      assert.equal(await form.locator('select[name="intervention"]').inputValue(), intervention, 'the decision link did not choose the intervention');
      await fillDate(form.locator('input[name="at"]'), todayInDenmark());
      await form.locator('select[name="effect_decision"]').selectOption('continue');
      resp = await t.submit(page, form.locator('button[type="submit"]'));
      assert.equal(resp?.status(), 400, 'continuing without a reason was accepted');
      const noteError = page.locator('#e-note');
      assert.equal(await noteError.count(), 1, `no error at the note: ${await errorText(page)}`);
      assert.match(await noteError.innerText(), /Begrund/);
      await page.locator('form#event-form textarea[name="note"]').fill('Maja er lige skiftet skole; vi fortsætter tre måneder.');
      resp = await t.submit(page, page.locator('form#event-form button[type="submit"]'));
      assert.equal(decodedPathOf(page), `/boern/${child}`, `the decision: at ${page.url()} (HTTP ${resp?.status()}): ${await errorText(page)}`);
      assert.equal(await page.locator('.flag[data-intervention]').count(), 0, 'still flagged after the decision');
      t.note(`child ${child}: intervention ${intervention} continued with a reason`);
    },
  },
  {
    name: 'economy: spend by step, budget line with a Danish error, workbook download',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'chef');
      await t.goto(page, '/oekonomi', { status: 200 });
      assert.match(await page.locator('h1').innerText(), /Økonomi \d{4}/);
      const bars = page.locator('figure.chart-box').first().locator('svg rect title');
      assert.ok(await bars.count() > 12, `the monthly chart has only ${await bars.count()} bars parts`);
      const kpis = await page.locator('.kpi dt').allInnerTexts();
      for (const k of ['Prognose resten af året', 'Forventet helårsforbrug', 'Budget']) {
        assert.ok(kpis.some((x) => x.includes(k)), `no key figure "${k}": ${kpis}`);
      }
      // The months table adds up: each step's months sum to its total.
      const sums = await page.locator('#months tbody tr').evaluateAll((trs) => trs.map((tr) => {
        const n = (c) => Number(c.textContent.replace(/[^0-9-]/g, ''));
        const cells = [...tr.cells].slice(1);
        return { months: cells.slice(0, 12).reduce((a, c) => a + n(c), 0), total: n(cells[12]) };
      }));
      assert.ok(sums.length > 0, 'no rows in #months');
      for (const r of sums) assert.ok(Math.abs(r.months - r.total) <= 12, `months ${r.months} do not add up to ${r.total} (rounding to whole kroner aside)`);
      // A budget line: a bad amount is refused naming the field, then saved and shown.
      const f = page.locator('#budget-form form');
      await f.locator('input[name="code"]').fill('5.28.22');
      await f.locator('input[name="name"]').fill('Plejefamilier');
      await f.locator('input[name="amount"]').fill('fyrre millioner');
      await f.locator('input[name="covers"][value="foster_family"]').check();
      await f.locator('input[name="covers"][value="network_foster_family"]').check();
      let resp = await t.submit(page, f.locator('button[type="submit"]'));
      assert.equal(resp?.status(), 400, 'a bad amount was accepted');
      assert.match(await page.locator('#b-amount-err').innerText(), /ikke et beløb/);
      assert.equal(await page.locator('input[name="code"]').inputValue(), '5.28.22', 'the form lost what was typed');
      await page.locator('#budget-form input[name="amount"]').fill('40.000.000');
      resp = await t.submit(page, page.locator('#budget-form button[type="submit"]'));
      assert.equal(pathOf(page), '/oekonomi', `saving the budget line: at ${page.url()} (HTTP ${resp?.status()}): ${await errorText(page)}`);
      const line = page.locator('#budget tr[data-line="5.28.22"]');
      assert.equal(await line.count(), 1, 'the saved budget line is not in #budget');
      assert.match(await line.innerText(), /40\.000\.000 kr\./);
      // The finance department's workbook.
      const href = await page.locator('a#workbook').getAttribute('href');
      const xlsx = await page.request.get(new URL(href, page.url()).toString());
      assert.equal(xlsx.status(), 200);
      const body = await xlsx.body();
      assert.equal(body.subarray(0, 2).toString(), 'PK', 'the workbook is not a zip (XLSX)');
      assert.ok(body.length > 5000, `the workbook is only ${body.length} bytes`);
      // Another year, and the other pages of the tab bar.
      await page.locator('select#f-aar').selectOption(String(Number(todayInDenmark().slice(0, 4)) - 1));
      await t.submit(page, page.locator('form.filters button[type="submit"]'));
      assert.match(await page.locator('h1').innerText(), new RegExp(`Økonomi ${Number(todayInDenmark().slice(0, 4)) - 1}`));
      for (const [tab, heading] of [['Effekt', /Effekt af indsatser/], ['Tidlig opsporing', /Tidlig opsporing/], ['Anbringelseskvalitet', /Anbringelseskvalitet/]]) {
        await t.click(page, page.locator('nav.tabs a', { hasText: tab }));
        assert.match(await page.locator('h1').innerText(), heading);
      }
      t.note(`${sums.length} ladder steps, workbook ${body.length} bytes`);
    },
  },
  {
    name: 'national report: funnel plots and ranking for the analyst',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'analytiker');
      await t.goto(page, '/landstal', { status: 200 });
      assert.match(await page.locator('h1').innerText(), new RegExp(`landstal ${NATIONAL_YEAR}`));
      const funnels = page.locator('svg[aria-label^="Tragtdiagram:"]');
      assert.ok(await funnels.count() >= 10, `only ${await funnels.count()} funnel plots`);
      const points = funnels.first().locator('circle.point');
      assert.ok(await points.count() > 20, `the first funnel plot has ${await points.count()} municipalities`);
      const box = await funnels.first().boundingBox();
      assert.ok(box && box.width > 300 && box.height > 100, `the funnel plot is not drawn: ${JSON.stringify(box)}`);
      // The ranking behind a plot opens and is ordered by share.
      const details = page.locator('section details').first();
      await details.locator('summary').click();
      const ranks = await details.locator('tbody tr td:first-child').allInnerTexts();
      assert.ok(ranks.length > 20, 'the ranking is empty');
      assert.deepEqual(ranks.map(Number), [...ranks.map(Number)].sort((a, b) => a - b), 'the ranking is not in order');
      // The PDF of the same report.
      const pdf = await page.request.get(new URL(`/landstal?aar=${NATIONAL_YEAR}&format=pdf`, page.url()).toString());
      assert.equal(pdf.status(), 200);
      assert.equal((await pdf.body()).subarray(0, 4).toString(), '%PDF');
      t.note(`${await funnels.count()} funnel plots, ${ranks.length} municipalities ranked`);
    },
  },
  {
    name: 'practice audit: draw a sample, correct the journal with a reason, read the report',
    contextOptions: { bypassCSP: true }, // axe is injected on the checklist page
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'chef');
      await t.goto(page, '/praksis', { status: 200 });
      const year = Number(todayInDenmark().slice(0, 4)) - 1;
      const form = page.locator('#new-audit form');
      await assertCsrfField(form, '#new-audit form');
      await form.locator('#a-titel').fill('Egenkontrol i browseren');
      await fillDate(form.locator('#a-fra'), `${year}-01-01`);
      await fillDate(form.locator('#a-til'), `${year}-12-31`);
      await form.locator('#a-antal').fill('ti');
      let resp = await t.submit(page, form.locator('button[type="submit"]'));
      assert.equal(resp?.status(), 400, 'a sample size of "ti" was accepted');
      assert.match(await page.locator('#a-antal-err').innerText(), /helt tal/);
      assert.equal(await page.locator('#a-titel').inputValue(), 'Egenkontrol i browseren', 'the form lost what was typed');
      await page.locator('#a-antal').fill('10');
      await page.locator('#a-minimum').fill('1');
      await page.locator('#a-froe').fill('4711');
      resp = await t.submit(page, page.locator('#new-audit form button[type="submit"]'));
      assert.equal(resp?.status(), 200);
      assert.match(pathOf(page), /^\/praksis\/\d+$/, `not on the new audit: ${page.url()}`);
      assert.equal(await page.locator('tr[data-reviewed="false"]').count(), 10, 'the sample does not have 10 open cases');
      assert.match(await page.locator('.intro').innerText(), /frø 4711/);
      const auditPath = pathOf(page);

      // The first case: correct the journal's answer on one point; refused without a reason, saved with one.
      await t.click(page, page.locator('#audit-links a', { hasText: 'Start gennemgangen' }));
      assert.match(await page.locator('h1').innerText(), /^Sag 1 af 10/);
      const violations = await runAxe(page);
      assert.equal(violations.length, 0, `axe on the checklist:\n${violations.map(formatViolation).join('\n')}`);
      const point = page.locator('fieldset#punkt-inddragelse');
      const prefill = await point.getAttribute('data-prefill');
      const other = prefill === 'ikke_opfyldt' ? 'opfyldt' : 'ikke_opfyldt';
      await point.locator(`input[type="radio"][value="${other}"]`).check();
      resp = await t.submit(page, page.locator('form.event-form button[type="submit"]'));
      assert.equal(resp?.status(), 400, 'a correction without a reason was accepted');
      assert.match(await page.locator('#bem-inddragelse-err').innerText(), /Skriv hvorfor du retter journalens svar/);
      assert.equal(await page.locator(`fieldset#punkt-inddragelse input[value="${other}"]`).isChecked(), true, 'the choice was lost');
      await page.locator('#bem-inddragelse').fill('Samtalen er holdt, men registreret som en anden type samtale.');
      resp = await t.submit(page, page.locator('form.event-form button[type="submit"]'));
      assert.equal(resp?.status(), 200);
      assert.match(await page.locator('h1').innerText(), /^Sag 2 af 10/, 'not on to the next case');
      assert.match(await page.locator('.flash').innerText(), /Tjeklisten er gemt/);

      // The report counts the reviewed case and the correction, with intervals drawn.
      await t.goto(page, `${auditPath}/rapport`, { status: 200 });
      assert.match(await page.locator('.intro').innerText(), /1 af 10 sager i stikprøven er gennemgået/);
      const row = page.locator('tr[data-point="inddragelse"] td');
      assert.equal((await row.last().innerText()).trim(), '1', 'the correction is not counted');
      assert.ok(await page.locator('figure.chart-box svg').count() === 1, 'no interval chart');
      const csv = await page.request.get(new URL(`${auditPath}/rapport?tabel=points&format=csv`, page.url()).toString());
      assert.equal(csv.status(), 200);
      assert.match(await csv.text(), /Samtale med barnet før afgørelsen/);
      t.note(`prefilled "${prefill}" corrected to "${other}"`);
    },
  },
  {
    name: 'refused access without reason',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'sagsbehandler');
      const foreignPath = `/boern/${FOREIGN_CHILD}`;
      await t.goto(page, foreignPath, { status: 403 });
      let form = page.locator('form#break-glass');
      assert.equal(await form.count(), 1, `${foreignPath} (403) has no form#break-glass`);
      assert.equal(await form.locator('textarea[name="reason"]').count(), 1, 'form#break-glass has no textarea[name=reason]');
      assert.equal(await page.locator('#timeline').count(), 0, `${foreignPath} shows #timeline without a reason`);
      await assertCsrfField(form, 'form#break-glass');

      // Empty reason: switch off the browser's own validation (`required`) so the server's answer is tested.
      await form.evaluate((f) => { f.noValidate = true; });
      await form.locator('textarea[name="reason"]').fill('');
      const empty = await t.submit(page, form.locator('button[type="submit"]'));
      assert.ok([400, 403].includes(empty?.status()), `empty reason: expected HTTP 400 or 403, got ${empty?.status()} at ${page.url()}`);
      const err = page.locator('.error').filter({ hasText: 'Begrundelse' });
      assert.ok(await err.count() > 0, `empty reason: no .error containing "Begrundelse"; errors shown: ${await errorText(page)}`);
      assert.equal(await page.locator('#timeline').count(), 0, 'empty reason: #timeline is shown');

      form = page.locator('form#break-glass');
      if (await form.count() === 0) {
        t.note('form#break-glass not re-rendered with the error; reopening the child page');
        await t.goto(page, foreignPath, { status: 403 });
        form = page.locator('form#break-glass');
      }
      await form.locator('textarea[name="reason"]').fill(BREAK_GLASS_REASON);
      const ok = await t.submit(page, form.locator('button[type="submit"]'));
      assert.equal(decodedPathOf(page), foreignPath, `with a reason: expected to land on ${foreignPath}, at ${page.url()} (HTTP ${ok?.status()})`);
      assert.equal(ok?.status(), 200, `with a reason: ${foreignPath} answered HTTP ${ok?.status()}`);
      assert.ok(await page.locator('#timeline').count() > 0, `with a reason: ${foreignPath} shows no #timeline`);

      await signOut(t, page);
      await signIn(t, page, 'teamleder');
      await t.goto(page, '/audit', { status: 200 });
      const rows = page.locator('tr[data-action="break_glass"]');
      const matching = rows.filter({ hasText: FOREIGN_CHILD }).filter({ hasText: BREAK_GLASS_REASON });
      assert.ok(await matching.count() > 0,
        `/audit has no tr[data-action="break_glass"] containing "${FOREIGN_CHILD}" and the reason; ` +
        `${await rows.count()} break_glass rows, first: ${oneLine(await rows.first().innerText().catch(() => '-'))}`);
    },
  },
  {
    name: 'CSRF-less post rejected',
    async run(t) {
      const page = await t.newPage();
      await signIn(t, page, 'sagsbehandler');
      await t.goto(page, '/mine-boern', { status: 200 });
      const child = await page.locator('tr[data-child]').first().getAttribute('data-child', { timeout: ACTION_TIMEOUT_MS });
      assert.ok(child, 'no tr[data-child] on /mine-boern');

      const url = `/boern/${encodeURIComponent(child)}/ny/supervision_visit`;
      const r1 = await page.request.post(url, { form: { at: '2026-01-01', placement: 'x' }, maxRedirects: 0 });
      const b1 = await r1.text();
      assert.equal(r1.status(), 403, `POST ${url} without csrf: expected 403, got ${r1.status()}: ${oneLine(b1).slice(0, 200)}`);
      assert.match(b1, /CSRF/i, `POST ${url} without csrf: body does not mention CSRF: ${oneLine(b1).slice(0, 200)}`);

      const r2 = await page.request.post('/logout', { form: {}, maxRedirects: 0 });
      const b2 = await r2.text();
      assert.equal(r2.status(), 403, `POST /logout without csrf: expected 403, got ${r2.status()}: ${oneLine(b2).slice(0, 200)}`);

      // The rejected sign-out must not have ended the session.
      await t.goto(page, '/mine-boern', { status: 200 });
      assert.equal(pathOf(page), '/mine-boern', `after the rejected POST /logout, /mine-boern sent us to ${page.url()}`);
    },
  },
  {
    name: 'accessibility',
    contextOptions: { bypassCSP: true }, // axe is injected as an inline <script>, which a strict CSP would block
    async run(t) {
      const failures = [];
      const vars = {};
      const users = [...new Set(AXE_PAGES.map((p) => p.as))];
      for (const user of users) {
        const page = await t.newPage({ freshContext: true });
        if (user) await signIn(t, page, user);
        for (const entry of AXE_PAGES.filter((p) => p.as === user)) {
          if (entry.path.includes('{child}') && !vars.child) vars.child = await childOf(t, page);
          const target = entry.path.replace('{child}', encodeURIComponent(vars.child ?? ''));
          const label = `${target} (${user ?? 'signed out'})`;
          let resp;
          try {
            resp = await t.goto(page, target);
          } catch (e) {
            failures.push(`${label}: could not load: ${firstLine(e.message)}`);
            continue;
          }
          const expected = entry.status ?? 200;
          if (resp && resp.status() !== expected) failures.push(`${label}: HTTP ${resp.status()}, expected ${expected} (checked anyway)`);
          const violations = await runAxe(page);
          if (violations.length) failures.push(`${label}:\n${violations.map(formatViolation).join('\n')}`);
          t.note(`${label}: ${violations.length} violation(s)`);
        }
      }
      assert.equal(failures.length, 0, `axe found problems on ${failures.length} page(s):\n` + failures.join('\n'));
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Helpers shared by the tests and the self-check.

function pathOf(page) {
  return new URL(page.url()).pathname;
}

function decodedPathOf(page) {
  return decodeURIComponent(pathOf(page));
}

function oneLine(s) {
  return String(s ?? '').replace(/\s+/g, ' ').trim();
}

function firstLine(s) {
  return String(s ?? '').split('\n')[0];
}

/** A CSS string literal (for attribute selectors) holding `value`. */
function cssString(value) {
  return JSON.stringify(String(value));
}

/** Today's date in Denmark as YYYY-MM-DD (the app is Danish; the machine may run on UTC). */
function todayInDenmark() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
}

async function fillDate(input, ymd) {
  assert.equal(await input.count(), 1, 'no input[name=at]');
  const type = await input.getAttribute('type');
  await input.fill(type === 'datetime-local' ? `${ymd}T12:00` : ymd);
}

async function assertCsrfField(form, what) {
  const csrf = form.locator('input[type="hidden"][name="csrf"]');
  assert.ok(await csrf.count() > 0, `${what} has no hidden input[name=csrf]`);
  assert.ok((await csrf.first().inputValue()).length > 0, `${what}: the csrf field is empty`);
}

/** Text of the error/alert elements on the page, for failure messages. */
async function errorText(page) {
  const texts = await page.locator('.error, [role="alert"]').allInnerTexts().catch(() => []);
  return texts.length ? texts.map(oneLine).join(' | ') : '(no .error or role=alert on the page)';
}

async function readObligations(page, rule, subject) {
  const rows = page.locator(`#obligations tr[data-rule=${cssString(rule)}][data-subject=${cssString(subject)}][data-status]`);
  return rows.evaluateAll((trs) =>
    trs.map((tr) => ({ status: tr.dataset.status, due: tr.dataset.due, text: tr.innerText.replace(/\s+/g, ' ').trim() })),
  );
}

function describeRows(rows) {
  return rows.length ? rows.map((r) => `${r.due}:${r.status}`).join(', ') : '(none)';
}

/** Submits the sign-in form as `user`. Asserts that we left /login unless expectSuccess is false. */
async function signIn(t, page, user, password = DEMO_PASSWORD, { expectSuccess = true } = {}) {
  const resp = await t.goto(page, '/login');
  const form = page.locator('form#login');
  assert.equal(await form.count(), 1, `/login (HTTP ${resp?.status()}) has no form#login; at ${page.url()}`);
  await assertCsrfField(form, 'form#login');
  await form.locator('input[name="username"]').fill(user);
  await form.locator('input[name="password"]').fill(password);
  const after = await t.submit(page, form.locator('button[type="submit"]'));
  if (expectSuccess) {
    assert.notEqual(pathOf(page), '/login',
      `sign-in as ${user} failed: still on /login (HTTP ${after?.status()}): ${await errorText(page)}`);
  }
  return after;
}

async function signOut(t, page) {
  const button = page.locator('form#logout button');
  assert.ok(await button.count() > 0, `no form#logout button on ${page.url()}`);
  return t.submit(page, button.first());
}

/** The first child on the user's /mine-boern. */
async function childOf(t, page) {
  await t.goto(page, '/mine-boern');
  const row = page.locator('tr[data-child]').first();
  const child = await row.getAttribute('data-child', { timeout: ACTION_TIMEOUT_MS }).catch(() => null);
  assert.ok(child, 'no tr[data-child] on /mine-boern to pick a child from');
  return child;
}

const AXE_SOURCE = require.resolve('axe-core/axe.min.js');

async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE_SOURCE });
  return page.evaluate(async (options) => {
    const result = await window.axe.run(document, options);
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target ?? [],
    }));
  }, AXE_OPTIONS);
}

function formatViolation(v) {
  const target = v.target.map((x) => (Array.isArray(x) ? x.join(' >>> ') : x)).join(', ');
  return `  - ${v.id} [${v.impact ?? 'n/a'}] ×${v.nodes}: ${target} — ${v.help}`;
}

function slug(s) {
  return s.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/**
 * Per-test helpers: fresh browser contexts, navigation that screenshots every page it lands on,
 * and notes shown with the result.
 */
function makeTestContext(browser, baseURL, test) {
  const name = slug(test.name);
  let shots = 0;
  const contexts = [];
  const notes = [];
  const consoleErrors = [];

  const t = {
    name,
    browser,
    baseURL,
    notes,
    consoleErrors,
    note(s) { notes.push(s); },
    async newPage({ freshContext = false } = {}) {
      let context = contexts.at(-1);
      if (!context || freshContext) {
        context = await browser.newContext({
          baseURL,
          locale: 'da-DK',
          timezoneId: 'Europe/Copenhagen',
          viewport: { width: 1280, height: 900 },
          ...test.contextOptions,
        });
        context.setDefaultTimeout(ACTION_TIMEOUT_MS);
        context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
        contexts.push(context);
      }
      const page = await context.newPage();
      page.on('pageerror', (e) => consoleErrors.push(`pageerror on ${page.url()}: ${firstLine(e.message)}`));
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`console on ${page.url()}: ${firstLine(m.text())}`); });
      return page;
    },
    async shot(page, suffix = '') {
      shots += 1;
      const file = path.join(ARTIFACTS, `${name}-${shots}${suffix}.png`);
      await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
      return file;
    },
    /** page.goto + screenshot; with `status`, asserts the final HTTP status. */
    async goto(page, url, { status } = {}) {
      const resp = await page.goto(url, { waitUntil: 'load' });
      await t.shot(page);
      if (status !== undefined) {
        assert.equal(resp?.status(), status, `GET ${url}: expected HTTP ${status}, got ${resp?.status()} at ${page.url()}`);
      }
      return resp;
    },
    /** Clicks something that navigates (form submit, link) and waits for the new page; returns its final response. */
    async click(page, locator) {
      const [resp] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load', timeout: NAVIGATION_TIMEOUT_MS }),
        locator.click(),
      ]);
      await t.shot(page);
      return resp;
    },
    submit(page, locator) { return t.click(page, locator); },
    async close(failed) {
      if (failed) {
        for (const ctx of contexts) {
          for (const page of ctx.pages()) {
            try {
              notes.push(`screenshot at failure: ${path.relative(process.cwd(), await t.shot(page, '-failure'))} (${page.url()})`);
            } catch { /* page may be gone */ }
          }
        }
      }
      await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    },
  };
  return t;
}

let interrupted = false;

async function runTests(browser, baseURL, tests) {
  let passed = 0;
  let failed = 0;
  for (const test of tests) {
    if (interrupted) break;
    const t = makeTestContext(browser, baseURL, test);
    const started = Date.now();
    let error = null;
    let timer;
    try {
      await Promise.race([
        test.run(t),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000} s`)), TEST_TIMEOUT_MS); }),
      ]);
    } catch (e) {
      error = e;
    } finally {
      clearTimeout(timer);
    }
    await t.close(Boolean(error));
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    if (error) {
      failed += 1;
      console.log(`✘ ${test.name} (${secs} s)`);
      console.log(indent(reasonOf(error), 4));
    } else {
      passed += 1;
      console.log(`✔ ${test.name} (${secs} s)`);
    }
    if (error || process.env.VERBOSE) {
      for (const n of t.notes) console.log(indent(`· ${n}`, 4));
      for (const c of t.consoleErrors.slice(0, 10)) console.log(indent(`· browser: ${c}`, 4));
    }
  }
  return { passed, failed };
}

function reasonOf(e) {
  if (e instanceof assert.AssertionError) return e.message.trimEnd();
  // Playwright errors carry a call log after the first lines; keep the head.
  // eslint-disable-next-line no-control-regex
  const text = String(e?.message ?? e).replace(/\x1b\[[0-9;]*m/g, '').split(/\n(?:Call log|Browser logs):/)[0];
  return text.split('\n').slice(0, 6).join('\n').trimEnd();
}

function indent(s, n) {
  const pad = ' '.repeat(n);
  return String(s).split('\n').map((l) => pad + l).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Server start/stop.

/**
 * Starts `command args` in `cwd`, logging its output to `logFile`, and resolves with the first
 * http://127.0.0.1:PORT it prints (stdout per contract; stderr is accepted too).
 */
/** The municipalities' indicator files of last year (`vaern demo` + `vaern stats export --all`), for /landstal:
 *  the server reads them from VAERN_NATIONAL_DIR. */
function prepareNationalFiles(command, tmp) {
  const year = Number(todayInDenmark().slice(0, 4)) - 1;
  const journal = path.join(tmp, 'national.jsonl');
  const dir = path.join(tmp, 'national');
  for (const args of [
    ['demo', '--children', '1500', '--seed', '3', '--as-of', `${year + 1}-03-31`, '--out', journal],
    ['stats', 'export', '--events', journal, '--all', '--year', String(year), '--out', dir],
  ]) {
    const r = spawnSync(command, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new SetupError(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  }
  process.env.VAERN_NATIONAL_DIR = dir;
  NATIONAL_YEAR = year;
}
let NATIONAL_YEAR = null;

function startServer(command, args, { cwd, logFile, timeoutMs = SERVER_START_TIMEOUT_MS }) {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const server = { child, log, logFile, url: null, exited: null };
  const tail = [];
  const remember = (line) => { tail.push(line); if (tail.length > 40) tail.shift(); };

  const urlPromise = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the server printed no http://127.0.0.1:PORT within ${timeoutMs / 1000} s; last output:\n${tail.join('\n') || '(none)'}`));
    }, timeoutMs);
    const watch = (streamName) => {
      let buffered = '';
      child[streamName].on('data', (chunk) => {
        log.write(chunk);
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) {
          remember(line);
          // eslint-disable-next-line no-control-regex
          const m = line.replace(/\x1b\[[0-9;]*m/g, '').match(/http:\/\/127\.0\.0\.1:([1-9]\d*)/);
          if (m && !server.url) {
            server.url = `http://127.0.0.1:${m[1]}`;
            clearTimeout(timer);
            resolve(server.url);
          }
        }
      });
    };
    watch('stdout');
    watch('stderr');
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`could not start ${command}: ${e.message}`)); });
    child.on('exit', (code, signal) => {
      server.exited = { code, signal };
      if (!server.url) {
        clearTimeout(timer);
        reject(new Error(`the server exited (${signal ?? `code ${code}`}) before printing its URL; last output:\n${tail.join('\n') || '(none)'}`));
      }
    });
  });
  server.ready = urlPromise;
  return server;
}

async function stopServer(server) {
  if (!server) return;
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    let timer;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise((resolve) => { timer = setTimeout(() => resolve(true), SERVER_STOP_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      console.log(`server did not stop within ${SERVER_STOP_TIMEOUT_MS / 1000} s of SIGTERM; sending SIGKILL`);
      child.kill('SIGKILL');
      await exited;
    }
  }
  await new Promise((resolve) => server.log.end(resolve));
}

function findBinary() {
  const bin = process.env.VAERN_BIN || path.join(REPO, 'target', 'debug', 'vaern');
  try {
    accessSync(bin, fsConstants.X_OK);
  } catch {
    const why = existsSync(bin) ? 'is not executable' : 'does not exist';
    throw new SetupError(
      `Værn binary ${bin} ${why}.\n` +
      `Build it with \`cargo build -p vaern\` (from ${REPO}) or point VAERN_BIN at it, or set VAERN_URL to a running server.`,
    );
  }
  return bin;
}

async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new SetupError(`chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM.`);
  }
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new SetupError(`playwright-core is not installed: run \`npm ci\` in ${HERE}`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

class SetupError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Self-check: the helpers on a fake server (fake-server.mjs, started as this file with --fake-server), then the
// real tests against that fake server's contract-shaped pages.

const SELF_CHECKS = [
  {
    name: 'self-check axe injection',
    contextOptions: { bypassCSP: true },
    async run(t) {
      const page = await t.newPage();
      await t.goto(page, '/login', { status: 200 });
      const clean = await runAxe(page);
      assert.deepEqual(clean.map((v) => v.id), [], `clean page has violations:\n${clean.map(formatViolation).join('\n')}`);
      await t.goto(page, '/bad', { status: 200 });
      const bad = await runAxe(page);
      const ids = bad.map((v) => v.id);
      for (const id of ['image-alt', 'label', 'html-has-lang', 'color-contrast']) assert.ok(ids.includes(id), `axe missed ${id}; got ${ids}`);
      const text = bad.map(formatViolation).join('\n');
      assert.match(text, /image-alt \[critical\] ×1: img/, `unexpected violation format:\n${text}`);
      t.note(`axe ${await page.evaluate(() => window.axe.version)} found: ${ids.join(', ')}`);
    },
  },
  {
    name: 'self-check a failing test is reported',
    async run(t) {
      // Runs a deliberately failing test through the runner with its output captured.
      const failing = { name: 'self-check deliberately failing', async run(inner) {
        const page = await inner.newPage();
        await inner.goto(page, '/bad');
        assert.equal(pathOf(page), '/elsewhere', 'expected to be elsewhere');
      } };
      const lines = [];
      const log = console.log;
      console.log = (...a) => lines.push(a.join(' '));
      let result;
      try {
        result = await runTests(t.browser, t.baseURL, [failing]);
      } finally {
        console.log = log;
      }
      const out = lines.join('\n');
      assert.deepEqual(result, { passed: 0, failed: 1 }, out);
      assert.match(out, /✘ self-check deliberately failing/, out);
      assert.match(out, /expected to be elsewhere/, out);
      assert.match(out, /screenshot at failure: .*self-check-deliberately-failing-2-failure\.png/, out);
    },
  },
  ...TESTS.map((test) => ({ ...test, name: `self-check contract: ${test.name}` })),
  {
    name: 'self-check screenshots written',
    async run() {
      const files = (await readdir(ARTIFACTS)).filter((f) => f.startsWith('self-check-') && f.endsWith('.png'));
      assert.ok(files.length >= 6, `expected ≥ 6 screenshots from the self-checks, found ${files.length}`);
      for (const f of files) {
        const head = (await readFile(path.join(ARTIFACTS, f))).subarray(0, 8);
        assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f} is not a PNG`);
      }
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Main.

async function main(argv) {
  if (argv.includes('--fake-server')) return (await import('./fake-server.mjs')).runFakeServer();
  const selfCheck = argv.includes('--self-check');
  const onlyIdx = argv.indexOf('--only');
  const only = onlyIdx >= 0 ? (argv[onlyIdx + 1] ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) : null;
  let tests = selfCheck ? SELF_CHECKS : TESTS;
  if (only) tests = tests.filter((t) => only.some((o) => t.name.toLowerCase().includes(o)));
  if (tests.length === 0) throw new SetupError(`no test matches --only ${only}`);

  const useRunning = !selfCheck && process.env.VAERN_URL;
  const command = useRunning ? null : selfCheck ? process.execPath : findBinary(); // fails before touching artifacts/

  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });

  let server = null;
  let browser = null;
  let tmp = null;
  const cleanup = async () => {
    await browser?.close().catch(() => {});
    browser = null;
    await stopServer(server);
    server = null;
    if (tmp) await rm(tmp, { recursive: true, force: true }).catch(() => {});
    tmp = null;
  };
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.once(sig, () => {
      interrupted = true;
      console.log(`\n${sig}: stopping the browser and the server`);
      cleanup().finally(() => process.exit(code));
    });
  }

  try {
    let baseURL;
    if (useRunning) {
      baseURL = process.env.VAERN_URL.replace(/\/$/, '');
      console.log(`using the running server at ${baseURL} (VAERN_URL)`);
    } else {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'vaern-browser-'));
      const args = selfCheck ? [THIS_FILE, '--fake-server', ...SERVE_ARGS(tmp)] : SERVE_ARGS(tmp);
      const logFile = path.join(ARTIFACTS, 'server.log');
      if (!selfCheck) prepareNationalFiles(command, tmp);
      console.log(`starting ${[command, ...args].join(' ')}`);
      const startedAt = Date.now();
      server = startServer(command, args, { cwd: tmp, logFile });
      try {
        baseURL = await server.ready;
      } catch (e) {
        throw new SetupError(e.message);
      }
      console.log(`server ready at ${baseURL} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s (log: ${logFile})`);
    }

    browser = await launchBrowser();
    console.log(`chromium ${browser.version()} (${CHROMIUM}), playwright-core ${require('playwright-core/package.json').version}, ` +
      `axe-core ${require('axe-core/package.json').version}\n`);

    const { passed, failed } = await runTests(browser, baseURL, tests);
    if (server?.exited) console.log(`\nnote: the server exited during the run (${JSON.stringify(server.exited)}); see ${server.logFile}`);
    console.log(`\nscreenshots: ${ARTIFACTS}`);
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (e) => {
    if (e instanceof SetupError) {
      console.error(`✘ cannot run the browser tests: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  },
);
