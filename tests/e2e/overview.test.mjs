// Overviews and signals in the browser: the dashboard, the per-pupil table and the signals page with
// axe-core in Dutch and English, for leadership and for a teacher (their own groups), a refused
// period (422 with the error summary), the signal thresholds form and its error state, the board's
// suppressed figures, and the dashboard printed. One demo server for the file.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  assertNoForeignRequests,
  checkA11y,
  demoAccounts,
  newPage,
  signInStaff,
  useServerAndBrowser,
} from './helpers.mjs';

async function withPage(env, contextOptions, fn) {
  const page = await newPage(env.browser, env.server.baseUrl, contextOptions);
  try {
    await fn(page);
    assertNoForeignRequests(page);
  } finally {
    await page.context().close();
  }
}

async function signedIn(env, account, password) {
  const page = await newPage(env.browser, env.server.baseUrl);
  try {
    await page.goto('/app', { waitUntil: 'load' });
    await signInStaff(page, account, password);
    assert.equal(new URL(page.url()).pathname, '/app', `${account.email} signed in`);
    return await page.context().storageState();
  } finally {
    await page.context().close();
  }
}

const PAGES = [
  ['the dashboard', '/app/overview', 200],
  ['the pupil table', '/app/overview/pupils?sort=did_it', 200],
  ['the signals', '/app/signals', 200],
  ['the dashboard with a reversed period', '/app/overview?from=2026-12-01&to=2026-01-01', 422],
  ['the pupil table with an unknown sort', '/app/overview/pupils?sort=age', 422],
];

describe('overviews and signals', { concurrency: 1 }, () => {
  const env = useServerAndBrowser();
  const states = {};
  before(async () => {
    const demo = await demoAccounts(env.server);
    for (const role of ['leadership', 'teacher', 'board']) {
      const account = demo.accounts.get(role);
      assert.ok(account, `the demo prints a ${role} account`);
      states[role] = await signedIn(env, account, demo.password);
    }
  });

  for (const role of ['leadership', 'teacher']) {
    test(`axe-core on every overview page for ${role} (nl, en)`, async (t) => {
      await withPage(env, { storageState: states[role] }, async (page) => {
        for (const lang of ['nl', 'en']) {
          for (const [label, path, status] of PAGES) {
            await t.test(`${label} (${lang})`, async () => {
              const sep = path.includes('?') ? '&' : '?';
              const res = await page.goto(`${path}${sep}lang=${lang}`, { waitUntil: 'load' });
              assert.equal(res.status(), status, path);
              assert.equal(await page.getAttribute('html', 'lang'), lang);
              if (status === 422) {
                assert.equal(await page.locator('#problems[role=alert] li').count(), 1);
              }
              await checkA11y(page, `${label} for ${role} (${lang})`);
            });
          }
        }
      });
    });
  }

  test('axe-core on the thresholds form and its error state (nl, en)', async (t) => {
    await withPage(env, { storageState: states.leadership }, async (page) => {
      for (const lang of ['nl', 'en']) {
        await t.test(`the thresholds form (${lang})`, async () => {
          const res = await page.goto(`/app/signals/settings?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          assert.equal(await page.inputValue('#did_it_reports'), '3');
          await checkA11y(page, `the thresholds form (${lang})`);
        });
        await t.test(`the thresholds form with bad values (${lang})`, async () => {
          await page.goto(`/app/signals/settings?lang=${lang}`, { waitUntil: 'load' });
          await page.fill('#did_it_reports', 'drie');
          await page.fill('#rise_min', '0');
          const [res] = await Promise.all([
            page.waitForResponse((r) => r.url().endsWith('/app/signals/settings') && r.request().method() === 'POST'),
            page.click('form[action="/app/signals/settings"] button[type=submit]'),
          ]);
          assert.equal(res.status(), 422);
          await page.waitForLoadState('load');
          assert.equal(await page.locator('#problems[role=alert] li').count(), 2);
          assert.equal(await page.inputValue('#did_it_reports'), 'drie', 'what was typed stays');
          assert.equal(await page.getAttribute('#rise_min', 'aria-invalid'), 'true');
          await checkA11y(page, `the thresholds form with bad values (${lang})`);
        });
      }
    });
  });

  test('axe-core on the board figures (nl, en)', async (t) => {
    await withPage(env, { storageState: states.board }, async (page) => {
      for (const lang of ['nl', 'en']) {
        for (const [label, path, status] of [
          ['the board figures', '/app/board', 200],
          ['the board figures with a bad date', '/app/board?from=2026-02-30', 422],
        ]) {
          await t.test(`${label} (${lang})`, async () => {
            const sep = path.includes('?') ? '&' : '?';
            const res = await page.goto(`${path}${sep}lang=${lang}`, { waitUntil: 'load' });
            assert.equal(res.status(), status, path);
            await checkA11y(page, `${label} (${lang})`);
          });
        }
      }
    });
  });

  test('the dashboard charts are SVG with a title and the numbers in a table; it prints without the form', async () => {
    await withPage(env, { storageState: states.leadership }, async (page) => {
      await page.goto('/app/overview?lang=en', { waitUntil: 'load' });
      assert.equal(await page.locator('svg[role=img] > title').first().textContent(), 'Reports per week');
      assert.ok((await page.locator('table').count()) >= 2, 'the numbers are in tables');
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('form.period').isVisible(), false, 'no form on paper');
      assert.equal(await page.locator('svg[role=img]').first().isVisible(), true, 'the chart prints');
    });
  });
});
