// The access report (GDPR art. 15) and the portability export (art. 20) in the browser: leadership
// registers an access request for a demo pupil named in reports, chooses the items to describe,
// and reads the report; the data protection officer reads it too. The selection form (with and
// without an error), the report and the request page with its links are checked in Dutch and
// English under axe-core: zero violations. The report prints without links or forms.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  checkA11y,
  demoAccounts,
  navigateBy,
  signedInState,
  useServerAndBrowser,
  withPage,
} from './helpers.mjs';

describe('privacy: the access report and the portability export', { concurrency: 1 }, () => {
  const env = useServerAndBrowser();
  let leaderState;
  let dpoState;
  let request;
  before(async () => {
    const demo = await demoAccounts(env.server);
    const leader = demo.accounts.get('leadership');
    const dpo = demo.accounts.get('data_protection_officer');
    assert.ok(leader && dpo, 'the demo prints leadership and DPO accounts');
    leaderState = await signedInState(env, leader, demo.password);
    dpoState = await signedInState(env, dpo, demo.password);
  });

  test('leadership: request, selection form, report (nl, en)', async (t) => {
    await withPage(env, { storageState: leaderState }, async (page) => {
      // A pupil named in approved reports, from the overview's pupil table.
      const table = await page.goto('/app/overview/pupils', { waitUntil: 'load' });
      assert.equal(table.status(), 200);
      const href = await page.getAttribute('main table tbody tr a[href^="/app/pupils/"]', 'href');
      assert.ok(href, 'a pupil with reports');
      const pupil = href.split('/').pop();
      await page.goto('/app/requests/new', { waitUntil: 'load' });
      await page.selectOption('#pupil', pupil);
      await page.selectOption('#kind', 'access');
      await page.fill('#requester_name', 'Mevrouw Jansen');
      await page.fill('#verification', 'Paspoort bekeken aan de balie');
      const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
      assert.equal(sent.status(), 200);
      request = new URL(page.url()).pathname;
      assert.match(request, /^\/app\/requests\/[0-9a-f-]{36}$/);

      for (const lang of ['nl', 'en']) {
        const check = (label, fn) =>
          t.test(`${label} (${lang})`, async () => {
            await fn();
            assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> of ${label}`);
            await checkA11y(page, `${label} (${lang})`);
          });
        await check('the access request with its links', async () => {
          const res = await page.goto(`${request}?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.equal(await page.locator(`a[href="${request}/access-report/items"]`).count(), 1);
        });
        await check('the selection form', async () => {
          const res = await navigateBy(page, () => page.click(`a[href="${request}/access-report/items"]`));
          assert.equal(res.status(), 200);
          assert.ok((await page.locator('main input[type=checkbox][name=item]').count()) >= 1, 'items');
        });
        await check('the selection form with an error', async () => {
          await page.evaluate(() => {
            const box = document.querySelector('main input[name=item]');
            box.value = 'geen-melding';
            box.checked = true;
          });
          const res = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(res.status(), 422);
          assert.equal(await page.locator('#form-error[role=alert]').count(), 1);
        });
        await check('the report with one item described', async () => {
          await page.check('main input[name=item] >> nth=0');
          const res = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(res.status(), 200);
          assert.equal(new URL(page.url()).pathname, `${request}/access-report`);
          assert.equal(await page.locator('#details tbody tr').count(), 1);
          assert.ok((await page.locator('#behaviours tbody tr').count()) >= 1);
        });
      }
      await t.test('the printed report leaves links and forms off', async () => {
        await page.emulateMedia({ media: 'print' });
        assert.equal(await page.locator('main .screen-only').first().isVisible(), false);
        assert.equal(await page.locator('main h1').isVisible(), true);
        await page.emulateMedia({ media: 'screen' });
      });
    });
  });

  test('the data protection officer reads the report (nl, en)', async (t) => {
    await withPage(env, { storageState: dpoState }, async (page) => {
      for (const lang of ['nl', 'en']) {
        await t.test(`the report (${lang})`, async () => {
          const res = await page.goto(`${request}/access-report?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.equal(res.headers()['cache-control'], 'no-store');
          assert.equal(await page.locator(`a[href="${request}/access-report/items"]`).count(), 0);
          // Leadership, who registered and chose, is among those who saw the pupil's data.
          assert.ok((await page.locator('#knowledge tbody tr').count()) >= 1);
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          await checkA11y(page, `the access report for the DPO (${lang})`);
        });
      }
    });
  });
});
