// Fakes shared by the client's unit tests: a scripted API, Messenger's `Genesys` function, a
// page whose visibility a test sets, and a client over them with a manual clock and mocked
// timers (node's `mock.timers`, enabled by `setup`).
import { mock } from 'node:test';

import { createSecureMessaging } from '../../secure-messaging.js';

export const T0 = Date.parse('2026-03-01T12:00:00Z');

/** A scripted API: each path answers its queued responses in order; every call is recorded. */
export function fakeApi(script) {
  const calls = [];
  const fetch = async (url, init) => {
    const path = new URL(url, 'http://site.test').pathname;
    calls.push({ url, path, init, raw: init.body, body: JSON.parse(init.body), auth: init.headers.authorization, key: init.headers['idempotency-key'] });
    const next = script[path]?.shift();
    if (!next) throw new Error(`unexpected call to ${path}`);
    if (typeof next === 'function') return next(init);
    const headers = { 'content-type': next.status < 300 ? 'application/json' : 'application/problem+json', ...next.headers };
    return new Response(JSON.stringify(next.body ?? {}), { status: next.status, headers });
  };
  return { fetch, calls };
}

export const messengerTicket = (hash, now, ttlSecs = 60, chainExpiresAt) => ({
  status: 201,
  body: {
    strategy: 'messenger',
    sessionHash: hash,
    expiresAt: new Date(now + ttlSecs * 1000).toISOString(),
    ...(chainExpiresAt ? { chainExpiresAt: new Date(chainExpiresAt).toISOString() } : {}),
    customAttributes: { session_hash: hash },
  },
});

export const problem = (status, title, headers = {}, extra = {}) => ({
  status,
  headers,
  body: { type: `urn:secure-initiation:problem:${title}`, title, status, detail: `${title} detail`, ...extra },
});

/** 403 session-not-refreshable with its `reason`. */
export const notRefreshable = (reason) => problem(403, 'session-not-refreshable', {}, { reason });

/**
 * Messenger's `Genesys` function: records commands and subscriptions, replays `*.ready` events
 * to late subscribers like Messenger does, and lets a test publish events.
 */
export function fakeGenesys({ failSet = false, failOpen = false, databaseReady = true } = {}) {
  const commands = [];
  const listeners = {};
  const published = new Set();
  const publish = (name, data = {}) => {
    if (name.endsWith('.ready')) published.add(name);
    for (const callback of listeners[name] ?? []) callback({ event: name, data });
  };
  const genesys = (kind, name, options, resolve, reject) => {
    if (kind === 'subscribe') {
      (listeners[name] ??= []).push(options);
      if (published.has(name)) options({ event: name, data: {} });
      return;
    }
    commands.push({ kind, name, options });
    if ((name === 'Database.set' && failSet) || (name === 'Messenger.open' && failOpen)) reject(new Error('no'));
    else resolve();
  };
  if (databaseReady) publish('Database.ready');
  const sets = () => commands.filter((c) => c.name === 'Database.set').map((c) => c.options.messaging.customAttributes);
  return { genesys, commands, publish, listeners, sets };
}

/** A page whose visibility a test sets; installed as `globalThis.document` by `setup`. */
export function fakePage() {
  const page = new EventTarget();
  page.visibilityState = 'visible';
  page.hide = () => {
    page.visibilityState = 'hidden';
    page.dispatchEvent(new Event('visibilitychange'));
  };
  page.show = () => {
    page.visibilityState = 'visible';
    page.dispatchEvent(new Event('visibilitychange'));
  };
  return page;
}

/** Lets every pending promise chain run (the fakes answer through microtasks). */
export async function flush() {
  for (let i = 0; i < 20; i += 1) await new Promise((r) => setImmediate(r));
}

let timersMocked = false;
const previousDocument = globalThis.document;

/** Undoes what `setup` installed; the test files run it after each test. */
export function cleanUp() {
  if (timersMocked) mock.timers.reset();
  timersMocked = false;
  globalThis.document = previousDocument;
}

/** A client over the fakes; returns everything a test inspects. */
export function setup(script, overrides = {}) {
  if (!timersMocked) mock.timers.enable({ apis: ['setTimeout'] });
  timersMocked = true;
  const page = fakePage();
  globalThis.document = page;
  const api = fakeApi(script);
  const messenger = fakeGenesys(overrides.genesysOptions);
  const clock = { now: T0 };
  const events = [];
  const tokenRequests = [];
  const sleeps = [];
  const client = createSecureMessaging({
    getSessionToken: async (context) => {
      tokenRequests.push(context);
      return `jwt-${tokenRequests.length}`;
    },
    genesys: () => messenger.genesys,
    fetch: api.fetch,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onEvent: (e) => events.push(e),
    ...overrides.options,
  });
  /** Moves the clock and the timers forward, then lets the client's work settle. */
  const advance = async (ms) => {
    await flush();
    clock.now += ms;
    mock.timers.tick(ms);
    await flush();
  };
  return { client, api, messenger, clock, events, tokenRequests, sleeps, page, advance };
}

export const types = (events) => events.map((e) => e.type);
