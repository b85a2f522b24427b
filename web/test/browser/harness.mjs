// Shared by the browser suites: the local stack as a child process, headless Chromium, and
// the page-level checks every suite makes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

import { chromium } from 'playwright-core';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

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

/**
 * Opens the demo page in a fresh context; records what crosses the wire and every page error.
 * @param {import('playwright-core').Browser} browser
 * @param {string} base
 */
export async function openDemo(browser, base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  /** Requests and JSON responses of the API, for tests that look at what was exchanged. */
  const exchanges = [];
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/v1/')) return;
    const request = response.request();
    exchanges.push({
      path: url.pathname,
      status: response.status(),
      authorization: await request.headerValue('authorization'),
      body: await response.json().catch(() => null),
    });
  });
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-ready="true"]');
  return { context, page, problems, exchanges, urls };
}

/** Signs in as a development user with the page's form. */
export async function signIn(page, sub, tier = '2', geo = 'na-east') {
  await page.fill('#sub', sub);
  await page.selectOption('#tier', tier);
  await page.selectOption('#geo', geo);
  await page.click('#signin-button');
  await page.waitForSelector('#signin-status.ok');
}

/** Clicks "Start secure chat" and waits for Architect's answer. */
export async function startChat(page) {
  await page.click('#start');
  await page.waitForSelector('#validation[data-state="done"]');
  return page.$eval('#validation', (e) => ({ ...e.dataset }));
}

/** A sandbox admin route, read from the test. */
export async function sandbox(base, path) {
  const response = await fetch(`${base}/sandbox/_sandbox${path}`);
  assert.equal(response.status, 200, path);
  return response.json();
}

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

/** Asserts that no secret sits in browser storage, cookies, the DOM or any URL requested. */
export async function assertNothingKept({ page, context, urls }, secrets) {
  const seen = await page.evaluate(() => ({
    local: Object.entries(localStorage),
    session: Object.entries(sessionStorage),
    cookie: document.cookie,
    dom: document.documentElement.outerHTML,
    address: location.href,
  }));
  assert.deepEqual(seen.local, [], 'localStorage is empty');
  assert.deepEqual(seen.session, [], 'sessionStorage is empty');
  assert.equal(seen.cookie, '', 'no cookie');
  assert.deepEqual(await context.cookies(), [], 'no cookie in the jar');
  for (const [name, secret] of Object.entries(secrets)) {
    assert.ok(secret && secret.length > 10, `${name} was captured`);
    assert.ok(!seen.dom.includes(secret), `${name} is not in the DOM`);
    assert.ok(!seen.address.includes(secret), `${name} is not in the address`);
    assert.ok(!urls.some((u) => u.includes(secret)), `${name} is in no URL requested`);
  }
}

/** Events the client reported in the page, by type. */
export function eventTypes(page) {
  return page.$$eval('#events li', (items) => items.map((li) => li.dataset.type));
}
