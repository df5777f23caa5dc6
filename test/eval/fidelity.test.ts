/**
 * The self-query fidelity check (src/eval/fidelity.ts, evaluate's selfQueries) and the span training
 * queries (src/encode/spans.ts), on SYNTHETIC random vectors (seeded): every document a query against
 * the others, MaxSim's top neighbours the judgements.
 */
import { spanQueries } from '../../src/encode/spans';
import { evaluate, selfQueryTask, withoutDoc } from '../../src/eval';
import type { MultiVectorSet } from '../../src/kernels/types';
import { Rng } from '../../src/random';
import { summarizeSeeds } from '../../src/experiment/seeds';
import type { ExperimentJson } from '../../src/experiment/run';

/** Synthetic corpus: n documents of 5..24 random unit vectors of dimension dim (seeded). */
function randomCorpus(n: number, dim: number, seed: number): MultiVectorSet {
  const rng = new Rng(seed, 1);
  const lengths = Array.from({ length: n }, () => 5 + rng.int(20));
  const offsets = new Int32Array(n + 1);
  lengths.forEach((l, i) => { offsets[i + 1] = offsets[i] + l; });
  const vectors = new Float32Array(offsets[n] * dim);
  for (let r = 0; r < offsets[n]; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) { const v = rng.normal(); vectors[r * dim + j] = v; s += v * v; }
    for (let j = 0; j < dim; j++) vectors[r * dim + j] /= Math.sqrt(s);
  }
  return { dim, vectors, offsets, ids: Array.from({ length: n }, (_, i) => `d${i}`) };
}

describe('selfQueryTask (synthetic vectors)', () => {
  const docs = randomCorpus(40, 8, 3);

  test('judges each document\'s top 10 other documents, graded 10..1 by rank, never itself', async () => {
    const t = await selfQueryTask(docs);
    expect(t.judged).toBe(10);
    expect(t.qrels).toHaveLength(400);
    for (let q = 0; q < 40; q++) {
      const mine = t.qrels.filter((e) => e.qid === `d${q}`);
      expect(mine.map((e) => e.rel)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect(mine.some((e) => e.docid === `d${q}`)).toBe(false);
      expect(new Set(mine.map((e) => e.docid)).size).toBe(10);
    }
  });

  test('binary grading and another judged count', async () => {
    const t = await selfQueryTask(docs, { judged: 3, grading: 'binary' });
    expect(t.qrels).toHaveLength(120);
    expect(t.qrels.every((e) => e.rel === 1)).toBe(true);
  });

  test('bad options and corpora are refused with what is wrong', async () => {
    await expect(selfQueryTask(docs, { judged: 0 })).rejects.toThrow(/judged must be a positive integer/);
    await expect(selfQueryTask(randomCorpus(5, 8, 1))).rejects.toThrow(/5 documents; judging 10 neighbours of each needs at least 11/);
    await expect(selfQueryTask({ ...docs, ids: docs.ids!.map(() => 'same') })).rejects.toThrow(/ids must be unique/);
    await expect(selfQueryTask(docs, { grading: 'score' as never })).rejects.toThrow(/grading must be rank or binary/);
  });

  test('evaluated: MaxSim reproduces itself exactly, mean pooling does not, and no ranking holds its own document', async () => {
    const t = await selfQueryTask(docs);
    const r = await evaluate({ docs: t.docs, queries: t.queries, qrels: t.qrels, methods: ['maxsim', 'mean'], selfQueries: true, perQuery: true });
    expect(r.selfQueries).toBe(true);
    expect(r.queries).toBe(40);
    expect(r.depth).toBe(39);
    expect(r.methods.maxsim['ndcg@10']).toBe(1);
    expect(r.methods.maxsim['recall@10']).toBe(1);
    expect(r.methods.mean['ndcg@10']).toBeGreaterThan(0);
    expect(r.methods.mean['ndcg@10']).toBeLessThan(1);
    // without selfQueries every document would find itself first: the option is what keeps it out
    const own = await evaluate({ docs: t.docs, queries: t.queries, qrels: t.docs.ids!.map((id) => [id, id, 1] as [string, string, number]), methods: ['maxsim'], selfQueries: true });
    expect(own.methods.maxsim['recall@100']).toBe(0);
  });

  test('evaluate refuses self-queries whose ids are not document ids', async () => {
    const t = await selfQueryTask(docs);
    const queries = { ...t.queries, ids: t.queries.ids!.map((id) => `q-${id}`) };
    const qrels = t.qrels.map((e) => ({ ...e, qid: `q-${e.qid}` }));
    await expect(evaluate({ docs: t.docs, queries, qrels, methods: ['mean'], selfQueries: true })).rejects.toThrow(/query 'q-d0' is no document's id/);
  });

  test('withoutDoc drops the document and cuts to depth', () => {
    const r = withoutDoc({ docs: Int32Array.from([4, 2, 7, 1]), scores: Float32Array.from([4, 3, 2, 1]) }, 2, 2);
    expect(Array.from(r.docs)).toEqual([4, 7]);
    expect(Array.from(r.scores)).toEqual([4, 2]);
  });
});

describe('spanQueries (synthetic vectors)', () => {
  const docs = randomCorpus(30, 4, 9);

  test('spans are contiguous rows of their document, cut out of its context, never overlapping', () => {
    const sp = spanQueries(docs, { perDoc: 3, minTokens: 2, maxTokens: 5, minContext: 3, seed: 1 });
    const { dim } = docs;
    let q = 0;
    for (let d = 0; d < 30; d++) {
      const T = docs.offsets[d + 1] - docs.offsets[d];
      const mine: Array<[number, number]> = [];
      while (q < sp.owner.length && sp.owner[q] === d) {
        const [s, e] = [sp.spans[2 * q], sp.spans[2 * q + 1]];
        expect(e - s).toBeGreaterThanOrEqual(2);
        expect(e - s).toBeLessThanOrEqual(5);
        expect(sp.vectors.offsets[q + 1] - sp.vectors.offsets[q]).toBe(e - s);
        // the query's rows are the document's rows s..e
        expect(Array.from(sp.vectors.vectors.subarray(sp.vectors.offsets[q] * dim, sp.vectors.offsets[q + 1] * dim)))
          .toEqual(Array.from(docs.vectors.subarray((docs.offsets[d] + s) * dim, (docs.offsets[d] + e) * dim)));
        if (mine.length) expect(s).toBeGreaterThanOrEqual(mine[mine.length - 1][1]);
        mine.push([s, e]);
        q++;
      }
      const removed = mine.reduce((a, [s, e]) => a + e - s, 0);
      const C = sp.contexts.offsets[d + 1] - sp.contexts.offsets[d];
      expect(C).toBe(T - removed);
      expect(C).toBeGreaterThanOrEqual(3);
      // the context is the document without its spans, in order
      const keep: number[] = [];
      for (let t = 0; t < T; t++) if (!mine.some(([s, e]) => t >= s && t < e)) keep.push(t);
      const ctx = Array.from(sp.contexts.vectors.subarray(sp.contexts.offsets[d] * dim, sp.contexts.offsets[d + 1] * dim));
      expect(ctx).toEqual(keep.flatMap((t) => Array.from(docs.vectors.subarray((docs.offsets[d] + t) * dim, (docs.offsets[d] + t + 1) * dim))));
    }
    expect(q).toBe(sp.owner.length);
    expect(sp.owner.length).toBeGreaterThan(60);
    expect(sp.vectors.ids![0]).toBe(docs.ids![sp.owner[0]]);
  });

  test('a document too short for a span and a context gets none; the same seed gives the same spans', () => {
    const short: MultiVectorSet = { dim: 2, vectors: new Float32Array(2 * 6).fill(1), offsets: Int32Array.from([0, 6]) };
    expect(spanQueries(short, { minTokens: 4, minContext: 8 }).owner.length).toBe(0);
    const a = spanQueries(docs, { seed: 5, minTokens: 2 });
    const b = spanQueries(docs, { seed: 5, minTokens: 2 });
    expect(Array.from(a.spans)).toEqual(Array.from(b.spans));
    expect(Array.from(spanQueries(docs, { seed: 6, minTokens: 2 }).spans)).not.toEqual(Array.from(a.spans));
    expect(() => spanQueries(docs, { minTokens: 5, maxTokens: 4 })).toThrow(/maxTokens must be an integer >= 5/);
  });
});

describe('seed summary on another primary metric (the self-query check tests NDCG@10)', () => {
  const metrics = (v: number) => ({ 'ndcg@3': 0.5, 'ndcg@5': v, 'ndcg@10': v, 'recall@10': v, 'recall@100': v, vectorsPerDoc: 1, floatsPerDoc: 48 });
  const run = (seed: number, r: number[], m: number[]): ExperimentJson => ({
    dataset: 'toy', split: 'self-queries', docs: 10, queries: r.length, dim: 48, vectorsPerDoc: 5, seed,
    methods: { mean: metrics(m.reduce((a, b) => a + b) / m.length), reinpool: metrics(r.reduce((a, b) => a + b) / r.length) },
    recoveryNdcg3: {}, compression: {}, seconds: { encode: 0, train: 0, eval: 0 },
    perQueryNdcg3: { queryIds: r.map((_, i) => `q${i}`), methods: { mean: m.map(() => 0.5), reinpool: r.map(() => 0.5) } },
    primaryMetric: 'ndcg@10',
    perQueryPrimary: { queryIds: r.map((_, i) => `q${i}`), methods: { mean: m, reinpool: r } },
  });
  test('the difference, the interval, the test and the verdict are on NDCG@10', () => {
    const m = Array.from({ length: 50 }, (_, i) => (i % 5) / 10);
    const s = summarizeSeeds([0, 1, 2].map((seed) => run(seed, m.map((v) => v + 0.05 + 0.01 * seed), m)));
    expect(s.reinpoolVsMean!.metric).toBe('ndcg@10');
    expect(s.reinpoolVsMean!.diff.mean).toBeCloseTo(0.06, 10);
    expect(s.reinpoolVsMean!.test.p).toBeLessThan(0.001);
    expect(s.verdict).toMatch(/^ReinPool beat mean pooling: NDCG@10 \+0\.0600/);
  });
});
