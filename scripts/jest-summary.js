#!/usr/bin/env node
// Reads a `jest --json` report and prints counts for .ci/run. A suite that failed to run (a syntax
// error, a throw at import) has no test results but still counts as one failure.
'use strict';
const fs = require('fs');
const file = process.argv[2];
let r;
try {
  r = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  console.log(`could not read the jest report ${file}: ${e.message}`);
  console.log('JEST_PASSED=0\nJEST_FAILED=1\nJEST_SKIPPED=0');
  process.exit(1);
}
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0);
for (const s of brokenSuites) console.log(`suite failed to run: ${s.name}\n${(s.message || '').slice(0, 2000)}`);
const failed = r.numFailedTests + brokenSuites.length;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`JEST_PASSED=${r.numPassedTests}\nJEST_FAILED=${failed}\nJEST_SKIPPED=${skipped}`);
process.exit(failed === 0 && r.success !== false ? 0 : 1);
