// The package installed as a site installs it before it is published
// (docs/src/web/install-the-client.md): `npm pack` from a copy of the sources, where only
// `prepack` can produce the declarations and the builds; the tarball installed into an empty
// site without the registry; the page's typed example compiled against what was installed and
// both entry points imported from it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { PUBLISHED_FILES } from './published.mjs';

const run = promisify(execFile);
const web = new URL('../../', import.meta.url);
const tsc = new URL('node_modules/typescript/bin/tsc', web).pathname;
const page = new URL('../docs/src/web/install-the-client.md', web);
const example = new URL('test/install/example.ts', web);
const pkg = JSON.parse(await readFile(new URL('package.json', web), 'utf8'));

// What a clone holds for the package: its sources, no declarations and no builds.
const SOURCES = ['package.json', 'README.md', 'LICENSE', 'secure-messaging.js', 'jsconfig.json', 'jsconfig.types.json', 'scripts'];

const scratches = [];
after(() => Promise.all(scratches.map((dir) => rm(dir, { recursive: true, force: true }))));

async function scratch(name) {
  const dir = await mkdtemp(join(tmpdir(), `secure-messaging-${name}-`));
  scratches.push(dir);
  return dir;
}

/** `npm pack` in a copy of the sources (its `prepack` runs); the tarball's path and files. */
async function pack() {
  const sources = await scratch('sources');
  for (const entry of SOURCES) await cp(new URL(entry, web), join(sources, entry), { recursive: true });
  await symlink(new URL('node_modules', web).pathname, join(sources, 'node_modules'));
  const out = await scratch('packed');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out], { cwd: sources });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  return { tarball: join(out, packed.filename), files: packed.files.map((f) => f.path).sort() };
}

// Packed once for the tests below.
const packed = pack();

/** An empty site with the tarball installed, offline. */
async function site(tarball) {
  const dir = await scratch('site');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'site', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: dir });
  return dir;
}

test('npm pack builds what the package ships and a site installs it from the tarball', async () => {
  const { tarball, files } = await packed;
  const dir = await site(tarball);

  assert.deepEqual(files, PUBLISHED_FILES);
  const installed = JSON.parse(await readFile(join(dir, 'node_modules', pkg.name, 'package.json'), 'utf8'));
  assert.equal(installed.version, pkg.version);
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', `
      const full = await import('${pkg.name}');
      const min = await import('${pkg.name}/min');
      console.log(JSON.stringify([Object.keys(full).sort(), Object.keys(min).sort()]));`],
    { cwd: dir },
  );
  const exports = ['SecureMessagingError', 'createSecureMessaging', 'retryAfterMs'];
  assert.deepEqual(JSON.parse(stdout), [exports, exports]);
});

test('the typed example of the install page compiles against the installed package', async () => {
  const { tarball } = await packed;
  const dir = await site(tarball);
  await cp(new URL('test/install/', web), dir, { recursive: true });

  const compiled = run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir });

  await assert.doesNotReject(compiled, 'the example compiles against the declarations installed');
  const code = await readFile(example, 'utf8');
  assert.ok((await readFile(page, 'utf8')).includes(`\`\`\`ts\n${code}\`\`\``), 'the install page shows test/install/example.ts verbatim');
});

test('the package ships the repository licence unchanged', async () => {
  const licence = await readFile(new URL('LICENSE', web), 'utf8');
  assert.equal(licence, await readFile(new URL('../LICENSE', web), 'utf8'));
  assert.match(licence, /Apache License\s+Version 2\.0, January 2004/);
  assert.equal(pkg.license, 'Apache-2.0');
});
