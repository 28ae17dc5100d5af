// The page for personal API tokens (/app/tokens) in a browser: axe-core on every state of it in Dutch
// and English (empty, refused, the new token shown once, the list, revoked), the form by keyboard
// alone, no sideways scrolling on a phone, and the token used against the staff API.
// One demo server for the whole file; each language signs in another account.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  assertNoForeignRequests,
  assertNoHorizontalScroll,
  checkA11y,
  demoAccounts,
  navigateBy,
  newPage,
  pressUntilFocused,
  totpCode,
  totpStep,
  useServerAndBrowser,
} from './helpers.mjs';

const TEXT = {
  nl: { title: 'Sleutels voor koppelingen', none: 'Je hebt nog geen sleutels.', revoked: 'De sleutel is ingetrokken.' },
  en: { title: 'Keys for integrations', none: 'You have no keys yet.', revoked: 'The key has been revoked.' },
};

/** Signs in with password and code and accepts the statement; the page ends on /app. */
async function signIn(page, account, password, lang) {
  await page.goto(`/app/login?lang=${lang}`, { waitUntil: 'load' });
  await page.fill('#email', account.email);
  await page.fill('#password', password);
  await navigateBy(page, () => page.click('form[action="/app/login"] button[type=submit]'));
  await page.fill('#code', totpCode(account.secret, totpStep()));
  await navigateBy(page, () => page.click('form[action="/app/login/code"] button[type=submit]'));
  assert.equal(new URL(page.url()).pathname, '/app/statement');
  await page.check('#accept');
  await navigateBy(page, () => page.click('form[action="/app/statement"] button[type=submit]'));
  assert.equal(new URL(page.url()).pathname, '/app');
}

describe('personal API tokens', { concurrency: 1 }, () => {
  const env = useServerAndBrowser();
  let demo;
  before(async () => {
    demo = await demoAccounts(env.server);
  });

  for (const { lang, role } of [
    { lang: 'nl', role: 'leadership' },
    { lang: 'en', role: 'data_protection_officer' },
  ]) {
    test(`axe-core on every state of the token page, and the token works (${lang})`, async (t) => {
      const account = demo.accounts.get(role);
      const page = await newPage(env.browser, env.server.baseUrl, {});
      try {
        await signIn(page, account, demo.password, lang);
        const check = async (label, fn) =>
          t.test(label, async () => {
            await fn();
            await checkA11y(page, `${label} (${lang})`);
          });
        await check('the empty page', async () => {
          const res = await navigateBy(page, () => page.click('a[href="/app/tokens"]'));
          assert.equal(res.status(), 200);
          assert.equal((await page.textContent('h1')).trim(), TEXT[lang].title);
          assert.match(await page.textContent('main'), new RegExp(TEXT[lang].none));
        });
        await check('the page with problems', async () => {
          const res = await navigateBy(page, () => page.click('button[name=do][value=create]'));
          assert.equal(res.status(), 422);
          assert.equal(await page.locator('#token-problems[role=alert] li').count(), 2, 'no name, no scope');
          // Each problem links to its field, and the fields say they are invalid (WCAG 3.3.1).
          const links = await page.$$eval('#token-problems a', (as) => as.map((a) => a.getAttribute('href')));
          assert.deepEqual(links, ['#token-name', '#token-scope-1']);
          assert.equal(await page.getAttribute('#token-name', 'aria-invalid'), 'true');
          assert.equal(await page.getAttribute('#token-scope-1', 'aria-invalid'), 'true');
          assert.equal(await page.getAttribute('#token-days', 'aria-invalid'), null);
        });
        let token;
        await check('the new token, shown once', async () => {
          await page.fill('#token-name', `Koppeling ${lang}`);
          await page.check('input[name=scope][value="audit:read"]');
          await page.selectOption('#token-days', '30');
          const res = await navigateBy(page, () => page.click('button[name=do][value=create]'));
          assert.equal(res.status(), 200);
          token = (await page.textContent('#new-token')).trim();
          assert.match(token, /^sgl_[0-9a-f]{64}$/);
          assert.equal(await page.locator('tbody tr').count(), 1);
        });
        await check('the list, on a phone', async () => {
          await page.setViewportSize({ width: 360, height: 740 });
          await page.goto('/app/tokens', { waitUntil: 'load' });
          assert.equal(await page.locator('#new-token').count(), 0, 'never shown again');
          await assertNoHorizontalScroll(page, `the token page (${lang})`);
          await page.setViewportSize({ width: 1280, height: 800 });
        });
        // The token reads the log through the API (from the test, not the browser: no cookie involved).
        const school = 'de-vuurtoren';
        const api = await fetch(`${env.server.baseUrl}/api/v1/staff/schools/${school}/audit?action=staff.token_created`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(api.status, 200);
        const body = await api.json();
        assert.equal(body.entries[0].action, 'staff.token_created');
        assert.ok(!JSON.stringify(body).includes(token.slice(4)), 'the token is in no log entry');
        await check('the page after revoking', async () => {
          const res = await navigateBy(page, () => page.click('button[name=do][value=revoke]'));
          assert.equal(res.status(), 200);
          assert.match(await page.textContent('.notice[role=status]'), new RegExp(TEXT[lang].revoked));
        });
        const after = await fetch(`${env.server.baseUrl}/api/v1/staff/me`, {
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(after.status, 401);
        assert.match(after.headers.get('www-authenticate'), /^Bearer /);
        assertNoForeignRequests(page);
      } finally {
        await page.context().close();
      }
    });
  }

  test('keyboard only: a token is made with Tab, Space and Enter', async () => {
    const account = demo.accounts.get('coordinator');
    const page = await newPage(env.browser, env.server.baseUrl, {});
    try {
      await signIn(page, account, demo.password, 'nl');
      await page.goto('/app/tokens', { waitUntil: 'load' });
      const keys = page.keyboard;
      await pressUntilFocused(page, '#token-name');
      await keys.type('Met het toetsenbord');
      await pressUntilFocused(page, 'input[name=scope][value="roster:read"]');
      await keys.press('Space');
      assert.ok(await page.isChecked('input[name=scope][value="roster:read"]'));
      await pressUntilFocused(page, '#token-days');
      await pressUntilFocused(page, 'button[name=do][value=create]', { max: 1 });
      const res = await navigateBy(page, () => keys.press('Enter'));
      assert.equal(res.status(), 200);
      assert.match((await page.textContent('#new-token')).trim(), /^sgl_[0-9a-f]{64}$/);
      assertNoForeignRequests(page);
    } finally {
      await page.context().close();
    }
  });
});
