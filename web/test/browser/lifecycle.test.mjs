// Issue 12's acceptance in headless Chromium against the local stack and the Messenger
// stand-in: the first message minutes after the hand-over, the 15-minute limit, autostart,
// reloads, second conversations, hidden tabs, double clicks and retries, the refresh race, what
// the browser keeps, and the lifecycle the demo shows. Time moves with the stack's
// `/dev/clock` and Playwright's clock together (`advance`): no real long waits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  advance,
  assertNothingKept,
  conversationShown,
  disconnect,
  eventTypes,
  firstMessage,
  handOver,
  launchBrowser,
  openDemo,
  sandbox,
  screenshot,
  setDeployment,
  settle,
  signIn,
  startChat,
  startStack,
  store,
  validate,
  write,
} from './harness.mjs';

let stack;
let browser;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  stack?.stop();
});

const refreshes = (demo) => demo.exchanges.filter((x) => x.path === '/v1/initiations/refresh');
const initiations = (demo) => demo.exchanges.filter((x) => x.path === '/v1/initiations');
const lastHash = (demo) => demo.exchanges.filter((x) => x.status === 201).at(-1).body.sessionHash;

test('the first message 5 minutes after the hand-over validates: valid true', async () => {
  const demo = await openDemo(browser, stack.base, { clock: true });
  const { page, problems } = demo;
  await signIn(page, 'five');
  await handOver(page);
  await advance(demo, 300);
  const verdict = await firstMessage(page);
  assert.equal(verdict.valid, 'true', `reason: ${verdict.reason}`);
  assert.equal(verdict.reason, 'ok');

  // A 401 is the development session token expiring (5 minutes): the client renewed it.
  const refreshed = refreshes(demo).filter((x) => x.status !== 401);
  assert.ok(refreshed.length >= 5 && refreshed.length <= 7, `about one refresh per 50 s: ${refreshed.length}`);
  assert.ok(refreshed.every((x) => x.status === 201), JSON.stringify(refreshed.map((x) => x.status)));
  const conversation = await sandbox(stack.base, `/conversations/${await conversationShown(page)}`);
  assert.equal(conversation.customAttributes.session_hash, lastHash(demo), 'Messenger sent the freshest hash');
  assert.equal(initiations(demo).length, 1);
  const types = await eventTypes(page);
  assert.ok(types.indexOf('conversation-started') > types.lastIndexOf('refreshed'));

  // The ticket is spent: no more refreshes.
  const before = refreshes(demo).length;
  await advance(demo, 120, 20);
  assert.equal(refreshes(demo).length, before);

  const jwt = initiations(demo)[0].authorization.replace(/^Bearer /, '');
  const hashes = Object.fromEntries(demo.exchanges.filter((x) => x.status === 201).map((x, i) => [`hash ${i}`, x.body.sessionHash]));
  await assertNothingKept(demo, { 'session JWT': jwt, ...hashes });
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('the first message 16 minutes after the hand-over is expired, and the client gave up first', async () => {
  const demo = await openDemo(browser, stack.base, { clock: true });
  const { page, problems } = demo;
  await signIn(page, 'sixteen');
  await handOver(page);
  await settle(demo);
  const issued = initiations(demo)[0].body;
  assert.ok(issued.chainExpiresAt, 'the backend says when the chain ends');
  await advance(demo, 16 * 60, 10);
  const types = await eventTypes(page);
  assert.ok(types.includes('gave-up'), types.join(' '));
  const gaveUp = await page.$eval('#events li[data-type="gave-up"]', (e) => e.textContent);
  assert.match(gaveUp, /default queue/);
  assert.equal(await page.$eval('[data-step="fresh"]', (e) => e.dataset.state), 'failed');
  const verdict = await firstMessage(page);
  assert.equal(verdict.valid, 'false');
  assert.equal(verdict.reason, 'expired');
  // Refreshed all along (a 401 is the development session token expiring every 5 minutes, which
  // the client renewed), and nothing after the give-up.
  const refreshed = refreshes(demo).filter((x) => x.status !== 401);
  assert.ok(refreshed.length >= 16 && refreshed.length <= 19, `refreshes: ${refreshed.length}`);
  assert.ok(refreshed.every((x) => x.status === 201), JSON.stringify(refreshes(demo).map((x) => x.status)));
  assert.ok((await eventTypes(page)).includes('session-token-renewed'));
  assert.deepEqual(problems.filter((p) => !p.includes('status of 401')), []);
  await demo.context.close();
});

test('with autostart on the conversation starts on open and validates', async () => {
  await setDeployment(stack.base, { autostart: true });
  try {
    const demo = await openDemo(browser, stack.base);
    const { page, problems } = demo;
    await signIn(page, 'auto');
    await page.click('#start');
    await page.waitForSelector('#validation[data-state="done"]');
    const verdict = await page.$eval('#validation', (e) => ({ ...e.dataset }));
    assert.equal(verdict.valid, 'true');
    const id = await conversationShown(page);
    const [session] = (await sandbox(stack.base, '/messenger/sessions')).filter((s) => s.conversations.includes(id));
    assert.equal(session.messages.length, 1, 'nobody wrote');
    assert.equal(session.messages[0].message.events[0].presence.type, 'Join');
    assert.deepEqual(Object.keys(session.messages[0].customAttributes), ['session_hash']);
    assert.deepEqual(refreshes(demo), [], 'the ticket was spent at once');
    assert.deepEqual(problems, []);
    await demo.context.close();
  } finally {
    await setDeployment(stack.base, { autostart: false });
  }
});

test('with autostart on, the Join leaves when Messenger configures its session, after Database.set, and validates', async () => {
  await setDeployment(stack.base, { autostart: true });
  try {
    const demo = await openDemo(browser, stack.base);
    const { page, problems, frames } = demo;
    // One clock for the page's Messenger commands and the frames its WebSocket sends.
    await page.evaluate(() => {
      window.timeline = [];
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (data) {
        window.timeline.push({ frame: JSON.parse(data).action, at: performance.now() });
        return send.call(this, data);
      };
      const messenger = window.Genesys;
      window.Genesys = Object.assign(function (kind, name, ...rest) {
        if (kind === 'command') window.timeline.push({ command: name, at: performance.now() });
        return messenger(kind, name, ...rest);
      }, messenger);
    });
    await signIn(page, 'autosession');
    await page.click('#start');
    await page.waitForSelector('#validation[data-state="done"]');

    const verdict = await page.$eval('#validation', (e) => ({ ...e.dataset }));
    assert.equal(verdict.valid, 'true', `reason: ${verdict.reason}`);
    const timeline = await page.evaluate(() => window.timeline);
    const at = (what) => timeline.find((t) => t.command === what || t.frame === what)?.at;
    assert.ok(at('Database.set') < at('Messenger.open'), JSON.stringify(timeline));
    assert.ok(at('Messenger.open') <= at('configureSession'), 'the session is configured when Messenger opens');
    assert.ok(at('configureSession') < at('onMessage'), JSON.stringify(timeline));
    // The SessionResponse said newSession: true, and the Join left right after it, carrying the hash.
    const guest = frames.filter((f) => f.class === 'SessionResponse' || (f.sent && f.action !== 'getJwt'));
    assert.deepEqual(guest.map((f) => f.action ?? f.class), ['configureSession', 'SessionResponse', 'onMessage']);
    assert.equal(guest[1].body.newSession, true);
    const join = guest[2];
    assert.equal(join.message.events[0].presence.type, 'Join');
    const hash = initiations(demo)[0].body.sessionHash;
    assert.deepEqual(join.message.channel.metadata.customAttributes, { session_hash: hash });
    const conversation = await sandbox(stack.base, `/conversations/${await conversationShown(page)}`);
    assert.equal(conversation.customAttributes.session_hash, hash);
    assert.equal(conversation.initialMessage, undefined, 'nobody wrote');
    assert.deepEqual(problems, []);
    await demo.context.close();
  } finally {
    await setDeployment(stack.base, { autostart: false });
  }
});

test('a reload mid-conversation initiates nothing and keeps the one validated conversation', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems } = demo;
  await signIn(page, 'reload');
  assert.equal((await startChat(page)).valid, 'true');
  const id = await conversationShown(page);
  const flowRuns = (await sandbox(stack.base, '/stats')).flowRuns;
  const sessionsBefore = (await store(stack.base)).sessions;
  const initiatedBefore = initiations(demo).length;

  await demo.reload();
  await page.waitForSelector('#events li[data-type="conversation-restored"]');
  // The page shows the restored conversation, validated once.
  await page.waitForSelector('#validation[data-state="done"]');
  assert.equal(await conversationShown(page), id);
  await signIn(page, 'reload');
  await page.click('#start');
  await settle(demo);
  await write(page, 'Still there?');
  await page.waitForFunction(() => document.querySelectorAll('.dev-messenger .messages li').length >= 1);
  await settle(demo);

  assert.equal(initiations(demo).length, initiatedBefore, 'no new initiation');
  assert.equal((await store(stack.base)).sessions, sessionsBefore, 'no new session server-side');
  const sessions = (await sandbox(stack.base, '/messenger/sessions')).filter((s) => s.conversations.includes(id));
  assert.equal(sessions.length, 1);
  assert.deepEqual(sessions[0].conversations, [id], 'one conversation');
  assert.equal(sessions[0].messages.filter((m) => m.message.type === 'Text').length, 2);
  const conversation = await sandbox(stack.base, `/conversations/${id}`);
  assert.equal(conversation.state, 'connected');
  const call = conversation.inboundFlow.steps.find((s) => s.name === 'callData');
  assert.equal(call.detail.output.valid, true, 'its validated context');
  assert.equal((await sandbox(stack.base, '/stats')).flowRuns, flowRuns, 'no flow run on reload');
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('after the agent ends the conversation, writing again starts a new one with a new valid hash', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems } = demo;
  await signIn(page, 'again');
  assert.equal((await startChat(page)).valid, 'true');
  const firstId = await conversationShown(page);
  const firstHash = (await sandbox(stack.base, `/conversations/${firstId}`)).customAttributes.session_hash;

  await disconnect(stack.base, firstId);
  await page.waitForSelector('#events li[data-type="conversation-ended"]');
  await page.waitForFunction(() => document.querySelectorAll('#events li[data-type="handed-off"]').length === 2);
  const verdict = await firstMessage(page, 'One more question');
  assert.equal(verdict.valid, 'true');
  assert.equal(verdict.reason, 'ok');
  const secondId = await conversationShown(page);
  assert.notEqual(secondId, firstId);
  const secondHash = (await sandbox(stack.base, `/conversations/${secondId}`)).customAttributes.session_hash;
  assert.notEqual(secondHash, firstHash, 'a new hash');
  assert.equal(secondHash, lastHash(demo));
  const old = await validate(stack.base, firstHash, crypto.randomUUID());
  assert.equal(old.valid, false);
  assert.ok(['replayed', 'revoked'].includes(old.reason), old.reason);
  assert.equal(await page.$eval('#lifecycle-round', (e) => e.textContent), 'conversation 2');
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('a hidden tab sleeps through several ticket lifetimes and refreshes when visible again', async () => {
  const demo = await openDemo(browser, stack.base, { clock: true });
  const { page, problems } = demo;
  await signIn(page, 'hidden');
  await handOver(page);
  const setVisibility = (state) =>
    page.evaluate((s) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  await setVisibility('hidden');
  await advance(demo, 4 * 60, 20);
  assert.deepEqual(refreshes(demo), [], 'no refresh while hidden');
  assert.ok((await eventTypes(page)).includes('paused'));
  await setVisibility('visible');
  await page.waitForFunction(() => document.querySelector('[data-step="fresh"]').dataset.count === '1');
  await settle(demo);
  assert.equal(refreshes(demo).length, 1);
  assert.equal(refreshes(demo)[0].status, 201, 'the expired ticket was still refreshable');
  const verdict = await firstMessage(page);
  assert.equal(verdict.valid, 'true');
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('a double click creates one session', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems } = demo;
  await signIn(page, 'double');
  const before = (await store(stack.base)).sessions;
  await page.dblclick('#start');
  await page.waitForSelector('#events li[data-type="handed-off"]');
  await settle(demo);
  assert.equal(initiations(demo).length, 1);
  assert.equal((await store(stack.base)).sessions, before + 1, 'one session server-side');
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('a network failure after the server created the session is retried into that one session', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, context, problems } = demo;
  await signIn(page, 'retry');
  const seen = [];
  let dropped = false;
  await context.route('**/v1/initiations', async (route) => {
    const request = route.request();
    seen.push({ key: request.headers()['idempotency-key'], body: request.postData() });
    if (dropped) return route.continue();
    dropped = true;
    await route.fetch(); // the server creates the session; the answer never reaches the page
    await route.abort('connectionreset');
  });
  const before = (await store(stack.base)).sessions;
  await page.click('#start');
  await page.waitForSelector('#events li[data-type="handed-off"]');
  await settle(demo);
  assert.equal(seen.length, 2, 'one retry');
  assert.match(seen[0].key, /^[0-9a-f-]{36}$/);
  assert.equal(seen[1].key, seen[0].key, 'the same Idempotency-Key');
  assert.equal(seen[1].body, seen[0].body, 'byte-identical body');
  assert.equal((await store(stack.base)).sessions, before + 1, 'one session server-side');
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_CONNECTION_RESET')), []);
  await context.unroute('**/v1/initiations');
  await demo.context.close();
});

test('a first message sent while a refresh is answered still validates; the new hash never does', async () => {
  const demo = await openDemo(browser, stack.base, { clock: true });
  const { page, context, problems } = demo;
  await signIn(page, 'race');
  await handOver(page);
  let rotated = null;
  await context.route('**/v1/initiations/refresh', async (route) => {
    const response = await route.fetch(); // the server has rotated the hash
    rotated = await response.json();
    // The customer's message leaves now, with the hash Messenger still holds (the old one).
    await page.evaluate(
      () => new Promise((resolve, reject) => window.Genesys('command', 'MessagingService.sendMessage', { message: 'quick!' }, resolve, reject)),
    );
    await route.fulfill({ response });
  });
  await advance(demo, 50);
  await page.waitForSelector('#validation[data-state="done"]');
  const verdict = await page.$eval('#validation', (e) => ({ ...e.dataset }));
  assert.equal(verdict.valid, 'true', `the just-rotated hash validated: ${verdict.reason}`);
  const conversation = await sandbox(stack.base, `/conversations/${await conversationShown(page)}`);
  assert.equal(conversation.customAttributes.session_hash, initiations(demo)[0].body.sessionHash, 'the old hash left');
  assert.ok(rotated?.sessionHash, 'the refresh answered');
  const successor = await validate(stack.base, rotated.sessionHash, crypto.randomUUID());
  assert.equal(successor.valid, false);
  assert.equal(successor.reason, 'revoked');
  // The client did not hand the late ticket to Messenger, and stopped refreshing.
  const sets = await page.evaluate(
    () => new Promise((resolve) => window.Genesys('command', 'Database.get', { name: 'messaging.customAttributes' }, resolve)),
  );
  assert.notEqual(sets.session_hash, rotated.sessionHash);
  await context.unroute('**/v1/initiations/refresh');
  await advance(demo, 120, 20);
  assert.equal(refreshes(demo).length, 1);
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('the demo shows the lifecycle: issued, kept fresh with a count, handed over, sent, validated', async () => {
  const demo = await openDemo(browser, stack.base, { clock: true });
  const { page, problems } = demo;
  const state = () =>
    page.$$eval('#lifecycle [data-step]', (items) => Object.fromEntries(items.map((i) => [i.dataset.step, i.dataset.state])));
  assert.deepEqual(await state(), { issued: 'pending', 'handed-over': 'pending', fresh: 'pending', sent: 'pending', validated: 'pending' });
  await signIn(page, 'watcher', '3', 'emea');
  await handOver(page);
  assert.deepEqual(await state(), { issued: 'done', 'handed-over': 'done', fresh: 'active', sent: 'pending', validated: 'pending' });
  await advance(demo, 120);
  assert.equal(await page.$eval('[data-step="fresh"]', (e) => e.dataset.count), '2');
  assert.match(await page.$eval('[data-step="fresh"]', (e) => e.textContent), /2 refreshes/);
  await firstMessage(page);
  assert.deepEqual(await state(), { issued: 'done', 'handed-over': 'done', fresh: 'done', sent: 'done', validated: 'done' });
  const validated = await page.$eval('[data-step="validated"]', (e) => ({ ...e.dataset, text: e.textContent }));
  assert.equal(validated.valid, 'true');
  assert.match(validated.text, /valid: true, reason: ok/);
  await screenshot(page, 'demo-lifecycle.png');
  assert.deepEqual(problems, []);
  await demo.context.close();
});
