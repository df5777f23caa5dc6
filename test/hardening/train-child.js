/*
 * Child process of crash-safety.test.ts: one training run on the labelled SYNTHETIC task, resuming
 * from the latest checkpoint in OUT when there is one. Prints "step N" after each step and "done"
 * at the end. Runs the TypeScript sources directly (transpiled on load by the repository's
 * typescript), so it needs no dist/ build. Usage: node train-child.js OUT
 */
'use strict';
const fs = require('fs');
const ts = require('typescript');
require.extensions['.ts'] = (m, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  m._compile(out.outputText, filename);
};
const { train, syntheticTask } = require('../../src/train/index.ts');
const { tsKernels } = require('../../src/kernels/ts/index.ts');

const out = process.argv[2];
const task = syntheticTask({ docs: 24, dim: 8, seed: 5 });
const config = { seed: 9, steps: Number(process.env.CRASH_STEPS || 30), batchDocs: 8, groupSize: 4, checkpointEvery: 1, keepCheckpoints: 2, evalEvery: 0, policy: { hidden: 8 } };
train({ ...task, kernels: tsKernels, config, outDir: out, resume: true, progress: false, log: (m) => process.stdout.write(`step ${m.step}\n`) })
  .then((r) => { r.policy.dispose(); process.stdout.write('done\n'); })
  .catch((e) => { process.stderr.write(`${e && e.stack}\n`); process.exit(1); });
