/**
 * TensorFlow.js backends side by side, one process, one run (not a test):
 *
 *   npm run bench:tfjs -- [--backends node,wasm] [--steps N] [--reps N] [--json FILE]
 *
 * For each backend (switchTfBackend; 'node' needs `npm run setup:tfjs-node`):
 *   - one GRPO step, as train() runs it (rollout keep-logits, G masks per document, reward by the
 *     cpu addon's kernels, innerEpochs = 2 clipped-ratio + KL updates with AdamW), median of the
 *     steps after the first two (tfjs compiles / allocates there), batch 16 documents, G 16;
 *   - compress with the tfjs engine (policy forward pass, selection, poolMasked), median of --reps.
 * Shapes: SciFact-like (documents of 100-300 vectors, mean ~200, D = 100) and NPL-like (20-60,
 * mean ~40, D = 100), synthetic unit vectors (seeded); policies: the default MLP (hidden 64) and
 * the transformer (hidden 64, 1 block, 4 heads). Prints a table, the load average before and
 * after, and writes --json.
 */
import * as fs from 'fs';
import * as os from 'os';
import { getKernels } from '../src/kernels';
import type { MultiVectorSet } from '../src/kernels/types';
import { compress, initTf, Policy, switchTfBackend } from '../src/policy';
import type { PolicyType, TfBackendRequest } from '../src/policy';
import { Rng } from '../src/random';
import { train } from '../src/train';
import { arg } from './lib';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** count documents of uniform random length in [lo, hi], unit vectors, and 3 queries per document (means of 4 of its vectors). */
function corpus(count: number, lo: number, hi: number, dim: number, seed: number) {
  const r = new Rng(seed, 5);
  const offsets = new Int32Array(count + 1);
  for (let d = 0; d < count; d++) offsets[d + 1] = offsets[d] + lo + Math.floor(r.next() * (hi - lo + 1));
  const vectors = new Float32Array(offsets[count] * dim);
  for (let i = 0; i < offsets[count]; i++) {
    let n = 0;
    for (let j = 0; j < dim; j++) { const x = r.normal(); vectors[i * dim + j] = x; n += x * x; }
    for (let j = 0; j < dim; j++) vectors[i * dim + j] /= Math.sqrt(n);
  }
  const q = new Float32Array(count * 3 * dim);
  const owner = new Int32Array(count * 3);
  for (let d = 0; d < count; d++) {
    for (let k = 0; k < 3; k++) {
      owner[d * 3 + k] = d;
      for (let t = 0; t < 4; t++) {
        const row = offsets[d] + Math.floor(r.next() * (offsets[d + 1] - offsets[d]));
        for (let j = 0; j < dim; j++) q[(d * 3 + k) * dim + j] += vectors[row * dim + j] / 4;
      }
    }
  }
  const docs: MultiVectorSet = { dim, vectors, offsets };
  return { docs, queries: { rows: count * 3, dim, data: q }, queryOwner: owner };
}

const SHAPES = [
  { name: 'SciFact-like (100-300 x 100-d)', lo: 100, hi: 300, trainDocs: 64, compressDocs: 300 },
  { name: 'NPL-like (20-60 x 100-d)', lo: 20, hi: 60, trainDocs: 64, compressDocs: 1500 },
];
const POLICIES: PolicyType[] = ['mlp', 'transformer'];

async function main(): Promise<void> {
  await initTf();
  const backends = (arg('backends') ?? 'node,wasm').split(',') as TfBackendRequest[];
  const steps = Number(arg('steps') ?? 7);
  const reps = Number(arg('reps') ?? 3);
  if (!(steps >= 3)) throw new RangeError(`--steps must be >= 3 (two warm-up steps are not counted), got ${arg('steps')}`);
  const kernels = getKernels();
  const load0 = os.loadavg();
  const rows: Array<Record<string, unknown>> = [];
  for (const shape of SHAPES) {
    const train0 = corpus(shape.trainDocs, shape.lo, shape.hi, 100, 1);
    const comp = corpus(shape.compressDocs, shape.lo, shape.hi, 100, 2).docs;
    const nVec = comp.offsets[comp.offsets.length - 1];
    for (const type of POLICIES) {
      for (const b of backends) {
        const info = await switchTfBackend(b);
        const res = await train({
          ...train0, kernels, progress: false, log: false,
          config: { steps, batchDocs: 16, groupSize: 16, evalEvery: 0, checkpointEvery: 0, policy: { type } },
        });
        const stepMs = median(res.history.slice(2).map((m) => m.secondsPerStep * 1000));
        res.policy.dispose();
        const p = new Policy({ type, dim: 100, headInitStd: 1 });
        compress(p, comp, { engine: 'tfjs', kernels }); // warm-up
        const t: number[] = [];
        for (let i = 0; i < reps; i++) {
          const t0 = process.hrtime.bigint();
          compress(p, comp, { engine: 'tfjs', kernels });
          t.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        p.dispose();
        const compressMs = median(t);
        const row = { shape: shape.name, policy: type, backend: info.backend, grpoStepMs: Math.round(stepMs), compressDocs: shape.compressDocs, compressVectors: nVec,
          compressMs: Math.round(compressMs), compressVectorsPerSec: Math.round(nVec / (compressMs / 1000)) };
        rows.push(row);
        console.log(`${shape.name} ${type} ${info.backend}: GRPO step ${row.grpoStepMs} ms; compress ${row.compressMs} ms (${row.compressVectorsPerSec.toLocaleString('en-US')} vectors/s)`);
      }
    }
  }
  const load1 = os.loadavg();
  const names = backends.join(' / ');
  console.log(`\n| shape | policy | GRPO step, ${names} (ms) | ${backends[0]} speedup | compress (tfjs engine), ${names} (vectors/s) | ${backends[0]} speedup |`);
  console.log('|---|---|--:|--:|--:|--:|');
  for (const shape of SHAPES) {
    for (const type of POLICIES) {
      const rs = rows.filter((r) => r.shape === shape.name && r.policy === type);
      if (rs.length !== backends.length) continue;
      const step = rs.map((r) => r.grpoStepMs as number);
      const vps = rs.map((r) => r.compressVectorsPerSec as number);
      console.log(`| ${shape.name} | ${type} | ${step.join(' / ')} | ${(step[step.length - 1] / step[0]).toFixed(2)}x | ${vps.map((v) => v.toLocaleString('en-US')).join(' / ')} | ${(vps[0] / vps[vps.length - 1]).toFixed(2)}x |`);
    }
  }
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavgBefore: load0, loadavgAfter: load1, kernels: kernels.name, node: process.version, steps, reps };
  console.log(`machine: ${JSON.stringify(machine)}`);
  const out = arg('json');
  if (out) fs.writeFileSync(out, JSON.stringify({ machine, rows }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
