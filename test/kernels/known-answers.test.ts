/**
 * Hand-computed answers for the metric, top-k and reward kernels, checked on every available backend.
 * Synthetic, tiny inputs: each expected value is worked out in the comment beside it.
 */
import { kernelsFor, tsKernels } from '../../src/kernels';
import type { Kernels, Qrels } from '../../src/kernels';

const backends: Kernels[] = [tsKernels, kernelsFor('cpu')].filter((k): k is Kernels => k !== null);
const D = (r: number) => 1 / Math.log2(r + 1);

function qrels(rows: Array<Array<[number, number]>>): Qrels {
  const offsets = new Int32Array(rows.length + 1);
  const docs: number[] = [];
  const gains: number[] = [];
  rows.forEach((row, i) => {
    for (const [d, g] of row) { docs.push(d); gains.push(g); }
    offsets[i + 1] = docs.length;
  });
  return { offsets, docs: Int32Array.from(docs), gains: Float32Array.from(gains) };
}

describe.each(backends.map((k) => [k.name, k] as const))('%s backend', (_name, K) => {
  test('NDCG@k with graded gains matches trec_eval ndcg_cut by hand', () => {
    // query 0 ranks [5, 2, 9, 1]; judged 2 -> 3, 1 -> 1, 7 -> 2 (7 is never retrieved)
    // DCG@3  = 3/log2(3)            (doc 2 at rank 2)
    // IDCG@3 = 3/log2(2) + 2/log2(3) + 1/log2(4)
    // query 1 ranks [4, 3, 0, 8]; judged 4 -> 1: perfect at rank 1 => 1
    const q = qrels([[[2, 3], [1, 1], [7, 2]], [[4, 1]]]);
    const ranked = Int32Array.from([5, 2, 9, 1, 4, 3, 0, 8]);
    const got = K.ndcgAtK({ ranked, width: 4, qrels: q, k: 3 });
    expect(got[0]).toBeCloseTo((3 * D(2)) / (3 * D(1) + 2 * D(2) + 1 * D(3)), 12);
    expect(got[1]).toBeCloseTo(1, 12);
    // @4 picks up doc 1 at rank 4 and the ideal list gains its third entry at rank 3
    const at4 = K.ndcgAtK({ ranked, width: 4, qrels: q, k: 4 });
    expect(at4[0]).toBeCloseTo((3 * D(2) + 1 * D(4)) / (3 * D(1) + 2 * D(2) + 1 * D(3)), 12);
  });

  test('more relevant documents than k: the ideal list is cut at k', () => {
    // 5 relevant docs (gain 1), k = 2, ranking hits at ranks 1 and 3 => DCG@2 = 1, IDCG@2 = 1 + 1/log2(3)
    const q = qrels([[[0, 1], [1, 1], [2, 1], [3, 1], [4, 1]]]);
    const ranked = Int32Array.from([0, 9, 1]);
    expect(K.ndcgAtK({ ranked, width: 3, qrels: q, k: 2 })[0]).toBeCloseTo(1 / (1 + D(2)), 12);
    // recall@2 = 1 of 5; recall@3 = 2 of 5
    expect(K.recallAtK({ ranked, width: 3, qrels: q, k: 2 })[0]).toBeCloseTo(0.2, 12);
    expect(K.recallAtK({ ranked, width: 3, qrels: q, k: 3 })[0]).toBeCloseTo(0.4, 12);
  });

  test('zero and negative gains are not relevant; empty slots (-1) count as misses', () => {
    const q = qrels([[[0, 0], [1, -1], [2, 2]], [[3, 0]]]);
    const ranked = Int32Array.from([0, 1, -1, 2, 3, -1, -1, -1]);
    const ndcg = K.ndcgAtK({ ranked, width: 4, qrels: q, k: 10 });
    expect(ndcg[0]).toBeCloseTo((2 * D(4)) / (2 * D(1)), 12);
    expect(ndcg[1]).toBe(0); // nothing relevant
    const rec = K.recallAtK({ ranked, width: 4, qrels: q, k: 10 });
    expect(rec[0]).toBe(1);
    expect(rec[1]).toBe(0);
  });

  test('a ranking that lists a document twice is refused, naming ranked', () => {
    const q = qrels([[[3, 1]]]);
    const ranked = Int32Array.from([3, 3, -1, -1]);
    expect(() => K.recallAtK({ ranked, width: 4, qrels: q, k: 4 })).toThrow(/ranked row 0 lists document 3 more than once/);
    expect(() => K.ndcgAtK({ ranked, width: 4, qrels: q, k: 4 })).toThrow(RangeError);
    // sparse, very large ids take the map path, and are checked the same way
    const big = Int32Array.from([2 ** 31 - 1, 5, 2 ** 31 - 1, -1]);
    expect(() => K.recallAtK({ ranked: big, width: 4, qrels: q, k: 4 })).toThrow(/lists document 2147483647 more than once/);
    expect(K.recallAtK({ ranked: Int32Array.from([2 ** 31 - 1, 3, -1, -1]), width: 4, qrels: q, k: 4 })[0]).toBe(1);
  });

  test('scoreTopK orders by score, breaks exact ties by lower index, and caps k at n', () => {
    // keys: e0, e1, e0 again, -e0 ; query e0 => scores [1, 0, 1, -1]
    const keys = { rows: 4, dim: 2, data: Float32Array.from([1, 0, 0, 1, 1, 0, -1, 0]) };
    const queries = { rows: 1, dim: 2, data: Float32Array.from([1, 0]) };
    const r = K.scoreTopK({ queries, keys, k: 10 });
    expect(r.k).toBe(4);
    expect(Array.from(r.ids)).toEqual([0, 2, 1, 3]);
    expect(Array.from(r.scores)).toEqual([1, 1, 0, -1]);
  });

  test('maxSimTopK sums each query vector\'s best document match', () => {
    // doc 0 = {e0, e1}, doc 1 = {(e0+e1)/1}, query = {e0, e1}
    // doc 0: max(1,0) + max(0,1) = 2 ; doc 1: 1 + 1 = 2 -> tie, lower index first; doc 2 = {-e0}: -1 + 0 = -1
    const docs = { dim: 2, vectors: Float32Array.from([1, 0, 0, 1, 1, 1, -1, 0]), offsets: Int32Array.from([0, 2, 3, 4]) };
    const queries = { dim: 2, vectors: Float32Array.from([1, 0, 0, 1]), offsets: Int32Array.from([0, 2]) };
    const r = K.maxSimTopK({ queries, docs, k: 3 });
    expect(Array.from(r.ids)).toEqual([0, 1, 2]);
    expect(Array.from(r.scores)).toEqual([2, 2, -1]);
  });

  test('inverseRetrievalReward: a pooled vector that ranks its own queries first scores 1', () => {
    // doc 0 = {e0, e1}; doc 1 = {e1}. queries: q0 = e0 (owner 0), q1 = e1 (owner 1), q2 = 0.9 e0 (owner 0)
    const docs = { dim: 2, vectors: Float32Array.from([1, 0, 0, 1, 0, 1]), offsets: Int32Array.from([0, 2, 3]) };
    const queries = { rows: 3, dim: 2, data: Float32Array.from([1, 0, 0, 1, 0.9, 0]) };
    const queryOwner = Int32Array.from([0, 1, 0]);
    // groups = 2: doc 0 masks [1,0] (keeps e0) and [0,1] (keeps e1); doc 1 masks [1] and [0]
    const masks = Uint8Array.from([1, 0, 0, 1, 1, 0]);
    const r = K.inverseRetrievalReward({ docs, masks, groups: 2, queries, queryOwner, k: 2 });
    // doc 0, mask e0: ranking q0 (1), q2 (0.9) -> both relevant -> 1
    expect(r[0]).toBeCloseTo(1, 6);
    // doc 0, mask e1: ranking q1 (1), then q0 and q2 tie at 0 -> q0 (lower index) at rank 2
    // -> DCG = D(2), IDCG@2 = D(1) + D(2)
    expect(r[1]).toBeCloseTo(D(2) / (1 + D(2)), 6);
    // doc 1, mask e1: q1 first, 1 relevant -> 1
    expect(r[2]).toBeCloseTo(1, 6);
    // doc 1, empty mask: zero vector, all scores 0, ties by lower index: q0, q1 -> hit at rank 2 -> D(2)/D(1)
    expect(r[3]).toBeCloseTo(D(2), 6);
  });

  test('forwardRetrievalReward: ranks against competitor scores, ties to the document, mean over own queries', () => {
    // doc 0 = {e0, e1}; doc 1 = {(3, 4)}. groups = 2:
    //   doc 0 mask [1,0] -> v = (1, 0);  mask [1,1] -> mean (0.5, 0.5) -> v = (1, 1)/sqrt(2)
    //   doc 1 mask [1]   -> v = (0.6, 0.8); mask [0] -> v = 0
    const docs = { dim: 2, vectors: Float32Array.from([1, 0, 0, 1, 3, 4]), offsets: Int32Array.from([0, 2, 3]) };
    const masks = Uint8Array.from([1, 0, 1, 1, 1, 0]);
    // queries (owner): q0 = (1, 0) (0), q1 = (0, 2) (0), q2 = (1, 1) (1), q3 = (5, 5) (7), q4 = (-1, 0) (0)
    const queries = { rows: 5, dim: 2, data: Float32Array.from([1, 0, 0, 2, 1, 1, 5, 5, -1, 0]) };
    const queryOwner = Int32Array.from([0, 0, 1, 7, 0]);
    // k = 2 competitor scores per query, descending, -Infinity padded
    const competitorScores = { rows: 5, dim: 2, data: Float32Array.from([0.9, 0.5, 1.5, -Infinity, 1.3, 0, 0, 0, 0.5, 0.2]) };
    const args = { docs, masks, groups: 2, queries, queryOwner, competitorScores };
    const r = K.forwardRetrievalReward(args);
    // doc 0, v = e0: q0 s = 1 beats 0.9 and 0.5 -> rank 1 (gain 1); q1 s = 0 < 1.5 -> rank 2 (D(2));
    //   q4 s = -1 < 0.5, 0.2 -> rank 3 > k (0).                      mean (1 + D(2) + 0) / 3
    expect(r[0]).toBeCloseTo((1 + D(2)) / 3, 6);
    // doc 0, v = (1,1)/sqrt 2: q0 s = 0.707 < 0.9 -> rank 2; q1 s = 1.414 < 1.5 -> rank 2; q4 s = -0.707 -> rank 3
    expect(r[1]).toBeCloseTo((2 * D(2)) / 3, 6);
    // doc 1, v = (0.6, 0.8): q2 s = 1.4 > 1.3 -> rank 1
    expect(r[2]).toBeCloseTo(1, 6);
    // doc 1, v = 0: q2 s = 0; 1.3 is higher, the competitor at exactly 0 ties and the tie goes to the document -> rank 2
    expect(r[3]).toBeCloseTo(D(2), 6);
    // docIndex: doc 0 stands for corpus document 7 (owns q3 = (5, 5), competitors 0 and 0: rank 1 with either
    // mask); doc 1 for 9, which owns no query -> 0
    const withIndex = K.forwardRetrievalReward({ ...args, docIndex: Int32Array.from([7, 9]) });
    expect(Array.from(withIndex)).toEqual([1, 1, 0, 0]);
    // max pooling without normalisation: doc 1 keeps (3, 4): q2 s = 7 -> rank 1; doc 0 mask [1,1] -> (1, 1):
    //   q0 s = 1 -> rank 1; q1 s = 2 -> rank 1; q4 s = -1 -> rank 3      mean 2/3
    const max = K.forwardRetrievalReward({ ...args, mode: 'max', normalize: false });
    expect(max[1]).toBeCloseTo(2 / 3, 6);
    expect(max[2]).toBe(1);
    // no queries at all: every reward is 0
    const none = K.forwardRetrievalReward({
      ...args, queries: { rows: 0, dim: 2, data: new Float32Array(0) }, queryOwner: new Int32Array(0),
      competitorScores: { rows: 0, dim: 2, data: new Float32Array(0) },
    });
    expect(Array.from(none)).toEqual([0, 0, 0, 0]);
  });

  test('forwardRetrievalReward through a corpus handle equals the stateless kernel', async () => {
    const docs = { dim: 2, vectors: Float32Array.from([1, 0, 0, 1, 3, 4]), offsets: Int32Array.from([0, 2, 3]) };
    const queries = { rows: 3, dim: 2, data: Float32Array.from([1, 0, 0, 2, 1, 1]) };
    const queryOwner = Int32Array.from([0, 0, 1]);
    const competitorScores = { rows: 3, dim: 1, data: Float32Array.from([0.9, 1.5, 1.3]) };
    const c = K.createCorpus!({ docs, queries, queryOwner, competitorScores });
    // batch [1, 0]: doc 1 (1 vector) then doc 0 (2 vectors), one mask each keeping everything
    const masks = Uint8Array.from([1, 1, 1]);
    const batchDocs = Int32Array.from([1, 0]);
    const gathered = { dim: 2, vectors: Float32Array.from([3, 4, 1, 0, 0, 1]), offsets: Int32Array.from([0, 1, 3]) };
    const want = K.forwardRetrievalReward({ docs: gathered, masks, groups: 1, queries, queryOwner, competitorScores, docIndex: batchDocs });
    // doc 1: q2 s = 1.4 > 1.3 -> 1; doc 0 v = (1,1)/sqrt 2: q0 0.707 < 0.9 -> rank 2 > k = 1 -> 0; q1 1.414 < 1.5 -> 0
    expect(Array.from(want)).toEqual([1, 0]);
    expect(c.forwardReward({ batchDocs, masks, groups: 1 })).toEqual(want);
    expect(await c.forwardRewardAsync({ batchDocs, masks, groups: 1 })).toEqual(want);
    c.dispose();
  });

  test('poolMasked mean and max with normalisation', () => {
    const docs = { dim: 2, vectors: Float32Array.from([3, 0, 0, 4, 1, 1]), offsets: Int32Array.from([0, 3]) };
    const masks = Uint8Array.from([1, 1, 0]);
    const mean = K.poolMasked({ docs, masks, groups: 1 });
    expect(mean[0]).toBeCloseTo(0.6, 6); // mean (1.5, 2) -> /2.5
    expect(mean[1]).toBeCloseTo(0.8, 6);
    const max = K.poolMasked({ docs, masks, groups: 1, mode: 'max', normalize: false });
    expect(Array.from(max)).toEqual([3, 4]);
  });
});
