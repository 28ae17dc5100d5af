// Leadership's pages for one person's access (/app/staff/{id}) and the school's settings
// (/app/school), and what every signed-in staff page does with /static/staff.js: the warning before
// the idle sign-out and keeping what was typed when it comes. axe-core in Dutch and English (with
// the visible language switch), the person form by keyboard alone, and the idle sign-out end to end.
// One demo server for the whole file; the tests run one at a time, in order.
//
// How the idle test makes time pass (the server has no clock to move, and waiting is no option:
// the warning comes 3 minutes after the last click at the shortest limit, the end 5):
// - The page: Playwright's fake clock (page.clock) runs staff.js's timers; fastForward jumps to the
//   moment its timer asks the server again.
// - The server: staff.js believes only GET /app/session, which the server computes from the
//   session's row (idle_seconds − (now − last_seen_at)) with its real clock. The test moves that
//   row's last_seen_at back in the server's SQLite database, as if nobody had clicked for that
//   long; everything else is the server's own doing: how long is left, the keep-alive, ending the
//   session for idleness (the redirect says why=idle) and the login's way back. Python's standard
//   sqlite3 module writes the row (SQLite's locking lets a second process write while the server
//   runs; the server's CLI does the same), because Node 20 has no SQLite of its own.
// Signing out in another tab would end the session too, but it cannot bring the warning (the server
// would answer "over" at once), and it is not the idle sign-out that the page is for.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  assertNoForeignRequests,
  checkA11y,
  demoAccounts,
  describeFocus,
  focused,
  navigateBy,
  newPage,
  pressUntilFocused,
  signInStaff,
  useServerAndBrowser,
} from './helpers.mjs';

const SESSION_COOKIE = '__Host-signaal_session';
/** staff.js: the warning shows when the server says this many seconds or fewer are left. */
const WARN_SECONDS = 120;
/** crates/domain/src/auth/session.rs: DEFAULT_IDLE_MINUTES, the demo school's limit at the start. */
const DEFAULT_IDLE_SECONDS = 15 * 60;
/** sessionStorage key staff.js keeps a page's unsent fields under. */
const keptKey = (pathname) => `signaal-unsent:${pathname}`;

/** Closes the page's context, whatever happened. */
async function withPage(env, contextOptions, fn) {
  const page = await newPage(env.browser, env.server.baseUrl, contextOptions);
  try {
    await fn(page);
    assertNoForeignRequests(page);
  } finally {
    await page.context().close();
  }
}

async function sessionCookie(page) {
  return (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
}

/** The path of a person's page, from the staff list's row with their e-mail address. */
async function personPath(page, email) {
  const res = await page.goto('/app/staff', { waitUntil: 'load' });
  assert.equal(res.status(), 200, '/app/staff');
  const href = await page.getAttribute(`tbody tr:has(td:text-is("${email}")) a[href^="/app/staff/"]`, 'href');
  assert.match(href ?? '', /^\/app\/staff\/[0-9a-f-]{36}$/, `the staff list links ${email} to their page`);
  return href;
}

/** The statement's current version, from "…: N." under its heading (the wording may change). */
async function statementVersion(page) {
  const text = await page.textContent('main h2 + p');
  const m = text?.match(/\d+/);
  assert.ok(m, `a version number under the statement's heading: ${text}`);
  return Number(m[0]);
}

/** What the server says about the page's session, asked from outside the page (not activity). */
async function sessionLeft(page) {
  const res = await page.context().request.get('/app/session');
  return { status: res.status(), ...(await res.json()) };
}

const SET_LAST_SEEN = `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
with db:
    changed = db.execute(
        "UPDATE sessions SET last_seen_at = ? WHERE id_hash = ? AND stage = 'active'",
        (sys.argv[3], bytes.fromhex(sys.argv[2])),
    ).rowcount
db.close()
print(changed)
`;

/**
 * Tells the server that nobody has clicked in this page's session for `seconds`: moves the
 * session's last activity back in the database (the row is found by the SHA-256 of the cookie's
 * id, which is all the server stores). See the comment at the top of this file.
 */
async function idleFor(env, page, seconds) {
  const cookie = await sessionCookie(page);
  assert.ok(cookie, 'a session cookie');
  const idHash = createHash('sha256').update(cookie.value).digest('hex');
  const lastSeen = new Date(Date.now() - seconds * 1000).toISOString();
  let out;
  try {
    out = execFileSync('python3', ['-c', SET_LAST_SEEN, join(env.server.dataDir, 'signaal.db'), idHash, lastSeen], {
      encoding: 'utf8',
      timeout: 20_000,
    });
  } catch (e) {
    throw new Error(`could not change the session in the server's SQLite database with python3: ${e.message}`);
  }
  assert.equal(out.trim(), '1', 'one active session row changed');
}

const isSessionCheck = (r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/app/session';

/**
 * Moves the page's fake clock on by `ms` and returns the answer to the GET /app/session that
 * staff.js's timer then sends. The timer is set once the previous answer has been read; should the
 * jump come just before that, nothing is asked, and the jump is repeated.
 */
async function advanceUntilAsked(page, ms) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const asked = page.waitForResponse(isSessionCheck, { timeout: 3_000 }).catch(() => null);
    await page.clock.fastForward(ms);
    const response = await asked;
    if (response) {
      await response.finished();
      return response;
    }
  }
  throw new Error(`staff.js did not ask /app/session after ${ms / 1000} s on ${page.url()}`);
}

describe('staff settings: a person, the school, the idle warning', { concurrency: 1 }, () => {
  const env = useServerAndBrowser();
  let demo;
  let leader;
  // One signed-in leadership session for the axe and keyboard tests (each test in its own context
  // with the session's cookie): a sign-in waits for a new TOTP step, so fewer is quicker.
  let leaderState;
  before(async () => {
    demo = await demoAccounts(env.server);
    leader = demo.accounts.get('leadership');
    assert.ok(leader, 'the demo prints a leadership account');
    const page = await newPage(env.browser, env.server.baseUrl);
    try {
      await page.goto('/app', { waitUntil: 'load' });
      await signInStaff(page, leader, demo.password);
      assert.equal(new URL(page.url()).pathname, '/app', 'signed in');
      leaderState = await page.context().storageState();
    } finally {
      await page.context().close();
    }
  });
  const account = (role) => {
    const found = demo.accounts.get(role);
    assert.ok(found, `the demo prints a ${role} account`);
    return found;
  };

  test('axe-core on the person and school pages, with their errors (nl, en)', async (t) => {
    const coordinator = account('coordinator');
    await withPage(env, { storageState: leaderState }, async (page) => {
      const path = await personPath(page, coordinator.email);
      for (const lang of ['nl', 'en']) {
        const check = (label, fn) =>
          t.test(`${label} (${lang})`, async () => {
            await fn();
            assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> of ${label}`);
            await checkA11y(page, `${label} (${lang})`);
          });

        await check('a person’s page', async () => {
          // The visible language switch; its cookie keeps the choice for the pages after it.
          const res = await page.goto(`${path}?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.equal((await page.textContent('main h1')).trim(), coordinator.name);
          assert.ok(await page.isChecked('#role-coordinator'), 'the coordinator role is ticked');
          assert.equal(await page.isChecked('#role-advisor'), false);
          assert.equal(await page.locator('input[name=group]').count() > 0, true, 'the school’s groups');
          assert.equal(await page.isHidden('#idle-warning'), true, 'no idle warning yet');
        });
        await check('a person’s page with an error (advisor without a period)', async () => {
          assert.equal(await page.inputValue('#first_day'), '', 'no period yet');
          await page.check('#role-advisor');
          const res = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(res.status(), 422);
          assert.equal(await page.locator('#person-error[role=alert]').count(), 1, 'the error');
          assert.ok(await page.isChecked('#role-advisor'), 'what was ticked stays ticked');
          assert.ok(await page.isChecked('#role-coordinator'));
        });
        await check('the school settings', async () => {
          const res = await page.goto('/app/school', { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.equal(await page.inputValue('#idle_minutes'), String(DEFAULT_IDLE_SECONDS / 60));
          assert.ok((await page.inputValue('#statement')).length >= 40, 'the current statement');
        });
        await check('the school settings after saving the idle limit', async () => {
          await page.selectOption('#idle_minutes', String(DEFAULT_IDLE_SECONDS / 60)); // unchanged
          const res = await navigateBy(page, () => page.click('button[name=do][value=idle]'));
          assert.equal(res.status(), 200);
          assert.equal(await page.locator('main .notice[role=status]').count(), 1, 'saved');
        });
        await check('the school settings with an error (a statement too short)', async () => {
          const version = await statementVersion(page);
          await page.fill('#statement', 'Te kort.');
          const res = await navigateBy(page, () => page.click('button[name=do][value=statement]'));
          assert.equal(res.status(), 422);
          assert.equal(await page.locator('#school-error[role=alert]').count(), 1, 'the error');
          assert.equal(await page.inputValue('#statement'), 'Te kort.', 'the typed text is kept');
          assert.match((await page.getAttribute('#statement', 'aria-describedby')) ?? '', /\bschool-error\b/);
          assert.equal(await statementVersion(page), version, 'no new version');
        });
        await check('the new reports (intake)', async () => {
          const res = await page.goto('/app/intake', { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.ok((await page.locator('main table tbody tr').count()) > 0, 'the demo’s reports');
        });
        await check('one new report (intake)', async () => {
          const res = await navigateBy(page, () => page.click('main table tbody tr a'));
          assert.equal(res.status(), 200);
          assert.match(new URL(page.url()).pathname, /^\/app\/intake\/[0-9a-f-]{36}$/);
        });
      }
    });
  });

  // ---- Regressions: each of these failed on the pages as they first were. They run before the
  // keyboard test, which changes the teacher. ----

  test(
    'the errors on the person and school pages are tied to the fields they are about (WCAG 1.3.1, 3.3.1)',
    async () => {
      const board = account('board');
      await withPage(env, { storageState: leaderState }, async (page) => {
        const untied = [];
        const collect = async (label, fields) => {
          const found = await page.evaluate((fields) => {
            const out = [];
            for (const e of document.querySelectorAll('main .error[id]')) {
              if (!document.querySelector(`[aria-describedby~="${e.id}"]`)) out.push(`#${e.id} is no field's description`);
            }
            for (const f of fields) {
              const field = document.querySelector(f);
              if (field?.getAttribute('aria-invalid') !== 'true') out.push(`${f} has no aria-invalid`);
              const error = document.querySelector('main .error[id]');
              if (error && !(field?.getAttribute('aria-describedby') ?? '').split(/\s+/).includes(error.id)) {
                out.push(`${f} is not described by #${error.id}`);
              }
            }
            return out;
          }, fields);
          untied.push(...found.map((f) => `${label}: ${f}`));
        };
        await page.goto(await personPath(page, board.email), { waitUntil: 'load' });
        await page.check('#role-advisor');
        assert.equal((await navigateBy(page, () => page.click('main form button[type=submit]'))).status(), 422);
        await collect('an advisor without a period', ['#first_day', '#last_day']);
        await page.goto('/app/school', { waitUntil: 'load' });
        await page.fill('#statement', 'Te kort.');
        assert.equal((await navigateBy(page, () => page.click('button[name=do][value=statement]'))).status(), 422);
        await collect('a statement too short', ['#statement']);
        assert.deepEqual(untied, [], `errors not tied to a field:\n  ${untied.join('\n  ')}`);
      });
    },
  );

  test(
    'the demo teacher teaches group 5a, as the demo says',
    async () => {
      const teacher = account('teacher');
      assert.match(teacher.name, /groep 5a/, 'the demo prints the teacher as the one of group 5a');
      await withPage(env, { storageState: leaderState }, async (page) => {
        await page.goto(await personPath(page, teacher.email), { waitUntil: 'load' });
        const ticked = await page.$$eval('input[name=group]:checked', (boxes) =>
          boxes.map((b) => document.querySelector(`label[for="${b.id}"]`)?.textContent.trim()),
        );
        assert.deepEqual(ticked, ['groep 5a'], 'the groups ticked on the teacher’s page');
      });
    },
  );

  test('keyboard only: leadership gives a teacher a group and an advisor’s period', async () => {
    const teacher = account('teacher');
    // Day and month alike, so the typed digits mean the same date in a dd-mm and an mm/dd browser.
    const year = new Date().getFullYear() + 1;
    const firstDay = `${year}-03-03`;
    const lastDay = `${year}-04-04`;
    const typed = (iso) => iso.slice(8, 10) + iso.slice(5, 7) + iso.slice(0, 4);
    await withPage(env, { storageState: leaderState }, async (page) => {
      const keys = page.keyboard;
      const path = await personPath(page, teacher.email);
      // From the staff list: Tab to the teacher's name, Enter.
      await page.goto('/app/staff', { waitUntil: 'load' });
      await pressUntilFocused(page, `a[href="${path}"]`, { max: 40 });
      const opened = await navigateBy(page, () => keys.press('Enter'));
      assert.equal(opened.status(), 200);
      assert.equal(new URL(page.url()).pathname, path);
      assert.equal((await page.textContent('main h1')).trim(), teacher.name);
      assert.ok(await page.isChecked('#role-teacher'), 'a teacher');
      const group5a = await page.getAttribute('main label:text-is("groep 5a")', 'for');
      assert.match(group5a ?? '', /^group-/, 'the demo school has a group 5a');
      const groupsBefore = await page.$$eval('input[name=group]:checked', (boxes) => boxes.map((b) => b.id));

      // The advisor role: Tab to it, Space.
      await pressUntilFocused(page, '#role-advisor');
      await keys.press('Space');
      assert.ok(await page.isChecked('#role-advisor'), 'Space ticks the advisor role');
      // A group: Tab on to 5a; Space ticks it unless it is ticked already.
      await pressUntilFocused(page, `#${group5a}`, { max: 30 });
      if (!(await page.isChecked(`#${group5a}`))) await keys.press('Space');
      assert.ok(await page.isChecked(`#${group5a}`), 'group 5a is ticked');
      // The period: type each day's digits; Tab also stops inside a date input, so on until the next.
      await pressUntilFocused(page, '#first_day', { max: 30 });
      await keys.type(typed(firstDay));
      assert.equal(await page.inputValue('#first_day'), firstDay, 'the first day as typed');
      await pressUntilFocused(page, '#last_day', { max: 5 });
      await keys.type(typed(lastDay));
      assert.equal(await page.inputValue('#last_day'), lastDay, 'the last day as typed');
      const save = await pressUntilFocused(page, 'main form button[type=submit]', { max: 5 });
      assert.equal(save.tag, 'button');
      const saved = await navigateBy(page, () => keys.press('Enter'));

      assert.equal(saved.status(), 200, 'saved');
      assert.equal(new URL(page.url()).pathname, path);
      assert.match(await page.textContent('main .notice[role=status]'), new RegExp(teacher.email.replace(/\./g, '\\.')));
      assert.ok(await page.isChecked('#role-teacher'), 'still a teacher');
      assert.ok(await page.isChecked('#role-advisor'), 'now an advisor too');
      const groupsAfter = await page.$$eval('input[name=group]:checked', (boxes) => boxes.map((b) => b.id));
      assert.deepEqual(groupsAfter.sort(), [...new Set([...groupsBefore, group5a])].sort(), 'the groups as ticked');
      assert.equal(await page.inputValue('#first_day'), firstDay, 'the stored first day');
      assert.equal(await page.inputValue('#last_day'), lastDay, 'the stored last day');
      await checkA11y(page, 'a person’s page after saving (nl)');

      // The list shows the period too.
      await page.goto('/app/staff', { waitUntil: 'load' });
      const row = await page.textContent(`tbody tr:has(td:text-is("${teacher.email}"))`);
      assert.ok(row.includes(firstDay) && row.includes(lastDay), `the period in the staff list: ${row}`);
    });
  });

  test('the idle warning: shown before the end, "stay signed in" keeps the session, and after the end the typed text comes back unsent', async () => {
    const typed = 'Nieuwe tekst, getypt en niet verstuurd: wie met meldingen werkt, zwijgt erover.';
    await withPage(env, {}, async (page) => {
      // Before the first page: from now on the page's timers run on Playwright's clock.
      await page.clock.install();
      const posts = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
      });

      // Sign in, on the way to /app/school (this test may run alone, so the statement may come first).
      await page.goto('/app/school', { waitUntil: 'load' });
      assert.equal(new URL(page.url()).searchParams.get('next'), '/app/school');
      await signInStaff(page, leader, demo.password);
      if (new URL(page.url()).pathname !== '/app/school') await page.goto('/app/school', { waitUntil: 'load' });
      assert.equal(new URL(page.url()).pathname, '/app/school');

      // The school's shortest idle limit, through the page; it applies from the next sign-in.
      await page.selectOption('#idle_minutes', '5');
      const loaded = page.waitForResponse(isSessionCheck);
      assert.equal((await navigateBy(page, () => page.click('button[name=do][value=idle]'))).status(), 200);
      await (await loaded).finished(); // staff.js's first question, which sets its timer
      assert.equal(await page.inputValue('#idle_minutes'), '5');
      const before = await sessionLeft(page);
      assert.equal(before.status, 200);
      assert.equal(before.idle_seconds, DEFAULT_IDLE_SECONDS, 'this session keeps the limit it started with');
      assert.ok(before.seconds_left > DEFAULT_IDLE_SECONDS - 10, `just active: ${before.seconds_left} s left`);

      // Typed, not sent.
      const version = await statementVersion(page);
      const stored = await page.$eval('#statement', (el) => el.defaultValue);
      const csrf = await page.inputValue('main form input[name=csrf]');
      // No signed-in page asks for a password yet; one put in the form holds staff.js to its rule
      // that a password is never kept.
      await page.$eval('#statement', (textarea) => {
        const password = Object.assign(document.createElement('input'), { type: 'password', name: 'password', id: 'e2e-password' });
        password.setAttribute('aria-label', 'password');
        textarea.form.append(password);
      });
      await page.fill('#e2e-password', 'geheim-wachtwoord-2026');
      await page.fill('#statement', typed);
      const postsBefore = posts.length;

      // (i) 100 s before the end, staff.js's next question gets the warning shown, the focus on
      // "stay signed in".
      await idleFor(env, page, DEFAULT_IDLE_SECONDS - 100);
      let answer = await advanceUntilAsked(page, (DEFAULT_IDLE_SECONDS - WARN_SECONDS) * 1000);
      assert.equal(answer.status(), 200);
      const left = (await answer.json()).seconds_left;
      assert.ok(left > 0 && left <= WARN_SECONDS, `the server says ${left} s are left`);
      await page.waitForSelector('#idle-warning', { state: 'visible', timeout: 5_000 });
      assert.equal(await page.getAttribute('#idle-warning', 'role'), 'alertdialog');
      const onStay = await focused(page);
      assert.equal(onStay.id, 'idle-stay', `the focus is on "stay signed in", not on ${describeFocus(onStay)}`);
      assert.ok(onStay.focusVisible && onStay.drawn && onStay.inView, 'and it shows');
      await checkA11y(page, 'the school settings with the idle warning (nl)');

      // (ii) Enter on it: the server counts it as a click (the full limit again), the warning goes
      // and the focus returns to where it was.
      const kept = page.waitForResponse((r) => new URL(r.url()).pathname === '/app/session/keep');
      const askedAgain = page.waitForResponse(isSessionCheck);
      await page.keyboard.press('Enter');
      assert.equal((await kept).status(), 204, 'POST /app/session/keep');
      await (await askedAgain).finished();
      await page.waitForSelector('#idle-warning', { state: 'hidden', timeout: 5_000 });
      assert.equal((await focused(page)).id, 'statement', 'the focus is back in the textarea');
      const afterStay = await sessionLeft(page);
      assert.equal(afterStay.status, 200);
      assert.equal(afterStay.idle_seconds, DEFAULT_IDLE_SECONDS);
      assert.ok(afterStay.seconds_left >= DEFAULT_IDLE_SECONDS - 5, `the full limit again: ${afterStay.seconds_left} s`);
      assert.equal(await page.inputValue('#statement'), typed, 'the typed text is still there');

      // (iii) Nobody answers the next warning, and the limit passes on the server.
      await idleFor(env, page, DEFAULT_IDLE_SECONDS - 100);
      answer = await advanceUntilAsked(page, (DEFAULT_IDLE_SECONDS - WARN_SECONDS) * 1000);
      assert.equal(answer.status(), 200);
      await page.waitForSelector('#idle-warning', { state: 'visible', timeout: 5_000 });
      await idleFor(env, page, DEFAULT_IDLE_SECONDS + 1);
      const over = await sessionLeft(page);
      assert.deepEqual(over, { status: 401, seconds_left: 0, idle_seconds: 0 }, 'the server says the session is over');
      const toLogin = page.waitForURL((url) => url.pathname === '/app/login', { waitUntil: 'load', timeout: 10_000 });
      await page.clock.fastForward((WARN_SECONDS + 5) * 1000);
      await toLogin;
      const login = new URL(page.url());
      assert.equal(login.searchParams.get('next'), '/app/school', 'the login leads back to the page');
      assert.equal(login.searchParams.get('why'), 'idle', 'the server ended the session for idleness');
      assert.equal(await sessionCookie(page), undefined, 'the session cookie is gone');
      assert.equal(await page.locator('main .notice[role=status]').count(), 1, 'the login says why');
      await checkA11y(page, 'the login after the idle sign-out (nl)');
      assert.deepEqual(posts.slice(postsBefore), ['/app/session/keep'], 'nothing was sent but the keep-alive');
      // Kept in this tab: the typed field, not the CSRF token nor the password.
      const keptRaw = await page.evaluate((key) => sessionStorage.getItem(key), keptKey('/app/school'));
      assert.ok(keptRaw?.includes(JSON.stringify(typed).slice(1, -1)), `the typed text is kept: ${keptRaw}`);
      assert.ok(!keptRaw.includes(csrf) && !keptRaw.includes('"csrf"'), 'not the CSRF token');
      assert.ok(!keptRaw.includes('geheim-wachtwoord-2026'), 'not a password');

      // Signing in again returns to the page, with the typed text back and a notice saying so.
      await signInStaff(page, leader, demo.password);
      assert.equal(new URL(page.url()).pathname, '/app/school', 'back on the school settings');
      await page.waitForSelector('#kept-notice', { state: 'visible', timeout: 5_000 });
      assert.equal(await page.getAttribute('#kept-notice', 'role'), 'status');
      assert.ok(await page.$eval('#kept-notice', (el) => el.closest('main') !== null), 'the notice is in <main>');
      assert.equal(await page.inputValue('#statement'), typed, 'the typed text is back');
      assert.equal(await page.$eval('#statement', (el) => el.defaultValue), stored, 'the stored statement is unchanged');
      assert.equal(await statementVersion(page), version, 'no new version was published');
      assert.notEqual(await page.inputValue('main form input[name=csrf]'), csrf, 'the new session’s CSRF token');
      assert.equal(
        await page.evaluate((key) => sessionStorage.getItem(key), keptKey('/app/school')),
        null,
        'put back once, then forgotten',
      );
      assert.equal((await sessionLeft(page)).idle_seconds, 5 * 60, 'the new session has the 5-minute limit');
      await checkA11y(page, 'the school settings with the typed text put back (nl)');
    });
  });
});
