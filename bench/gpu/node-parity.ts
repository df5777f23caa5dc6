/**
 * Plain-Node parity and timing of a native backend, for the GPU machine (no node_modules there):
 * the cases of testing/kernels/parity-cases.ts (the same as the jest suites, including the corpus
 * handle) against the TypeScript reference, then Node-side timings of the reward step (inverse and
 * forward) through the corpus handle and through the stateless kernel.
 *
 *   node .device/dist/bench/gpu/node-parity.js [--backend cuda|cpu|ts] [--seed N] [--reps N]
 *                                              [--no-bench | --small-bench]
 *
 * Prints "PASS <case> (<ms>)" / "FAIL <case>: <mismatch>" lines, "N passed, N failed", then
 * "BENCH <key> <median ms> <note>" lines in the format of reinpool_cuda_check --bench, so
 * bench/gpu/torch_ref.py can put them in the same table. Exit status: 0 all passed, 1 a case
 * failed, 2 the backend is unavailable.
 *
 * It imports only src/kernels (no npm packages) and testing/kernels/{helpers,parity-cases} (never
 * test/); build it with bench/gpu/prepare.sh, which compiles exactly this closure with tsc into
 * .device/dist.
 */
import { loadNativeBackend } from '../../src/kernels/native';
import { tsKernels } from '../../src/kernels/ts';
import type { Kernels } from '../../src/kernels/types';
import { floats, seedRandom } from '../../testing/kernels/helpers';
import { parityCases } from '../../testing/kernels/parity-cases';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeMs(reps: number, fn: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < 2; i++) await fn(i);
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

/** The reward step from Node at the shapes: corpus handle vs the stateless kernel. */
async function bench(K: Kernels, reps: number): Promise<void> {
  const shapes = process.argv.includes('--small-bench')
    ? [{ B: 8, G: 4, T: 100, D: 128, Q: 500 }] // exercises the code on a CPU backend
    : [{ B: 64, G: 8, T: 1030, D: 128, Q: 5000 }, { B: 256, G: 16, T: 1030, D: 128, Q: 20000 }];
  for (const { B, G, T, D, Q } of shapes) {
    const count = 2 * B; // two batches rotate, as the check binary's sets
    const offsets = Int32Array.from({ length: count + 1 }, (_, i) => i * T);
    const docs = { dim: D, vectors: floats(count * T * D), offsets };
    const queries = { rows: Q, dim: D, data: floats(Q * D) };
    const queryOwner = Int32Array.from({ length: Q }, (_, q) => q % count);
    const maskSets = [0, 1].map(() => {
      const m = new Uint8Array(B * G * T);
      for (let i = 0; i < m.length; i++) m[i] = Math.random() < 0.5 ? 1 : 0;
      return m;
    });
    const batches = [0, 1].map((s) => Int32Array.from({ length: B }, (_, b) => s * B + b));
    const key = `B${B}_G${G}_Q${Q}_fp32`;
    // the forward reward's k = 3 competitor scores per query (random, descending)
    const competitorScores = { rows: Q, dim: 3, data: new Float32Array(Q * 3) };
    for (let q = 0; q < Q; q++) {
      const row = [0, 1, 2].map(() => Math.random() * 1.2 - 0.6).sort((a, b) => b - a);
      competitorScores.data.set(row, q * 3);
    }
    const t0 = process.hrtime.bigint();
    const corpus = K.createCorpus!({ docs, queries, queryOwner, competitorScores, precision: 'fp32' });
    const createMs = Number(process.hrtime.bigint() - t0) / 1e6;
    try {
      const ms = await timeMs(reps, (i) => corpus.reward({ batchDocs: batches[i % 2], masks: maskSets[i % 2], groups: G, k: 3 }));
      console.log(`BENCH node_corpus_reward_${key} ${ms.toFixed(4)} corpus.reward() from Node (${corpus.backend}), masks ${(B * G * T / 1e6).toFixed(1)} MB per call; createCorpus took ${createMs.toFixed(0)} ms`);
      const msA = await timeMs(reps, (i) => corpus.rewardAsync({ batchDocs: batches[i % 2], masks: maskSets[i % 2], groups: G, k: 3 }));
      console.log(`BENCH node_corpus_rewardAsync_${key} ${msA.toFixed(4)} corpus.rewardAsync() from Node (${corpus.backend})`);
      const msF = await timeMs(reps, (i) => corpus.forwardReward({ batchDocs: batches[i % 2], masks: maskSets[i % 2], groups: G }));
      console.log(`BENCH node_corpus_forwardReward_${key} ${msF.toFixed(4)} corpus.forwardReward() from Node (${corpus.backend}), k = 3 competitor scores`);
    } finally {
      corpus.dispose();
    }
    // the stateless kernel uploads the batch's vectors and the query matrix on every call
    const sub = { dim: D, vectors: docs.vectors.subarray(0, B * T * D), offsets: offsets.subarray(0, B + 1) };
    const msS = await timeMs(Math.max(3, reps >> 1), (i) => K.inverseRetrievalReward({
      docs: sub, masks: maskSets[i % 2], groups: G, queries, queryOwner, k: 3,
    }));
    console.log(`BENCH node_stateless_reward_${key} ${msS.toFixed(4)} inverseRetrievalReward() from Node (${K.name}), uploads ${(B * T * D * 4 / 1e6).toFixed(0)} MB docs + ${(Q * D * 4 / 1e6).toFixed(0)} MB queries per call`);
    const msSF = await timeMs(Math.max(3, reps >> 1), (i) => K.forwardRetrievalReward({
      docs: sub, masks: maskSets[i % 2], groups: G, queries, queryOwner, competitorScores,
    }));
    console.log(`BENCH node_stateless_forwardReward_${key} ${msSF.toFixed(4)} forwardRetrievalReward() from Node (${K.name})`);
  }
}

async function main(): Promise<number> {
  const which = (arg('--backend') ?? 'cuda') as 'cuda' | 'cpu' | 'ts';
  const seed = Number(arg('--seed') ?? process.env.REINPOOL_TEST_SEED ?? (Date.now() % 0x7fffffff));
  const loaded = which === 'ts' ? { kernels: tsKernels, status: { available: true, reason: 'ts' } } : loadNativeBackend(which);
  console.log(`node-parity: node ${process.version}, backend ${which}: ${loaded.status.reason}; seed ${seed} (--seed to replay)`);
  const K = loaded.kernels;
  if (!K) {
    console.log(`FAIL ${which} backend unavailable: ${loaded.status.reason}`);
    return 2;
  }
  seedRandom(seed);
  let passed = 0;
  let failed = 0;
  for (const c of parityCases) {
    const t0 = Date.now();
    let bad: string[];
    try {
      bad = await c.run(K);
    } catch (e) {
      bad = [`threw: ${(e as Error)?.stack ?? String(e)}`];
    }
    if (K.name !== which) bad.push(`the ${which} backend fell back to ${K.name} (a device failure, see the warning above)`);
    if (bad.length === 0) {
      passed++;
      console.log(`PASS ${c.name} (${Date.now() - t0} ms)`);
    } else {
      failed++;
      console.log(`FAIL ${c.name}:`);
      for (const b of bad) console.log(`     ${b}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (!process.argv.includes('--no-bench') && K.createCorpus) {
    try {
      await bench(K, Number(arg('--reps') ?? 10));
    } catch (e) {
      console.log(`BENCH failed: ${(e as Error)?.stack ?? String(e)}`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  console.error(e);
  process.exitCode = 1;
});
