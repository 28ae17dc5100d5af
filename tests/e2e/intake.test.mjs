// The intake flow in the demo (issue 5): a child's report comes in through the public form; the
// coordinator finds it in /app/intake, links the typed name to a pupil from the roster, redacts the
// health term (the page then offers the standard message to the reporter), tries to approve while
// something is still open (the list of what blocks it), and approves. axe-core finds no violations on
// the queue, the working page, the page with the standard message and the page with the blockers, in
// Dutch and in English. One demo server for the file; the tests run in order.
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

const SCHOOL = 'de-vuurtoren';

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

/** Sends a report through the public form; `story` must be unique to find it again. */
async function sendReport(page, story, name) {
  await page.goto(`/s/${SCHOOL}`, { waitUntil: 'load' });
  await page.check('input[name=reporter][value=pupil_witness]');
  await page.check('input[name=categories][value=verbal]');
  await page.check('input[name=place][value=schoolyard]');
  await page.check('input[name=frequency][value=several_times]');
  await page.fill('#did_it_0-name', name);
  await page.fill('#description', story);
  // The form refuses what is sent within a few seconds of opening it (bots post at once).
  await page.waitForTimeout(3500);
  const res = await navigateBy(page, () => page.click('button.send'));
  assert.equal(res.status(), 200, 'the report is stored');
}

/** The working page of the queued report whose text holds `story`. */
async function findReport(page, story) {
  const res = await page.goto('/app/intake', { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  const hrefs = await page.locator('main table a[href^="/app/intake/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of hrefs) {
    await page.goto(href, { waitUntil: 'load' });
    if ((await page.textContent('#field-description blockquote'))?.includes(story.slice(0, 30))) return href;
  }
  throw new Error(`the report "${story}" is not in the queue`);
}

describe('intake in the browser', () => {
  const env = useServerAndBrowser();
  let demo;
  let coordinatorState;
  before(async () => {
    demo = await demoAccounts(env.server);
    const page = await newPage(env.browser, env.server.baseUrl);
    try {
      await page.goto('/app/intake', { waitUntil: 'load' });
      await signInStaff(page, demo.accounts.get('coordinator'), demo.password);
      coordinatorState = await page.context().storageState();
    } finally {
      await page.context().close();
    }
  });

  test('link, redact, approve (nl), with axe on every intake page', async (t) => {
    const story = 'Sem zegt elke dag dat Noor ADHD heeft en lacht haar dan uit op het plein.';
    await withPage(env, {}, (page) => sendReport(page, story, 'Sem'));
    await withPage(env, { storageState: coordinatorState }, async (page) => {
      await page.goto('/app/intake?lang=nl', { waitUntil: 'load' });
      await t.test('the queue (nl)', () => checkA11y(page, 'the intake queue (nl)'));
      const href = await findReport(page, story);
      await t.test('the working page (nl)', () => checkA11y(page, 'the intake page (nl)'));
      assert.equal(await page.locator('mark', { hasText: 'ADHD' }).count(), 1, 'the health term is marked');

      // Approving too early: what blocks it, linked to where it is done.
      let res = await navigateBy(page, () => page.click('#approve button[type=submit]'));
      assert.equal(res.status(), 422);
      assert.equal(await page.locator('#intake-error a[href="#field-description"]').count(), 1);
      assert.equal(await page.locator('#intake-error a[href="#name-did_it-0"]').count(), 1);
      await t.test('the page with what blocks approval (nl)', () => checkA11y(page, 'the blockers (nl)'));

      // Link the name to a pupil from the whole roster.
      await page.check('#name-did_it-0-other');
      const first = await page.locator('#name-did_it-0-roster option').nth(1).getAttribute('value');
      await page.selectOption('#name-did_it-0-roster', first);
      res = await navigateBy(page, () => page.click('#name-did_it-0 button[type=submit]'));
      assert.equal(res.status(), 200);
      assert.match(await page.textContent('main .notice[role=status]'), /gekoppeld/);
      assert.match(await page.textContent('#name-did_it-0'), /Gekoppeld aan:/);

      // Redact the health term: the standard message to the reporter is offered.
      res = await navigateBy(page, () => page.click('#field-description .hits button'));
      assert.equal(res.status(), 200);
      assert.equal(await page.locator('mark', { hasText: 'ADHD' }).count(), 0);
      assert.match(await page.textContent('#field-description blockquote'), /\[verwijderd\]/);
      assert.match(await page.inputValue('#body'), /^Dank je wel voor je melding/);
      await t.test('the page with the standard message (nl)', () => checkA11y(page, 'the standard message (nl)'));
      res = await navigateBy(page, () => page.click('#message button[type=submit]'));
      assert.equal(res.status(), 200);
      assert.match(await page.textContent('#messages'), /Dank je wel voor je melding/);

      // Approve: back to the queue, without this report.
      res = await navigateBy(page, () => page.click('#approve button[type=submit]'));
      assert.equal(res.status(), 200);
      assert.equal(new URL(page.url()).pathname, '/app/intake');
      assert.match(await page.textContent('main .notice[role=status]'), /goedgekeurd/);
      assert.equal(await page.locator(`main a[href="${href}"]`).count(), 0);
      await t.test('the queue after approving (nl)', () => checkA11y(page, 'the queue after approving (nl)'));
    });
  });

  test('the intake pages in English, with an error', async (t) => {
    const story = 'Lisa says Daan takes medication and tells everyone at break, every single day.';
    await withPage(env, {}, (page) => sendReport(page, story, 'Daan'));
    await withPage(env, { storageState: coordinatorState, locale: 'en-GB' }, async (page) => {
      await page.goto('/app/intake?lang=en', { waitUntil: 'load' });
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      await t.test('the queue (en)', () => checkA11y(page, 'the intake queue (en)'));
      await findReport(page, story);
      await t.test('the working page (en)', () => checkA11y(page, 'the intake page (en)'));
      // Keeping without a reason is explained, at the form.
      const res = await navigateBy(page, () => page.click('#field-description .hits form:nth-of-type(2) button'));
      assert.equal(res.status(), 422);
      assert.match(await page.textContent('#intake-error'), /Write down why/);
      await t.test('the page with an error (en)', () => checkA11y(page, 'an intake error (en)'));
      const href = new URL(page.url()).pathname;

      // Two tabs on one version: the second save gets the conflict page, its text kept.
      for (const lang of ['en', 'nl']) {
        const other = await page.context().newPage();
        await other.goto(`${href}?lang=${lang}`, { waitUntil: 'load' });
        await page.goto(`${href}?lang=${lang}`, { waitUntil: 'load' });
        await page.fill('#note', lang === 'en' ? 'Check with the teacher of group 6.' : 'Navragen bij de juf.');
        assert.equal((await navigateBy(page, () => page.click('#verification button[value=verify]'))).status(), 200);
        await other.click('#field-description summary');
        await other.fill('#field-description-text', 'Daan laughs at Lisa at break.');
        const res = await navigateBy(other, () => other.click('#field-description details form button[type=submit]'));
        assert.equal(res.status(), 409);
        assert.equal(await other.inputValue('#again-text'), 'Daan laughs at Lisa at break.', 'the text is kept');
        await t.test(`the conflict page (${lang})`, () => checkA11y(other, `the conflict page (${lang})`));
        await other.close();
      }
    });
  });
});
