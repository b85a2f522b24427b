// Shared by the browser suites: the local stack as a child process, headless Chromium, the
// demo page with a controlled clock, and the page-level checks every suite makes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const outputDir = new URL('../../test-output/', import.meta.url);
/** Where the book's tutorial keeps the screenshots it shows (docs/src/tutorial/demo-tour.md). */
const bookScreenshots = new URL('../../../docs/src/tutorial/screenshots/', import.meta.url);
/** The screenshots the tutorial shows; `BOOK_SCREENSHOTS=1` refreshes them. */
const BOOK_SHOTS = new Set(['demo.png', 'demo-lifecycle.png', 'demo-initiation-api.png']);

/** The `local` binary: `LOCAL_BIN`, else the cargo target dir's debug build. */
function localBinary() {
  if (process.env.LOCAL_BIN) return process.env.LOCAL_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? `${repo}target`;
  return `${target}/debug/local`;
}

/**
 * Starts `local --port 0 ...args` and waits for `listening on http://127.0.0.1:PORT`.
 * @param {string[]} args
 */
export async function startStack(args = []) {
  const binary = localBinary();
  if (!existsSync(binary)) {
    throw new Error(`${binary} is missing: build it with \`cargo build -p local\` (scripts/browser-tests.sh does)`);
  }
  const child = spawn(binary, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => {
    logs += chunk;
  });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the stack did not start in 30 s:\n${logs}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
      const first = out.split('\n')[0];
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
      if (out.includes('\n')) {
        clearTimeout(timer);
        if (match) resolve(match[1]);
        else reject(new Error(`unexpected first line: ${first}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the stack exited with ${code}:\n${logs}`));
    });
  });
  return {
    base,
    logs: () => logs,
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}

/** Debian's Chromium, headless, with nothing that reaches beyond loopback. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Playwright gives every launch a fresh, empty user-data-dir of its own.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** JSON from the stack (node's fetch, not the page). */
export async function json(base, path, init) {
  const response = await fetch(`${base}${path}`, init);
  assert.ok(response.ok, `${path} answered ${response.status}`);
  return response.json();
}

/** A sandbox admin route, read from the test. */
export const sandbox = (base, path) => json(base, `/sandbox/_sandbox${path}`);

/** The store's live session records (`GET /dev/store`): `{sessions, active, bound, revoked}`. */
export const store = (base) => json(base, '/dev/store');

/** The stack's clock: real time plus how far `/dev/clock` moved it. */
export async function serverNow(base) {
  const { offsetSecs } = await json(base, '/dev/clock?advanceSecs=0', { method: 'POST' });
  return Date.now() + offsetSecs * 1000;
}

/** Sets the sandbox's Messenger deployment (custom-data budget, autostart, disconnect, clear). */
export const setDeployment = (base, deployment) =>
  json(base, '/sandbox/_sandbox/messenger/deployment', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ maxCustomDataBytes: 2048, autostart: false, ...deployment }),
  });

/** An agent (or the flow) ends a conversation. */
export const disconnect = (base, id) =>
  json(base, `/sandbox/_sandbox/conversations/${id}/disconnect`, { method: 'POST' });

/** The data action as Architect calls it (Basic credential of the local stack). */
export async function validate(base, sessionHash, conversationId) {
  const response = await fetch(`${base}/v1/session-validations`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('architect:local-dev-only').toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ sessionHash, conversationId }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

/**
 * Records what a page sends and receives: API exchanges (with their request headers and body),
 * every URL requested, page errors, which requests are still in flight, and the Guest API
 * frames Messenger sends and receives over its WebSocket (`frames`, parsed, each with `sent`).
 */
function record(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  const exchanges = [];
  const urls = [];
  const inflight = new Set();
  page.on('request', (r) => {
    urls.push(r.url());
    inflight.add(r);
  });
  const frames = [];
  page.on('websocket', (ws) => {
    urls.push(ws.url());
    ws.on('framesent', (f) => frames.push({ sent: true, ...JSON.parse(f.payload) }));
    ws.on('framereceived', (f) => frames.push({ sent: false, ...JSON.parse(f.payload) }));
  });
  page.on('requestfinished', (r) => inflight.delete(r));
  page.on('requestfailed', (r) => inflight.delete(r));
  // Reading an exchange is asynchronous: each read counts as in flight until it is recorded,
  // so `settle` never returns before what the page exchanged is in `exchanges`.
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/v1/')) return;
    const request = response.request();
    const reading = (async () => {
      exchanges.push({
        path: url.pathname,
        status: response.status(),
        authorization: await request.headerValue('authorization'),
        idempotencyKey: await request.headerValue('idempotency-key'),
        requestBody: request.postData(),
        body: await response.json().catch(() => null),
      });
    })();
    inflight.add(reading);
    reading.finally(() => inflight.delete(reading));
  });
  return { problems, exchanges, urls, inflight, frames };
}

/**
 * Opens the demo page in a fresh context. With `clock: true` the page's clock is Playwright's,
 * set to the stack's time and paused, so only `advance` moves it (together with the stack's).
 * @param {import('playwright-core').Browser} browser
 * @param {string} base
 */
export async function openDemo(browser, base, { clock = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  if (clock) {
    const at = await serverNow(base);
    await context.clock.install({ time: at });
    await context.clock.pauseAt(at + 1000);
  }
  const recorded = record(page);
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]');
  const demo = { base, context, page, ...recorded };
  demo.reload = async () => {
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
  };
  return demo;
}

/** Waits until the page has no request in flight, twice in a row. */
export async function settle({ inflight }) {
  for (let quiet = 0; quiet < 2; ) {
    await new Promise((r) => setTimeout(r, 25));
    quiet = inflight.size === 0 ? quiet + 1 : 0;
  }
}

/**
 * Moves the stack's clock and the page's clock forward by `secs`, in steps, letting the page
 * finish what each step started (a refresh, a Database.set) before the next.
 */
export async function advance(demo, secs, step = 5) {
  for (let left = secs; left > 0; left -= step) {
    const s = Math.min(step, left);
    await json(demo.base, `/dev/clock?advanceSecs=${s}`, { method: 'POST' });
    await demo.context.clock.runFor(s * 1000);
    await settle(demo);
  }
}

/** Signs in as a development user with the page's form. */
export async function signIn(page, sub, tier = '2', geo = 'na-east') {
  await page.fill('#sub', sub);
  await page.selectOption('#tier', tier);
  await page.selectOption('#geo', geo);
  await page.click('#signin-button');
  await page.waitForSelector('#signin-status.ok');
}

/** Clicks "Start secure chat" and waits until the client handed the ticket to Messenger. */
export async function handOver(page) {
  const before = await page.locator('#events li[data-type="handed-off"]').count();
  await page.click('#start');
  await page.waitForFunction(
    (n) => document.querySelectorAll('#events li[data-type="handed-off"]').length > n,
    before,
  );
}

/** Writes in Messenger's panel, as the customer does. */
export async function write(page, text) {
  await page.fill('.dev-messenger input[name="message"]', text);
  await page.click('.dev-messenger button[type="submit"]');
}

/** Writes the first message and waits for the inbound flow's validation on the page. */
export async function firstMessage(page, text = 'Where is my order?') {
  const before = await page.locator('[data-messenger="Conversations.started"]').count();
  await write(page, text);
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-messenger="Conversations.started"]').length > n,
    before,
  );
  await page.waitForSelector('#validation[data-state="done"]');
  return page.$eval('#validation', (e) => ({ ...e.dataset }));
}

/** Start, first message, validation: the whole chat. */
export async function startChat(page, text) {
  await handOver(page);
  return firstMessage(page, text);
}

/** The conversation id the page shows. */
export const conversationShown = (page) => page.$eval('#received code', (e) => e.textContent);

/** Events the client reported in the page, by type. */
export function eventTypes(page) {
  return page.$$eval('#events li[data-type]', (items) => items.map((li) => li.dataset.type));
}

/**
 * Asserts that no secret sits in browser storage, cookies, the DOM or any URL requested. The one
 * record allowed is Messenger's own (the stand-in's), once Messenger has a session: its session
 * token and whether the window was open, nothing else. A page whose Messenger never opened
 * (the initiation-api strategy) holds no record at all.
 */
export async function assertNothingKept({ page, context, urls }, secrets) {
  const seen = await page.evaluate(() => ({
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    cookie: document.cookie,
    dom: document.documentElement.outerHTML,
    address: location.href,
  }));
  assert.ok(seen.local.length <= 1, 'localStorage holds only Messenger\'s session record');
  const value = seen.local.length ? messengerRecord(seen.local[0], urls) : '';
  assert.deepEqual(seen.session, [], 'sessionStorage is empty');
  assert.equal(seen.cookie, '', 'no cookie');
  assert.deepEqual(await context.cookies(), [], 'no cookie in the jar');
  for (const [name, secret] of Object.entries(secrets)) {
    assert.ok(secret && secret.length > 10, `${name} was captured`);
    assert.ok(!value.includes(secret), `${name} is not in Messenger's record`);
    assert.ok(!seen.dom.includes(secret), `${name} is not in the DOM`);
    assert.ok(!seen.address.includes(secret), `${name} is not in the address`);
    assert.ok(!urls.some((u) => u.includes(secret)), `${name} is in no URL requested`);
  }
}

/** Checks Messenger's own record (its key, a token and a flag) and answers it as stored. */
function messengerRecord([key, value], urls) {
  assert.match(key, /^_genesys\.messenger\.stand-in:[0-9a-f-]{36}$/);
  const record = JSON.parse(value);
  assert.deepEqual(Object.keys(record).sort(), ['open', 'token']);
  assert.match(record.token, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(typeof record.open, 'boolean');
  assert.ok(!urls.some((u) => u.includes(record.token)), "Messenger's session token is in no URL");
  return value;
}

/**
 * Saves a full-page screenshot under test-output/; with `BOOK_SCREENSHOTS=1`, the ones the
 * book's tutorial shows are also written into docs/src/tutorial/screenshots/, to be committed.
 */
export async function screenshot(page, name) {
  await mkdir(outputDir, { recursive: true });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height }); // Messenger's docked panel lands below the content
  const file = new URL(name, outputDir);
  await page.screenshot({ path: fileURLToPath(file), fullPage: true });
  if (process.env.BOOK_SCREENSHOTS === '1' && BOOK_SHOTS.has(name)) {
    await mkdir(bookScreenshots, { recursive: true });
    await copyFile(file, new URL(name, bookScreenshots));
  }
  return file;
}
