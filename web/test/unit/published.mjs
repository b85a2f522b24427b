// The files `npm pack` publishes, sorted: the client, its declarations, both builds, the
// licence, the README and the manifest. The package tests hold both ways of packing to it.
export const PUBLISHED_FILES = [
  'LICENSE',
  'README.md',
  'dist/secure-messaging.classic.min.js',
  'dist/secure-messaging.min.js',
  'package.json',
  'secure-messaging.d.ts',
  'secure-messaging.js',
];
