// Follow-up in the browser: the pupil page, a case and the steering-group view (and its print) with
// axe-core in Dutch and English, and a logbook entry written by the demo teacher: a measure without
// the parents-informed answer is refused with the text kept, then saved with it. One demo server for
// the file; the tests run one at a time, in order.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  assertNoForeignRequests,
  checkA11y,
  demoAccounts,
  navigateBy,
  newPage,
  signInStaff,
  useServerAndBrowser,
} from './helpers.mjs';

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

/** Signs a demo account in once; returns the context state to reuse (a sign-in waits for a TOTP step). */
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

describe('follow-up: pupil page, cases, logbook, steering group', { concurrency: 1 }, () => {
  const env = useServerAndBrowser();
  let teacherState;
  let leaderState;
  before(async () => {
    const demo = await demoAccounts(env.server);
    const account = (role) => {
      const found = demo.accounts.get(role);
      assert.ok(found, `the demo prints a ${role} account`);
      return found;
    };
    teacherState = await signedIn(env, account('teacher'), demo.password);
    leaderState = await signedIn(env, account('leadership'), demo.password);
  });

  /** The demo's case about a pupil of group 5a, and that pupil's page, as the teacher finds them. */
  async function teacherPaths(page) {
    const res = await page.goto('/app/cases', { waitUntil: 'load' });
    assert.equal(res.status(), 200, '/app/cases');
    const casePath = await page.getAttribute('main table tbody tr a[href^="/app/cases/"]', 'href');
    assert.match(casePath ?? '', /^\/app\/cases\/[0-9a-f-]{36}$/, 'the teacher sees the demo case of 5a');
    await page.goto(casePath, { waitUntil: 'load' });
    const pupilPath = await page.getAttribute('main dl a[href^="/app/pupils/"]', 'href');
    assert.match(pupilPath ?? '', /^\/app\/pupils\/[0-9a-f-]{36}$/, 'the case names its pupil');
    return { casePath, pupilPath };
  }

  test('a teacher writes a measure in the logbook; the parents question is required', async () => {
    await withPage(env, { storageState: teacherState }, async (page) => {
      const { pupilPath } = await teacherPaths(page);
      await page.goto(pupilPath, { waitUntil: 'load' });
      const text = 'Mag een week niet met de bal spelen in de pauze; besproken met de leerling.';
      await page.selectOption('#kind', 'limiting_measure');
      await page.fill('#body', text);
      let res = await navigateBy(page, () => page.click('form.logbook-form button[type=submit]'));
      assert.equal(res.status(), 422, 'refused without the parents answer');
      assert.equal(await page.locator('#problems[role=alert] a[href="#parents_informed"]').count(), 1);
      assert.equal(await page.inputValue('#body'), text, 'the text is kept');
      assert.equal(await page.inputValue('#kind'), 'limiting_measure', 'the kind is kept');
      await checkA11y(page, 'the pupil page with a logbook error (nl)');
      await page.check('#informed-no');
      res = await navigateBy(page, () => page.click('form.logbook-form button[type=submit]'));
      assert.equal(res.status(), 200);
      assert.equal(new URL(page.url()).pathname, pupilPath);
      assert.equal(await page.locator('main .notice[role=status]').count(), 1, 'saved');
      assert.ok((await page.textContent('ol.logbook')).includes(text), 'the entry is on the pupil page');
      assert.ok((await page.textContent('ol.logbook')).includes('niet persoonlijk geïnformeerd'));
    });
  });

  test('axe-core on the pupil and case pages (nl, en)', async (t) => {
    await withPage(env, { storageState: teacherState }, async (page) => {
      const { casePath, pupilPath } = await teacherPaths(page);
      for (const lang of ['nl', 'en']) {
        for (const [label, path] of [
          ['the pupil page', pupilPath],
          ['a case', casePath],
          ['the case list', '/app/cases'],
          ['finding a pupil', '/app/pupils?q=an'],
        ]) {
          await t.test(`${label} (${lang})`, async () => {
            const sep = path.includes('?') ? '&' : '?';
            const res = await page.goto(`${path}${sep}lang=${lang}`, { waitUntil: 'load' });
            assert.equal(res.status(), 200, path);
            assert.equal(await page.getAttribute('html', 'lang'), lang);
            await checkA11y(page, `${label} (${lang})`);
          });
        }
      }
    });
  });

  test('axe-core on leadership’s case page and the steering view and print (nl, en)', async (t) => {
    await withPage(env, { storageState: leaderState }, async (page) => {
      const res = await page.goto('/app/cases', { waitUntil: 'load' });
      assert.equal(res.status(), 200);
      const casePath = await page.getAttribute('main table tbody tr a[href^="/app/cases/"]', 'href');
      for (const lang of ['nl', 'en']) {
        await t.test(`a case with the status form (${lang})`, async () => {
          await page.goto(`${casePath}?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(await page.locator('select#status').count(), 1);
          await checkA11y(page, `a case for leadership (${lang})`);
        });
        await t.test(`the case list with the new-case form (${lang})`, async () => {
          await page.goto(`/app/cases?lang=${lang}`, { waitUntil: 'load' });
          await checkA11y(page, `the case list for leadership (${lang})`);
        });
        await t.test(`the steering view (${lang})`, async () => {
          const res = await page.goto(`/app/steering?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.ok((await page.locator('main table').count()) >= 1, 'the demo’s reports and cases');
          await checkA11y(page, `the steering view (${lang})`);
        });
        await t.test(`the steering view with a bad period (${lang})`, async () => {
          const res = await page.goto(`/app/steering?from=2026-12-01&to=2026-01-01&lang=${lang}`, {
            waitUntil: 'load',
          });
          assert.equal(res.status(), 422);
          await checkA11y(page, `the steering view with an error (${lang})`);
        });
        await t.test(`the steering print (${lang})`, async () => {
          await page.goto(`/app/steering?lang=${lang}`, { waitUntil: 'load' });
          const res = await navigateBy(page, () => page.click('main a[href^="/app/steering/print"]'));
          assert.equal(res.status(), 200);
          const stamp = await page.textContent('main .stamp');
          assert.match(stamp ?? '', lang === 'nl' ? /Afgedrukt door .+ op / : /Printed by .+ on /);
          await checkA11y(page, `the steering print (${lang})`);
          // On paper the stamp stays and the forms and navigation go.
          await page.emulateMedia({ media: 'print' });
          assert.equal(await page.isVisible('main .stamp'), true, 'the stamp prints');
          assert.equal(await page.isVisible('header.site'), false, 'no site header on paper');
          await page.emulateMedia({ media: 'screen' });
        });
      }
    });
  });
});
