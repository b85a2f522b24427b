// Unit tests of the Messenger stand-in itself (web/demo/genesys-stand-in.js), in headless
// Chromium against the local stack's sandbox, on a blank page: one test per behaviour the
// client must survive. The stand-in speaks the Web Messaging Guest API; the tests read the
// WebSocket frames the page sends and find conversations through the sandbox's admin routes
// (the stand-in never knows a conversation id).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { disconnect, json, launchBrowser, sandbox, setDeployment, startStack } from './harness.mjs';

let stack;
let browser;
let deploymentId;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  deploymentId = (await json(stack.base, '/dev/stack')).deploymentId;
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
  'MessagingService.started',
  'MessagingService.messagesReceived',
  'MessagingService.conversationDisconnected',
  'MessagingService.conversationCleared',
  'MessagingService.restored',
  'MessagingService.error',
];

/**
 * A blank page at the stack's origin with Messenger's snippet, a recorder of every event
 * (`window.seen`) and `window.cmd(name, options)`; the stand-in loads after them, as on a real
 * page. `queue` commands are sent through the snippet before the script loads. `sent` collects
 * the Guest API requests the page sends, parsed.
 */
async function page({ queue = [], clock = false } = {}) {
  const context = await browser.newContext();
  // Playwright serves this page itself, so Chromium counts it as a public address; its
  // WebSocket to the loopback stack then needs the local-network permission, which a page the
  // stack serves (the demo) does not.
  await context.grantPermissions(['local-network-access'], { origin: stack.base });
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
  const sent = [];
  p.on('pageerror', (e) => problems.push(e.message));
  p.on('websocket', (ws) => ws.on('framesent', (frame) => sent.push(JSON.parse(frame.payload))));
  if (clock) {
    await context.clock.install();
    await context.clock.pauseAt(Date.now() + 1000);
  }
  await p.goto(`${stack.base}/stand-in-test`);
  await ready(p);
  return { context, page: p, problems, sent };
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

/** Waits (real time) until `check()` holds. */
async function until(check, what) {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never: ${what}`);
}

/** The conversation a message belongs to, as a test tool finds it. */
const conversationOf = async (messageId) => (await sandbox(stack.base, `/messages/${messageId}`)).conversationId;
const conversation = (id) => sandbox(stack.base, `/conversations/${id}/flow`);
/** The sandbox's record of the session holding `conversationId`. */
async function sessionOf(conversationId) {
  const sessions = await sandbox(stack.base, '/messenger/sessions');
  return sessions.find((s) => s.conversations.includes(conversationId));
}
/** The Guest API requests sent, as `action` or `action:presence`. */
const actions = (sent) =>
  sent.map((f) => (f.action === 'onMessage' ? `onMessage:${f.message.events?.[0]?.presence?.type ?? f.message.type}` : f.action));

test('plugins publish ready events; a command sent before its plugin is ready waits for it', async () => {
  const { context, page: p, problems, sent } = await page({
    queue: [['Database.set', { messaging: { customAttributes: { session_hash: 'early' } } }]],
  });
  const [queued] = await p.evaluate(() => Promise.all(window.queued));
  assert.equal(queued.ok, true);
  assert.ok(queued.after.includes('Database.ready'), 'it ran once the Database plugin was ready');
  assert.deepEqual(queued.value, { messaging: { customAttributes: { session_hash: 'early' } } });
  for (const name of ['Database.ready', 'Messenger.ready', 'Conversations.ready', 'MessagingService.ready']) {
    assert.equal(await count(p, name), 1, name);
  }
  assert.deepEqual(sent, [], 'a new visitor has no session until Messenger needs one');
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

test('once the session says its budget, Database.set refuses attributes over it in UTF-8 bytes and leaves them unchanged', async () => {
  await setDeployment(stack.base, { maxCustomDataBytes: 20 });
  try {
    const { context, page: p } = await page();
    await cmd(p, 'Messenger.open', {}); // configures the session: maxCustomDataBytes 20
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

test('attributes held over the budget when the session says it are dropped with error 4013', async () => {
  await setDeployment(stack.base, { maxCustomDataBytes: 20 });
  try {
    const { context, page: p } = await page();
    await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'far-too-long-for-20' } } });
    await cmd(p, 'Messenger.open', {});
    await waitFor(p, 'MessagingService.error');
    const error = (await p.evaluate(() => window.seen)).find((e) => e.name === 'MessagingService.error');
    assert.equal(error.data.errorCode, 4013);
    assert.deepEqual(await cmd(p, 'Database.get', { name: 'messaging.customAttributes' }), {});
    await context.close();
  } finally {
    await setDeployment(stack.base, {});
  }
});

test('Messenger.open configures the session and shows the window; nothing starts', async () => {
  const { context, page: p, sent } = await page();
  const before = await sandbox(stack.base, '/stats');
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
  const after = await sandbox(stack.base, '/stats');
  assert.equal(after.messengerSessions, before.messengerSessions + 1, 'one session');
  assert.equal(after.conversations, before.conversations, 'no conversation on open');
  assert.deepEqual(actions(sent), ['configureSession']);
  assert.equal(await count(p, 'Conversations.started'), 0);
  await context.close();
});

test('the first message starts the conversation with the attributes held then; attributes travel only while pending', async () => {
  const { context, page: p, sent } = await page();
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h1' } } });
  await cmd(p, 'Messenger.open', {});
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'one' });
  await cmd(p, 'MessagingService.sendMessage', { message: 'two' });
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h1' } } }); // unchanged
  await cmd(p, 'MessagingService.sendMessage', { message: 'three' });
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h2' } } });
  await cmd(p, 'MessagingService.sendMessage', { message: 'four' });

  assert.equal(first.direction, 'Inbound', 'sendMessage resolves with the echo');
  const id = await conversationOf(first.id);
  assert.deepEqual((await conversation(id)).customAttributes, { session_hash: 'h1' }, 'exactly the attributes held at the first message');
  const session = await sessionOf(id);
  assert.deepEqual(session.conversations, [id], 'later messages joined it');
  const texts = sent.filter((f) => f.action === 'onMessage').map((f) => [f.message.text, f.message.channel?.metadata?.customAttributes?.session_hash ?? null]);
  assert.deepEqual(texts, [['one', 'h1'], ['two', null], ['three', null], ['four', 'h2']]);
  assert.equal(await count(p, 'Conversations.started'), 1);
  assert.deepEqual((await p.evaluate(() => window.seen)).find((e) => e.name === 'Conversations.started').data, {});
  assert.equal(await count(p, 'MessagingService.messagesReceived'), 4, 'one per message');
  assert.deepEqual(await p.$$eval('.dev-messenger .messages li', (l) => l.map((e) => e.textContent)), ['one', 'two', 'three', 'four']);
  const published = JSON.stringify(await p.evaluate(() => window.seen));
  assert.ok(!published.includes(id), 'nothing published names the conversation');
  await context.close();
});

test('an agent message and an agent disconnect reach the page without timers (its clock is paused)', async () => {
  const { context, page: p } = await page({ clock: true });
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h1' } } });
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'hello' });
  const firstId = await conversationOf(first.id);
  await conversation(firstId); // its flow ran
  const runs = (await sandbox(stack.base, '/stats')).flowRuns;
  await json(stack.base, `/sandbox/_sandbox/conversations/${firstId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'How can I help?' }),
  });
  await waitFor(p, 'MessagingService.messagesReceived', 2);
  const received = (await p.evaluate(() => window.seen)).filter((e) => e.name === 'MessagingService.messagesReceived');
  assert.equal(received[1].data.messages[0].direction, 'Outbound');
  assert.equal(received[1].data.messages[0].text, 'How can I help?');

  await disconnect(stack.base, firstId);
  await waitFor(p, 'MessagingService.conversationDisconnected');

  // The next message starts a new conversation and the flow runs again; the attributes were
  // sent already, so they travel again only once Database.set changes them.
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h2' } } });
  const second = await cmd(p, 'MessagingService.sendMessage', { message: 'back' });
  const secondId = await conversationOf(second.id);
  assert.notEqual(secondId, firstId);
  assert.deepEqual((await conversation(secondId)).customAttributes, { session_hash: 'h2' });
  assert.equal((await sandbox(stack.base, '/stats')).flowRuns, runs + 1);
  assert.equal(await count(p, 'Conversations.started'), 2);
  await context.close();
});

test('clearConversation ends the conversation and the session; the next message starts anew with the held attributes', async () => {
  const { context, page: p, sent } = await page();
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'h1' } } });
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'hi' });
  const firstId = await conversationOf(first.id);
  await cmd(p, 'MessagingService.clearConversation', {});
  assert.equal(await count(p, 'MessagingService.conversationCleared'), 1);
  assert.equal((await sandbox(stack.base, `/conversations/${firstId}`)).state, 'disconnected');
  assert.deepEqual(await storageRecord(p), [], 'the session record is gone with the session');
  const second = await cmd(p, 'MessagingService.sendMessage', { message: 'again' });
  const secondId = await conversationOf(second.id);
  assert.notEqual(secondId, firstId);
  assert.deepEqual((await conversation(secondId)).customAttributes, { session_hash: 'h1' });
  assert.deepEqual(actions(sent), ['configureSession', 'onMessage:Text', 'onMessage:Clear', 'configureSession', 'onMessage:Text']);
  await context.close();
});

test('with autostart on, the Join leaves right after a new session is configured, with the attributes set before', async () => {
  await setDeployment(stack.base, { autostart: true });
  try {
    const { context, page: p, sent } = await page();
    await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'auto' } } });
    await cmd(p, 'Messenger.open', {});
    await waitFor(p, 'Conversations.started');
    assert.deepEqual(actions(sent), ['configureSession', 'onMessage:Join']);
    assert.deepEqual(sent[1].message.channel.metadata.customAttributes, { session_hash: 'auto' });
    const join = (await p.evaluate(() => window.seen)).find((e) => e.name === 'MessagingService.messagesReceived');
    const id = await conversationOf(join.data.messages[0].id);
    assert.deepEqual((await conversation(id)).customAttributes, { session_hash: 'auto' });

    // Closing and opening again, or a reload, configures no new session: no second Join.
    await cmd(p, 'Messenger.close', {});
    await cmd(p, 'Messenger.open', {});
    await p.reload();
    await ready(p);
    await until(() => sent.filter((f) => f.action === 'configureSession').length === 2, 'the reload configured');
    assert.deepEqual(actions(sent).filter((a) => a === 'onMessage:Join'), ['onMessage:Join']);
    assert.deepEqual((await sessionOf(id)).conversations, [id]);
    await context.close();
  } finally {
    await setDeployment(stack.base, {});
  }
});

test('with autostart on, a session configured before Database.set sends the Join without the attributes', async () => {
  await setDeployment(stack.base, { autostart: true });
  try {
    const { context, page: p, sent } = await page();
    await cmd(p, 'Messenger.open', {});
    await waitFor(p, 'Conversations.started');
    await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'late' } } });
    assert.deepEqual(actions(sent), ['configureSession', 'onMessage:Join']);
    assert.equal(sent[1].message.channel, undefined, 'nothing was held when the Join left');
    const join = (await p.evaluate(() => window.seen)).find((e) => e.name === 'MessagingService.messagesReceived');
    assert.deepEqual((await conversation(await conversationOf(join.data.messages[0].id))).customAttributes, {});
    await context.close();
  } finally {
    await setDeployment(stack.base, {});
  }
});

test('startConversation sends a Join, refused while autostart is off; an unknown command is refused', async () => {
  const { context, page: p } = await page();
  assert.match(await failing(p, 'MessagingService.startConversation', {}), /Join are not supported/);
  assert.equal(await count(p, 'Conversations.started'), 0);
  assert.match(await failing(p, 'Messenger.launchRocket', {}), /does not know/);
  assert.match(await failing(p, 'MessagingService.sendMessage', { message: '  ' }), /non-empty/);
  await context.close();
});

test('after a read-only disconnect the next message closes the session and starts a new one', async () => {
  await setDeployment(stack.base, { disconnect: { enabled: true, type: 'ReadOnly' } });
  try {
    const { context, page: p, sent } = await page();
    const first = await cmd(p, 'MessagingService.sendMessage', { message: 'hi' });
    const firstId = await conversationOf(first.id);
    await disconnect(stack.base, firstId);
    await waitFor(p, 'MessagingService.conversationDisconnected');
    const second = await cmd(p, 'MessagingService.sendMessage', { message: 'again' });
    assert.notEqual(await conversationOf(second.id), firstId);
    assert.deepEqual(actions(sent), ['configureSession', 'onMessage:Text', 'closeSession', 'configureSession', 'onMessage:Text']);
    assert.equal(sent[3].startNew, true);
    await context.close();
  } finally {
    await setDeployment(stack.base, {});
  }
});

test('the conversation survives a reload: restored from the history, no flow run; storage holds only the token and a flag', async () => {
  const { context, page: p, sent } = await page();
  await cmd(p, 'Database.set', { messaging: { customAttributes: { session_hash: 'secret-hash-value' } } });
  await cmd(p, 'Messenger.open', {});
  const first = await cmd(p, 'MessagingService.sendMessage', { message: 'before the reload' });
  const id = await conversationOf(first.id);
  await conversation(id);
  const runs = (await sandbox(stack.base, '/stats')).flowRuns;
  const [[key, value]] = await storageRecord(p);
  assert.equal(key, `_genesys.messenger.stand-in:${deploymentId}`);
  const record = JSON.parse(value);
  assert.deepEqual(Object.keys(record).sort(), ['open', 'token']);
  assert.equal(record.open, true);
  assert.ok(!value.includes('secret-hash-value'), 'the attributes stay in memory');
  assert.ok(sent.every((f) => f.token === record.token), 'every frame carries the recorded token');

  await p.reload();
  await ready(p);
  const restored = (await p.evaluate(() => window.seen)).find((e) => e.name === 'MessagingService.restored');
  assert.deepEqual(restored.data.messages.map((m) => m.text), ['before the reload']);
  assert.equal(await conversationOf(restored.data.messages[0].id), id);
  assert.ok((await names(p)).indexOf('MessagingService.restored') < (await names(p)).indexOf('Database.ready'), 'restored comes before ready');
  assert.equal(await p.isVisible('.dev-messenger'), true, 'the window opens again');
  assert.deepEqual(await cmd(p, 'Database.get', { name: 'messaging.customAttributes' }), {}, 'nothing was kept');
  const later = await cmd(p, 'MessagingService.sendMessage', { message: 'after the reload' });
  assert.equal(await conversationOf(later.id), id);
  assert.equal(await count(p, 'Conversations.started'), 0);
  assert.equal((await sandbox(stack.base, '/stats')).flowRuns, runs, 'no new flow run');
  assert.deepEqual(await storageRecord(p), [[key, value]], 'the same session');
  await context.close();
});
