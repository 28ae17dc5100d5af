// Privacy lifecycle pages (issue 7): the request register (list, new, one request with its
// extension and decision forms), the registers (disclosures, breaches, processing overview), the
// retention settings, and the public privacy statement, each in Dutch and English, with and without
// an error, under axe-core: zero violations. Leadership fills the forms; the data protection officer
// reads the same pages without them. Leadership carries out correction, erasure and restriction
// (the pages of issue 7, part 3). One demo server for the whole file.
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
    assert.equal(new URL(page.url()).pathname, '/app', 'signed in');
    return await page.context().storageState();
  } finally {
    await page.context().close();
  }
}

describe('privacy: requests, registers, statement', { concurrency: 1 }, () => {
  const env = useServerAndBrowser();
  let demo;
  let leaderState;
  let dpoState;
  before(async () => {
    demo = await demoAccounts(env.server);
    const leader = demo.accounts.get('leadership');
    const dpo = demo.accounts.get('data_protection_officer');
    assert.ok(leader && dpo, 'the demo prints leadership and DPO accounts');
    leaderState = await signedIn(env, leader, demo.password);
    dpoState = await signedIn(env, dpo, demo.password);
  });

  test('the public privacy statement (nl, en) and its link on the form', async (t) => {
    await withPage(env, {}, async (page) => {
      for (const lang of ['nl', 'en']) {
        await t.test(`statement (${lang})`, async () => {
          const form = await page.goto(`/s/de-vuurtoren?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(form.status(), 200);
          const res = await navigateBy(page, () => page.click('a[href*="/privacy"]'));
          assert.equal(res.status(), 200);
          assert.equal(new URL(page.url()).pathname, '/s/de-vuurtoren/privacy');
          assert.equal(await page.getAttribute('html', 'lang'), lang);
          assert.ok((await page.locator('main h2').count()) >= 7, 'every part of the statement');
          await checkA11y(page, `the privacy statement (${lang})`);
        });
      }
    });
  });

  test('leadership: every request and register page, with errors (nl, en)', async (t) => {
    await withPage(env, { storageState: leaderState }, async (page) => {
      for (const lang of ['nl', 'en']) {
        const check = (label, fn) =>
          t.test(`${label} (${lang})`, async () => {
            await fn();
            assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> of ${label}`);
            await checkA11y(page, `${label} (${lang})`);
          });
        await check('the request list', async () => {
          const res = await page.goto(`/app/requests?lang=${lang}`, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
        });
        await check('a new request with an error', async () => {
          const res = await page.goto('/app/requests/new', { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          await page.fill('#requester_name', 'Mevrouw Jansen');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 422);
          assert.equal(await page.locator('#form-error[role=alert]').count(), 1);
          assert.equal(await page.inputValue('#requester_name'), 'Mevrouw Jansen', 'kept');
        });
        await check('a request registered', async () => {
          await page.selectOption('#pupil', { index: 1 });
          await page.selectOption('#kind', 'access');
          await page.fill('#verification', 'Paspoort bekeken aan de balie');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 200);
          assert.match(new URL(page.url()).pathname, /^\/app\/requests\/[0-9a-f-]{36}$/);
        });
        await check('a request with a decision error', async () => {
          await page.fill('#reasons', 'kort');
          const sent = await navigateBy(page, () => page.click('form[action$="/decide"] button[type=submit]'));
          assert.equal(sent.status(), 422);
          assert.equal(await page.locator('#form-error[role=alert]').count(), 1);
        });
        await check('a request extended and decided', async () => {
          await page.fill('#extension_reason', 'Veel gegevens om na te lopen');
          let sent = await navigateBy(page, () => page.click('form[action$="/extend"] button[type=submit]'));
          assert.equal(sent.status(), 200);
          await page.check('#decision-partly');
          await page.fill('#reasons', 'Gegevens van andere kinderen blijven weg.');
          sent = await navigateBy(page, () => page.click('form[action$="/decide"] button[type=submit]'));
          assert.equal(sent.status(), 200);
          assert.equal(await page.locator('form[action$="/decide"]').count(), 0);
        });
        await check('the request list with one overdue and one due soon', async () => {
          const daysAgo = (n) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
          for (const received of [daysAgo(40), daysAgo(28)]) {
            await page.goto('/app/requests/new', { waitUntil: 'load' });
            await page.selectOption('#pupil', { index: 2 });
            await page.selectOption('#kind', 'erasure');
            await page.fill('#received_on', received);
            await page.fill('#requester_name', 'Meneer De Boer');
            await page.fill('#verification', 'Identiteitskaart bekeken');
            const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
            assert.equal(sent.status(), 200);
          }
          assert.equal((await page.goto('/app/requests', { waitUntil: 'load' })).status(), 200);
          assert.ok((await page.locator('tr.deadline-overdue').count()) >= 1, 'an overdue row');
          assert.ok((await page.locator('tr.deadline-soon').count()) >= 1, 'a row due soon');
        });
        await check('the registers', async () => {
          assert.equal((await page.goto('/app/registers', { waitUntil: 'load' })).status(), 200);
        });
        await check('the disclosures with an error', async () => {
          assert.equal((await page.goto('/app/registers/disclosures', { waitUntil: 'load' })).status(), 200);
          await page.fill('#recipient', 'Veilig Thuis');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 422);
        });
        await check('the disclosures with one recorded', async () => {
          await page.selectOption('#legal_ground', 'legal_duty');
          await page.check('#category-names');
          await page.fill('#purpose', 'Meldcode');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 200);
          assert.ok((await page.locator('main table tbody tr').count()) >= 1);
        });
        await check('the breaches with an error', async () => {
          assert.equal((await page.goto('/app/registers/breaches', { waitUntil: 'load' })).status(), 200);
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 422);
        });
        await check('the breaches with one recorded', async () => {
          const now = new Date(Date.now() - 3_600_000);
          const local = new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
          await page.fill('#discovered_at', local);
          await page.fill('#description', 'Een lijst naar de verkeerde ouder gemaild');
          await page.check('#category-names');
          await page.fill('#people_count', '28');
          await page.selectOption('#risk', 'risk');
          await page.fill('#not_notified_reason', 'Nog in onderzoek');
          await page.fill('#measures', 'Ontvanger gevraagd te verwijderen');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 200);
        });
        await check('one breach, notified later', async () => {
          const res = await navigateBy(page, () => page.click('main table tbody tr a'));
          assert.equal(res.status(), 200);
          await page.fill('#measures', '');
          const bad = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(bad.status(), 422);
          await page.fill('#measures', 'Ouders gebeld');
          await page.check('#parents_informed');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 200);
        });
        await check('the processing overview', async () => {
          assert.equal((await page.goto('/app/registers/processing', { waitUntil: 'load' })).status(), 200);
        });
        await check('the retention settings with an error', async () => {
          assert.equal((await page.goto('/app/registers/settings', { waitUntil: 'load' })).status(), 200);
          await page.fill('#report_months', '99');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 422);
          assert.equal(await page.getAttribute('#report_months', 'aria-invalid'), 'true');
        });
        await check('the retention settings saved', async () => {
          await page.fill('#report_months', '12');
          await page.fill('#school_contact', 'Zeeweg 1, Strand');
          await page.fill('#dpo_name', 'A. Visser');
          await page.fill('#dpo_contact', 'fg@bestuur.test');
          const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
          assert.equal(sent.status(), 200);
          assert.equal(await page.locator('main .notice[role=status]').count(), 1);
        });
      }
    });
  });

  test('leadership carries out correction, erasure and restriction (nl, en)', async (t) => {
    await withPage(env, { storageState: leaderState }, async (page) => {
      // Registers a request of `kind` for the pupil at `index` on the form (or with id `pupil`);
      // back on its page.
      const register = async (kind, index, chosen) => {
        await page.goto('/app/requests/new', { waitUntil: 'load' });
        const pupil = chosen ?? (await page.locator('#pupil option').nth(index).getAttribute('value'));
        await page.selectOption('#pupil', pupil);
        await page.selectOption('#kind', kind);
        await page.fill('#requester_name', 'Mevrouw Jansen');
        await page.fill('#verification', 'Paspoort bekeken aan de balie');
        const sent = await navigateBy(page, () => page.click('main form button[type=submit]'));
        assert.equal(sent.status(), 200);
        return pupil;
      };
      const openApply = async () => {
        const res = await navigateBy(page, () => page.click('main a[href$="/apply"]'));
        assert.equal(res.status(), 200);
        assert.match(new URL(page.url()).pathname, /\/apply$/);
      };
      for (const lang of ['nl', 'en']) {
        const check = (label, fn) =>
          t.test(`${label} (${lang})`, async () => {
            await fn();
            assert.equal(await page.getAttribute('html', 'lang'), lang, `<html lang> of ${label}`);
            await checkA11y(page, `${label} (${lang})`);
          });
        await check('a correction request with its action link', async () => {
          // A pupil linked in reports (from the pupil table), so there is text to correct.
          await page.goto(`/app/overview/pupils?lang=${lang}`, { waitUntil: 'load' });
          const href = await page.locator('main table tbody tr a[href^="/app/pupils/"]').first().getAttribute('href');
          await register('correction', 0, href.split('/').pop());
          assert.equal(await page.locator('main a[href$="/apply"]').count(), 1);
        });
        await check('the correction page', async () => {
          await openApply();
          assert.ok((await page.locator('form[action$="/apply/correct"]').count()) >= 1, 'text to correct');
        });
        await check('the correction page with an error', async () => {
          const form = page.locator('form[action$="/apply/correct"]').first();
          await form.locator('textarea[name=reasons]').fill('kort');
          const sent = await navigateBy(page, () => form.locator('button[type=submit]').click());
          assert.equal(sent.status(), 422);
          assert.equal(await page.locator('main .error[role=alert]').count(), 1);
        });
        await check('a correction carried out', async () => {
          const form = page.locator('form[action$="/apply/correct"]').first();
          await form.locator('textarea[name=reasons]').fill('De ouders wezen op een fout.');
          const sent = await navigateBy(page, () => form.locator('button[type=submit]').click());
          assert.equal(sent.status(), 200);
          assert.equal(await page.locator('main .notice[role=status]').count(), 1);
        });
        await check('the erasure page with an error', async () => {
          await register('erasure', 2);
          await openApply();
          const sent = await navigateBy(page, () => page.click('form[action$="/apply/erase"] button[type=submit]'));
          assert.equal(sent.status(), 422);
          assert.equal(await page.locator('#erase-error[role=alert]').count(), 1);
        });
        await check('the erasure carried out', async () => {
          await page.fill('#erase-reasons', 'Verzoek van de ouders toegewezen.');
          const sent = await navigateBy(page, () => page.click('form[action$="/apply/erase"] button[type=submit]'));
          assert.equal(sent.status(), 200);
          assert.equal(await page.locator('main .notice[role=status]').count(), 1);
        });
        let restricted;
        await check('the restriction page with an error', async () => {
          restricted = await register('restriction', 3);
          await openApply();
          await page.fill('#restrict-reasons', 'kort');
          const sent = await navigateBy(page, () => page.click('form[action$="/apply/restrict"] button[type=submit]'));
          assert.equal(sent.status(), 422);
          assert.equal(await page.getAttribute('#restrict-reasons', 'aria-invalid'), 'true');
        });
        await check('the restriction in force, with the lift form', async () => {
          await page.fill('#restrict-reasons', 'De ouders betwisten de meldingen.');
          const sent = await navigateBy(page, () => page.click('form[action$="/apply/restrict"] button[type=submit]'));
          assert.equal(sent.status(), 200);
          assert.equal(await page.locator('form[action$="/apply/lift"]').count(), 1);
        });
        const apply = new URL(page.url()).pathname;
        const csrf = await page.locator('form[action$="/apply/lift"] input[name=csrf]').inputValue();
        await check('the restricted pupil, marked', async () => {
          const res = await page.goto(`/app/pupils/${restricted}`, { waitUntil: 'load' });
          assert.equal(res.status(), 200);
          assert.equal(await page.locator('main .state-paused').count(), 1);
        });
        await check('the page refusing a change to a restricted pupil', async () => {
          // The pupil page offers no logbook form now; a stale one posted anyway gets the 409 page.
          const sent = await navigateBy(page, () =>
            page.evaluate(([action, token]) => {
              const form = document.createElement('form');
              form.method = 'post';
              form.action = action;
              for (const [name, value] of [['csrf', token], ['kind', 'observation'], ['occurred_on', new Date().toISOString().slice(0, 10)], ['body', 'Gesprek']]) {
                const input = document.createElement('input');
                input.type = 'hidden';
                input.name = name;
                input.value = value;
                form.append(input);
              }
              document.body.append(form);
              form.submit();
            }, [`/app/pupils/${restricted}/logbook`, csrf]),
          );
          assert.equal(sent.status(), 409);
        });
        await check('the restriction lifted', async () => {
          await page.goto(apply, { waitUntil: 'load' });
          await page.fill('#lift-reasons', 'De meldingen zijn nagelopen.');
          const sent = await navigateBy(page, () => page.click('form[action$="/apply/lift"] button[type=submit]'));
          assert.equal(sent.status(), 200);
          assert.equal(await page.locator('form[action$="/apply/lift"]').count(), 0);
        });
        await check('an objection request, pausing until decided', async () => {
          await register('objection', 4);
          assert.equal(await page.locator('main a[href$="/apply"]').count(), 0);
        });
      }
    });
  });

  test('the data protection officer reads the registers (nl, en)', async (t) => {
    await withPage(env, { storageState: dpoState }, async (page) => {
      for (const lang of ['nl', 'en']) {
        for (const path of ['/app/requests', '/app/registers', '/app/registers/disclosures', '/app/registers/breaches', '/app/registers/processing']) {
          await t.test(`${path} as DPO (${lang})`, async () => {
            const res = await page.goto(`${path}?lang=${lang}`, { waitUntil: 'load' });
            assert.equal(res.status(), 200);
            assert.equal(await page.locator('main form').count(), 0, 'no forms for the DPO');
            if (path === '/app/registers/breaches') {
              const res = await navigateBy(page, () => page.click('main table tbody tr a'));
              assert.equal(res.status(), 200);
              assert.equal(await page.locator('main form').count(), 0, 'no form on a breach for the DPO');
              await checkA11y(page, `one breach as DPO (${lang})`);
            }
            await checkA11y(page, `${path} as DPO (${lang})`);
          });
        }
        await t.test(`one request as DPO (${lang})`, async () => {
          await page.goto('/app/requests', { waitUntil: 'load' });
          const res = await navigateBy(page, () => page.click('main table tbody tr a'));
          assert.equal(res.status(), 200);
          await checkA11y(page, `one request as DPO (${lang})`);
        });
      }
    });
  });
});
