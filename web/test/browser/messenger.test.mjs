// The whole flow in headless Chromium with the messenger strategy (the default): what Genesys
// receives, what the browser keeps, forged and replayed hashes, a ticket refreshed before the
// hand-over.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';

import {
  assertNothingKept,
  conversationShown,
  eventTypes,
  handOver,
  launchBrowser,
  openDemo,
  sandbox,
  screenshot,
  signIn,
  startChat,
  startStack,
  validate,
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

test('the whole flow succeeds and Genesys receives only the session hash from the browser', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems, exchanges } = demo;
  assert.equal(await page.textContent('#strategy'), 'messenger');
  await signIn(page, 'alice', '2', 'na-east');
  const verdict = await startChat(page);
  assert.equal(verdict.valid, 'true');
  assert.equal(verdict.reason, 'ok');

  const initiation = exchanges.find((x) => x.path === '/v1/initiations');
  assert.equal(initiation.status, 201);
  assert.deepEqual(Object.keys(initiation.body.customAttributes), ['session_hash']);

  const conversation = await sandbox(stack.base, `/conversations/${await conversationShown(page)}`);
  assert.deepEqual(conversation.customAttributes, initiation.body.customAttributes, 'exactly what the API returned');
  assert.equal(conversation.queueId, '', 'started by Messenger, not by the initiation endpoint');
  assert.equal(conversation.initialMessage, 'Where is my order?', 'with the first message the customer wrote');
  const stats = await sandbox(stack.base, '/stats');
  assert.equal(stats.createRequests, 0, 'the messenger strategy creates no conversation through the API');

  // Architect got the server-held context back and wrote it onto the participant.
  const customer = conversation.participants.find((p) => p.purpose === 'customer');
  assert.equal(customer.attributes.priority_tier, '2');
  assert.equal(customer.attributes.geo_segment, 'na-east');
  assert.equal(customer.attributes.order_id, '88472');
  assert.match(await page.textContent('#validation'), /priority_tier\s*2/);
  // The page shows the generated flow's path and the tier's queue.
  assert.equal(await page.$eval('#validation .flow-path', (e) => e.dataset.queue), 'Web Messaging Standard');
  assert.match(await page.textContent('#validation .flow-path'), /Set the verified attributes/);
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('after the flow no token or hash is kept in storage, cookies, the DOM or a URL', async () => {
  const demo = await openDemo(browser, stack.base);
  await signIn(demo.page, 'dora');
  assert.equal((await startChat(demo.page)).valid, 'true');
  const initiation = demo.exchanges.find((x) => x.path === '/v1/initiations');
  const jwt = initiation.authorization.replace(/^Bearer /, '');
  assert.equal(jwt.split('.').length, 3, 'a JWT was sent');
  await assertNothingKept(demo, { 'session JWT': jwt, 'session hash': initiation.body.sessionHash });
  assert.deepEqual(demo.problems, []);
  await demo.context.close();
});

/** The demo's metrics card: one counter's value once it shows `at least`. */
async function counter(page, id, atLeast = 0) {
  const cell = `#metrics [data-metric="${id}"]`;
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel)?.textContent) >= n, [cell, atLeast]);
  return Number(await page.textContent(cell));
}

/** What the stack counted (GET /dev/metrics): validations answered with one of `reasons`. */
async function validations(reasons) {
  const body = await (await fetch(`${stack.base}/dev/metrics`)).json();
  return body.series
    .filter((s) => s.metric === 'Validations' && reasons.includes(s.dimensions.Reason))
    .reduce((n, s) => n + s.sum, 0);
}

test('tampering with the session hash gets valid: false, replaying it gets replayed', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems } = demo;
  await signIn(page, 'carol', '3', 'emea');
  assert.equal((await startChat(page)).valid, 'true');
  const genuine = await sandbox(stack.base, `/conversations/${await conversationShown(page)}`);
  // The metrics card counts what the handlers emitted (GET /dev/metrics): the stack's counts
  // once this chat was validated, then the card catching up with them.
  const valid = await validations(['ok']);
  const forgedBefore = await validations(['unknown', 'malformed']);
  const replayedBefore = await validations(['replayed']);
  assert.ok(valid >= 1, 'this chat was counted valid');
  await counter(page, 'valid', valid);

  await page.click('#tamper');
  await page.waitForSelector('#attack-result [data-attempt="tampered"]');
  let attack = await page.$eval('[data-attempt="tampered"]', (e) => ({ ...e.dataset }));
  assert.equal(attack.valid, 'false');
  assert.equal(attack.reason, 'unknown');
  assert.equal(await page.$eval('[data-attempt="tampered"] .flow-path', (e) => e.dataset.queue), 'Web Messaging');
  const conversations = await sandbox(stack.base, '/conversations');
  const forged = conversations.at(-1);
  assert.notEqual(forged.id, genuine.id);
  assert.notEqual(forged.customAttributes.session_hash, genuine.customAttributes.session_hash);
  const customer = forged.participants.find((p) => p.purpose === 'customer');
  assert.equal(customer.attributes.priority_tier, undefined, 'nothing written for a forged hash');
  assert.equal(await counter(page, 'forged', forgedBefore + 1), forgedBefore + 1, 'the forged counter moved by one');
  assert.equal(await page.getAttribute('#metrics [data-metric="forged"]', 'data-moved'), 'true');

  await page.click('#replay');
  await page.waitForSelector('#attack-result [data-attempt="replayed"]');
  attack = await page.$eval('[data-attempt="replayed"]', (e) => ({ ...e.dataset }));
  assert.equal(attack.valid, 'false');
  assert.equal(attack.reason, 'replayed');
  assert.equal(await page.$eval('[data-attempt="replayed"] .flow-path', (e) => e.dataset.queue), 'Web Messaging');
  assert.equal(await counter(page, 'replayed', replayedBefore + 1), replayedBefore + 1, 'the replayed counter moved by one');
  assert.equal(await validations(['ok']), valid, 'no attempt counted as valid');
  assert.equal(await validations(['unknown', 'malformed']), forgedBefore + 1);
  assert.equal(await counter(page, 'valid'), valid);

  // The finished page, for a person to look at.
  const file = await screenshot(page, 'demo.png');
  assert.ok((await stat(file)).size > 10_000, 'a real screenshot');
  assert.deepEqual(problems, []);
  await demo.context.close();
});

// Last: it moves the stack's clock for every later test.
test('a ticket that expired before the hand-over is refreshed and the chat still succeeds', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems, exchanges } = demo;
  await signIn(page, 'bob', '1', 'apac');
  await page.click('#prepare');
  await page.waitForSelector('#events li[data-type="initiated"]');
  await page.click('#wait');
  await page.waitForSelector('#events li[data-type="clock"]');
  const verdict = await startChat(page);
  assert.equal(verdict.valid, 'true');
  assert.deepEqual((await eventTypes(page)).slice(0, 4), ['initiated', 'clock', 'refreshed', 'handed-off']);

  const [first, refreshed] = exchanges.filter((x) => x.status === 201).map((x) => x.body);
  const refresh = exchanges.find((x) => x.path === '/v1/initiations/refresh');
  assert.equal(refresh.status, 201);
  assert.equal(refresh.authorization, exchanges[0].authorization, 'the same bearer');
  const conversation = await sandbox(stack.base, `/conversations/${await conversationShown(page)}`);
  assert.equal(conversation.customAttributes.session_hash, refreshed.sessionHash, 'Messenger got the new hash');
  const old = await validate(stack.base, first.sessionHash, crypto.randomUUID());
  assert.equal(old.valid, false);
  assert.equal(old.reason, 'revoked');
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('"Wait 90 s" after the hand-over shows the client refreshing the ticket Messenger holds', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems } = demo;
  await signIn(page, 'wendy');
  await handOver(page);
  await page.click('#wait');
  await page.waitForFunction(() => document.querySelector('[data-step="fresh"]').dataset.count === '1');
  assert.match(await page.$eval('[data-step="fresh"]', (e) => e.textContent), /1 refresh,/);
  assert.deepEqual(problems, []);
  await demo.context.close();
});
