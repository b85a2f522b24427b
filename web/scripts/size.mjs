// Reports the reference client's size as a site ships it: minified (terser), then gzipped.
// Writes the minified module to test-output/ so it can be inspected.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const source = await readFile(new URL('../secure-messaging.js', import.meta.url), 'utf8');
const { code } = await minify(source, { module: true, ecma: 2022, compress: { passes: 2 }, mangle: true });
if (!code) throw new Error('terser produced nothing');
const out = new URL('../test-output/', import.meta.url);
await mkdir(out, { recursive: true });
await writeFile(new URL('secure-messaging.min.js', out), code);
const gzipped = gzipSync(code, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
console.log(
  `secure-messaging.js: source ${kib(Buffer.byteLength(source))}, minified ${kib(Buffer.byteLength(code))}, ` +
    `minified+gzipped ${kib(gzipped)} (${gzipped} bytes)`,
);
