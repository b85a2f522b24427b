// One subject hammering initiate and refresh from the page's console, as an attacker would,
// cannot create more sessions (messenger: counted in the store) or Genesys conversations
// (initiation-api: counted in the sandbox) than the limits allow: 5 initiations per minute,
// a refresh only near a ticket's expiry (or after it) and once per ticket, at most 10 refresh
// calls per minute, and with initiation-api at most one connected conversation per chain.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import { json, launchBrowser, openDemo, sandbox, serverNow, store, startStack } from './harness.mjs';

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Moves the stack's clock to `secs` past the start of a minute, so a burst stays in one window. */
async function alignToMinute(base, secs) {
  const now = Math.floor((await serverNow(base)) / 1000);
  const ahead = (60 + secs - (now % 60)) % 60;
  if (ahead) await json(base, `/dev/clock?advanceSecs=${ahead}`, { method: 'POST' });
}

const advanceClock = (base, secs) => json(base, `/dev/clock?advanceSecs=${secs}`, { method: 'POST' });

/** Runs in the page: signs in as `sub` and fires `calls` concurrently; answers their statuses. */
function burst(page, sub, calls) {
  return page.evaluate(
    async ({ sub, calls }) => {
      const { token } = await (await fetch(`/dev/login?sub=${sub}&tier=2&geo=na-east`)).json();
      return Promise.all(
        calls.map(async ([path, body]) => {
          const r = await fetch(path, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          const json = await r.json().catch(() => null);
          return { status: r.status, retryAfter: r.headers.get('retry-after'), sessionHash: json?.sessionHash, reason: json?.reason };
        }),
      );
    },
    { sub, calls },
  );
}

const initiate = (n) => Array.from({ length: n }, () => ['/v1/initiations', {}]);
const refresh = (hashes, times = 1) => hashes.flatMap((h) => Array.from({ length: times }, () => ['/v1/initiations/refresh', { sessionHash: h }]));
const ok = (answers) => answers.filter((a) => a.status === 201);
const hashesOf = (answers) => ok(answers).map((a) => a.sessionHash);
const statuses = (answers) => answers.map((a) => a.status).sort().join(',');

function assertRetryAfter(answers) {
  for (const a of answers.filter((a) => a.status === 429)) assert.match(a.retryAfter ?? '', /^\d+$/, 'every 429 says when');
}

for (const strategy of ['messenger', 'initiation-api']) {
  test(`hammering initiate and refresh stays within the limits (${strategy})`, async () => {
    const stack = await startStack(strategy === 'messenger' ? [] : ['--strategy', 'initiation-api']);
    try {
      const demo = await openDemo(browser, stack.base);
      const { page } = demo;
      const sub = `hammer-${strategy}`;
      const count = async () =>
        strategy === 'messenger'
          ? (await store(stack.base)).sessions
          : (await sandbox(stack.base, '/stats')).createRequests;
      await alignToMinute(stack.base, 3);

      // 20 initiations at once: 5 per minute.
      const a = await burst(page, sub, initiate(20));
      assert.equal(ok(a).length, 5, statuses(a));
      assert.equal(a.filter((x) => x.status === 429).length, 15);
      assertRetryAfter(a);
      const chainsA = hashesOf(a);

      // Fresh tickets cannot be refreshed: 429 until their refresh window opens. Every call
      // counts against the subject's 10 refreshes a minute, refused or not.
      const early = await burst(page, sub, refresh(chainsA, 4));
      assert.equal(ok(early).length, 0, statuses(early));
      assert.ok(early.every((x) => x.status === 429), statuses(early));
      assertRetryAfter(early);
      assert.equal(await count(), 5, 'no session from a refused refresh');

      // The next minute the tickets have expired (still refreshable within their chain): each
      // rotates once however often it is asked, and the minute's 11th call is refused.
      await advanceClock(stack.base, 58);
      const rotate = await burst(page, sub, refresh(chainsA, 2));
      assert.equal(ok(rotate).length, 5, statuses(rotate));
      assert.ok(rotate.every((x) => x.status === 201 || (x.status === 403 && x.reason === 'replaced')), statuses(rotate));
      const eleventh = await burst(page, sub, refresh(chainsA.slice(0, 1)));
      assert.deepEqual(eleventh.map((x) => x.status), [429], 'the subject\'s limit comes first');
      assertRetryAfter(eleventh);
      assert.equal(await count(), 10);

      // Two minutes of initiations: 15 chains.
      const b = await burst(page, sub, initiate(10));
      assert.equal(ok(b).length, 5, statuses(b));
      await advanceClock(stack.base, 61);
      const c = await burst(page, sub, initiate(10));
      assert.equal(ok(c).length, 5, statuses(c));
      assert.equal(await count(), 20);

      // When all 15 may rotate at once, the subject's limit holds: 10 refreshes per minute.
      await advanceClock(stack.base, 46);
      const current = [...hashesOf(rotate), ...hashesOf(b), ...hashesOf(c)];
      const all = await burst(page, sub, refresh(current));
      assert.equal(ok(all).length, 10, statuses(all));
      assert.equal(all.filter((x) => x.status === 429).length, 5, statuses(all));
      assertRetryAfter(all);
      assert.equal(await count(), 30, 'every session is one the limits allowed');

      if (strategy === 'messenger') {
        const s = await store(stack.base);
        assert.equal(s.active, 15, 'one live ticket per chain');
        assert.equal(s.bound, 0);
      } else {
        const connected = (await sandbox(stack.base, '/conversations')).filter((x) => x.state === 'connected');
        assert.equal(connected.length, 15, 'at most one connected conversation per chain');
      }
      await demo.context.close();
    } finally {
      stack.stop();
    }
  });
}
