/**
 * compress throughput, both engines, one run (not a test):
 *
 *   npm run build:ts && node dist/bench/compress.js [--docs FILE] [--policy DIR] [--reps N] [--with-ts] [--json FILE]
 *
 * Cases: the documents of --docs (e.g. NPL encoded with `reinpool encode --beir ../shared/data/npl
 * --out /tmp/npl.safetensors`, 11,429 docs x ~40 x 100-d) with the policy of --policy (an MLP from
 * `reinpool train`; without it a trained-looking random MLP of the default shape), and a synthetic
 * D = 128 corpus of the same shape (uniform random unit vectors, lengths 1..79). Engines: 'native'
 * (kernels.mlpCompress on the cpu addon, REINPOOL_THREADS or all cores; with --with-ts also on the ts kernels) and
 * 'tfjs' (the policy on TensorFlow.js, then selection and poolMasked). Reports vectors/s (median of
 * --reps, default 5 for native and 1 for tfjs and ts), the ratio native / tfjs, and the machine
 * (load average before and after, cores).
 */
import * as fs from 'fs';
import * as os from 'os';
import { loadNativeBackend } from '../src/kernels/native';
import { tsKernels } from '../src/kernels/ts';
import type { Kernels, MultiVectorSet } from '../src/kernels/types';
import { loadMultiVectors } from '../src/io';
import { compress, initTf, loadPolicy, Policy, tfBackendInfo } from '../src/policy';
import { mulberry32 } from '../src/random';
import { arg } from './lib';

function synthetic(count: number, dim: number, seed: number): MultiVectorSet {
  const r = mulberry32(seed);
  const offsets = new Int32Array(count + 1);
  for (let d = 0; d < count; d++) offsets[d + 1] = offsets[d] + 1 + Math.floor(r() * 79);
  const vectors = new Float32Array(offsets[count] * dim);
  for (let i = 0; i < offsets[count]; i++) {
    let n = 0;
    for (let j = 0; j < dim; j++) { const x = r() * 2 - 1; vectors[i * dim + j] = x; n += x * x; }
    const s = 1 / Math.sqrt(n);
    for (let j = 0; j < dim; j++) vectors[i * dim + j] *= s;
  }
  return { dim, vectors, offsets };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeMs(reps: number, fn: () => void): number {
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

async function main(): Promise<void> {
  await initTf();
  const reps = Number(arg('reps') ?? 5);
  const cpu = loadNativeBackend('cpu').kernels;
  const load0 = os.loadavg();
  const cases: Array<{ name: string; set: MultiVectorSet; policy: Policy }> = [];
  const docsFile = arg('docs');
  const policyDir = arg('policy');
  if (docsFile) {
    const set = loadMultiVectors({ file: docsFile });
    const policy = policyDir ? loadPolicy(policyDir) : new Policy({ dim: set.dim, headInitStd: 1 });
    cases.push({ name: `${docsFile} (D=${set.dim})`, set, policy });
  }
  cases.push({ name: 'synthetic D=128', set: synthetic(11429, 128, 7), policy: new Policy({ dim: 128, headInitStd: 1 }) });
  const rows: Array<Record<string, unknown>> = [];
  for (const c of cases) {
    const n = c.set.offsets[c.set.offsets.length - 1];
    const engines: Array<[string, Kernels | null, number]> = [];
    if (cpu) engines.push(['native (cpu addon)', cpu, reps]);
    if (process.argv.includes('--with-ts')) engines.push(['native (ts kernels)', tsKernels, 1]);
    engines.push(['tfjs', cpu ?? tsKernels, 1]);
    const ms: Record<string, number> = {};
    for (const [engine, K, r] of engines) {
      const opts = { kernels: K!, engine: engine === 'tfjs' ? 'tfjs' as const : 'native' as const };
      compress(c.policy, c.set, opts); // warm-up (tfjs compiles its kernels, the addon spins its pool)
      ms[engine] = timeMs(r, () => compress(c.policy, c.set, opts));
      rows.push({ case: c.name, docs: c.set.offsets.length - 1, vectors: n, dim: c.set.dim, policy: `${c.policy.config.type} hidden ${c.policy.config.hidden} layers ${c.policy.config.layers}`,
        engine, ms: Number(ms[engine].toFixed(1)), vectorsPerSec: Math.round(n / (ms[engine] / 1000)) });
      console.log(`${c.name}: ${engine}: ${ms[engine].toFixed(1)} ms, ${Math.round(n / (ms[engine] / 1000)).toLocaleString('en-US')} vectors/s`);
    }
    if (cpu) console.log(`${c.name}: native (cpu) / tfjs = ${(ms.tfjs / ms['native (cpu addon)']).toFixed(1)}x`);
  }
  const load1 = os.loadavg();
  const info = { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgBefore: load0, loadavgAfter: load1, threads: process.env.REINPOOL_THREADS ?? 'all',
    tfjs: tfBackendInfo()?.backend, node: process.version };
  console.log(`machine: ${JSON.stringify(info)}`);
  const out = arg('json');
  if (out) fs.writeFileSync(out, JSON.stringify({ machine: info, rows }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
