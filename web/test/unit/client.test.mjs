// The reference client's logic against a fake API (no browser): hand-over, refresh before the
// hand-over, retries, errors, what it never touches. The lifecycle after the hand-over is in
// lifecycle.test.mjs.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

import { createSecureMessaging, retryAfterMs, SecureMessagingError } from '../../secure-messaging.js';
import { T0, cleanUp, fakeApi, flush, messengerTicket, problem, setup, types } from './fakes.mjs';

afterEach(cleanUp);

test('a start hands exactly the returned custom attributes to Messenger and opens it', async () => {
  const { client, api, messenger, events } = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  const result = await client.start({ orderId: '88472' });
  assert.deepEqual(result, { strategy: 'messenger' });
  assert.equal(api.calls.length, 1);
  assert.equal(api.calls[0].auth, 'Bearer jwt-1');
  assert.deepEqual(api.calls[0].body, { orderId: '88472' });
  assert.equal(api.calls[0].init.credentials, 'omit');
  assert.deepEqual(messenger.commands, [
    { kind: 'command', name: 'Database.set', options: { messaging: { customAttributes: { session_hash: 'h1' } } } },
    { kind: 'command', name: 'Messenger.open', options: {} },
  ]);
  assert.deepEqual(types(events), ['initiated', 'handed-off']);
});

test('Messenger opens only once Database.set resolved, so its new session and an autostart Join carry the hash', async () => {
  const { client, messenger } = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  const answer = messenger.genesys;
  let release;
  const held = new Promise((resolve) => (release = resolve));
  messenger.genesys = (kind, name, options, resolve, reject) =>
    answer(kind, name, options, name === 'Database.set' ? (v) => held.then(() => resolve(v)) : resolve, reject);

  const started = client.start();
  await flush();
  const before = messenger.commands.map((c) => c.name);
  release();
  await started;

  assert.deepEqual(before, ['Database.set'], 'not opened while Database.set is unanswered');
  assert.deepEqual(messenger.commands.map((c) => c.name), ['Database.set', 'Messenger.open']);
});

test('the initiation-api strategy starts the widget with the conversation id and token only', async () => {
  const started = [];
  const { client, messenger } = setup(
    {
      '/v1/initiations': [
        {
          status: 201,
          body: {
            strategy: 'initiation-api',
            conversationId: 'c-1',
            token: 'platform-token',
            sessionHash: 'h1',
            expiresAt: new Date(T0 + 60_000).toISOString(),
          },
        },
      ],
    },
    { options: { startConversation: async (s) => started.push(s) } },
  );
  assert.deepEqual(await client.start(), { strategy: 'initiation-api', conversationId: 'c-1' });
  assert.deepEqual(started, [{ conversationId: 'c-1', token: 'platform-token' }]);
  assert.equal(messenger.commands.length, 0);
});

test('the api base is joined without a doubled slash', async () => {
  const { client, api } = setup(
    { '/v1/initiations': [messengerTicket('h1', T0)] },
    { options: { apiBase: 'https://chat-api.example.test/' } },
  );
  await client.start();
  assert.equal(api.calls[0].url, 'https://chat-api.example.test/v1/initiations');
});

test('a prepared ticket that will expire before the start is refreshed first with the same bearer', async () => {
  const { client, api, messenger, clock, events } = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0 + 90_000)],
  });
  await client.prepare({ orderId: '1' });
  clock.now += 90_000; // the user clicks late
  await client.start();
  assert.deepEqual(
    api.calls.map((c) => [c.path, c.body, c.auth]),
    [
      ['/v1/initiations', { orderId: '1' }, 'Bearer jwt-1'],
      ['/v1/initiations/refresh', { sessionHash: 'h1' }, 'Bearer jwt-2'],
    ],
  );
  assert.deepEqual(messenger.commands[0].options, { messaging: { customAttributes: { session_hash: 'h2' } } });
  assert.deepEqual(types(events), ['initiated', 'refreshed', 'handed-off']);
});

test('a ticket inside the safety margin is refreshed, a fresher one is used as it is', async () => {
  const fresh = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  await fresh.client.prepare();
  fresh.clock.now += 45_000; // 15 s left, margin 10 s
  await fresh.client.start();
  assert.equal(fresh.api.calls.length, 1);

  const ageing = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0 + 55_000)],
  });
  await ageing.client.prepare();
  ageing.clock.now += 55_000; // 5 s left
  await ageing.client.start();
  assert.deepEqual(ageing.api.calls.map((c) => c.path), ['/v1/initiations', '/v1/initiations/refresh']);
});

test('a prepared ticket is checked for expiry after the widget has loaded', async () => {
  let clock;
  const ctx = setup(
    {
      '/v1/initiations': [messengerTicket('h1', T0)],
      '/v1/initiations/refresh': [messengerTicket('h2', T0 + 70_000)],
    },
    { options: { whenReady: async () => { clock.now += 70_000; } } },
  );
  clock = ctx.clock;
  await ctx.client.prepare();
  await ctx.client.start();
  assert.deepEqual(ctx.api.calls.map((c) => c.path), ['/v1/initiations', '/v1/initiations/refresh']);
  assert.equal(ctx.messenger.commands[0].options.messaging.customAttributes.session_hash, 'h2');
});

test('without a prepared ticket the widget loads first, so the ticket is fresh at the hand-over', async () => {
  const order = [];
  const ctx = setup(
    { '/v1/initiations': [messengerTicket('h1', T0)] },
    { options: { whenReady: async () => { order.push('widget loaded'); } } },
  );
  const fetch = ctx.api.fetch;
  await createSecureMessaging({
    getSessionToken: async () => 'jwt',
    genesys: () => ctx.messenger.genesys,
    whenReady: async () => order.push('widget loaded'),
    fetch: async (url, init) => (order.push('initiate'), fetch(url, init)),
    now: () => ctx.clock.now,
  }).start();
  assert.deepEqual(order, ['widget loaded', 'initiate']);
});

test('a failed refresh falls back to one fresh initiation', async () => {
  const { client, api, messenger, clock, events } = setup({
    '/v1/initiations': [messengerTicket('h1', T0), messengerTicket('h3', T0 + 90_000)],
    '/v1/initiations/refresh': [problem(403, 'session-not-refreshable')],
  });
  await client.prepare({ orderId: '7' });
  clock.now += 90_000;
  await client.start({ orderId: '7' });
  assert.deepEqual(api.calls.map((c) => c.path), ['/v1/initiations', '/v1/initiations/refresh', '/v1/initiations']);
  assert.deepEqual(api.calls[2].body, { orderId: '7' });
  assert.equal(messenger.commands[0].options.messaging.customAttributes.session_hash, 'h3');
  assert.deepEqual(types(events), ['initiated', 'refresh-failed', 'initiated', 'handed-off']);
  assert.equal(events[1].status, 403);
});

test('when the fallback initiation fails too, the start fails once and nothing else is sent', async () => {
  const { client, api, messenger, clock, events } = setup({
    '/v1/initiations': [messengerTicket('h1', T0), problem(503, 'service-unavailable')],
    '/v1/initiations/refresh': [problem(503, 'service-unavailable')],
  });
  await client.prepare();
  clock.now += 90_000;
  await assert.rejects(client.start(), (e) => e instanceof SecureMessagingError && e.code === 'server');
  assert.equal(api.calls.length, 3);
  assert.equal(messenger.commands.length, 0);
  assert.deepEqual(types(events), ['initiated', 'refresh-failed', 'error']);
});

test('a 401 asks the site for a fresh session token once', async () => {
  const { client, api, tokenRequests, events } = setup({
    '/v1/initiations': [problem(401, 'invalid-session-token'), messengerTicket('h1', T0)],
  });
  await client.start();
  assert.deepEqual(tokenRequests, [{ renew: false }, { renew: true }]);
  assert.deepEqual(api.calls.map((c) => c.auth), ['Bearer jwt-1', 'Bearer jwt-2']);
  assert.deepEqual(types(events), ['session-token-renewed', 'initiated', 'handed-off']);
});

test('a second 401 gives up with an unauthorized error', async () => {
  const { client, api } = setup({
    '/v1/initiations': [problem(401, 'invalid-session-token'), problem(401, 'invalid-session-token')],
  });
  await assert.rejects(client.start(), (e) => e.code === 'unauthorized' && e.status === 401);
  assert.equal(api.calls.length, 2);
});

test('a missing session token fails before any request', async () => {
  const api = fakeApi({});
  const client = createSecureMessaging({ getSessionToken: async () => '', fetch: api.fetch });
  await assert.rejects(client.start(), (e) => e.code === 'unauthorized');
  const failing = createSecureMessaging({
    getSessionToken: async () => {
      throw new Error('signed out');
    },
    fetch: api.fetch,
  });
  await assert.rejects(failing.start(), (e) => e.code === 'unauthorized' && e.cause.message === 'signed out');
  assert.equal(api.calls.length, 0);
});

test('a 429 waits Retry-After once, then a second 429 is an error', async () => {
  const ok = setup({
    '/v1/initiations': [problem(429, 'rate-limited', { 'retry-after': '2' }), messengerTicket('h1', T0)],
  });
  await ok.client.start();
  assert.deepEqual(ok.sleeps, [2000]);
  assert.deepEqual(types(ok.events), ['rate-limited', 'initiated', 'handed-off']);

  const twice = setup({
    '/v1/initiations': [
      problem(429, 'rate-limited', { 'retry-after': '1' }),
      problem(429, 'rate-limited', { 'retry-after': '1' }),
    ],
  });
  await assert.rejects(twice.client.start(), (e) => e.code === 'rate-limited' && e.status === 429);
  assert.deepEqual(twice.sleeps, [1000]);
  assert.equal(twice.api.calls.length, 2);
});

test('a Retry-After beyond the limit is not waited for', async () => {
  const { client, api, sleeps } = setup({
    '/v1/initiations': [problem(429, 'rate-limited', { 'retry-after': '45' })],
  });
  await assert.rejects(client.start(), (e) => e.code === 'rate-limited');
  assert.deepEqual(sleeps, []);
  assert.equal(api.calls.length, 1);
});

test('a 5xx is reported as a clear error event and not retried', async () => {
  const { client, api, events } = setup({ '/v1/initiations': [problem(503, 'service-unavailable')] });
  await assert.rejects(client.start(), SecureMessagingError);
  assert.equal(api.calls.length, 1);
  const [event] = events;
  assert.equal(event.type, 'error');
  assert.equal(event.error.code, 'server');
  assert.equal(event.error.status, 503);
  assert.equal(event.error.problemType, 'urn:secure-initiation:problem:service-unavailable');
  assert.match(event.error.message, /503 \(service-unavailable: service-unavailable detail\)/);
});

test('a 4xx other than 401 and 429 is not retried', async () => {
  const refused = setup({ '/v1/initiations': [problem(403, 'risk-refused')] });
  await assert.rejects(refused.client.start(), (e) => e.code === 'refused');
  const invalid = setup({ '/v1/initiations': [problem(422, 'invalid-fields')] });
  await assert.rejects(invalid.client.start(), (e) => e.code === 'invalid-request');
  assert.equal(refused.api.calls.length + invalid.api.calls.length, 2);
});

test('a network failure and a body that is not JSON are errors', async () => {
  const down = setup({ '/v1/initiations': [() => Promise.reject(new TypeError('Failed to fetch'))] });
  await assert.rejects(down.client.start(), (e) => e.code === 'network');
  const html = setup({ '/v1/initiations': [() => new Response('<html>', { status: 502 })] });
  await assert.rejects(html.client.start(), (e) => e.code === 'server' && e.status === 502);
  const garbled = setup({ '/v1/initiations': [() => new Response('{"strategy":', { status: 201 })] });
  await assert.rejects(garbled.client.start(), (e) => e.code === 'protocol');
});

test('a request past its deadline is aborted, retried once with the same key, then an error', async () => {
  const signals = [];
  const hang = (init) =>
    new Promise((_, reject) => {
      signals.push(init.signal);
      init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });
  const { client, api, advance } = setup({ '/v1/initiations': [hang, hang] }, { options: { timeoutMs: 30 } });
  const started = client.start();
  started.catch(() => {});
  await advance(30);
  await advance(30);
  await assert.rejects(started, (e) => e.code === 'timeout');
  assert.deepEqual(signals.map((s) => s.aborted), [true, true]);
  assert.equal(api.calls[0].key, api.calls[1].key);
});

test('a double click starts one chat', async () => {
  const { client, api, messenger } = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  const [a, b] = await Promise.all([client.start(), client.start()]);
  assert.deepEqual(a, b);
  assert.equal(api.calls.length, 1);
  assert.equal(messenger.commands.filter((c) => c.name === 'Database.set').length, 1);
});

test('a start during a prepare waits for its ticket and hands it over', async () => {
  const { client, api, messenger } = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  const prepared = client.prepare({ orderId: '1' });
  const started = client.start({ orderId: '2' });
  await prepared;
  assert.deepEqual(await started, { strategy: 'messenger' });
  assert.equal(api.calls.length, 1);
  assert.equal(messenger.commands[0].options.messaging.customAttributes.session_hash, 'h1');
});

test('a start after a failed prepare initiates on its own', async () => {
  const { client, api, events } = setup({
    '/v1/initiations': [problem(503, 'service-unavailable'), messengerTicket('h2', T0)],
  });
  const prepared = client.prepare();
  const started = client.start();
  await assert.rejects(prepared, (e) => e.code === 'server');
  assert.deepEqual(await started, { strategy: 'messenger' });
  assert.equal(api.calls.length, 2);
  assert.deepEqual(types(events), ['error', 'initiated', 'handed-off']);
});

test('a prepare during a start adds no ticket', async () => {
  const { client, api } = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  const started = client.start();
  assert.equal(await client.prepare(), undefined);
  await started;
  assert.equal(api.calls.length, 1);
});

test('a second start while the handed-over ticket is kept fresh only opens Messenger', async () => {
  const { client, api, messenger } = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  await client.start();
  assert.deepEqual(await client.start(), { strategy: 'messenger', active: false });
  assert.equal(api.calls.length, 1);
  assert.deepEqual(messenger.commands.map((c) => c.name), ['Database.set', 'Messenger.open', 'Messenger.open']);
});

test('clear forgets a prepared ticket', async () => {
  const { client, api } = setup({ '/v1/initiations': [messengerTicket('h1', T0), messengerTicket('h2', T0)] });
  await client.prepare();
  client.clear();
  await client.start();
  assert.equal(api.calls.length, 2);
});

test('a ticket of an unexpected shape is refused', async () => {
  const ticket = messengerTicket('h1', T0);
  ticket.body.customAttributes = { session_hash: 1 };
  const { client, messenger } = setup({ '/v1/initiations': [ticket] });
  await assert.rejects(client.start(), (e) => e.code === 'protocol');
  assert.equal(messenger.commands.length, 0);
});

test('a browser clock far ahead of the server neither refreshes at once nor trusts the ticket forever', async () => {
  const { client, api, clock } = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0)],
  });
  clock.now = T0 + 10 * 60_000; // ten minutes ahead: the ticket looks expired on arrival
  await client.prepare();
  clock.now += 5_000;
  await client.start();
  assert.equal(api.calls.length, 1, 'used without a refresh');

  const late = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0)],
  });
  late.clock.now = T0 + 10 * 60_000;
  await late.client.prepare();
  late.clock.now += 55_000;
  await late.client.start();
  assert.equal(late.api.calls.length, 2, 'refreshed within the default lifetime');
});

test('a browser clock behind the server still refreshes within the lifetime', async () => {
  const { client, api, clock } = setup({
    '/v1/initiations': [messengerTicket('h1', T0 + 5 * 60_000)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0)],
  });
  await client.prepare(); // looks valid for six minutes
  clock.now += 55_000;
  await client.start();
  assert.deepEqual(api.calls.map((c) => c.path), ['/v1/initiations', '/v1/initiations/refresh']);
});

test('Messenger refusing the attributes is a hand-off error; refusing to open is tolerated', async () => {
  const refusing = setup({ '/v1/initiations': [messengerTicket('h1', T0)] }, { genesysOptions: { failSet: true } });
  await assert.rejects(refusing.client.start(), (e) => e.code === 'handoff');
  const alreadyOpen = setup({ '/v1/initiations': [messengerTicket('h1', T0)] }, { genesysOptions: { failOpen: true } });
  assert.deepEqual(await alreadyOpen.client.start(), { strategy: 'messenger' });
});

test('a page without Messenger or a start adapter gets a configuration error', async () => {
  const noMessenger = setup({ '/v1/initiations': [messengerTicket('h1', T0)] }, { options: { genesys: () => undefined } });
  await assert.rejects(noMessenger.client.start(), (e) => e.code === 'config');
  const noAdapter = setup({
    '/v1/initiations': [
      {
        status: 201,
        body: { strategy: 'initiation-api', conversationId: 'c', token: 't', sessionHash: 'h', expiresAt: new Date(T0 + 60_000).toISOString() },
      },
    ],
  });
  await assert.rejects(noAdapter.client.start(), (e) => e.code === 'config');
  assert.throws(() => createSecureMessaging(/** @type {any} */ ({})), (e) => e.code === 'config');
});

test('events never carry a session token or a session hash', async () => {
  const { client, clock, events } = setup({
    '/v1/initiations': [
      problem(401, 'invalid-session-token'),
      messengerTicket('hash-one', T0),
      messengerTicket('hash-three', T0 + 90_000),
    ],
    '/v1/initiations/refresh': [problem(429, 'rate-limited', { 'retry-after': '1' }), problem(403, 'session-not-refreshable')],
  });
  await client.prepare();
  clock.now += 90_000;
  await client.start();
  const seen = JSON.stringify(events, (k, v) => (v instanceof Error ? { message: v.message, ...v } : v));
  assert.deepEqual(types(events), [
    'session-token-renewed',
    'initiated',
    'rate-limited',
    'refresh-failed',
    'initiated',
    'handed-off',
  ]);
  for (const secret of ['jwt-', 'hash-one', 'hash-three']) assert.ok(!seen.includes(secret), secret);
});

test('the client never touches browser storage, cookies or the address bar', async () => {
  const source = await readFile(new URL('../../secure-messaging.js', import.meta.url), 'utf8');
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  for (const api of ['localStorage', 'sessionStorage', 'cookie', 'indexedDB', 'caches', 'location', 'history']) {
    assert.ok(!code.includes(api), api);
  }
  // The page is read for its visibility only (a hidden tab waits to refresh).
  const uses = code.match(/\b(?:page|document)\b[?.]*\w*/g);
  assert.deepEqual([...new Set(uses)].sort(), ['document', 'page', 'page?.addEventListener', 'page?.visibilityState']);
});

test('Retry-After is read as seconds or an HTTP date', () => {
  assert.equal(retryAfterMs('3', T0), 3000);
  assert.equal(retryAfterMs(new Date(T0 + 4000).toUTCString(), T0), 4000);
  assert.equal(retryAfterMs(new Date(T0 - 4000).toUTCString(), T0), 0);
  assert.equal(retryAfterMs('soon', T0), null);
  assert.equal(retryAfterMs(null, T0), null);
});
