#!/usr/bin/env node
// Entry point of the `micro-agi` command: runs the built CLI (`npm install` builds it), the bundle when it
// is current (dist/bundle, scripts/bundle.mjs), else tsc's output (src/paths.ts runtimeFile).
const paths = await import('../dist/src/paths.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('micro-agi: not built yet; run `npm install` (or `npm run build`) in the package directory\n');
    process.exit(2);
  }
  throw err;
});
const { pathToFileURL } = await import('node:url');
await import(pathToFileURL(paths.runtimeFile('cli/main')).href);
