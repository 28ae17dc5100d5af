// Staff sign-in in a browser: password, then the code of an authenticator app (TOTP, computed here
// from the secret the demo prints), the confidentiality statement, the start page, and signing out;
// by keyboard, with the session cookie checked, and axe-core on every page in Dutch and English.
// One demo server for the whole file. Every demo account already has its second factor, so the
// page that sets one up at a first login (/app/enrol) is not reached here.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  assertNoForeignRequests,
  checkA11y,
  demoAccounts,
  focused,
  navigateBy,
  newPage,
  pressUntilFocused,
  TOTP_STEP_SECONDS,
  totpCode,
  totpStep,
  useServerAndBrowser,
} from './helpers.mjs';

/** crates/signaal/src/demo.rs: DEMO_PASSWORD; the demo prints it too, and the two must agree. */
const DEMO_PASSWORD = 'vuurtoren-demo-2026';
const SESSION_COOKIE = '__Host-signaal_session';

const TEXT = {
  nl: {
    login: 'Inloggen voor medewerkers',
    code: 'Code uit je authenticator-app',
    statement: 'Geheimhoudingsverklaring',
    welcome: 'Welkom, ',
    refused: 'Dit lukte niet.',
    loggedOut: 'Je bent uitgelogd.',
    logout: 'Uitloggen',
  },
  en: {
    login: 'Staff sign-in',
    code: 'Code from your authenticator app',
    statement: 'Confidentiality statement',
    welcome: 'Welcome, ',
    refused: 'That did not work.',
    loggedOut: 'You have signed out.',
    logout: 'Sign out',
  },
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The server takes a TOTP step once per account (a code seen is not accepted again), so this
 * remembers the last step used per e-mail address and, when now's step is used up, waits for the next.
 */
const usedSteps = new Map();
async function freshCode(account) {
  const used = usedSteps.get(account.email);
  if (used !== undefined && totpStep() <= used) {
    const nextAt = (used + 1) * TOTP_STEP_SECONDS * 1000;
    await sleep(nextAt - Date.now() + 50);
  }
  const step = totpStep();
  usedSteps.set(account.email, step);
  return { code: totpCode(account.secret, step), step };
}

/** Six digits that are no valid code of this account now (nor a step either side of it). */
function wrongCode(account) {
  const now = totpStep();
  const valid = new Set([now - 1, now, now + 1, now + 2].map((s) => totpCode(account.secret, s)));
  let n = Number(totpCode(account.secret, now));
  do n = (n + 111_111) % 1_000_000;
  while (valid.has(String(n).padStart(6, '0')));
  return String(n).padStart(6, '0');
}

async function sessionCookie(page) {
  return (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
}

function path(page) {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

async function assertPage(page, { lang, h1, pathname }, label) {
  assert.equal(new URL(page.url()).pathname, pathname, `the address of ${label}`);
  assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> of ${label}`);
  const heading = (await page.textContent('h1')).trim();
  if (h1.endsWith(', ')) assert.ok(heading.startsWith(h1), `<h1> of ${label}: ${heading}`);
  else assert.equal(heading, h1, `<h1> of ${label}`);
}

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

/** Password step by mouse and fill (the keyboard test does without). */
async function sendPassword(page, email, password) {
  await page.fill('#email', email);
  await page.fill('#password', password);
  return navigateBy(page, () => page.click('form[action="/app/login"] button[type=submit]'));
}

async function sendCode(page, code) {
  await page.fill('#code', code);
  return navigateBy(page, () => page.click('form[action="/app/login/code"] button[type=submit]'));
}

// One at a time: each test signs in (a password check costs 40 MiB and real CPU), and the keyboard
// test must not be slowed down by another browser.
describe('staff sign-in', { concurrency: 1 }, () => {
  const env = useServerAndBrowser();
  let demo;
  before(async () => {
    demo = await demoAccounts(env.server); // after useServerAndBrowser's before(): the server runs
  });
  const account = (role) => {
    const found = demo.accounts.get(role);
    assert.ok(found, `the demo prints a ${role} account (it printed: ${[...demo.accounts.keys()].join(', ')})`);
    return found;
  };

  test('the demo prints its accounts, their TOTP secrets and the password', async () => {
    assert.equal(demo.password, DEMO_PASSWORD);
    const coordinator = account('coordinator');
    assert.equal(coordinator.email, 'coordinator@de-vuurtoren.demo');
    assert.match(coordinator.secret, /^[A-Z2-7]{32}$/, '160-bit base32 secret');
    assert.match(coordinator.name, /^Ahmed Benali\b/);
    assert.equal(demo.accounts.size, 7, 'one account per role, and the provider admin');
    assert.equal(account('provider_admin').email, 'beheer@signaal.demo');
  });

  test('keyboard only (nl): the coordinator signs in, accepts the statement and signs out', async () => {
    const coordinator = account('coordinator');
    await withPage(env, {}, async (page) => {
      const keys = page.keyboard;
      const start = await page.goto('/app', { waitUntil: 'load' });
      assert.equal(start.status(), 200);
      assert.equal(path(page), '/app/login?next=%2Fapp', '/app without a session leads to the login');
      assert.equal(await sessionCookie(page), undefined, 'no session cookie before signing in');
      await assertPage(page, { lang: 'nl', h1: TEXT.nl.login, pathname: '/app/login' }, 'the login page');

      // The password step: Tab to the e-mail box (every stop on the way shows its focus), type, Enter.
      await pressUntilFocused(page, '#email');
      await keys.type(coordinator.email);
      await pressUntilFocused(page, '#password', { max: 1 });
      await keys.type(demo.password);
      const toCode = await navigateBy(page, () => keys.press('Enter'));
      assert.equal(toCode.status(), 200);
      await assertPage(page, { lang: 'nl', h1: TEXT.nl.code, pathname: '/app/login/code' }, 'the code page');
      const pending = await sessionCookie(page);
      assert.ok(pending, 'a session cookie for the half-finished login');

      // The second factor.
      await pressUntilFocused(page, '#code');
      assert.equal((await focused(page)).value, '', 'the code box starts empty');
      const { code } = await freshCode(coordinator);
      await keys.type(code);
      const toStatement = await navigateBy(page, () => keys.press('Enter'));
      assert.equal(toStatement.status(), 200);
      await assertPage(page, { lang: 'nl', h1: TEXT.nl.statement, pathname: '/app/statement' }, 'the statement');

      // The cookie: a new id once signed in (no session fixation), and as strict as it can be.
      const cookie = await sessionCookie(page);
      assert.ok(cookie, 'a session cookie once signed in');
      assert.notEqual(cookie.value, pending.value, 'signing in gives a new session id');
      assert.match(cookie.value, /^[0-9a-f]{64}$/);
      assert.equal(cookie.secure, true, 'Secure');
      assert.equal(cookie.httpOnly, true, 'HttpOnly');
      assert.equal(cookie.sameSite, 'Strict', 'SameSite=Strict');
      assert.equal(cookie.path, '/', '__Host- cookies have Path=/');
      assert.equal(cookie.domain, '127.0.0.1', 'host-only (no Domain attribute)');
      assert.equal(cookie.expires, -1, 'a session cookie: gone when the browser closes');
      assert.equal(
        await page.evaluate((name) => document.cookie.includes(name), SESSION_COOKIE),
        false,
        'scripts cannot read it',
      );

      // The statement: Tab to the box, Space ticks it, Tab to the button, Enter.
      await pressUntilFocused(page, '#accept');
      await keys.press('Space');
      assert.ok(await page.isChecked('#accept'), 'Space ticks the box');
      const button = await pressUntilFocused(page, 'form[action="/app/statement"] button[type=submit]', { max: 1 });
      assert.equal(button.text, 'Akkoord');
      const toStart = await navigateBy(page, () => keys.press('Enter'));
      assert.equal(toStart.status(), 200);
      await assertPage(page, { lang: 'nl', h1: TEXT.nl.welcome, pathname: '/app' }, 'the start page');
      assert.equal((await page.textContent('h1')).trim(), `Welkom, ${coordinator.name}`);
      assert.match(await page.textContent('main ul'), /Basisschool De Vuurtoren \(demo\): anti-pestcoördinator/);

      // Signing out is a form POST with the session's CSRF token.
      const logout = await pressUntilFocused(page, 'form[action="/app/logout"][method=post] button');
      assert.equal(logout.text, TEXT.nl.logout);
      const out = await navigateBy(page, () => keys.press('Enter'));
      assert.equal(out.status(), 200);
      assert.equal(path(page), '/app/login?why=logged_out');
      assert.equal((await page.textContent('.notice[role=status]')).trim(), TEXT.nl.loggedOut);
      assert.equal(await sessionCookie(page), undefined, 'the session cookie is gone after signing out');

      // The start page is no longer there, by address nor by the Back button.
      const again = await page.goto('/app', { waitUntil: 'load' });
      assert.equal(again.status(), 200);
      assert.equal(path(page), '/app/login?next=%2Fapp', '/app leads to the login again');
      assert.equal(await page.locator('.notice').count(), 0, 'no notice without a reason');
      await page.goBack({ waitUntil: 'load' });
      await page.goBack({ waitUntil: 'load' });
      assert.equal(new URL(page.url()).pathname, '/app/login', `Back twice: ${path(page)}`);
      assert.doesNotMatch(await page.textContent('main'), /Welkom/, 'Back does not show the start page');
    });
  });

  test('a TOTP code that was used cannot be used again (same account, same step)', async (t) => {
    const coordinator = account('coordinator');
    const used = usedSteps.get(coordinator.email);
    if (used === undefined || totpStep() > used + 1) {
      // The server accepts a step either side of now; once the used step is outside that, a replay
      // is simply a wrong code and this test would prove nothing.
      t.skip('the keyboard test did not sign in just now');
      return;
    }
    await withPage(env, {}, async (page) => {
      await page.goto('/app/login', { waitUntil: 'load' });
      assert.equal((await sendPassword(page, coordinator.email, demo.password)).status(), 200);
      assert.equal(new URL(page.url()).pathname, '/app/login/code');
      const replay = await sendCode(page, totpCode(coordinator.secret, used));
      assert.equal(replay.status(), 401, 'the used code is refused');
      assert.match(await page.textContent('#code-error[role=alert]'), new RegExp(TEXT.nl.refused));
      assert.equal(await sessionCookie(page).then((c) => c?.value.length), 64, 'still the half-finished login');
    });
  });

  // Each language signs in another account (each has a statement to accept and its own TOTP steps).
  for (const { lang, role, contextOptions, loginPath } of [
    { lang: 'nl', role: 'leadership', contextOptions: {}, loginPath: '/app/login' },
    // A Dutch browser that chose English with the switch: the language cookie must carry the
    // choice through every form post and redirect.
    { lang: 'en', role: 'teacher', contextOptions: {}, loginPath: '/app/login?lang=en' },
  ]) {
    test(`axe-core on every sign-in page (${lang})`, async (t) => {
      const who = account(role);
      const text = TEXT[lang];
      await withPage(env, contextOptions, async (page) => {
        const check = async (label, fn) =>
          t.test(label, async () => {
            await fn();
            await checkA11y(page, `${label} (${lang})`);
          });

        await check('the login page', async () => {
          const res = await page.goto(loginPath, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          await assertPage(page, { lang, h1: text.login, pathname: '/app/login' }, 'the login page');
        });
        await check('the login page with the wrong password', async () => {
          const res = await sendPassword(page, who.email, `${demo.password}-not`);
          assert.equal(res.status(), 401);
          await assertPage(page, { lang, h1: text.login, pathname: '/app/login' }, 'the refused login');
          assert.match(await page.textContent('#login-error[role=alert]'), new RegExp(text.refused));
          assert.equal(await page.inputValue('#email'), who.email, 'the e-mail address is kept');
          assert.equal(await page.inputValue('#password'), '', 'the password is not sent back');
          assert.equal(await sessionCookie(page), undefined, 'no session for a wrong password');
        });
        await check('the code page', async () => {
          const res = await sendPassword(page, who.email, demo.password);
          assert.equal(res.status(), 200);
          await assertPage(page, { lang, h1: text.code, pathname: '/app/login/code' }, 'the code page');
        });
        await check('the code page with a wrong code', async () => {
          const res = await sendCode(page, wrongCode(who));
          assert.equal(res.status(), 401);
          await assertPage(page, { lang, h1: text.code, pathname: '/app/login/code' }, 'the refused code');
          assert.match(await page.textContent('#code-error[role=alert]'), new RegExp(text.refused));
        });
        await check('the statement page', async () => {
          const res = await sendCode(page, (await freshCode(who)).code);
          assert.equal(res.status(), 200);
          await assertPage(page, { lang, h1: text.statement, pathname: '/app/statement' }, 'the statement');
          assert.equal(await page.isChecked('#accept'), false);
        });
        await check('the start page', async () => {
          await page.check('#accept');
          const res = await navigateBy(page, () => page.click('form[action="/app/statement"] button[type=submit]'));
          assert.equal(res.status(), 200);
          await assertPage(page, { lang, h1: text.welcome, pathname: '/app' }, 'the start page');
          assert.equal((await page.textContent('h1')).trim(), `${text.welcome}${who.name}`);
        });
        if (role === 'leadership') {
          await check('the staff page', async () => {
            const res = await page.goto('/app/staff', { waitUntil: 'load' });
            assert.equal(res.status(), 200);
            assert.equal(await page.getAttribute('html', 'lang'), lang);
          });
          await check('the staff page after adding someone (with the link)', async () => {
            await page.fill('#name', 'Nieuwe Collega');
            await page.fill('#email', `nieuw.${lang}@de-vuurtoren.demo`);
            await page.selectOption('#role', 'teacher');
            const res = await navigateBy(page, () => page.click('button[name=do][value=add]'));
            assert.equal(res.status(), 200);
            assert.match(await page.textContent('code.secret'), /\/app\/invite\/[0-9a-f]{64}$/);
          });
          await check('the page of a one-time link', async () => {
            const link = new URL((await page.textContent('code.secret')).trim());
            const res = await page.goto(link.pathname, { waitUntil: 'load' });
            assert.equal(res.status(), 200);
          });
          await check('the page of a one-time link with a refused password', async () => {
            await page.fill('#password', 'wachtwoord123');
            await page.fill('#repeat', 'wachtwoord123');
            const res = await navigateBy(page, () => page.click('main form button[type=submit]'));
            assert.equal(res.status(), 422);
          });
          await check('the audit viewer', async () => {
            const res = await page.goto('/app/audit?action=staff.', { waitUntil: 'load' });
            assert.equal(res.status(), 200);
            assert.ok((await page.locator('tbody tr').count()) > 0, 'rows');
          });
          await page.goto('/app', { waitUntil: 'load' });
        }
        await check('the login page after signing out', async () => {
          const res = await navigateBy(page, () => page.click('form[action="/app/logout"] button'));
          assert.equal(res.status(), 200);
          await assertPage(page, { lang, h1: text.login, pathname: '/app/login' }, 'the login after signing out');
          assert.equal((await page.textContent('.notice[role=status]')).trim(), text.loggedOut);
          assert.equal(await sessionCookie(page), undefined);
        });
      });
    });
  }

  test('signing out without the form’s CSRF token is refused, and the session stays', async () => {
    const who = account('board');
    await withPage(env, {}, async (page) => {
      await page.goto('/app/login', { waitUntil: 'load' });
      await sendPassword(page, who.email, demo.password);
      await sendCode(page, (await freshCode(who)).code);
      assert.equal(new URL(page.url()).pathname, '/app/statement');
      await page.check('#accept');
      await navigateBy(page, () => page.click('form[action="/app/statement"] button[type=submit]'));
      assert.equal(new URL(page.url()).pathname, '/app');
      await page.$eval('form[action="/app/logout"] input[name=csrf]', (i) => {
        i.value = 'f'.repeat(48);
      });
      const forged = await navigateBy(page, () => page.click('form[action="/app/logout"] button'));
      assert.equal(forged.status(), 403, 'a sign-out with a wrong token');
      await checkA11y(page, 'the 403 page');
      assert.ok(await sessionCookie(page), 'the cookie stays');
      const back = await page.goto('/app', { waitUntil: 'load' });
      assert.equal(back.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/app', 'still signed in');
    });
  });

  // ---- Regressions: each of these failed on the pages as they first were. ----

  test(
    'the error on the login and code pages is tied to the fields it is about (WCAG 1.3.1, 3.3.1)',
    async () => {
      const who = account('advisor');
      await withPage(env, {}, async (page) => {
        const untied = [];
        const collect = async (label, fields) => {
          const found = await page.evaluate((fields) => {
            const out = [];
            for (const e of document.querySelectorAll('main .error[id]')) {
              const described = document.querySelector(`[aria-describedby~="${e.id}"]`);
              if (!described) out.push(`#${e.id} is no field's description`);
            }
            for (const f of fields) {
              const invalid = document.querySelector(f)?.getAttribute('aria-invalid') === 'true';
              if (!invalid) out.push(`${f} has no aria-invalid`);
            }
            return out;
          }, fields);
          untied.push(...found.map((f) => `${label}: ${f}`));
        };
        await page.goto('/app/login', { waitUntil: 'load' });
        assert.equal((await sendPassword(page, who.email, `${demo.password}-not`)).status(), 401);
        // Which of the two was wrong is not told (on purpose), so only the description is asked for.
        await collect('the login page', []);
        assert.equal((await sendPassword(page, who.email, demo.password)).status(), 200);
        assert.equal((await sendCode(page, wrongCode(who))).status(), 401);
        await collect('the code page', ['#code']);
        assert.deepEqual(untied, [], `errors not tied to a field:\n  ${untied.join('\n  ')}`);
      });
    },
  );

  test(
    'the statement sent without ticking the box says what is missing (WCAG 3.3.1)',
    async () => {
      const who = account('data_protection_officer');
      await withPage(env, {}, async (page) => {
        await page.goto('/app/login', { waitUntil: 'load' });
        await sendPassword(page, who.email, demo.password);
        await sendCode(page, (await freshCode(who)).code);
        assert.equal(new URL(page.url()).pathname, '/app/statement');
        await navigateBy(page, () => page.click('form[action="/app/statement"] button[type=submit]'));
        assert.equal(new URL(page.url()).pathname, '/app/statement', 'still the statement');
        const error = page.locator('main .error');
        assert.equal(await error.count(), 1, 'an error message says the box must be ticked');
        const id = await error.getAttribute('id');
        assert.ok(id, 'the error has an id');
        assert.match((await page.getAttribute('#accept', 'aria-describedby')) ?? '', new RegExp(`\\b${id}\\b`));
        assert.equal(await page.getAttribute('#accept', 'aria-invalid'), 'true');
      });
    },
  );
});
