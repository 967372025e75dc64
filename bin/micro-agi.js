#!/usr/bin/env node
// Entry point of the `micro-agi` command: runs the compiled CLI (built by `npm install`).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('micro-agi: not built yet; run `npm install` (or `npm run build`) in the package directory\n');
    process.exit(2);
  }
  throw err;
});
