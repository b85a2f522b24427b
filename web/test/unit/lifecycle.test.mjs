// The Messenger lifecycle after the hand-over, against the fakes: the ticket is kept fresh
// until Messenger reports the conversation started, waits while the page is hidden, falls back
// to one initiation, gives up at the chain's limit, survives a reload, prepares the next ticket
// after a conversation ends, and sends an Idempotency-Key.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';

import { createSecureMessaging } from '../../secure-messaging.js';
import { T0, cleanUp, fakeGenesys, flush, messengerTicket, notRefreshable, problem, setup, types } from './fakes.mjs';

afterEach(cleanUp);

const paths = (api) => api.calls.map((c) => c.path);
const refreshes = (api) => api.calls.filter((c) => c.path === '/v1/initiations/refresh');

test('no Database command is sent before Messenger publishes Database.ready', async () => {
  const ctx = setup({ '/v1/initiations': [messengerTicket('h1', T0)] }, { genesysOptions: { databaseReady: false } });
  const started = ctx.client.start();
  await flush();
  assert.deepEqual(ctx.messenger.commands, [], 'nothing before ready');
  assert.deepEqual(paths(ctx.api), [], 'and no ticket is fetched while Messenger may still restore a conversation');
  ctx.messenger.publish('Database.ready');
  assert.deepEqual(await started, { strategy: 'messenger' });
  assert.deepEqual(ctx.messenger.sets(), [{ session_hash: 'h1' }]);
});

test('Messenger that never gets ready is a hand-off error after the deadline', async () => {
  const ctx = setup({}, { genesysOptions: { databaseReady: false }, options: { timeoutMs: 1000 } });
  const started = ctx.client.start();
  started.catch(() => {});
  await ctx.advance(1000);
  await assert.rejects(started, (e) => e.code === 'timeout');
  assert.deepEqual(paths(ctx.api), []);
});

test('the handed-over ticket is refreshed before each expiry and Messenger gets every new hash', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0 + 50_000), messengerTicket('h3', T0 + 100_000)],
  });
  await ctx.client.start({ orderId: '7' });
  await ctx.advance(49_000);
  assert.equal(refreshes(ctx.api).length, 0, 'not before 10 s before expiry');
  await ctx.advance(1_000);
  assert.deepEqual(refreshes(ctx.api).map((c) => c.body), [{ sessionHash: 'h1' }]);
  await ctx.advance(50_000);
  assert.deepEqual(refreshes(ctx.api).map((c) => c.body), [{ sessionHash: 'h1' }, { sessionHash: 'h2' }]);
  assert.deepEqual(ctx.messenger.sets(), [{ session_hash: 'h1' }, { session_hash: 'h2' }, { session_hash: 'h3' }]);
  assert.deepEqual(
    ctx.events.filter((e) => e.type === 'refreshed').map((e) => e.count),
    [1, 2],
  );
  assert.equal(refreshes(ctx.api)[0].key, undefined, 'a refresh carries no idempotency key');
});

test('Conversations.started ends the refreshing: the ticket is spent', async () => {
  const ctx = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  await ctx.client.start();
  ctx.messenger.publish('Conversations.started');
  await ctx.advance(10 * 60_000);
  assert.deepEqual(paths(ctx.api), ['/v1/initiations']);
  assert.deepEqual(types(ctx.events), ['initiated', 'handed-off', 'conversation-started']);
});

test('the first inbound message ends the refreshing too, an outbound one does not', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0 + 50_000)],
  });
  await ctx.client.start();
  ctx.messenger.publish('MessagingService.messagesReceived', { messages: [{ direction: 'Outbound', text: 'Welcome' }] });
  await ctx.advance(50_000);
  assert.equal(refreshes(ctx.api).length, 1);
  ctx.messenger.publish('MessagingService.messagesReceived', { messages: [{ direction: 'Inbound', text: 'hi' }] });
  await ctx.advance(10 * 60_000);
  assert.equal(refreshes(ctx.api).length, 1);
  assert.equal(types(ctx.events).at(-1), 'conversation-started');
});

test('a refresh answer that arrives after the conversation started is not handed to Messenger', async () => {
  let answer;
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [() => new Promise((r) => (answer = r))],
  });
  await ctx.client.start();
  await ctx.advance(50_000);
  ctx.messenger.publish('Conversations.started');
  answer(new Response(JSON.stringify(messengerTicket('h2', T0 + 50_000).body), { status: 201 }));
  await flush();
  assert.deepEqual(ctx.messenger.sets(), [{ session_hash: 'h1' }]);
});

test('a hidden page waits and refreshes as soon as it is visible again', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0 + 5 * 60_000)],
  });
  await ctx.client.start();
  ctx.page.hide();
  await ctx.advance(5 * 60_000);
  assert.equal(refreshes(ctx.api).length, 0, 'nothing while hidden');
  assert.deepEqual(types(ctx.events), ['initiated', 'handed-off', 'paused']);
  ctx.page.show();
  await flush();
  assert.deepEqual(refreshes(ctx.api).map((c) => c.body), [{ sessionHash: 'h1' }], 'at once, the expired ticket');
  assert.deepEqual(ctx.messenger.sets().at(-1), { session_hash: 'h2' });
  ctx.page.hide();
  ctx.page.show();
  await flush();
  assert.equal(refreshes(ctx.api).length, 1, 'a visible page with a fresh ticket does not refresh');
});

test('a refused refresh falls back to one fresh initiation with the same request', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0), messengerTicket('h9', T0 + 50_000)],
    '/v1/initiations/refresh': [notRefreshable('unknown'), messengerTicket('h10', T0 + 100_000)],
  });
  await ctx.client.start({ orderId: '42' });
  await ctx.advance(50_000);
  assert.deepEqual(paths(ctx.api), ['/v1/initiations', '/v1/initiations/refresh', '/v1/initiations']);
  assert.deepEqual(ctx.api.calls[2].body, { orderId: '42' });
  assert.notEqual(ctx.api.calls[2].key, ctx.api.calls[0].key, 'a new initiation, a new key');
  assert.deepEqual(ctx.messenger.sets().at(-1), { session_hash: 'h9' });
  const failed = ctx.events.find((e) => e.type === 'refresh-failed');
  assert.deepEqual(failed, { type: 'refresh-failed', code: 'refused', status: 403, reason: 'unknown' });
  await ctx.advance(50_000);
  assert.deepEqual(refreshes(ctx.api).at(-1).body, { sessionHash: 'h9' }, 'and keeps the new chain fresh');
});

test('a refusal saying the hash was used means Messenger sent it: no fallback', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [notRefreshable('used')],
  });
  await ctx.client.start();
  await ctx.advance(50_000);
  await ctx.advance(10 * 60_000);
  assert.deepEqual(paths(ctx.api), ['/v1/initiations', '/v1/initiations/refresh']);
  assert.deepEqual(types(ctx.events).slice(-2), ['refresh-failed', 'conversation-started']);
});

test('at the end of the chain the client gives up and says the customer reaches the default queue', async () => {
  const chainEnd = T0 + 100_000;
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0, 60, chainEnd)],
    // The last ticket is capped at the chain's end.
    '/v1/initiations/refresh': [messengerTicket('h2', T0 + 50_000, 50, chainEnd)],
  });
  await ctx.client.start();
  await ctx.advance(50_000);
  assert.equal(refreshes(ctx.api).length, 1);
  await ctx.advance(50_000);
  assert.equal(refreshes(ctx.api).length, 1, 'no refresh past the chain: it could not succeed');
  assert.deepEqual(ctx.events.at(-1), {
    type: 'gave-up',
    reason: 'chain-ended',
    fallback: 'default-queue',
    validUntil: new Date(chainEnd).toISOString(),
  });
  await ctx.advance(10 * 60_000);
  assert.equal(ctx.api.calls.length, 2, 'and stays quiet');
});

test('a chain-ended refusal gives up too, without a fallback initiation', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [notRefreshable('chain-ended')],
  });
  await ctx.client.start();
  await ctx.advance(50_000);
  assert.deepEqual(paths(ctx.api), ['/v1/initiations', '/v1/initiations/refresh']);
  assert.equal(ctx.events.at(-1).type, 'gave-up');
  assert.equal(ctx.events.at(-1).reason, 'chain-ended');
});

test('when the fallback initiation fails too the client gives up', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0), problem(503, 'service-unavailable')],
    '/v1/initiations/refresh': [problem(503, 'service-unavailable')],
  });
  await ctx.client.start();
  await ctx.advance(50_000);
  assert.deepEqual(types(ctx.events).slice(-2), ['refresh-failed', 'gave-up']);
  assert.equal(ctx.events.at(-1).reason, 'refresh-failed');
});

test('after a reload with an active conversation a start initiates nothing', async () => {
  const ctx = setup({});
  ctx.messenger.publish('MessagingService.restored');
  assert.deepEqual(await ctx.client.start({ orderId: '1' }), { strategy: 'messenger', active: true });
  assert.equal(await ctx.client.prepare(), undefined);
  assert.deepEqual(ctx.api.calls, []);
  assert.deepEqual(ctx.messenger.commands.map((c) => c.name), ['Messenger.open']);
  assert.deepEqual(types(ctx.events), ['conversation-restored']);
});

test('a restore published while Messenger loads, before the client exists, is heard through the queue', async () => {
  // The snippet's queue keeps subscriptions until Messenger's script replays them.
  const messenger = fakeGenesys({ databaseReady: false });
  const queue = [];
  const snippet = (...args) => queue.push(args);
  let current = snippet;
  const client = createSecureMessaging({ getSessionToken: async () => 'jwt', genesys: () => current, fetch: async () => { throw new Error('no call'); } });
  const started = client.start();
  current = messenger.genesys;
  for (const args of queue) messenger.genesys(...args);
  messenger.publish('MessagingService.restored');
  messenger.publish('Database.ready');
  assert.deepEqual(await started, { strategy: 'messenger', active: true });
});

test('after a conversation ends a fresh ticket waits in Messenger for the next first message', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0), messengerTicket('h2', T0 + 60_000)],
    '/v1/initiations/refresh': [messengerTicket('h3', T0 + 110_000)],
  });
  await ctx.client.start({ orderId: '5' });
  ctx.messenger.publish('Conversations.started');
  await ctx.advance(60_000);
  ctx.messenger.publish('MessagingService.conversationDisconnected');
  await flush();
  assert.deepEqual(paths(ctx.api), ['/v1/initiations', '/v1/initiations']);
  assert.deepEqual(ctx.api.calls[1].body, { orderId: '5' });
  assert.deepEqual(ctx.messenger.sets(), [{ session_hash: 'h1' }, { session_hash: 'h2' }]);
  await ctx.advance(50_000);
  assert.deepEqual(refreshes(ctx.api).map((c) => c.body), [{ sessionHash: 'h2' }], 'kept fresh again');
  assert.deepEqual(types(ctx.events), [
    'initiated', 'handed-off', 'conversation-started', 'conversation-ended', 'initiated', 'handed-off', 'refreshed',
  ]);
  assert.equal(ctx.events[3].how, 'disconnected');
});

test('a cleared conversation gets a fresh ticket the same way', async () => {
  const ctx = setup({ '/v1/initiations': [messengerTicket('h1', T0), messengerTicket('h2', T0)] });
  await ctx.client.start();
  ctx.messenger.publish('Conversations.started');
  ctx.messenger.publish('MessagingService.conversationCleared');
  await flush();
  assert.deepEqual(ctx.messenger.sets().at(-1), { session_hash: 'h2' });
  assert.equal(ctx.events.find((e) => e.type === 'conversation-ended').how, 'cleared');
});

test('an initiation carries a fresh Idempotency-Key; a network retry repeats it with the same bytes', async () => {
  const ctx = setup({
    '/v1/initiations': [() => Promise.reject(new TypeError('Failed to fetch')), messengerTicket('h1', T0)],
  });
  await ctx.client.start({ orderId: '88472', initialMessage: 'Where is my order?' });
  const [first, retry] = ctx.api.calls;
  assert.match(first.key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(retry.key, first.key);
  assert.equal(retry.raw, first.raw);
  assert.deepEqual(types(ctx.events), ['initiated', 'handed-off']);
});

test('two network failures in a row are an error, after exactly one retry', async () => {
  const down = () => Promise.reject(new TypeError('Failed to fetch'));
  const ctx = setup({ '/v1/initiations': [down, down] });
  await assert.rejects(ctx.client.start(), (e) => e.code === 'network');
  assert.equal(ctx.api.calls.length, 2);
});

test('clear stops the refreshing and blanks the hash Messenger holds', async () => {
  const ctx = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  await ctx.client.start();
  ctx.client.clear();
  await flush();
  assert.deepEqual(ctx.messenger.sets(), [{ session_hash: 'h1' }, { session_hash: '' }]);
  await ctx.advance(10 * 60_000);
  assert.equal(ctx.api.calls.length, 1);
});

test('check refreshes a due ticket at once and leaves a fresh one alone', async () => {
  const ctx = setup({
    '/v1/initiations': [messengerTicket('h1', T0)],
    '/v1/initiations/refresh': [messengerTicket('h2', T0 + 55_000)],
  });
  await ctx.client.start();
  ctx.client.check();
  await ctx.advance(0);
  assert.equal(refreshes(ctx.api).length, 0);
  ctx.clock.now += 55_000; // a demo moved its clock; the timer has not fired
  ctx.client.check();
  await ctx.advance(0);
  assert.equal(refreshes(ctx.api).length, 1);
});

test('after clear an ended conversation gets no fresh ticket', async () => {
  const ctx = setup({ '/v1/initiations': [messengerTicket('h1', T0)] });
  await ctx.client.start();
  ctx.messenger.publish('Conversations.started');
  ctx.client.clear();
  ctx.messenger.publish('MessagingService.conversationCleared');
  await flush();
  assert.equal(ctx.api.calls.length, 1);
});
