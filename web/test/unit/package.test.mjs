// The package as a web team consumes it: declarations generated from the JSDoc and up to date,
// usable from TypeScript; a minified ESM build within its size budget and a classic-script
// build, both behaving like the source; exactly those files published; no side effects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';

import { GZIP_BUDGET_BYTES, build, classic, describe } from '../../scripts/build.mjs';
import { PUBLISHED_FILES } from './published.mjs';

const run = promisify(execFile);
const web = new URL('../../', import.meta.url);
const tsc = new URL('node_modules/typescript/bin/tsc', web).pathname;
const pkg = JSON.parse(await readFile(new URL('package.json', web), 'utf8'));

async function scratch(t) {
  const dir = await mkdtemp(join(tmpdir(), 'secure-messaging-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the declarations are generated from the JSDoc and are up to date', async (t) => {
  const dir = await scratch(t);
  await run(process.execPath, [tsc, '-p', 'jsconfig.types.json', '--outDir', dir], { cwd: web });
  const fresh = await readFile(join(dir, 'secure-messaging.d.ts'), 'utf8');
  const committed = await readFile(new URL('secure-messaging.d.ts', web), 'utf8');
  assert.ok(fresh === committed, 'secure-messaging.d.ts is stale: run `npm run types` in web/ and commit it');
});

test('a TypeScript site compiles against the declarations', async () => {
  await run(process.execPath, [tsc, '-p', 'test/types/tsconfig.json'], { cwd: web });
});

test('the gzipped ESM build stays within its budget', async (t) => {
  const dir = await scratch(t);
  const sizes = await build(pathToFileURL(`${dir}/`));
  for (const line of describe(sizes)) t.diagnostic(line);
  assert.ok(
    sizes.esm.gzipped <= GZIP_BUDGET_BYTES,
    `${sizes.esm.gzipped} bytes gzipped, over the ${GZIP_BUDGET_BYTES}-byte budget`,
  );
  assert.ok(sizes.esm.minified < sizes.source / 2, 'minified');
});

/** A short chat through a client built by `create`: initiate, hand over, the events seen. */
async function chatWith(create, SecureMessagingError) {
  const events = [];
  const commands = [];
  const genesys = (kind, name, options, resolve) => {
    if (kind === 'subscribe') {
      if (name === 'Database.ready') options({});
      return;
    }
    commands.push(name);
    resolve();
  };
  const expiresAt = new Date(Date.now() + 60_000).toISOString();
  const client = create({
    getSessionToken: async () => 'jwt',
    genesys: () => genesys,
    fetch: async () =>
      new Response(JSON.stringify({ strategy: 'messenger', sessionHash: 'h', expiresAt, customAttributes: { session_hash: 'h' } }), {
        status: 201,
      }),
    onEvent: (e) => events.push(e.type),
  });
  const result = await client.start();
  client.clear();
  assert.throws(() => create({}), (e) => e instanceof SecureMessagingError && e.code === 'config');
  return { result, events, commands };
}

test('the minified ESM build behaves like the source', async (t) => {
  const dir = await scratch(t);
  await build(pathToFileURL(`${dir}/`));
  const source = await import('../../secure-messaging.js');
  const minified = await import(pathToFileURL(join(dir, 'secure-messaging.min.js')).href);
  assert.deepEqual(Object.keys(minified).sort(), Object.keys(source).sort());
  assert.deepEqual(
    await chatWith(minified.createSecureMessaging, minified.SecureMessagingError),
    await chatWith(source.createSecureMessaging, source.SecureMessagingError),
  );
  assert.equal(minified.retryAfterMs('2', 0), 2000);
});

test('the classic build defines window.SecureMessaging and nothing else', async (t) => {
  const dir = await scratch(t);
  await build(pathToFileURL(`${dir}/`));
  const code = await readFile(join(dir, 'secure-messaging.classic.min.js'), 'utf8');
  assert.ok(!/\bexport\b|\bimport\b/.test(code), 'a classic script');
  const window = { fetch, Response, AbortController, setTimeout, clearTimeout, crypto, Date, Promise, Error, JSON, Object, URL };
  window.globalThis = window;
  const context = vm.createContext(window);
  const before = new Set(Object.keys(context));
  vm.runInContext(code, context);
  const added = Object.keys(context).filter((k) => !before.has(k));
  assert.deepEqual(added, ['SecureMessaging']);
  const api = context.SecureMessaging;
  assert.deepEqual(Object.keys(api).sort(), ['SecureMessagingError', 'createSecureMessaging', 'retryAfterMs']);
  assert.ok(Object.isFrozen(api));
  const { result, events, commands } = await chatWith(api.createSecureMessaging, api.SecureMessagingError);
  assert.deepEqual({ ...result }, { strategy: 'messenger' });
  assert.deepEqual([...events], ['initiated', 'handed-off']);
  assert.deepEqual([...commands], ['Database.set', 'Messenger.open', 'Database.set']);
  assert.throws(() => classic('import x from "y";\nexport function createSecureMessaging() {}'), /imports nothing/);
});

test('importing the module has no side effects', async () => {
  const before = new Set(Object.getOwnPropertyNames(globalThis));
  await import(`../../secure-messaging.js?fresh=${Date.now()}`);
  assert.deepEqual(Object.getOwnPropertyNames(globalThis).filter((k) => !before.has(k)), []);
  assert.equal(pkg.sideEffects, false);
});

test('the package is publishable and ships the client, its declarations and both builds', async () => {
  assert.equal(pkg.name, 'genesys-secure-messaging');
  assert.equal(pkg.private, undefined, 'publishable');
  assert.equal(pkg.license, 'Apache-2.0');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.types, './secure-messaging.d.ts');
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'default'], 'types first');
  assert.equal(pkg.exports['./min'].default, './dist/secure-messaging.min.js');
  assert.equal(pkg.exports['./classic'], './dist/secure-messaging.classic.min.js');
  assert.deepEqual(pkg.dependencies, undefined, 'no runtime dependencies');
  await build();
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: web });
  const [packed] = JSON.parse(stdout);
  assert.deepEqual(packed.files.map((f) => f.path).sort(), PUBLISHED_FILES);
});

test('the lock file names no registry', async () => {
  const lock = await readFile(new URL('package-lock.json', web), 'utf8');
  assert.ok(!/"resolved"/.test(lock), 'versions and integrity hashes only (web/.npmrc)');
  assert.ok(!/https?:\/\//.test(lock));
});
