import { getKernels } from '../../src/kernels';
import { tsKernels } from '../../src/kernels/ts';
import type { MultiVectorSet } from '../../src/kernels/types';
import { initTf } from '../../src/policy/backend';
import { competitorScores, createReward, syntheticTask, train } from '../../src/train';

beforeAll(async () => {
  await initTf();
});

// A hand-made corpus (dim 2): document 0 has tokens e0 and e1, documents 1 and 2 one token each.
// Mean-pooled and normalised: doc 0 = (0.707, 0.707), doc 1 = (0.8, 0.6), doc 2 = (0.6, 0.8).
const docs: MultiVectorSet = {
  dim: 2,
  vectors: Float32Array.from([1, 0, 0, 1, 0.8, 0.6, 0.6, 0.8]),
  offsets: Int32Array.from([0, 2, 3, 4]),
};
// query 0 (owned by document 0) points along e0, query 1 (owned by 2) along e1
const queries = { rows: 2, dim: 2, data: Float32Array.from([1, 0, 0, 1]) };
const queryOwner = Int32Array.from([0, 2]);
const forward = (k: number) => ({ kind: 'forward' as const, k, pool: 'mean' as const });

describe.each([['ts', tsKernels], ['default', getKernels()]] as const)('forward reward (%s kernels)', (_name, kernels) => {
  test('competitor scores: the k best other documents per query, -Infinity padded; the own document is left out', () => {
    const competitors = { rows: 3, dim: 2, data: kernels.poolMasked({ docs, masks: new Uint8Array(4).fill(1), groups: 1 }) };
    const bar = competitorScores(kernels, queries, queryOwner, competitors, 3);
    expect(bar.rows).toBe(2);
    expect(bar.dim).toBe(3);
    // query 0: doc 1 (0.8), doc 2 (0.6), its own doc 0 (0.707) left out; query 1: doc 0 (0.707), doc 1 (0.6)
    expect(Array.from(bar.data)).toEqual([0.8, 0.6, -Infinity, Math.SQRT1_2, 0.6, -Infinity].map(Math.fround));
  });

  test('known answers: NDCG@k of the document among the mean-pooled competitors, for each of its masks', () => {
    const run = createReward(docs, queries, queryOwner, forward(3), kernels);
    // document 0, three masks: keep both tokens (score 0.707 < doc 1's 0.8 -> rank 2), keep e0 only
    // (score 1 -> rank 1), keep e1 only (score 0 < 0.8 and 0.6 -> rank 3)
    expect(Array.from(run.reward(Int32Array.from([0]), Uint8Array.from([1, 1, 1, 0, 0, 1]), 3))).toEqual([1 / Math.log2(3), 1, 0.5].map(Math.fround));
    // document 2 beats doc 0's 0.707 on its query 1 (its own competitor row, 0.8, does not count);
    // document 1 owns no query
    expect(Array.from(run.reward(Int32Array.from([2, 1]), Uint8Array.from([1, 1]), 1))).toEqual([1, 0]);
    run.dispose();
    // with k = 2 the third mask of document 0 ranks outside the cut-off
    const run2 = createReward(docs, queries, queryOwner, forward(2), kernels);
    expect(run2.reward(Int32Array.from([0]), Uint8Array.from([0, 1]), 1)[0]).toBe(0);
    run2.dispose();
  });

  test('inverse reward: the corpus handle gives what the stateless kernel gives on the gathered batch', () => {
    const run = createReward(docs, queries, queryOwner, { kind: 'inverse', k: 2, pool: 'mean' }, kernels);
    const masks = Uint8Array.from([1, 0, 0, 1, 1, 1]);
    const batchDocs = Int32Array.from([2, 0]);
    const batch: MultiVectorSet = { dim: 2, vectors: Float32Array.from([0.6, 0.8, 1, 0, 0, 1]), offsets: Int32Array.from([0, 1, 3]) };
    const direct = kernels.inverseRetrievalReward({ docs: batch, masks, groups: 2, queries, queryOwner, docIndex: batchDocs, k: 2 });
    expect(Array.from(run.reward(batchDocs, masks, 2))).toEqual(Array.from(direct));
    run.dispose();
  });
});

test('createReward: owners outside the corpus are refused with the argument named', () => {
  expect(() => createReward(docs, queries, Int32Array.from([0, 3]), forward(3), tsKernels)).toThrow(/queryOwner\[1\] = 3/);
  expect(() => competitorScores(tsKernels, queries, queryOwner, { rows: 3, dim: 3, data: new Float32Array(9) }, 3)).toThrow(/competitors: dim 3/);
});

// LABELLED SYNTHETIC data (src/train/synthetic.ts), not real text
test('synthetic task: training with the forward reward raises its reward and drops the stopword vectors', async () => {
  const task = syntheticTask({ docs: 48, dim: 16, seed: 11 });
  const res = await train({
    ...task, kernels: tsKernels, progress: false,
    config: { reward: 'forward', batchDocs: 12, groupSize: 6, steps: 40, evalEvery: 40, evalDocs: 48, policy: { type: 'transformer', hidden: 16, heads: 2 } },
  });
  const first = res.history[0];
  const last = res.history[res.history.length - 1];
  expect(last.evalReward! - first.evalReward!).toBeGreaterThan(0.05);
  expect(last.evalKeepRatio!).toBeLessThan(first.evalKeepRatio!);
  res.policy.dispose();
});
