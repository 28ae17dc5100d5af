// Shared parts of the browser tests: a fresh demo server, Debian's Chromium, a page that may talk to
// no host but the server, and an axe-core check. See README.md beside this file.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The debug binary that `cargo test` / `cargo build -p signaal` leaves behind. */
export const signaalBin =
  process.env.SIGNAAL_BIN ??
  join(resolve(repoRoot, process.env.CARGO_TARGET_DIR ?? 'target'), 'debug', 'signaal');

/** Debian's chromium package; no downloaded browser builds. */
export const chromiumPath = process.env.SIGNAAL_CHROMIUM ?? '/usr/bin/chromium';

const READY_TIMEOUT_MS = 60_000;

/** A port that was free a moment ago (the server binds it right after; a clash is retried). */
function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startOnce(extraArgs) {
  const dataDir = mkdtempSync(join(tmpdir(), 'signaal-e2e-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // Only the settings given here: a SIGNAAL_* variable in the caller's shell must not change the
  // server under test (say, point it at another database).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SIGNAAL_')));
  const args = ['serve', '--demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, ...extraArgs];
  const child = spawn(signaalBin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  // stdout on its own, from the start (what `--demo` prints there, e.g. the demo accounts, comes
  // first; the log goes to stderr and could push it out of `output`).
  let stdout = '';
  const stdoutWaiters = new Set();
  child.stdout.setEncoding('utf8'); // a character split between two chunks stays whole
  child.stdout.on('data', (chunk) => {
    if (stdout.length < 100_000) stdout += chunk;
    for (const waiter of stdoutWaiters) waiter();
  });
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const exitPromise = new Promise((r) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      for (const waiter of stdoutWaiters) waiter();
      r();
    });
    child.on('error', (e) => {
      keep(`\n[could not start ${signaalBin}: ${e.message}]\n`);
      exited = { code: null, signal: null };
      r();
    });
  });
  // If the test process dies without calling stop(), take the server along.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const cleanup = () => {
    process.off('exit', killOnExit);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(timer);
    }
    cleanup();
  };

  // The server prints after it starts listening, so /readyz may answer before the lines arrive.
  const waitForStdout = (pattern, { timeoutMs = 10_000 } = {}) =>
    new Promise((ok, fail) => {
      const check = () => {
        const m = stdout.match(pattern);
        if (m || exited) {
          stdoutWaiters.delete(check);
          clearTimeout(timer);
          if (m) ok(m);
          else fail(new Error(`the server exited before printing ${pattern}; its stdout:\n${stdout}`));
        }
      };
      const timer = setTimeout(() => {
        stdoutWaiters.delete(check);
        fail(new Error(`the server did not print ${pattern} within ${timeoutMs} ms; its stdout:\n${stdout}`));
      }, timeoutMs);
      stdoutWaiters.add(check);
      check();
    });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) {
        return { baseUrl, stop, dataDir, output: () => output, stdout: () => stdout, waitForStdout };
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  const died = exited; // null: it was still running, and stop() is what ends it
  await stop();
  return { failed: true, exited: died, output, port };
}

/**
 * Start `signaal serve --demo` on a fresh data folder and a free loopback port, and wait until
 * /readyz answers 200. Returns { baseUrl, stop, dataDir, output, stdout, waitForStdout }; call stop()
 * in an after() hook. output() is the tail of stdout and stderr together; stdout() is stdout from the
 * start, and waitForStdout(regexp, { timeoutMs }) resolves with the match once stdout has it.
 */
export async function startServer({ args = [] } = {}) {
  if (!existsSync(signaalBin)) {
    throw new Error(`${signaalBin} is missing: build it first with \`cargo build -p signaal --locked\``);
  }
  let last;
  for (let attempt = 0; attempt < 3; attempt++) {
    last = await startOnce(args);
    if (!last.failed) return last;
    // Another process may have taken the port between freePort() and the bind: try a new one.
    if (!(last.exited && /address.*in use|AddrInUse/i.test(last.output))) break;
  }
  const how = last.exited
    ? `exited (code ${last.exited.code}, signal ${last.exited.signal})`
    : `did not answer 200 on /readyz within ${READY_TIMEOUT_MS / 1000} s`;
  const output = last.output.replace(/\x1b\[[0-9;]*m/g, ''); // the log's colours, unreadable in a report
  throw new Error(`signaal serve on port ${last.port} ${how}. Its output:\n${output}`);
}

/**
 * The demo staff accounts that `serve --demo` prints on stdout, one line each:
 *   `  coordinator   coordinator@de-vuurtoren.demo   TOTP secret ABC…XYZ  Ahmed Benali (…)`
 * and the password they share. Returns { password, accounts: Map(role → { role, email, secret, name }) }.
 */
export async function demoAccounts(server) {
  // The sign-in line comes after the accounts, so once it is there they all are.
  const [, password] = await server.waitForStdout(/the password (\S+), and/);
  const accounts = new Map();
  for (const [, role, email, secret, name] of server
    .stdout()
    .matchAll(/^ +([a-z_]+) +(\S+@\S+) +TOTP secret ([A-Z2-7]+) +(.+?) *$/gm)) {
    accounts.set(role, { role, email, secret, name });
  }
  if (accounts.size === 0) throw new Error(`no demo accounts in the server's stdout:\n${server.stdout()}`);
  return { password, accounts };
}

/** RFC 4648 base32 (A–Z, 2–7; padding and spaces ignored) to bytes. */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const c of text.toUpperCase().replace(/[\s=]/g, '')) {
    const v = alphabet.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(c)} in ${text}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

export const TOTP_STEP_SECONDS = 30;

/** The TOTP time step of a moment (ms since the epoch): floor(unix seconds / 30). */
export const totpStep = (ms = Date.now()) => Math.floor(ms / 1000 / TOTP_STEP_SECONDS);

/**
 * The six-digit TOTP code (RFC 6238: HMAC-SHA1, 30 s steps) of a base32 secret for a time step
 * (totpStep() for now).
 */
export function totpCode(secretBase32, step = totpStep()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f; // dynamic truncation (RFC 4226 5.3)
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

const usedTotpSteps = new Map();

/**
 * A TOTP code of a demo account that the server has not seen yet: it takes each time step once per
 * account, so this remembers the last step used per e-mail address (in this test process, which has
 * its own server) and, when now's step is used up, waits for the next. Returns { code, step }.
 */
export async function freshTotpCode(account) {
  const used = usedTotpSteps.get(account.email);
  if (used !== undefined && totpStep() <= used) {
    await sleep((used + 1) * TOTP_STEP_SECONDS * 1000 - Date.now() + 50);
  }
  const step = totpStep();
  usedTotpSteps.set(account.email, step);
  return { code: totpCode(account.secret, step), step };
}

/**
 * Signs a demo account ({ email, secret }) in from the login page the browser is on (say, after
 * /app/… sent it there with `next`): the password, a fresh TOTP code, and the confidentiality
 * statement when it is asked for. Returns the response of the page it lands on: `next`, or /app
 * after the statement (which does not return to `next`).
 */
export async function signInStaff(page, account, password) {
  const at = () => new URL(page.url()).pathname;
  if (at() !== '/app/login') throw new Error(`signInStaff starts on the login page, not on ${page.url()}`);
  await page.fill('#email', account.email);
  await page.fill('#password', password);
  let res = await navigateBy(page, () => page.click('form[action="/app/login"] button[type=submit]'));
  if (at() !== '/app/login/code') throw new Error(`the password of ${account.email} led to ${page.url()} (${res.status()})`);
  await page.fill('#code', (await freshTotpCode(account)).code);
  res = await navigateBy(page, () => page.click('form[action="/app/login/code"] button[type=submit]'));
  if (at() === '/app/statement') {
    await page.check('#accept');
    res = await navigateBy(page, () => page.click('form[action="/app/statement"] button[type=submit]'));
  }
  if (at().startsWith('/app/login')) throw new Error(`the code of ${account.email} was refused (${res.status()})`);
  return res;
}

/** Debian's Chromium, headless; one per test file is plenty. */
export function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: run scripts/test-deps.sh (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
    ],
  });
}

/**
 * For a test file or describe(): registers before/after hooks that start a server and a browser
 * and always stop both (a browser left open keeps the test process, and so the run, alive).
 * Returns an object whose .server ({ baseUrl, stop }) and .browser are set once before() ran.
 */
export function useServerAndBrowser({ args = [] } = {}) {
  const env = {};
  before(async () => {
    env.browser = await launchBrowser();
    env.server = await startServer({ args });
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

const foreignByPage = new WeakMap();

/**
 * A page in its own context (no cookies shared with other pages) whose relative URLs resolve
 * against baseUrl, in a Dutch browser unless contextOptions say otherwise (e.g. { locale: 'en-US' }):
 * the server picks the page language from Accept-Language. Every request to another origin is
 * recorded and aborted, so nothing leaves the machine; assertNoForeignRequests(page) fails the test
 * when there were any.
 */
export async function newPage(browser, baseUrl, contextOptions = {}) {
  const origin = new URL(baseUrl).origin;
  const allowed = (url) => /^(data|blob|about):/.test(url) || new URL(url).origin === origin;
  const context = await browser.newContext({ baseURL: baseUrl, locale: 'nl-NL', ...contextOptions });
  const foreign = [];
  context.on('request', (req) => {
    if (!allowed(req.url())) foreign.push(req.url());
  });
  await context.route(
    (url) => !allowed(url.href),
    (route) => route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  foreignByPage.set(page, foreign);
  return page;
}

/** Fails when the page (or its context) asked for anything not on the server under test. */
export function assertNoForeignRequests(page) {
  const foreign = foreignByPage.get(page) ?? [];
  if (foreign.length > 0) {
    throw new Error(`requests to hosts other than the server:\n  ${[...new Set(foreign)].join('\n  ')}`);
  }
}

/**
 * Runs action() (a click or a key press that sends a form or follows a link) and waits until the
 * page it leads to has loaded. Returns the response of the document that loaded: after a redirect,
 * the last one (so its status is the page's, not the 303's).
 */
export async function navigateBy(page, action) {
  const responses = [];
  const onResponse = (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) responses.push(r);
  };
  page.on('response', onResponse);
  try {
    const loaded = page.waitForEvent('load');
    await action();
    await loaded;
  } finally {
    page.off('response', onResponse);
  }
  if (responses.length === 0) throw new Error(`no page was loaded (still at ${page.url()})`);
  return responses.at(-1);
}

/**
 * What has the keyboard focus: tag, id, name, type, value, checked, text, and whether the focus is
 * visible (the element matches :focus-visible, has an outline or a box-shadow, and lies in the
 * viewport).
 */
export function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement ?? document.body;
    const r = e.getBoundingClientRect();
    const s = getComputedStyle(e);
    const drawn =
      (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || (s.boxShadow && s.boxShadow !== 'none');
    const inView = r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
    return {
      tag: e.tagName.toLowerCase(),
      id: e.id,
      name: e.getAttribute('name') ?? '',
      type: e.getAttribute('type') ?? '',
      className: typeof e.className === 'string' ? e.className : '',
      value: 'value' in e ? String(e.value) : '',
      checked: e.checked === true,
      text: (e.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60),
      focusVisible: e.matches(':focus-visible'),
      drawn: Boolean(drawn),
      inView,
    };
  });
}

/** A short description of focused()'s answer, for failure messages. */
export function describeFocus(f) {
  const what = `${f.tag}${f.id ? `#${f.id}` : ''}${f.className ? `.${f.className.split(' ').join('.')}` : ''}`;
  return `${what}${f.name ? `[name=${f.name}]` : ''}${f.value && f.tag === 'input' ? `=${f.value}` : ''}${f.text ? ` "${f.text}"` : ''}`;
}

/**
 * Presses key (Tab by default) until the focused element matches the CSS selector, and returns it
 * (focused()'s answer). Every stop on the way must show its focus (checkFocus: false skips that);
 * fails after max presses, listing the stops. A date input's calendar button counts as visible:
 * Chromium draws its ring inside the input, where :focus-visible cannot see it.
 */
export async function pressUntilFocused(page, selector, { key = 'Tab', max = 25, checkFocus = true } = {}) {
  const stops = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    stops.push(describeFocus(f));
    const isDate = f.tag === 'input' && f.type === 'date';
    if (checkFocus && !isDate && !(f.focusVisible && f.drawn && f.inView)) {
      throw new Error(
        `focus is not visible on ${describeFocus(f)} (focus-visible ${f.focusVisible}, outline ${f.drawn}, in view ${f.inView}); stops: ${stops.join(' → ')}`,
      );
    }
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return { ...f, stops };
  }
  throw new Error(`${key} did not reach ${selector} in ${max} presses; stops: ${stops.join(' → ')}`);
}

/** Fails when the page scrolls sideways (content wider than the viewport). */
export async function assertNoHorizontalScroll(page, label) {
  const { scrollWidth, clientWidth, widest } = await page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    // What sticks out, to say what to fix: elements past the right edge, or whose own content (say,
    // a long word) runs past it; only the innermost of them.
    const out = [...document.body.querySelectorAll('*')].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.right > width + 0.5 || (el.scrollWidth > el.clientWidth + 1 && r.left + el.scrollWidth > width + 0.5);
    });
    const innermost = out.filter((el) => !out.some((o) => o !== el && el.contains(o)));
    const name = (el) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`;
    return { scrollWidth: root.scrollWidth, clientWidth: width, widest: innermost.slice(0, 5).map(name).join(', ') };
  });
  if (scrollWidth > clientWidth) {
    throw new Error(`${label} scrolls sideways: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}; sticking out: ${widest || '?'}`);
  }
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA, best practices) on the page and fails listing each violation.
 * known: [{ rule, target }] violations accepted for now (a target as axe prints it, e.g. '.demo');
 * one that no longer occurs fails too, so the list shrinks as soon as the page is fixed.
 */
export async function checkA11y(page, label, { known = [] } = {}) {
  // Injected with page.evaluate rather than addScriptTag: the server's CSP (script-src 'self') rightly
  // blocks an inline <script>, and evaluate is not subject to it, so the test need not loosen the CSP.
  axeSource ??= readFileSync(axePath, 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' })),
    }));
  }, AXE_TAGS);
  const isKnown = (v, n) => known.some((k) => k.rule === v.id && k.target === n.target);
  const found = violations
    .map((v) => ({ ...v, nodes: v.nodes.filter((n) => !isKnown(v, n)) }))
    .filter((v) => v.nodes.length > 0);
  const gone = known.filter((k) => !violations.some((v) => v.id === k.rule && v.nodes.some((n) => n.target === k.target)));
  const lines = found.flatMap((v) => [
    `- ${v.id} (${v.impact}): ${v.help}  [${v.helpUrl}]`,
    ...v.nodes.map((n) => `    at ${n.target}\n      ${n.summary.replace(/\n/g, '\n      ')}`),
  ]);
  lines.push(...gone.map((k) => `- known violation ${k.rule} at ${k.target} no longer occurs: take it off the list`));
  if (lines.length > 0) throw new Error(`axe on ${label}:\n${lines.join('\n')}`);
}

let axeSource;

/** Runs `fn` on a fresh page of the test server in its own context, then checks that the page
 * asked nothing of another host, and closes the context. */
export async function withPage(env, contextOptions, fn) {
  const page = await newPage(env.browser, env.server.baseUrl, contextOptions);
  try {
    await fn(page);
    assertNoForeignRequests(page);
  } finally {
    await page.context().close();
  }
}

/** Signs `account` in once and returns the context's storage state, to open pages as them. */
export async function signedInState(env, account, password) {
  const page = await newPage(env.browser, env.server.baseUrl);
  try {
    await page.goto('/app', { waitUntil: 'load' });
    await signInStaff(page, account, password);
    if (new URL(page.url()).pathname !== '/app') throw new Error(`${account.email} is not signed in`);
    return await page.context().storageState();
  } finally {
    await page.context().close();
  }
}
