// The whole flow in headless Chromium with the initiation-api strategy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertNothingKept,
  eventTypes,
  launchBrowser,
  openDemo,
  sandbox,
  screenshot,
  signIn,
  startStack,
} from './harness.mjs';

let stack;
let browser;

/** The widget starts with the conversation the backend created; Architect validates it. */
async function startChat(page) {
  await page.click('#start');
  await page.waitForSelector('#validation[data-state="done"]');
  return page.$eval('#validation', (e) => ({ ...e.dataset }));
}

before(async () => {
  stack = await startStack(['--strategy', 'initiation-api']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  stack?.stop();
});

test('the widget starts with the conversation id and token and Architect validates it', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems, exchanges } = demo;
  assert.equal(await page.textContent('#strategy'), 'initiation-api');
  await signIn(page, 'erin', '2', 'latam');
  const verdict = await startChat(page);
  assert.equal(verdict.valid, 'true');
  assert.equal(verdict.reason, 'ok');
  assert.deepEqual(await eventTypes(page), ['initiated', 'handed-off']);

  const ticket = exchanges.find((x) => x.path === '/v1/initiations').body;
  assert.equal(ticket.strategy, 'initiation-api');
  const shown = await page.$eval('#received code', (e) => e.textContent);
  assert.equal(shown, ticket.conversationId);
  const conversation = await sandbox(stack.base, `/conversations/${ticket.conversationId}`);
  assert.notEqual(conversation.queueId, '', 'created by the backend with routing');
  assert.equal(conversation.customAttributes.priority_tier, '2');
  assert.equal(conversation.customAttributes.geo_segment, 'latam');
  assert.equal(conversation.customAttributes.session_hash, ticket.sessionHash);

  const jwt = exchanges[0].authorization.replace(/^Bearer /, '');
  await assertNothingKept(demo, {
    'session JWT': jwt,
    'session hash': ticket.sessionHash,
    'platform token': ticket.token,
  });
  assert.deepEqual(problems, []);
  await demo.context.close();
});

test('an expired ticket is refreshed into a fresh conversation before the widget starts', async () => {
  const demo = await openDemo(browser, stack.base);
  const { page, problems, exchanges } = demo;
  await signIn(page, 'frank', '3', 'na-west');
  await page.click('#prepare');
  await page.waitForSelector('#events li[data-type="initiated"]');
  await page.click('#wait');
  await page.waitForSelector('#events li[data-type="clock"]');
  const verdict = await startChat(page);
  assert.equal(verdict.valid, 'true');
  assert.deepEqual(await eventTypes(page), ['initiated', 'clock', 'refreshed', 'handed-off']);
  const refreshed = exchanges.find((x) => x.path === '/v1/initiations/refresh').body;
  const shown = await page.$eval('#received code', (e) => e.textContent);
  assert.equal(shown, refreshed.conversationId, 'the widget started the refreshed conversation');
  await screenshot(page, 'demo-initiation-api.png');
  assert.deepEqual(problems, []);
  await demo.context.close();
});
