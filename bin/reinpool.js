#!/usr/bin/env node
'use strict';
// The `reinpool` command. The CLI is compiled TypeScript in dist/ (npm run build:ts).
let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli[\\/]main/.test(String(e.message))) {
    process.stderr.write('reinpool: dist/ is missing; run `npm run build` (or `npm run build:ts`) first\n');
    process.exit(1);
  }
  throw e;
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`reinpool: ${e && e.stack ? e.stack : e}\n`); process.exitCode = 1; },
);
