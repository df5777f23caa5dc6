/**
 * Parity: the native CPU backend against the TypeScript reference on fresh random inputs over many
 * shapes (ragged documents including empty, length-1 and 3000-row ones; masks keeping nothing and
 * everything; k > n; dims 1, 3, 17, 100, 128, 130; G = 1 and 64), at every SIMD level the machine
 * has, plus async == sync and thread-count independence.
 *
 * Floats agree within 1e-5 relative with an absolute floor of 1e-5 x the largest magnitude in the
 * row (the reference accumulates in float64, the addon in float32 with FMA). Top-k ids are
 * identical except where two scores are within that tolerance (a tie in float terms).
 *
 * The inputs are synthetic (seeded pseudo-random; set REINPOOL_TEST_SEED to replay a run). When the
 * addon is not built this file FAILS, unless REINPOOL_ALLOW_NO_NATIVE=1 (then it is skipped).
 */
import { loadNativeAddon, loadNativeBackend } from '../../src/kernels/native';
import { tsKernels } from '../../src/kernels/ts';
import type {
  DenseMatrix, InverseRewardArgs, Kernels, MultiVectorSet, PoolMaskedArgs, Qrels, TopK,
} from '../../src/kernels/types';

const seed = Number(process.env.REINPOOL_TEST_SEED ?? (Date.now() % 0x7fffffff));
const native = loadNativeBackend('cpu');
const addon = loadNativeAddon('cpu').addon;
const allowSkip = process.env.REINPOOL_ALLOW_NO_NATIVE === '1';

// ---- seeded random inputs --------------------------------------------------------------------

function rng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = rng(seed);
const randInt = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

function floats(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rand() * 2 - 1;
  return x;
}

function ragged(lengths: number[], dim: number): MultiVectorSet {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((l, i) => { offsets[i + 1] = offsets[i] + l; });
  return { dim, vectors: floats(offsets[lengths.length] * dim), offsets };
}

const matrix = (rows: number, dim: number): DenseMatrix => ({ rows, dim, data: floats(rows * dim) });

type MaskKind = 'random' | 'none' | 'all' | 'mixed';
function masks(set: MultiVectorSet, groups: number, kind: MaskKind): Uint8Array {
  const total = set.offsets[set.offsets.length - 1];
  const m = new Uint8Array(groups * total);
  for (let i = 0; i < m.length; i++) {
    if (kind === 'all') m[i] = 1;
    else if (kind === 'random') m[i] = rand() < 0.5 ? 1 : 0;
    else if (kind === 'mixed') m[i] = rand() < 0.1 ? randInt(1, 255) : 0; // sparse, any non-zero byte keeps
  }
  if (kind === 'mixed' && set.offsets.length > 2) {
    // document 1 keeps everything in every group, document 0 keeps nothing
    const d = 1;
    const s = set.offsets[d];
    const l = set.offsets[d + 1] - s;
    m.fill(1, groups * s, groups * s + groups * l);
    m.fill(0, 0, groups * set.offsets[1]);
  }
  return m;
}

// ---- comparisons -------------------------------------------------------------------------------

const REL = 1e-5;

function maxAbs(a: ArrayLike<number>, start = 0, end = a.length): number {
  let m = 0;
  for (let i = start; i < end; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function close(a: number, b: number, floor: number): boolean {
  if (a === b) return true; // includes equal infinities
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b)) + floor;
}

function expectFloatsClose(got: ArrayLike<number>, want: ArrayLike<number>, rowLen: number, what: string): void {
  expect(got.length).toBe(want.length);
  const bad: string[] = [];
  for (let r = 0; r * rowLen < want.length; r++) {
    const floor = REL * Math.max(maxAbs(want, r * rowLen, (r + 1) * rowLen), 1e-30);
    for (let i = r * rowLen; i < (r + 1) * rowLen; i++) {
      if (!close(got[i], want[i], floor) && bad.length < 5) bad.push(`${what}[${i}]: native ${got[i]} vs ts ${want[i]}`);
    }
  }
  expect(bad).toEqual([]);
}

/** Same width, scores close rank by rank, ids equal except between scores tied within tolerance. */
function expectTopKClose(got: TopK, want: TopK, rows: number, what: string): void {
  expect(got.k).toBe(want.k);
  expect(got.ids.length).toBe(rows * want.k);
  const k = want.k;
  const bad: string[] = [];
  for (let r = 0; r < rows; r++) {
    const floor = REL * Math.max(maxAbs(want.scores, r * k, (r + 1) * k), 1e-30);
    for (let i = 0; i < k; i++) {
      const j = r * k + i;
      if (!close(got.scores[j], want.scores[j], floor)) {
        bad.push(`${what} row ${r} rank ${i}: score native ${got.scores[j]} vs ts ${want.scores[j]}`);
        continue;
      }
      if (got.ids[j] === want.ids[j]) continue;
      // a float tie: the reference has a neighbour within tolerance, or this is the last rank
      const tiedBefore = i > 0 && close(want.scores[j - 1], want.scores[j], 2 * floor);
      const tiedAfter = i + 1 < k && close(want.scores[j + 1], want.scores[j], 2 * floor);
      if (!(tiedBefore || tiedAfter || i === k - 1)) {
        bad.push(`${what} row ${r} rank ${i}: id native ${got.ids[j]} vs ts ${want.ids[j]} (score ${want.scores[j]})`);
      }
    }
    if (bad.length >= 5) break;
  }
  expect(bad).toEqual([]);
}

// ---- the suite ---------------------------------------------------------------------------------

const DIMS = [1, 3, 17, 100, 128, 130];

function docLengths(count: number, long: boolean): number[] {
  const l: number[] = [];
  for (let i = 0; i < count; i++) l.push(randInt(0, 40));
  l[0] = 1;
  if (count > 2) l[2] = 0;
  if (long) l[count - 1] = 3000;
  return l;
}

function runParity(K: Kernels, level: string, index: number): void {
  describe(`simd ${level}`, () => {
    beforeAll(() => {
      rand = rng(seed + 7919 * index);
      if (addon?._setSimd && level !== 'default') expect(addon._setSimd(level)).toBe(level);
    });

    test('poolMasked: mean|max, normalize on/off, G = 1, 3, 64, masks none/all/random/mixed', () => {
      for (const dim of DIMS) {
        for (const groups of [1, 3, 64]) {
          const docs = ragged(docLengths(groups === 64 ? 4 : 7, dim === 130 || dim === 17), dim);
          for (const kind of ['random', 'none', 'all', 'mixed'] as MaskKind[]) {
            const m = masks(docs, groups, kind);
            for (const mode of ['mean', 'max'] as const) {
              for (const normalize of [true, false]) {
                const args: PoolMaskedArgs = { docs, masks: m, groups, mode, normalize };
                expectFloatsClose(K.poolMasked(args), tsKernels.poolMasked(args), dim,
                  `pool dim ${dim} G ${groups} ${kind} ${mode} norm ${normalize}`);
              }
            }
          }
        }
      }
    });

    test('scoreTopK: few and many query rows, k > n, odd dims', () => {
      const shapes: Array<[number, number, number, number]> = [
        [1, 1, 1, 1], [3, 5, 3, 10], [17, 1000, 17, 10], [70, 2000, 100, 16], [200, 3000, 128, 5],
        [9, 5000, 130, 100], [65, 100, 1, 3], [64, 777, 128, 777], [130, 4099, 130, 32], [40, 33, 3, 50],
      ];
      for (const [m, n, dim, k] of shapes) {
        const args = { queries: matrix(m, dim), keys: matrix(n, dim), k };
        expectTopKClose(K.scoreTopK(args), tsKernels.scoreTopK(args), m, `scoreTopK ${m}x${n}x${dim} k${k}`);
      }
    });

    test('scoreTopK: exact ties rank the lower key index first', () => {
      const dim = 17;
      const keys = matrix(300, dim);
      // rows 10, 50, 290 are copies of row 200; rows 0..99 of a zero query all score 0
      for (const r of [10, 50, 290]) keys.data.copyWithin(r * dim, 200 * dim, 201 * dim);
      const queries = matrix(80, dim);
      queries.data.set(keys.data.subarray(200 * dim, 201 * dim), 0); // query 0 == key 200
      queries.data.fill(0, dim, 2 * dim); // query 1 is zero: every key ties at 0
      for (const k of [1, 4, 20, 300]) {
        const args = { queries, keys, k };
        const got = K.scoreTopK(args);
        const want = tsKernels.scoreTopK(args);
        const kk = want.k;
        expect(Array.from(got.ids.subarray(kk, 2 * kk))).toEqual(Array.from(want.ids.subarray(kk, 2 * kk)));
        expect(Array.from(got.ids.subarray(kk, 2 * kk))).toEqual(Array.from({ length: kk }, (_, i) => i));
        expect(got.ids[0]).toBe(10); // the four identical keys 10, 50, 200, 290 top query 0, lowest first
        expectTopKClose(got, want, 80, `ties k${k}`);
      }
    });

    test('maxSimTopK: ragged queries x ragged docs (empty, 1, 3000 rows), k > docs', () => {
      for (const dim of DIMS) {
        const qLens = [1, 0, 5, 32, randInt(1, 20), randInt(1, 20)];
        const queries = ragged(qLens, dim);
        const docs = ragged(docLengths(dim <= 17 ? 30 : 12, dim === 3 || dim === 128), dim);
        for (const k of [1, 5, 100]) {
          const args = { queries, docs, k };
          expectTopKClose(K.maxSimTopK(args), tsKernels.maxSimTopK(args), qLens.length, `maxSim dim ${dim} k${k}`);
        }
      }
    });

    test('ndcgAtK / recallAtK: graded, duplicated and negative gains, -1 slots, k > width', () => {
      for (const width of [1, 3, 10, 50]) {
        const queries = 40;
        const ranked = new Int32Array(queries * width);
        for (let i = 0; i < ranked.length; i++) ranked[i] = rand() < 0.1 ? -1 : randInt(0, 30);
        const offsets = new Int32Array(queries + 1);
        const docs: number[] = [];
        const gains: number[] = [];
        for (let q = 0; q < queries; q++) {
          const n = q % 7 === 0 ? 0 : randInt(1, 12);
          for (let j = 0; j < n; j++) { docs.push(randInt(0, 30)); gains.push([3, 2, 1, 0, -1, 0.5][randInt(0, 5)]); }
          offsets[q + 1] = docs.length;
        }
        const qrels: Qrels = { offsets, docs: Int32Array.from(docs), gains: Float32Array.from(gains) };
        for (const k of [1, 3, 10, 100]) {
          const args = { ranked, width, qrels, k };
          expectFloatsClose(K.ndcgAtK(args), tsKernels.ndcgAtK(args), 1, `ndcg w${width} k${k}`);
          expectFloatsClose(K.recallAtK(args), tsKernels.recallAtK(args), 1, `recall w${width} k${k}`);
        }
      }
    });

    test('inverseRetrievalReward: G = 1, 8, 64, docIndex given or not, k 1/3/10/> Q', () => {
      for (const dim of [3, 17, 100, 128, 130]) {
        for (const groups of [1, 8, 64]) {
          const count = groups === 64 ? 5 : 9;
          const docs = ragged(docLengths(count, dim === 130), dim);
          const Q = randInt(20, 200);
          const queries = matrix(Q, dim);
          const corpus = 3 * count;
          const queryOwner = new Int32Array(Q);
          for (let q = 0; q < Q; q++) queryOwner[q] = randInt(0, corpus - 1);
          const docIndex = new Int32Array(count);
          for (let d = 0; d < count; d++) docIndex[d] = randInt(0, corpus - 1);
          docIndex[0] = queryOwner[0];
          for (const k of [1, 3, 10, 500]) {
            for (const withIndex of [false, true]) {
              const args: InverseRewardArgs = {
                docs, masks: masks(docs, groups, k === 3 ? 'mixed' : 'random'), groups, queries, queryOwner, k,
                mode: k === 10 ? 'max' : 'mean', ...(withIndex ? { docIndex } : {}),
              };
              const got = K.inverseRetrievalReward(args);
              const want = tsKernels.inverseRetrievalReward(args);
              expect(got.length).toBe(want.length);
              const bad: string[] = [];
              for (let i = 0; i < want.length; i++) {
                if (close(got[i], want[i], 1e-6)) continue;
                // a different reward is only allowed when the ranking has a float tie in its top k+1
                if (!hasNearTie(args, i, Math.min(k, Q) + 1)) bad.push(`reward[${i}] native ${got[i]} vs ts ${want[i]}`);
              }
              expect(bad).toEqual([]);
            }
          }
        }
      }
    });

    test('async forms resolve to the sync results, also when called concurrently', async () => {
      const dim = 100;
      const docs = ragged(docLengths(12, true), dim);
      const groups = 8;
      const m = masks(docs, groups, 'random');
      const poolArgs = { docs, masks: m, groups };
      const scoreArgs = { queries: matrix(90, dim), keys: matrix(3000, dim), k: 7 };
      const maxArgs = { queries: ragged([3, 8, 0, 12], dim), docs, k: 4 };
      const ranked = Int32Array.from({ length: 60 }, () => randInt(-1, 20));
      const qrels: Qrels = { offsets: Int32Array.from([0, 2, 2, 5, 6, 6, 9]), docs: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), gains: Float32Array.from([1, 2, 3, 1, 0, 2, 1, 1, 1]) };
      const rankArgs = { ranked, width: 10, qrels, k: 5 };
      const queries = matrix(150, dim);
      const queryOwner = Int32Array.from({ length: 150 }, () => randInt(0, 11));
      const rewardArgs = { ...poolArgs, queries, queryOwner, k: 3 };
      const [p, s, x, n, r, w, s2, p2] = await Promise.all([
        K.poolMaskedAsync(poolArgs), K.scoreTopKAsync(scoreArgs), K.maxSimTopKAsync(maxArgs),
        K.ndcgAtKAsync(rankArgs), K.recallAtKAsync(rankArgs), K.inverseRetrievalRewardAsync(rewardArgs),
        K.scoreTopKAsync(scoreArgs), K.poolMaskedAsync(poolArgs),
      ]);
      expect(p).toEqual(K.poolMasked(poolArgs));
      expect(p2).toEqual(p);
      expect(s).toEqual(K.scoreTopK(scoreArgs));
      expect(s2).toEqual(s);
      expect(x).toEqual(K.maxSimTopK(maxArgs));
      expect(n).toEqual(K.ndcgAtK(rankArgs));
      expect(r).toEqual(K.recallAtK(rankArgs));
      expect(w).toEqual(K.inverseRetrievalReward(rewardArgs));
      // and the async results agree with the reference
      expectTopKClose(s, tsKernels.scoreTopK(scoreArgs), 90, 'async scoreTopK');
    });

    test('results do not depend on the thread count', () => {
      if (!addon) return;
      const dim = 128;
      const scoreArgs = { queries: matrix(300, dim), keys: matrix(5000, dim), k: 10 };
      const fewArgs = { queries: matrix(5, dim), keys: matrix(20000, dim), k: 10 };
      const maxArgs = { queries: ragged([4, 9, 1], dim), docs: ragged(docLengths(9, true), dim), k: 3 };
      const all = [K.scoreTopK(scoreArgs), K.scoreTopK(fewArgs), K.maxSimTopK(maxArgs)];
      addon._setThreads(1);
      try {
        expect([K.scoreTopK(scoreArgs), K.scoreTopK(fewArgs), K.maxSimTopK(maxArgs)]).toEqual(all);
      } finally {
        addon._setThreads(0);
      }
    });
  });
}

/** Whether pooled vector i's top `depth` (reference arithmetic) holds two scores within tolerance. */
function hasNearTie(args: InverseRewardArgs, i: number, depth: number): boolean {
  const pooled = tsKernels.poolMasked(args);
  const dim = args.docs.dim;
  const v = { rows: 1, dim, data: pooled.slice(i * dim, (i + 1) * dim) };
  const top = tsKernels.scoreTopK({ queries: v, keys: args.queries, k: depth });
  const floor = REL * Math.max(maxAbs(top.scores), 1e-30);
  for (let r = 1; r < top.k; r++) if (close(top.scores[r - 1], top.scores[r], 2 * floor)) return true;
  return false;
}

if (native.kernels) {
  const K = native.kernels;
  describe(`cpu vs ts parity (seed ${seed}, REINPOOL_TEST_SEED to replay)`, () => {
    const levels: string[] = [];
    if (addon?._setSimd) {
      for (const l of ['avx512', 'avx2', 'sse2']) {
        const got = addon._setSimd(l);
        if (got === l) levels.push(l);
      }
      addon._setSimd('avx512');
    } else {
      levels.push('default');
    }
    afterAll(() => { addon?._setSimd?.('avx512'); });
    levels.forEach((l, i) => runParity(K, l, i));
  });
} else if (allowSkip) {
  describe.skip(`cpu vs ts parity: native addon unavailable (${native.status.reason})`, () => {
    test('skipped because REINPOOL_ALLOW_NO_NATIVE=1', () => undefined);
  });
} else {
  test('the native cpu addon is built (set REINPOOL_ALLOW_NO_NATIVE=1 to skip locally)', () => {
    throw new Error(`native cpu backend unavailable: ${native.status.reason}`);
  });
}
