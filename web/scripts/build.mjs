// Builds what the package ships, from secure-messaging.js (the source, itself an ES module):
// - dist/secure-messaging.min.js: the same module, minified (terser);
// - dist/secure-messaging.classic.min.js: a classic script for a tag manager or a plain
//   <script> tag; it defines `window.SecureMessaging` ({createSecureMessaging,
//   SecureMessagingError, retryAfterMs}) and nothing else.
// `node scripts/build.mjs [outDir]` writes them (default dist/) and prints their sizes.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { minify } from 'terser';

export const GZIP_BUDGET_BYTES = 3 * 1024;
const EXPORTS = ['createSecureMessaging', 'SecureMessagingError', 'retryAfterMs'];

/** The source as a classic script: its exports become `globalThis.SecureMessaging`. */
export function classic(source) {
  if (/^\s*import\s/m.test(source)) throw new Error('the client imports nothing: a classic script cannot');
  const body = source.replace(/^export (function|class) /gm, '$1 ');
  if (/^export\s/m.test(body)) throw new Error('an export the classic build does not know');
  for (const name of EXPORTS) {
    if (!new RegExp(`^(function|class) ${name}\\b`, 'm').test(body)) throw new Error(`\`${name}\` is not exported any more`);
  }
  return `(function () {\n'use strict';\n${body}\nglobalThis.SecureMessaging = Object.freeze({ ${EXPORTS.join(', ')} });\n})();\n`;
}

/** Builds both files into `outDir` (a directory URL); answers their sizes in bytes. */
export async function build(outDir = new URL('../dist/', import.meta.url)) {
  const source = await readFile(new URL('../secure-messaging.js', import.meta.url), 'utf8');
  const options = { ecma: 2022, compress: { passes: 2 }, mangle: true, format: { comments: false } };
  const esm = (await minify(source, { ...options, module: true })).code;
  const script = (await minify(classic(source), { ...options, module: false })).code;
  if (!esm || !script) throw new Error('terser produced nothing');
  await mkdir(outDir, { recursive: true });
  await writeFile(new URL('secure-messaging.min.js', outDir), esm);
  await writeFile(new URL('secure-messaging.classic.min.js', outDir), script);
  const size = (code) => ({ minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length });
  return { source: Buffer.byteLength(source), esm: size(esm), classic: size(script) };
}

/** One line per file, in KiB and bytes. */
export function describe(sizes) {
  const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
  return [
    `secure-messaging.js (source) ${kib(sizes.source)}`,
    `dist/secure-messaging.min.js (ESM) ${kib(sizes.esm.minified)} minified, ${kib(sizes.esm.gzipped)} gzipped (${sizes.esm.gzipped} of ${GZIP_BUDGET_BYTES} bytes allowed)`,
    `dist/secure-messaging.classic.min.js ${kib(sizes.classic.minified)} minified, ${kib(sizes.classic.gzipped)} gzipped (${sizes.classic.gzipped} bytes)`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? pathToFileURL(`${process.argv[2].replace(/\/?$/, '/')}`) : undefined;
  const sizes = await build(out);
  for (const line of describe(sizes)) console.log(line);
  if (sizes.esm.gzipped > GZIP_BUDGET_BYTES) {
    console.error(`the gzipped ESM build is over its ${GZIP_BUDGET_BYTES}-byte budget`);
    process.exit(1);
  }
}
