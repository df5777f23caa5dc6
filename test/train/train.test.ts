import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tsKernels } from '../../src/kernels/ts';
import { initTf } from '../../src/policy/backend';
import { latestCheckpoint, listCheckpoints, readCheckpoint, syntheticTask, train, writeCheckpoint } from '../../src/train';
import type { StepMetrics } from '../../src/train';
import { loadPolicy } from '../../src/policy';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rp-train-'));
const noTime = (h: StepMetrics[]) => h.map(({ secondsPerStep: _s, ...rest }) => rest);

beforeAll(async () => {
  await initTf();
});

// LABELLED SYNTHETIC data (src/train/synthetic.ts), not real text
const task = syntheticTask({ docs: 48, dim: 16, seed: 11 });
const small = { batchDocs: 12, groupSize: 6, policy: { hidden: 16 }, evalEvery: 0 };

test('synthetic task: training raises the deterministic policy\'s reward and drops the stopword vectors', async () => {
  const res = await train({ ...task, kernels: tsKernels, progress: false, config: { ...small, steps: 40, evalEvery: 40, evalDocs: 48, reward: 'inverse', policy: { type: 'transformer', hidden: 16, heads: 2 } } });
  const first = res.history[0];
  const last = res.history[res.history.length - 1];
  expect(last.evalReward! - first.evalReward!).toBeGreaterThan(0.15);
  expect(last.evalKeepRatio!).toBeLessThan(first.evalKeepRatio!);
  const early = res.history.slice(0, 5).reduce((a, h) => a + h.rewardMean, 0) / 5;
  const late = res.history.slice(-5).reduce((a, h) => a + h.rewardMean, 0) / 5;
  expect(late).toBeGreaterThan(early);
  res.policy.dispose();
});

test('the same seed gives the same run; another seed does not', async () => {
  const run = (seed: number) => train({ ...task, kernels: tsKernels, progress: false, config: { ...small, steps: 4, seed } });
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  expect(noTime(b.history)).toEqual(noTime(a.history));
  const wa = a.policy.getWeights();
  for (const [k, v] of b.policy.getWeights()) expect(Array.from(v.data)).toEqual(Array.from(wa.get(k)!.data));
  expect(noTime(c.history)).not.toEqual(noTime(a.history));
  for (const r of [a, b, c]) r.policy.dispose();
});

test('resume after a stop continues exactly like an uninterrupted run', async () => {
  const config = { ...small, steps: 6, checkpointEvery: 2, evalEvery: 3, evalDocs: 16, policy: { type: 'transformer' as const, hidden: 16, heads: 2 } };
  const dirA = tmp();
  const dirB = tmp();
  const straight = await train({ ...task, kernels: tsKernels, progress: false, config, outDir: dirA });
  const half = await train({ ...task, kernels: tsKernels, progress: false, config, outDir: dirB, stopAfter: 3 });
  expect(half.step).toBe(3);
  half.policy.dispose();
  // a checkpoint interrupted mid-write (no manifest) must be ignored
  fs.mkdirSync(path.join(dirB, 'checkpoints', 'step-00000005'));
  fs.writeFileSync(path.join(dirB, 'checkpoints', 'step-00000005', 'weights.safetensors'), 'garbage');
  expect(path.basename(latestCheckpoint(path.join(dirB, 'checkpoints'))!)).toBe('step-00000003');
  const resumed = await train({ ...task, kernels: tsKernels, progress: false, config, outDir: dirB, resume: true });
  expect(resumed.step).toBe(6);
  expect(noTime(resumed.history)).toEqual(noTime(straight.history));
  const wa = straight.policy.getWeights();
  for (const [k, v] of resumed.policy.getWeights()) expect(Array.from(v.data)).toEqual(Array.from(wa.get(k)!.data));
  const ca = readCheckpoint(latestCheckpoint(path.join(dirA, 'checkpoints'))!);
  const cb = readCheckpoint(latestCheckpoint(path.join(dirB, 'checkpoints'))!);
  for (const [k, v] of cb.optimizer) expect(Array.from(v.data)).toEqual(Array.from(ca.optimizer.get(k)!.data));
  expect(cb.manifest.rng).toEqual(ca.manifest.rng);
  // the JSONL log has one line per step, the final policy loads
  const lines = fs.readFileSync(path.join(dirB, 'log.jsonl'), 'utf8').trim().split('\n');
  expect(lines.map((l) => JSON.parse(l).step)).toEqual([1, 2, 3, 4, 5, 6]);
  const p = loadPolicy(path.join(dirB, 'policy'));
  expect(p.config).toEqual(resumed.policy.config);
  for (const r of [straight, resumed]) r.policy.dispose();
  p.dispose();
  for (const d of [dirA, dirB]) fs.rmSync(d, { recursive: true, force: true });
});

test('checkpoints: manifest written last, no temp files left, only `keep` kept', () => {
  const root = tmp();
  const w = new Map([['a', { shape: [2], data: Float32Array.from([1, 2]) }]]);
  const manifest = (step: number) => ({
    format: 'reinpool-checkpoint/1', step, config: {} as never, metrics: null, history: [], rng: [1, 2, 3, 4] as [number, number, number, number],
    optimizer: { t: step }, data: { docs: 1, queries: 1, fingerprint: 'x' }, savedAt: '',
  });
  for (const s of [1, 2, 3]) writeCheckpoint(root, { manifest: manifest(s), weights: w, optimizer: w, reference: w }, 2);
  expect(listCheckpoints(root).map((c) => c.step)).toEqual([2, 3]);
  const dir = latestCheckpoint(root)!;
  expect(fs.readdirSync(dir).sort()).toEqual(['manifest.json', 'optimizer.safetensors', 'reference.safetensors', 'weights.safetensors']);
  const files = fs.readdirSync(dir).map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }));
  const mt = files.find((x) => x.f === 'manifest.json')!.t;
  for (const x of files) expect(mt).toBeGreaterThanOrEqual(x.t);
  expect(Array.from(readCheckpoint(dir).weights.get('a')!.data)).toEqual([1, 2]);
  fs.rmSync(root, { recursive: true, force: true });
});
