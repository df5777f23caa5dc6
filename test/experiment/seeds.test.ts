import { greedySelectionVectors, gapClosed } from '../../src/experiment/ceilings';
import { holdOut } from '../../src/experiment/query-choice';
import type { ExperimentJson } from '../../src/experiment/run';
import { summarizeSeeds } from '../../src/experiment/seeds';
import { bestBySize } from '../../src/eval/report';
import type { EvaluationResult } from '../../src/eval';
import { methodFromName } from '../../src/eval/methods';

const metrics = (n3: number) => ({ 'ndcg@3': n3, 'ndcg@5': n3, 'ndcg@10': n3, 'recall@10': n3, 'recall@100': n3, vectorsPerDoc: 1, floatsPerDoc: 100 });

function fakeRun(seed: number, reinpool: number[], mean: number[]): ExperimentJson {
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return {
    dataset: 'toy', split: 'test', docs: 10, queries: reinpool.length, dim: 100, vectorsPerDoc: 5, seed,
    methods: { mean: metrics(avg(mean)), reinpool: metrics(avg(reinpool)) }, recoveryNdcg3: {}, compression: {},
    seconds: { encode: 0, train: 0, eval: 0 },
    perQueryNdcg3: { queryIds: reinpool.map((_, i) => `q${i}`), methods: { mean, reinpool } },
  };
}

describe('seed summary (from experiment JSONs)', () => {
  const mean = Array.from({ length: 60 }, (_, i) => (i % 10) / 10);
  test('a gain on every seed and query is significant, with its interval and relative size', () => {
    const runs = [0, 1, 2].map((s) => fakeRun(s, mean.map((v) => v + 0.1 + 0.01 * s), mean));
    const s = summarizeSeeds(runs);
    expect(s.seeds).toEqual([0, 1, 2]);
    expect(s.reinpoolVsMean!.diff.mean).toBeCloseTo(0.11, 10);
    expect(s.reinpoolVsMean!.diff.ci95).toBeGreaterThan(0);
    expect(s.reinpoolVsMean!.relative).toBeCloseTo(0.11 / 0.45, 10);
    expect(s.reinpoolVsMean!.test.p).toBeLessThan(0.001);
    expect(s.verdict).toMatch(/^ReinPool beat mean pooling: NDCG@3 \+0\.1100 \(\+24\.4% relative; 95% CI over 3 seeds \+0\.\d{4} to \+0\.\d{4}; paired randomization test over 60 queries p < 0\.001\)\.$/);
  });
  test('no gain: says so', () => {
    const s = summarizeSeeds([0, 1].map((seed) => fakeRun(seed, mean.map((v, i) => v + (i % 2 ? 0.02 : -0.02)), mean)));
    expect(s.verdict).toMatch(/^ReinPool (did not beat|scored above) mean pooling/);
    expect(s.reinpoolVsMean!.test.p).toBeGreaterThan(0.5);
  });
  test('refuses runs that do not pair up', () => {
    expect(() => summarizeSeeds([])).toThrow(/no experiment results/);
    expect(() => summarizeSeeds([fakeRun(0, mean, mean), fakeRun(0, mean, mean)])).toThrow(/appears twice/);
    const other = fakeRun(1, mean, mean);
    other.perQueryNdcg3!.queryIds[0] = 'zzz';
    expect(() => summarizeSeeds([fakeRun(0, mean, mean), other])).toThrow(/ranks other queries/);
  });
});

describe('holdOut', () => {
  test('a seeded tenth of the prompts, disjoint from training, none for small sets', () => {
    const prompts = Int32Array.from({ length: 300 }, (_, i) => i * 2);
    const a = holdOut(prompts, 1);
    expect(a.validation!.length).toBe(30);
    expect(a.train.length).toBe(270);
    const inTrain = new Set(a.train);
    for (const v of a.validation!) expect(inTrain.has(v)).toBe(false);
    expect(Array.from(holdOut(prompts, 1).validation!)).toEqual(Array.from(a.validation!));
    expect(Array.from(holdOut(prompts, 2).validation!)).not.toEqual(Array.from(a.validation!));
    expect(holdOut(prompts.subarray(0, 40), 1).validation).toBeUndefined();
  });
});

describe('ceilings', () => {
  test('greedy selection keeps the vectors that point at its relevant queries, and mean-pools the rest', () => {
    // synthetic: doc 0 = one on-topic vector e0 and two noise vectors; the query is e0
    const docs = { dim: 3, vectors: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1), offsets: Int32Array.of(0, 3, 5), ids: ['a', 'b'] };
    const queries = { dim: 3, vectors: Float32Array.of(1, 0, 0), offsets: Int32Array.of(0, 1), ids: ['q'] };
    const v = greedySelectionVectors(docs, queries, [{ qid: 'q', docid: 'a', rel: 1 }], 'sum');
    expect(Array.from(v.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(v[4]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(gapClosed(0.3, 0.2, 0.4)).toBeCloseTo(0.5, 12);
    expect(gapClosed(0.3, 0.2, 0.2)).toBeUndefined();
  });
});

describe('equal-bytes comparisons', () => {
  test('"best" compares methods of one size only; MUVERA has named smaller sizes', () => {
    const r = { methods: { mean: metrics(0.2), reinpool: metrics(0.25), muvera: { ...metrics(0.4), floatsPerDoc: 10240 }, maxsim: { ...metrics(0.5), floatsPerDoc: 20000 } } } as unknown as EvaluationResult;
    expect(bestBySize(r)).toEqual([{ floats: 100, best: 'reinpool', ndcg3: 0.25, others: ['mean 0.2000'] }]);
    expect(methodFromName('muvera-100').name).toBe('muvera-100');
    expect(() => methodFromName('muvera-7')).toThrow(/MUVERA sizes are/);
  });
});
