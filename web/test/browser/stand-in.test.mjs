// Unit tests of the Messenger stand-in itself (web/demo/genesys-stand-in.js), in headless
// Chromium against the local stack's sandbox, on a blank page: one test per behaviour the
// client must survive, so the stand-in cannot drift back to starting conversations on open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { disconnect, json, launchBrowser, sandbox, setDeployment, startStack } from './harness.mjs';

let stack;
let browser;
let deploymentId;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  deploymentId = (await json(stack.base, '/dev/stack')).messenger.deploymentId;
});

after(async () => {
  await browser?.close();
  stack?.stop();
});

const EVENTS = [
  'Database.ready',
  'Database.updated',
  'Messenger.ready',
  'Messenger.opened',
  'Messenger.closed',
  'Conversations.ready',
  'Conversations.started',
  'MessagingService.ready',
  'MessagingService.messagesReceived',
  'MessagingService.conversationDisconnected',
  'MessagingService.conversationCleared',
  'MessagingService.restored',
  'MessagingService.error',
];

/**
 * A blank page at the stack's origin with Messenger's snippet, a recorder of every event
 * (`window.seen`) and `window.cmd(name, options)`; the stand-in loads after them, as on a real
 * page. `queue` commands are sent through the snippet before the script loads.
 */
async function page({ queue = [], clock = false } = {}) {
  const context = await browser.newContext();
  await context.route(`${stack.base}/stand-in-test`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><meta charset="utf-8"><title>stand-in</title><body><script src="/dev/genesys-stand-in.js"></script></body>',
    }),
  );
  await context.addInitScript(
    ({ deploymentId, events, queue }) => {
      const snippet = function () {
        (snippet.q = snippet.q || []).push(arguments);
      };
      snippet.c = { environment: 'development', deploymentId };
      window.Genesys = snippet;
      window.seen = [];
      for (const name of events) window.Genesys('subscribe', name, (e) => window.seen.push({ name, data: e.data }));
      window.cmd = (name, options) =>
        new Promise((resolve, reject) => window.Genesys('command', name, options, resolve, (e) => reject(new Error(e.message))));
      window.queued = queue.map(([name, options]) =>
        window.cmd(name, options).then(
          (value) => ({ ok: true, value, after: window.seen.map((e) => e.name) }),
          (e) => ({ ok: false, error: e.message }),
        ),
      );
    },
    { deploymentId, events: EVENTS, queue },
  );
  const p = await context.newPage();
  const problems = [];
  p.on('pageerror', (e) => problems.push(e.message));
  if (clock) {
    await context.clock.install();
    await context.clock.pauseAt(Date.now() + 1000);
  }
  await p.goto(`${stack.base}/stand-in-test`);
  await ready(p);
  return { context, page: p, problems };
}

const ready = (p) => p.waitForFunction(() => window.seen.some((e) => e.name === 'Messenger.ready'));
const names = (p) => p.evaluate(() => window.seen.map((e) => e.name));
const count = async (p, name) => (await names(p)).filter((n) => n === name).length;
const waitFor = (p, name, n = 1) =>
  p.waitForFunction(([name, n]) => window.seen.filter((e) => e.name === name).length >= n, [name, n]);
const cmd = (p, name, options) => p.evaluate(([name, options]) => window.cmd(name, options), [name, options]);
const failing = (p, name, options) =>
  p.evaluate(([name, options]) => window.cmd(name, options).then(() => null, (e) => e.message), [name, options]);
const storageRecord = (p) => p.evaluate(() => Object.entries(localStorage));

/** The sandbox's record of the session holding `conversationId`. */
async function sessionOf(conversationId) {
  const sessions = await sandbox(stack.base, '/messenger/sessions');
  return sessions.find((s) => s.conversations.includes(conversationId));
}

test('plugins publish ready events; a command sent before its plugin is ready waits for it', async () => {
  const { context, page: p, problems } = await page({
    queue: [['Database.set', { messaging: { customAttributes: { session_hash: 'early' } } }]],
  });
  const [queued] = await p.evaluate(() => Promise.all(window.queued));
  assert.equal(queued.ok, true);
  assert.ok(queued.after.includes('Database.ready'), 'it ran once the Database plugin was ready');
  assert.deepEqual(queued.value, { messaging: { customAttributes: { session_hash: 'early' } } });
  for (const name of ['Database.ready', 'Messenger.ready', 'Conversations.ready', 'MessagingService.ready']) {
    assert.equal(await count(p, name), 1, name);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a subscriber to a ready event that was already published is called again', async () => {
  const { context, page: p } = await page();
  const late = await p.evaluate(
    () => new Promise((resolve) => window.Genesys('subscribe', 'Database.ready', (e) => resolve(e.event))),
  );
  assert.equal(late, 'Database.ready');
  const other = await p.evaluate(
    () =>
      new Promise((resolve) => {
        let called = false;
        window.Genesys('subscribe', 'Messenger.opened', () => (called = true));
        setTimeout(() => resolve(called), 50);
      }),
  );
  assert.equal(other, false, 'other events are not replayed');
  await context.close();
});

test('Database.set merges shallowly and refuses values that are not strings', async () => {
  const { context, page: p } = await page();
  await cmd(p, 'Database.set', { messaging: { customAttributes: { a: '1', b: '2' } } });
  const merged = await cmd(p, 'Database.set', { messaging: { customAttributes: { b: '3', c: '4' } } });
  assert.deepEqual(merged.messaging.customAttributes, { a: '1', b: '3', c: '4' });
  assert.match(await failing(p, 'Database.set', { messaging: { customAttributes: { tier: 2 } } }), /strings/);
  assert.match(await failing(p, 'Database.set', { messaging: { customAttributes: { nested: { x: '1' } } } }), /strings/);
  assert.match(await failing(p, 'Database.set', {}), /strings/);
  assert.deepEqual(await cmd(p, 'Database.get', { name: 'messaging.customAttributes' }), { a: '1', b: '3', c: '4' });
  assert.equal(await count(p, 'Database.updated'), 2);
  await context.close();
});

test('Database.set refuses attributes over the budget in UTF-8 bytes and leaves them unchanged', async () => {
  await setDeployment(stack.base, { maxCustomDataBytes: 20 });
  try {
    const { context, page: p } = await page();
    // session_hash (12) + 8 = 20 bytes: at the budget.
    await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'abcdefgh' } } });
    // "é" is two bytes: 12 + 9 = 21.
    const refused = await failing(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'abcdefgé' } } });
    assert.match(refused, /21 bytes exceed maxCustomDataBytes \(20\)/);
    const error = (await p.evaluate(() => window.seen)).find((e) => e.name === 'MessagingService.error');
    assert.equal(error.data.errorCode, 4013);
    assert.deepEqual(await cmd(p, 'Database.get', { name: 'messaging.customAttributes' }), { session_hash: 'abcdefgh' });
    await context.close();
  } finally {
    await setDeployment(stack.base, {});
  }
});

test('Messenger.open and Messenger.close only show and hide the window: nothing starts', async () => {
  const { context, page: p } = await page();
  const before = (await sandbox(stack.base, '/stats')).conversations;
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h' } } });
  await cmd(p, 'Messenger.open', {});
  assert.equal(await p.isVisible('.dev-messenger'), true);
  assert.match(await failing(p, 'Messenger.open', {}), /already open/);
  await cmd(p, 'Messenger.close', {});
  assert.equal(await p.isVisible('.dev-messenger'), false);
  assert.deepEqual((await names(p)).filter((n) => n.startsWith('Messenger.o') || n.startsWith('Messenger.c')), [
    'Messenger.opened',
    'Messenger.closed',
  ]);
  assert.equal((await sandbox(stack.base, '/stats')).conversations, before, 'no conversation on open');
  assert.equal(await count(p, 'Conversations.started'), 0);
  await context.close();
});

test('the first message starts the conversation with the attributes held then; attributes travel only when changed', async () => {
  const { context, page: p } = await page();
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h1' } } });
  await cmd(p, 'Messenger.open', {});
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'one' });
  assert.equal(first.newConversation, true);
  await cmd(p, 'MessagingService.sendMessage', { message: 'two' });
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h1' } } }); // unchanged
  await cmd(p, 'MessagingService.sendMessage', { message: 'three' });
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h2' } } });
  await cmd(p, 'MessagingService.sendMessage', { message: 'four' });

  const conversation = await sandbox(stack.base, `/conversations/${first.conversationId}`);
  assert.deepEqual(conversation.customAttributes, { session_hash: 'h1' }, 'exactly the attributes held at the first message');
  const session = await sessionOf(first.conversationId);
  assert.deepEqual(session.conversations, [first.conversationId], 'later messages joined it');
  assert.deepEqual(
    session.messages.map((m) => [m.message.text, m.customAttributes?.session_hash ?? null]),
    [['one', 'h1'], ['two', null], ['three', null], ['four', 'h2']],
  );
  assert.equal(await count(p, 'Conversations.started'), 1);
  const started = (await p.evaluate(() => window.seen)).find((e) => e.name === 'Conversations.started');
  assert.equal(started.data.conversationId, first.conversationId);
  assert.equal(await count(p, 'MessagingService.messagesReceived'), 4, 'one per message');
  assert.deepEqual(await p.$$eval('.dev-messenger .messages li', (l) => l.map((e) => e.textContent)), ['one', 'two', 'three', 'four']);
  await context.close();
});

test('an agent message and an agent disconnect reach the page without timers (its clock is paused)', async () => {
  const { context, page: p } = await page({ clock: true });
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h1' } } });
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'hello' });
  const runs = (await sandbox(stack.base, '/stats')).flowRuns;
  await json(stack.base, `/sandbox/_sandbox/conversations/${first.conversationId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'How can I help?' }),
  });
  await waitFor(p, 'MessagingService.messagesReceived', 2);
  const received = (await p.evaluate(() => window.seen)).filter((e) => e.name === 'MessagingService.messagesReceived');
  assert.equal(received[1].data.messages[0].direction, 'Outbound');
  assert.equal(received[1].data.messages[0].text, 'How can I help?');

  await disconnect(stack.base, first.conversationId);
  await waitFor(p, 'MessagingService.conversationDisconnected');
  const ended = (await p.evaluate(() => window.seen)).find((e) => e.name === 'MessagingService.conversationDisconnected');
  assert.equal(ended.data.conversationId, first.conversationId);

  // The next message starts a new conversation, with the attributes again, and the flow runs again.
  const second = await cmd(p, 'MessagingService.sendMessage', { message: 'back' });
  assert.equal(second.newConversation, true);
  assert.notEqual(second.conversationId, first.conversationId);
  assert.deepEqual((await sandbox(stack.base, `/conversations/${second.conversationId}`)).customAttributes, { session_hash: 'h1' });
  assert.equal((await sandbox(stack.base, '/stats')).flowRuns, runs + 1);
  assert.equal(await count(p, 'Conversations.started'), 2);
  await context.close();
});

test('clearConversation ends the conversation and the next message starts a new one', async () => {
  const { context, page: p } = await page();
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'hi' });
  await cmd(p, 'MessagingService.clearConversation', {});
  await waitFor(p, 'MessagingService.conversationCleared');
  assert.equal(await count(p, 'MessagingService.conversationCleared'), 1, 'once, though the event stream echoes it');
  assert.equal((await sandbox(stack.base, `/conversations/${first.conversationId}`)).state, 'disconnected');
  assert.match(await failing(p, 'MessagingService.clearConversation', {}), /no conversation/);
  const second = await cmd(p, 'MessagingService.sendMessage', { message: 'again' });
  assert.equal(second.newConversation, true);
  assert.deepEqual((await sessionOf(first.conversationId)).conversations, [first.conversationId, second.conversationId]);
  await context.close();
});

test('with autostart on, opening starts the conversation with the attributes held then', async () => {
  await setDeployment(stack.base, { autostart: true });
  try {
    const { context, page: p } = await page();
    await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'auto' } } });
    await cmd(p, 'Messenger.open', {});
    await waitFor(p, 'Conversations.started');
    const { conversationId } = (await p.evaluate(() => window.seen)).find((e) => e.name === 'Conversations.started').data;
    assert.deepEqual((await sandbox(stack.base, `/conversations/${conversationId}`)).customAttributes, { session_hash: 'auto' });
    const session = await sessionOf(conversationId);
    assert.deepEqual(session.messages.map((m) => m.message.events?.[0]?.presence?.type), ['Join']);
    await context.close();
  } finally {
    await setDeployment(stack.base, {});
  }
});

test('startConversation starts one without a message; an unknown command is refused', async () => {
  const { context, page: p } = await page();
  const started = await cmd(p, 'MessagingService.startConversation', {});
  assert.equal(started.newConversation, true);
  const again = await cmd(p, 'MessagingService.startConversation', {});
  assert.equal(again.conversationId, started.conversationId, 'a running conversation is kept');
  assert.match(await failing(p, 'Messenger.launchRocket', {}), /does not know/);
  assert.match(await failing(p, 'MessagingService.sendMessage', { message: '  ' }), /non-empty/);
  await context.close();
});

test('the conversation survives a reload: restored, no flow run; storage holds only the token and a flag', async () => {
  const { context, page: p } = await page();
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'secret-hash-value' } } });
  await cmd(p, 'Messenger.open', {});
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'before the reload' });
  const runs = (await sandbox(stack.base, '/stats')).flowRuns;
  const [[key, value]] = await storageRecord(p);
  assert.equal(key, `_genesys.messenger.stand-in:${deploymentId}`);
  const record = JSON.parse(value);
  assert.deepEqual(Object.keys(record).sort(), ['open', 'token']);
  assert.equal(record.open, true);
  assert.ok(!value.includes('secret-hash-value'), 'the attributes stay in memory');

  await p.reload();
  await ready(p);
  const restored = (await p.evaluate(() => window.seen)).find((e) => e.name === 'MessagingService.restored');
  assert.equal(restored.data.conversationId, first.conversationId);
  assert.ok((await names(p)).indexOf('MessagingService.restored') < (await names(p)).indexOf('Database.ready'), 'restored comes before ready');
  assert.equal(await p.isVisible('.dev-messenger'), true, 'the window opens again');
  assert.deepEqual(await cmd(p, 'Database.get', { name: 'messaging.customAttributes' }), {}, 'nothing was kept');
  const later = await cmd(p, 'MessagingService.sendMessage', { message: 'after the reload' });
  assert.equal(later.newConversation, false);
  assert.equal(later.conversationId, first.conversationId);
  assert.equal(await count(p, 'Conversations.started'), 0);
  assert.equal((await sandbox(stack.base, '/stats')).flowRuns, runs, 'no new flow run');
  assert.deepEqual(await storageRecord(p), [[key, value]], 'the same session');
  await context.close();
});
