import { getKernels } from '../../src/kernels';
import { tsKernels } from '../../src/kernels/ts';
import type { MultiVectorSet } from '../../src/kernels/types';
import { initTf } from '../../src/policy/backend';
import { ForwardReward, makeReward, syntheticTask, train } from '../../src/train';

beforeAll(async () => {
  await initTf();
});

// A hand-made corpus (dim 2): document 0 has tokens e0 and e1, documents 1 and 2 one token each.
const docs: MultiVectorSet = {
  dim: 2,
  vectors: Float32Array.from([1, 0, 0, 1, 0.8, 0.6, 0.6, 0.8]),
  offsets: Int32Array.from([0, 2, 3, 4]),
};
// query 0 (owned by document 0) points along e0, query 1 (owned by 2) along e1
const queries = { rows: 2, dim: 2, data: Float32Array.from([1, 0, 0, 1]) };
const queryOwner = Int32Array.from([0, 2]);
const competitors = Float32Array.from([Math.SQRT1_2, Math.SQRT1_2, 0.8, 0.6, 0.6, 0.8]);

describe.each([['ts', tsKernels], ['default', getKernels()]] as const)('forward reward (%s kernels)', (_name, kernels) => {
  test('known answers: NDCG@k of the document among the competitors, for each of its masks', () => {
    const fr = new ForwardReward({ queries, queryOwner, k: 3, pool: 'mean', kernels }, 3);
    fr.setCompetitors(competitors);
    // document 0, three masks: keep both tokens (pooled = (1,1)/sqrt2: score 0.707 < doc 1's 0.8
    // -> rank 2), keep e0 only (score 1 -> rank 1), keep e1 only (score 0 < 0.8 and 0.6 -> rank 3)
    const set: MultiVectorSet = { dim: 2, vectors: docs.vectors.slice(0, 4), offsets: Int32Array.from([0, 2]) };
    const r = fr.reward(set, Int32Array.from([0]), Uint8Array.from([1, 1, 1, 0, 0, 1]), 3);
    expect(Array.from(r)).toEqual([1 / Math.log2(3), 1, 0.5].map((x) => Math.fround(x)));
    // with k = 2 the third mask ranks outside the cut-off
    const fr2 = new ForwardReward({ queries, queryOwner, k: 2, pool: 'mean', kernels }, 3);
    fr2.setCompetitors(competitors);
    expect(fr2.reward(set, Int32Array.from([0]), Uint8Array.from([0, 1]), 1)[0]).toBe(0);
  });

  test('the document\'s own competitor vector is not its competitor; a document without queries scores 0', () => {
    const fr = new ForwardReward({ queries, queryOwner, k: 1, pool: 'mean', kernels }, 3);
    // document 2's competitor row would beat it on query 1 (score 1 vs its pooled 0.8) if it counted
    const own = Float32Array.from([1, 0, 1, 0, 0, 1]);
    fr.setCompetitors(own);
    const set2: MultiVectorSet = { dim: 2, vectors: docs.vectors.slice(6, 8), offsets: Int32Array.from([0, 1]) };
    expect(fr.reward(set2, Int32Array.from([2]), Uint8Array.from([1]), 1)[0]).toBe(1);
    const set1: MultiVectorSet = { dim: 2, vectors: docs.vectors.slice(4, 6), offsets: Int32Array.from([0, 1]) };
    expect(fr.reward(set1, Int32Array.from([1]), Uint8Array.from([1]), 1)[0]).toBe(0);
  });
});

test('forward reward: bad owners and competitor shapes are refused with the argument named', () => {
  expect(() => new ForwardReward({ queries, queryOwner: Int32Array.from([0, 3]), k: 3, pool: 'mean', kernels: tsKernels }, 3)).toThrow(/queryOwner\[1\] = 3/);
  const fr = new ForwardReward({ queries, queryOwner, k: 3, pool: 'mean', kernels: tsKernels }, 3);
  expect(() => fr.setCompetitors(new Float32Array(4))).toThrow(/competitors: expected 3 x 2/);
});

test('makeReward: forward competitors are the mean-pooled corpus (keep-all masks reproduce them)', () => {
  const reward = makeReward(docs, queries, queryOwner, { reward: 'forward', pool: 'mean', rewardK: 3 }, tsKernels);
  // keep-all document 0 = mean (0.707, 0.707): rank 2 behind document 1 on query 0
  const set: MultiVectorSet = { dim: 2, vectors: docs.vectors.slice(0, 4), offsets: Int32Array.from([0, 2]) };
  expect(reward(set, Int32Array.from([0]), Uint8Array.from([1, 1]), 1)[0]).toBeCloseTo(1 / Math.log2(3), 6);
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
