import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  compareCodePoints, evaluate, methodFromName, reinpoolMethod, scoreRankings, trecOrder,
} from '../../src/eval';
import { getKernels } from '../../src/kernels';
import type { MultiVectorSet } from '../../src/kernels/types';
import { hasPython, lcg, rmrf, setOf, syntheticCorpus, trecCheck } from './helpers';

const L = (r: number) => 1 / Math.log2(r + 1);

/**
 * Hand-made: four one-vector documents in 2-D, so every method ranks the same way.
 * q0 = (1, 0): d0 1, d1 0.8, d2 0, d3 -1.  q1 = (0, 1): d2 1, d1 0.6, then d0 and d3 tie at 0.
 */
function handMade() {
  const docs = setOf([[[1, 0]], [[0.8, 0.6]], [[0, 1]], [[-1, 0]]], ['d0', 'd1', 'd2', 'd3']);
  const queries = setOf([[[1, 0]], [[0, 1]], [[1, 1]], [[0.5, 0.5]]], ['q0', 'q1', 'q2', 'q3']);
  const qrels: Array<[string, string, number]> = [
    ['q0', 'd1', 2], ['q0', 'd2', 1], ['q0', 'dX', 1], // dX is judged but not in the corpus
    ['q1', 'd0', 1], ['q1', 'd1', 0],
    ['q2', 'd0', 0], // judged, nothing relevant: left out
    ['q9', 'd0', 1], // no vectors: left out
  ];
  return { docs, queries, qrels };
}

describe('evaluate: metrics, aggregation and bookkeeping', () => {
  test('hand-made rankings give trec_eval values, averaged over queries with a relevant document', async () => {
    const { docs, queries, qrels } = handMade();
    const r = await evaluate({ docs, queries, qrels, methods: ['maxsim', 'mean'] });
    expect(r.queries).toBe(2);
    expect(r.docs).toBe(4);
    expect(r.depth).toBe(4);
    expect(r.skipped).toEqual({ queriesWithoutRelevant: 2, queriesWithoutVectors: 1, judgedDocsNotInCorpus: 1 });
    // q0 ranks d0 d1 d2 d3; ideal gains 2, 1, 1
    const q0n3 = (2 * L(2) + 1 * L(3)) / (2 * L(1) + L(2) + L(3));
    const q0r10 = 2 / 3;
    // q1 ranks d2 d1, then the tie d3, d0 in trec_eval's order (docid descending): d0 is 4th
    const q1n3 = 0;
    const q1n5 = L(4) / L(1);
    for (const name of ['maxsim', 'mean']) {
      const m = r.methods[name];
      expect(m['ndcg@3']).toBeCloseTo((q0n3 + q1n3) / 2, 12);
      expect(m['ndcg@5']).toBeCloseTo((q0n3 + q1n5) / 2, 12);
      expect(m['ndcg@10']).toBeCloseTo((q0n3 + q1n5) / 2, 12);
      expect(m['recall@10']).toBeCloseTo((q0r10 + 1) / 2, 12);
      expect(m['recall@100']).toBeCloseTo((q0r10 + 1) / 2, 12);
    }
  });

  test('reuse copies the named methods of an earlier evaluation (results, per-query values, run files) and recomputes the rest', async () => {
    const { docs, queries, target } = syntheticCorpus(7, 30, 12, 8);
    const qrels = target.map((d, q) => ({ qid: `q${q}`, docid: `d${d}`, rel: 1 }));
    const set = setOf(docs, docs.map((_, i) => `d${i}`));
    const qs = setOf(queries, queries.map((_, i) => `q${i}`));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-reuse-'));
    try {
      const first = await evaluate({ docs: set, queries: qs, qrels, methods: ['maxsim', 'mean'], perQuery: true, runsDir: path.join(dir, 'a') });
      // a method that would give other results if it ran: it must not run for a reused name
      const poisoned = { name: 'mean', index: () => { throw new Error('reused method was recomputed'); } };
      const again = await evaluate({
        docs: set, queries: qs, qrels, methods: ['maxsim', poisoned, 'max'], perQuery: true, runsDir: path.join(dir, 'b'),
        reuse: { from: first, methods: ['maxsim', 'mean'] },
      });
      expect(Object.keys(again.methods)).toEqual(['maxsim', 'mean', 'max']);
      expect(again.methods.mean).toEqual(first.methods.mean);
      expect(again.perQuery!.methods.maxsim).toEqual(first.perQuery!.methods.maxsim);
      expect(fs.readFileSync(path.join(dir, 'b', 'mean.run'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'a', 'mean.run'), 'utf8'));
      expect(again.recoveryNdcg3.mean).toBeCloseTo(first.recoveryNdcg3.mean, 12);
      expect(again.methods.max['ndcg@3']).toBeGreaterThanOrEqual(0);
      // another corpus: refused, not silently mixed
      const fewer = setOf(docs.slice(0, 20), docs.slice(0, 20).map((_, i) => `d${i}`));
      await expect(evaluate({ docs: fewer, queries: qs, qrels, methods: ['mean'], reuse: { from: first, methods: ['mean'] } }))
        .rejects.toThrow(/reuse comes from 30 documents/);
      await expect(evaluate({ docs: set, queries: qs, qrels, methods: ['max'], reuse: { from: first, methods: ['max'] } }))
        .rejects.toThrow(/reuse has no results for method 'max'/);
    } finally {
      rmrf(dir);
    }
  });

  test('recovery and compression arithmetic', async () => {
    const { docs, queries, target } = syntheticCorpus(5, 30, 12, 8);
    const qrels = target.map((d, q) => ({ qid: `q${q}`, docid: `d${d}`, rel: 1 }));
    const set = setOf(docs, docs.map((_, i) => `d${i}`));
    const qs = setOf(queries, queries.map((_, i) => `q${i}`));
    const r = await evaluate({ docs: set, queries: qs, qrels, methods: ['maxsim', 'mean', 'tokenpool-4', 'muvera'], muvera: { reps: 2, kSim: 2, dProj: 4 } });
    const full = set.offsets[30] / 30;
    expect(r.vectorsPerDoc).toBeCloseTo(full, 12);
    expect(r.methods.maxsim.floatsPerDoc).toBeCloseTo(full * 8, 12);
    expect(r.methods.mean).toMatchObject({ vectorsPerDoc: 1, floatsPerDoc: 8 });
    expect(r.methods['tokenpool-4']).toMatchObject({ vectorsPerDoc: 4, floatsPerDoc: 32 });
    expect(r.methods.muvera).toMatchObject({ vectorsPerDoc: 1, floatsPerDoc: 2 * 4 * 4 });
    expect(r.methodInfo.muvera).toMatchObject({ dim: 32, kSim: 2, reps: 2, dProj: 4, kind: 'single' });
    for (const n of Object.keys(r.methods)) {
      expect(r.compression[n]).toBeCloseTo((full * 8) / r.methods[n].floatsPerDoc, 10);
      expect(r.recoveryNdcg3[n]).toBeCloseTo(r.methods[n]['ndcg@3'] / r.methods.maxsim['ndcg@3'], 12);
    }
    expect(r.compression.maxsim).toBe(1);
    expect(r.recoveryNdcg3.maxsim).toBe(1);
    // without maxsim: compression still against the full corpus, no recovery
    const r2 = await evaluate({ docs: set, queries: qs, qrels, methods: ['mean'] });
    expect(r2.recoveryNdcg3).toEqual({});
    expect(r2.compression.mean).toBeCloseTo(full, 10);
    expect(r2.methods.mean['ndcg@3']).toBe(r.methods.mean['ndcg@3']);
  });

  test('every qrels form gives the same numbers: entries, tuples, record, map, CSR', async () => {
    const { docs, queries, qrels } = handMade();
    const base = (await evaluate({ docs, queries, qrels, methods: ['maxsim'] })).methods.maxsim;
    const entries = qrels.map(([qid, docid, rel]) => ({ qid, docid, rel }));
    const record: Record<string, Record<string, number>> = {};
    for (const [q, d, g] of qrels) (record[q] ??= {})[d] = g;
    const map = new Map(Object.entries(record).map(([q, m]) => [q, new Map(Object.entries(m))]));
    // CSR rows = the 4 queries; dX -> index 4 (beyond the corpus)
    const csr = {
      offsets: Int32Array.from([0, 3, 5, 6, 6]),
      docs: Int32Array.from([1, 2, 4, 0, 1, 0]),
      gains: Float32Array.from([2, 1, 1, 1, 0, 0]),
    };
    for (const q of [entries, record, map, csr]) {
      const m = (await evaluate({ docs, queries, qrels: q, methods: ['maxsim'] })).methods.maxsim;
      for (const k of ['ndcg@3', 'ndcg@5', 'ndcg@10', 'recall@10', 'recall@100'] as const) expect(m[k]).toBeCloseTo(base[k], 12);
    }
  });

  test('reinpool takes a compress function; mean-pooling compress equals the mean method', async () => {
    const { docs, queries, target } = syntheticCorpus(9, 25, 10, 8);
    const set = setOf(docs);
    const qs = setOf(queries);
    const qrels = target.map((d, q) => [String(q), String(d), 1] as [string, string, number]);
    const compress = (s: MultiVectorSet) => getKernels().poolMasked({ docs: s, masks: new Uint8Array(s.offsets[s.offsets.length - 1]).fill(1), groups: 1 });
    const r = await evaluate({ docs: set, queries: qs, qrels, methods: ['mean', 'reinpool'], reinpool: compress });
    expect(r.methods.reinpool).toEqual(r.methods.mean);
    expect(() => methodFromName('reinpool')).toThrow(/compress/);
    await expect(evaluate({ docs: set, queries: qs, qrels, methods: ['reinpool'], reinpool: () => new Float32Array(7) })).rejects.toThrow(/reinpool/);
  });

  test("reinpoolMethod's prepareQueries runs on the queries before they are summed (a centred policy's queries)", async () => {
    // hand-made: after subtracting (1, 1) from every query vector, q0 = (1,1)+(1,0) points at d0 and q1 = (1,1)+(0,1) at d2
    const docs = setOf([[[1, 0]], [[0.7, 0.7]], [[0, 1]]], ['d0', 'd1', 'd2']);
    const queries = setOf([[[2, 1]], [[1, 2]]], ['q0', 'q1']);
    const qrels: Array<[string, string, number]> = [['q0', 'd0', 1], ['q1', 'd2', 1]];
    const compress = (s: MultiVectorSet) => getKernels().poolMasked({ docs: s, masks: new Uint8Array(s.offsets[s.offsets.length - 1]).fill(1), groups: 1 });
    const centred = (q: MultiVectorSet): MultiVectorSet => ({ ...q, vectors: q.vectors.map((v) => v - 1) });
    const raw = await evaluate({ docs, queries, qrels, methods: [reinpoolMethod(compress)] });
    const prepared = await evaluate({ docs, queries, qrels, methods: [reinpoolMethod(compress, { prepareQueries: centred })] });
    // raw, both queries rank d1 (0.7, 0.7) first; centred, each finds its own document
    expect(raw.methods.reinpool['ndcg@3']).toBeLessThan(1);
    expect(prepared.methods.reinpool['ndcg@3']).toBe(1);
  });

  test('argument errors name the problem', async () => {
    const { docs, queries, qrels } = handMade();
    expect(() => methodFromName('tokenpool-x')).toThrow(/unknown method 'tokenpool-x'/);
    expect(() => methodFromName('tokenpool-0')).toThrow(/vectors/);
    await expect(evaluate({ docs, queries, qrels, depth: 10 })).rejects.toThrow(/depth/);
    await expect(evaluate({ docs, queries, qrels, methods: ['mean', 'mean'] })).rejects.toThrow(/twice/);
    await expect(evaluate({ docs, queries, qrels: [['zz', 'd0', 1]] })).rejects.toThrow(/no query/);
    await expect(evaluate({ docs, queries: setOf([[[1, 0, 0]]]), qrels })).rejects.toThrow(/dim/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-eval-'));
    try {
      await expect(evaluate({ docs, queries, qrels: [['q0', 'd0', 0.5]], runsDir: dir })).rejects.toThrow(/integer relevance/);
    } finally {
      rmrf(dir);
    }
  });

  test('queryReduce reaches every single-vector method (one reduction, encode\'s reduceQueries, for training and evaluation)', async () => {
    // one query with tokens (1, 0) x 3 and (0, 1): its sum (3, 1) prefers d0 = (1, 0), its max (1, 1)
    // ties, and d1 = (0.6, 0.8) wins on the max
    const docs = setOf([[[1, 0]], [[0.6, 0.8]]]);
    const queries = setOf([[[1, 0], [1, 0], [1, 0], [0, 1]]]);
    const qrels: [string, string, number][] = [['0', '1', 1]];
    const sum = await evaluate({ docs, queries, qrels, methods: ['mean'] });
    const max = await evaluate({ docs, queries, qrels, methods: ['mean'], queryReduce: 'max' });
    expect(sum.methodInfo.mean.queryReduce).toBe('sum');
    expect(max.methodInfo.mean.queryReduce).toBe('max');
    expect(sum.methods.mean['ndcg@3']).toBeCloseTo(1 / Math.log2(3), 6);
    expect(max.methods.mean['ndcg@3']).toBeCloseTo(1, 6);
  });

  test('scoreRankings scores external rankings exactly as evaluate does', async () => {
    const { docs, queries, qrels } = handMade();
    const r = await evaluate({ docs, queries, qrels, methods: ['maxsim'] });
    const s = await scoreRankings({ q0: ['d0', 'd1', 'd2', 'd3'], q1: ['d2', 'd1', 'd3', 'd0'] }, qrels);
    for (const k of ['ndcg@3', 'ndcg@5', 'ndcg@10', 'recall@10', 'recall@100'] as const) expect(s[k]).toBeCloseTo(r.methods.maxsim[k], 12);
  });
});

describe('trec_eval order', () => {
  test('ties are broken by docid descending (strcmp), scores descending first', () => {
    const top = { k: 5, ids: Int32Array.from([0, 1, 2, 3, -1]), scores: Float32Array.from([2, 1, 1, 1, -Infinity]) };
    const ids = ['a', 'b10', 'b9', 'b2'];
    const o = trecOrder(top, 0, ids);
    expect(Array.from(o.docs)).toEqual([0, 2, 3, 1]);
    expect(compareCodePoints('b9', 'b10')).toBe(1);
    expect(compareCodePoints('ab', 'a')).toBe(1);
    expect(compareCodePoints('a', 'ab')).toBe(-1);
    expect(compareCodePoints('\u{1F600}', '\uFFFF')).toBe(1); // UTF-8 byte order, not UTF-16
  });
});

(hasPython() ? describe : describe.skip)('independent trec_eval check (test/eval/trec_check.py)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reinpool-trec-'));
  afterAll(() => rmrf(dir));

  test('synthetic corpus with duplicate documents (exact score ties) and graded judgements: every number reproduced', async () => {
    // synthetic (labelled as such): 150 topical documents + 30 exact duplicates with shuffled ids, 40 queries
    const { docs, queries, target } = syntheticCorpus(21, 150, 40, 16);
    const r = lcg(99);
    for (let i = 0; i < 30; i++) docs.push(docs[Math.floor(r() * 150)].map((v) => v.slice()));
    const ids = docs.map((_, i) => `doc${(i * 7919) % 1000}`);
    const qrels: Array<[string, string, number]> = [];
    target.forEach((d, q) => {
      qrels.push([`Q${q}`, ids[d], 2]);
      for (let j = 0; j < 3; j++) qrels.push([`Q${q}`, ids[Math.floor(r() * docs.length)], Math.floor(r() * 3)]);
    });
    qrels.push(['Q0', 'not-in-corpus', 1]);
    const set = setOf(docs, ids);
    const qs = setOf(queries, queries.map((_, i) => `Q${i}`));
    const res = await evaluate({
      docs: set, queries: qs, qrels, runsDir: dir,
      methods: ['maxsim', 'mean', 'max', 'tokenpool-1', 'tokenpool-4', 'muvera'], muvera: { reps: 4, kSim: 3, dProj: 8 },
    });
    expect(res.depth).toBe(180);
    const names = Object.keys(res.methods);
    const check = trecCheck(path.join(dir, 'qrels.txt'), names.map((n) => path.join(dir, `${n}.run`)));
    for (const n of names) {
      expect(check[n].queries).toBe(res.queries);
      for (const m of ['ndcg@3', 'ndcg@5', 'ndcg@10', 'recall@10', 'recall@100'] as const) {
        expect(Math.abs(check[n][m] - res.methods[n][m])).toBeLessThan(1e-4);
      }
    }
    // run file format: qid Q0 docid rank score tag, ranks from 1
    const first = fs.readFileSync(path.join(dir, 'mean.run'), 'utf8').split('\n')[0].split(' ');
    expect(first).toHaveLength(6);
    expect(first[1]).toBe('Q0');
    expect(first[3]).toBe('1');
    expect(first[5]).toBe('mean');
  });

  test('the check itself: a deliberately tie-broken-by-index ranking disagrees, so the tie rule matters', () => {
    const q = path.join(dir, 'tie-qrels.txt');
    const run = path.join(dir, 'tie.run');
    fs.writeFileSync(q, 'q 0 a 1\n');
    // both score 1: trec_eval puts b (docid descending) first, whatever the rank column says
    fs.writeFileSync(run, 'q Q0 a 1 1 t\nq Q0 b 2 1 t\n');
    const c = trecCheck(q, [run]).tie;
    expect(c['ndcg@3']).toBeCloseTo(L(2), 12);
  });
});
