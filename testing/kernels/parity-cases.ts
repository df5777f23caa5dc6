/**
 * The parity cases, written once and run by test/kernels/parity.test.ts (cpu, at every SIMD level),
 * test/gpu/cuda-parity.test.ts (cuda, under jest) and bench/gpu/node-parity.ts (cuda, plain Node
 * from dist/ on the GPU machine). Each case runs a backend against the TypeScript reference on
 * fresh seeded inputs (helpers.ts) over many shapes (ragged documents including empty, length-1 and
 * 3000-row ones; masks keeping nothing and everything; k > n; dims 1, 3, 17, 100, 128, 130;
 * G = 1 and 64) and returns the mismatches it found ([] = pass). No jest here.
 *
 * Rewards agree within 1e-6 except at float near-ties, where fp32 (native) and fp64 (ts) dots may
 * order two values differently: inverse, two scores in the reference top k+1 within the float
 * tolerance of helpers.ts; forward, an own query's score within 1e-5 x |q| |v| of one of its
 * competitor scores (a zero pooled vector scores exactly 0 everywhere and is never excused; the case
 * plants competitors at exactly 0 to pin the tie rule). The forward case fails if more than 1% of
 * its rewards needed that excuse or if fewer than 5% lie strictly inside (0, 1).
 */
import { tsKernels } from '../../src/kernels/ts';
import type { ForwardRewardArgs, InverseRewardArgs, Kernels, PoolMaskedArgs, Qrels } from '../../src/kernels/types';
import {
  competitorScores, forwardRewardMismatches, rankedRows,
  DIMS, docLengths, floatMismatches, MaskKind, masks, matrix, ragged, randInt, rewardMismatches,
  sameResult, topKMismatches,
} from './helpers';
import { mlpCaseMismatches, randomMlp } from './mlp';

export interface ParityCase {
  name: string;
  run(K: Kernels): string[] | Promise<string[]>;
}

const ref = tsKernels;

/**
 * The reward cases' batches: every dim x G, a ragged batch of `count` documents that stand for
 * corpus documents 0..corpus-1 through docIndex, and Q random queries. Each case draws its owners.
 */
function* rewardBatches() {
  for (const dim of [3, 17, 100, 128, 130]) {
    for (const groups of [1, 8, 64]) {
      const count = groups === 64 ? 5 : 9;
      const docs = ragged(docLengths(count, dim === 130), dim);
      const Q = randInt(20, 200);
      const queries = matrix(Q, dim);
      const corpus = 3 * count;
      const docIndex = new Int32Array(count);
      for (let d = 0; d < count; d++) docIndex[d] = randInt(0, corpus - 1);
      yield { dim, groups, count, docs, Q, queries, corpus, docIndex };
    }
  }
}

export const parityCases: ParityCase[] = [
  {
    name: 'poolMasked: mean|max, normalize on/off, G = 1, 3, 64, masks none/all/random/mixed',
    run(K) {
      const bad: string[] = [];
      for (const dim of DIMS) {
        for (const groups of [1, 3, 64]) {
          const docs = ragged(docLengths(groups === 64 ? 4 : 7, dim === 130 || dim === 17), dim);
          for (const kind of ['random', 'none', 'all', 'mixed'] as MaskKind[]) {
            const m = masks(docs, groups, kind);
            for (const mode of ['mean', 'max'] as const) {
              for (const normalize of [true, false]) {
                const args: PoolMaskedArgs = { docs, masks: m, groups, mode, normalize };
                bad.push(...floatMismatches(K.poolMasked(args), ref.poolMasked(args), dim,
                  `pool dim ${dim} G ${groups} ${kind} ${mode} norm ${normalize}`));
              }
            }
          }
        }
      }
      return bad.slice(0, 10);
    },
  },
  {
    name: 'scoreTopK: few and many query rows, k > n, odd dims',
    run(K) {
      const shapes: Array<[number, number, number, number]> = [
        [1, 1, 1, 1], [3, 5, 3, 10], [17, 1000, 17, 10], [70, 2000, 100, 16], [200, 3000, 128, 5],
        [9, 5000, 130, 100], [65, 100, 1, 3], [64, 777, 128, 777], [130, 4099, 130, 32], [40, 33, 3, 50],
      ];
      const bad: string[] = [];
      for (const [m, n, dim, k] of shapes) {
        const args = { queries: matrix(m, dim), keys: matrix(n, dim), k };
        bad.push(...topKMismatches(K.scoreTopK(args), ref.scoreTopK(args), m, `scoreTopK ${m}x${n}x${dim} k${k}`));
      }
      return bad.slice(0, 10);
    },
  },
  {
    // The cpu layout packs the queries into panels of 32 (avx512; 16 with one narrow panel, 8/16 on
    // avx2/sse2) and scores the keys in place 8 at a time, in tasks of up to 256 keys at D = 128:
    // these shapes sit on and around each of those edges, with k up to n.
    name: 'scoreTopK: query-panel and key-block edges (m 15-33, n 7-4097), k = n - 1 and n',
    run(K) {
      const shapes: Array<[number, number, number, number]> = [
        [15, 4097, 128, 10], [16, 257, 128, 256], [17, 255, 128, 255], [31, 7, 16, 6], [32, 9, 16, 9],
        [33, 2049, 64, 2048], [48, 1000, 20, 999], [96, 3001, 128, 10], [100, 5, 7, 3], [257, 513, 33, 40],
      ];
      const bad: string[] = [];
      for (const [m, n, dim, k] of shapes) {
        const args = { queries: matrix(m, dim), keys: matrix(n, dim), k };
        bad.push(...topKMismatches(K.scoreTopK(args), ref.scoreTopK(args), m, `scoreTopK ${m}x${n}x${dim} k${k}`));
      }
      return bad.slice(0, 10);
    },
  },
  {
    name: 'scoreTopK: exact ties rank the lower key index first',
    run(K) {
      const dim = 17;
      const keys = matrix(300, dim);
      // row 200 gets entries of magnitude 2 to 2.5, so that as a query it scores at least 17 x 4 = 68
      // against itself and at most 17 x 2.5 against any other key (entries in [-1, 1]): with plain
      // random rows another key outscored it for about one seed in a few hundred (seed 1024995636)
      for (let j = 0; j < dim; j++) keys.data[200 * dim + j] = (j % 2 ? 1 : -1) * (2 + 0.5 * Math.abs(keys.data[200 * dim + j]));
      // rows 10, 50, 290 are copies of row 200; rows 0..99 of a zero query all score 0
      for (const r of [10, 50, 290]) keys.data.copyWithin(r * dim, 200 * dim, 201 * dim);
      const queries = matrix(80, dim);
      queries.data.set(keys.data.subarray(200 * dim, 201 * dim), 0); // query 0 == key 200
      queries.data.fill(0, dim, 2 * dim); // query 1 is zero: every key ties at 0
      const bad: string[] = [];
      for (const k of [1, 4, 20, 300]) {
        const args = { queries, keys, k };
        const got = K.scoreTopK(args);
        const want = ref.scoreTopK(args);
        const kk = want.k;
        const row1 = Array.from(got.ids.subarray(kk, 2 * kk));
        if (row1.join() !== Array.from(want.ids.subarray(kk, 2 * kk)).join()) bad.push(`ties k${k}: zero query ids ${row1.slice(0, 8).join()}... differ from ts`);
        if (row1.join() !== Array.from({ length: kk }, (_, i) => i).join()) bad.push(`ties k${k}: zero query ids not 0..${kk - 1}`);
        if (got.ids[0] !== 10) bad.push(`ties k${k}: query 0's best id ${got.ids[0]}, expected 10 (lowest of 10, 50, 200, 290)`);
        bad.push(...topKMismatches(got, want, 80, `ties k${k}`));
      }
      return bad.slice(0, 10);
    },
  },
  {
    name: 'maxSimTopK: ragged queries x ragged docs (empty, 1, 3000 rows), k > docs',
    run(K) {
      const bad: string[] = [];
      for (const dim of DIMS) {
        const qLens = [1, 0, 5, 32, randInt(1, 20), randInt(1, 20)];
        const queries = ragged(qLens, dim);
        const docs = ragged(docLengths(dim <= 17 ? 30 : 12, dim === 3 || dim === 128), dim);
        for (const k of [1, 5, 100]) {
          const args = { queries, docs, k };
          bad.push(...topKMismatches(K.maxSimTopK(args), ref.maxSimTopK(args), qLens.length, `maxSim dim ${dim} k${k}`));
        }
      }
      return bad.slice(0, 10);
    },
  },
  {
    // The cpu layout packs all query tokens side by side into panels of 32 (so a query may straddle
    // two panels) and scores each document's tokens in place 8 at a time; with fewer documents than
    // 2 x threads it also splits the queries between tasks. Each set has one 64-token document, so
    // that every row's best score is well above fp32 rounding (the tolerance is relative to it).
    name: 'maxSimTopK: queries across token-panel edges, empty queries, 2-4 documents',
    run(K) {
      const bad: string[] = [];
      for (const dim of [5, 17, 128]) {
        const qLens = [31, 2, 0, 40, 1, 33, 0, 7];
        const queries = ragged(qLens, dim);
        for (const docLens of [[9, 64], [0, 3, 64], [1, 8, 64, 17], [250, 0, 64]]) {
          const docs = ragged(docLens, dim);
          for (const k of [1, 2, 5]) {
            const args = { queries, docs, k };
            bad.push(...topKMismatches(K.maxSimTopK(args), ref.maxSimTopK(args), qLens.length, `maxSim dim ${dim} docs ${docLens.join('/')} k${k}`));
          }
        }
      }
      return bad.slice(0, 10);
    },
  },
  {
    name: 'ndcgAtK / recallAtK: graded, duplicated and negative gains, -1 slots, k > width',
    run(K) {
      const bad: string[] = [];
      for (const width of [1, 3, 10, 50]) {
        const queries = 40;
        const ranked = rankedRows(queries, width, 30);
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
          bad.push(...floatMismatches(K.ndcgAtK(args), ref.ndcgAtK(args), 1, `ndcg w${width} k${k}`));
          bad.push(...floatMismatches(K.recallAtK(args), ref.recallAtK(args), 1, `recall w${width} k${k}`));
        }
      }
      return bad.slice(0, 10);
    },
  },
  {
    name: 'inverseRetrievalReward: G = 1, 8, 64, docIndex given or not, k 1/3/10/> Q',
    run(K) {
      const bad: string[] = [];
      for (const { dim, groups, docs, Q, queries, corpus, docIndex } of rewardBatches()) {
        const queryOwner = new Int32Array(Q);
        for (let q = 0; q < Q; q++) queryOwner[q] = randInt(0, corpus - 1);
        docIndex[0] = queryOwner[0];
        for (const k of [1, 3, 10, 500]) {
          for (const withIndex of [false, true]) {
            const args: InverseRewardArgs = {
              docs, masks: masks(docs, groups, k === 3 ? 'mixed' : 'random'), groups, queries, queryOwner, k,
              mode: k === 10 ? 'max' : 'mean', ...(withIndex ? { docIndex } : {}),
            };
            bad.push(...rewardMismatches(ref, K.inverseRetrievalReward(args), ref.inverseRetrievalReward(args), args,
              Math.min(k, Q) + 1, `reward dim ${dim} G ${groups} k ${k}${withIndex ? ' docIndex' : ''}`));
          }
        }
      }
      return bad.slice(0, 10);
    },
  },
  {
    name: 'forwardRetrievalReward: G = 1, 8, 64, k 1/3/10, padded competitors, docIndex given or not, mean|max',
    run(K) {
      const bad: string[] = [];
      const excused = { n: 0 };
      let total = 0;
      let between = 0; // rewards strictly inside (0, 1): the ranks really vary
      for (const { dim, groups, count, docs, Q, queries, corpus, docIndex } of rewardBatches()) {
        docIndex[0] = 0;
        // every document owns a query under either docIndex; the rest are spread over the corpus
        const queryOwner = new Int32Array(Q);
        for (let q = 0; q < Q; q++) {
          queryOwner[q] = q < count ? q : q < 2 * count ? docIndex[q - count] : randInt(0, corpus - 1);
        }
        for (const k of [1, 3, 10]) {
          // fewer competitors than k for some settings: -Infinity padding
          const comp = competitorScores(ref, queries, k, randInt(k === 10 ? 3 : 0, 2 * k));
          const kind: MaskKind = k === 3 ? 'mixed' : 'random';
          if (kind === 'mixed') {
            // document 0 keeps nothing: its pooled vector is 0 and scores exactly 0 on every
            // backend; competitors at exactly 0 tie with it and the tie goes to the document
            for (let q = 0; q < Q; q++) {
              if (queryOwner[q] !== 0) continue;
              comp.data.fill(-Infinity, q * k, (q + 1) * k);
              comp.data[q * k] = 0.25;
              comp.data[q * k + 1] = 0;
            }
          }
          const m = masks(docs, groups, kind);
          for (const withIndex of [false, true]) {
            for (const [mode, normalize] of [['mean', true], ['max', k === 10], ['mean', false]] as const) {
              const args: ForwardRewardArgs = {
                docs, masks: m, groups, queries, queryOwner, competitorScores: comp, mode, normalize,
                ...(withIndex ? { docIndex } : {}),
              };
              const want = ref.forwardRetrievalReward(args);
              const what = `forward dim ${dim} G ${groups} k ${k} ${mode} norm ${normalize}${withIndex ? ' docIndex' : ''}`;
              bad.push(...forwardRewardMismatches(ref, K.forwardRetrievalReward(args), want, args, what, excused));
              if (kind === 'mixed' && Math.abs(want[0] - 1 / Math.log2(3)) > 1e-7) bad.push(`${what}: reference tie rule broken (${want[0]})`);
              total += want.length;
              for (const r of want) if (r > 0 && r < 1) between++;
            }
          }
        }
      }
      if (between < total / 20) bad.push(`degenerate inputs: only ${between} of ${total} rewards are strictly between 0 and 1`);
      if (excused.n > total / 100) bad.push(`${excused.n} of ${total} rewards differ at near-ties: more than 1%, not float noise`);
      return bad.slice(0, 10);
    },
  },
  {
    name: 'mlpCompress: dims 1..130, hidden 8/33/64, layers 1-3, ragged docs (empty, 1, 3000), every select rule, mean|max; async = sync',
    async run(K) {
      const bad: string[] = [];
      const shapes: Array<[number, number, number]> = [[1, 8, 1], [3, 33, 2], [17, 64, 1], [100, 64, 1], [128, 64, 2], [130, 33, 3]];
      for (const [dim, hidden, layers] of shapes) {
        const docs = ragged(docLengths(9, dim === 100), dim);
        const policy = randomMlp(dim, hidden, layers);
        bad.push(...mlpCaseMismatches((a) => K.mlpCompress(a), (a) => ref.mlpCompress(a), docs, policy, `dim ${dim} hidden ${hidden} layers ${layers}`));
      }
      const docs = ragged(docLengths(12, false), 100);
      const args = { docs, policy: randomMlp(100, 64, 1), select: 'topk' as const, topK: 3 };
      bad.push(...sameResult(await K.mlpCompressAsync(args), K.mlpCompress(args), 'mlpCompressAsync'));
      return bad.slice(0, 10);
    },
  },
  {
    name: 'async forms resolve to the sync results, also when called concurrently',
    async run(K) {
      const dim = 100;
      const docs = ragged(docLengths(12, true), dim);
      const groups = 8;
      const m = masks(docs, groups, 'random');
      const poolArgs = { docs, masks: m, groups };
      const scoreArgs = { queries: matrix(90, dim), keys: matrix(3000, dim), k: 7 };
      const maxArgs = { queries: ragged([3, 8, 0, 12], dim), docs, k: 4 };
      const ranked = rankedRows(6, 10, 20);
      const qrels: Qrels = { offsets: Int32Array.from([0, 2, 2, 5, 6, 6, 9]), docs: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), gains: Float32Array.from([1, 2, 3, 1, 0, 2, 1, 1, 1]) };
      const rankArgs = { ranked, width: 10, qrels, k: 5 };
      const queries = matrix(150, dim);
      const queryOwner = Int32Array.from({ length: 150 }, () => randInt(0, 11));
      const rewardArgs = { ...poolArgs, queries, queryOwner, k: 3 };
      const forwardArgs = { ...poolArgs, queries, queryOwner, competitorScores: competitorScores(ref, queries, 3, 20) };
      const [p, s, x, n, r, w, s2, p2, f] = await Promise.all([
        K.poolMaskedAsync(poolArgs), K.scoreTopKAsync(scoreArgs), K.maxSimTopKAsync(maxArgs),
        K.ndcgAtKAsync(rankArgs), K.recallAtKAsync(rankArgs), K.inverseRetrievalRewardAsync(rewardArgs),
        K.scoreTopKAsync(scoreArgs), K.poolMaskedAsync(poolArgs), K.forwardRetrievalRewardAsync(forwardArgs),
      ]);
      return [
        ...sameResult(p, K.poolMasked(poolArgs), 'poolMaskedAsync'),
        ...sameResult(p2, p, 'poolMaskedAsync (concurrent)'),
        ...sameResult(s, K.scoreTopK(scoreArgs), 'scoreTopKAsync'),
        ...sameResult(s2, s, 'scoreTopKAsync (concurrent)'),
        ...sameResult(x, K.maxSimTopK(maxArgs), 'maxSimTopKAsync'),
        ...sameResult(n, K.ndcgAtK(rankArgs), 'ndcgAtKAsync'),
        ...sameResult(r, K.recallAtK(rankArgs), 'recallAtKAsync'),
        ...sameResult(w, K.inverseRetrievalReward(rewardArgs), 'inverseRetrievalRewardAsync'),
        ...sameResult(f, K.forwardRetrievalReward(forwardArgs), 'forwardRetrievalRewardAsync'),
        // and the async results agree with the reference
        ...topKMismatches(s, ref.scoreTopK(scoreArgs), 90, 'async scoreTopK'),
      ];
    },
  },
  {
    name: 'createCorpus: pool / reward / forwardReward / queryTopK (sync and async) equal the stateless kernels',
    async run(K) {
      if (!K.createCorpus) return ['the backend has no createCorpus'];
      const bad: string[] = [];
      for (const dim of [3, 128, 130]) {
        const count = 20;
        const docs = ragged(docLengths(count, dim === 128), dim);
        const Q = randInt(30, 300);
        const queries = matrix(Q, dim);
        const queryOwner = Int32Array.from({ length: Q }, () => randInt(0, count + 4));
        const comp = competitorScores(ref, queries, dim === 3 ? 1 : dim === 128 ? 3 : 10, randInt(2, 12));
        const corpus = K.createCorpus({ docs, queries, queryOwner, competitorScores: comp });
        try {
          if (corpus.count !== count || corpus.dim !== dim || corpus.queries !== Q) {
            bad.push(`corpus dim ${dim}: count/dim/queries ${corpus.count}/${corpus.dim}/${corpus.queries}`);
          }
          // consecutive (a view), scattered with repeats, a single empty document, an empty batch
          const batches = [Int32Array.from([4, 5, 6, 7]), Int32Array.from([19, 2, 0, 2, 11, 1]), Int32Array.from([2]), new Int32Array(0)];
          for (const batchDocs of batches) {
            const sub = ragged(Array.from(batchDocs, (d) => docs.offsets[d + 1] - docs.offsets[d]), dim);
            let at = 0;
            for (const d of batchDocs) {
              const a = docs.offsets[d] * dim;
              const b = docs.offsets[d + 1] * dim;
              sub.vectors.set(docs.vectors.subarray(a, b), at);
              at += b - a;
            }
            for (const groups of [1, 8]) {
              const m = masks(sub, groups, 'random');
              const what = `corpus dim ${dim} batch [${Array.from(batchDocs).join(',')}] G ${groups}`;
              for (const mode of ['mean', 'max'] as const) {
                const poolWant = ref.poolMasked({ docs: sub, masks: m, groups, mode });
                bad.push(...floatMismatches(corpus.pool({ batchDocs, masks: m, groups, mode }), poolWant, dim, `${what} pool ${mode}`));
                bad.push(...floatMismatches(await corpus.poolAsync({ batchDocs, masks: m, groups, mode }), poolWant, dim, `${what} poolAsync ${mode}`));
              }
              for (const k of [1, 3, 40]) {
                const rargs: InverseRewardArgs = { docs: sub, masks: m, groups, queries, queryOwner, docIndex: batchDocs, k };
                const want = ref.inverseRetrievalReward(rargs);
                const depth = Math.min(k, Q) + 1;
                bad.push(...rewardMismatches(ref, corpus.reward({ batchDocs, masks: m, groups, k }), want, rargs, depth, `${what} reward k${k}`));
                bad.push(...rewardMismatches(ref, await corpus.rewardAsync({ batchDocs, masks: m, groups, k }), want, rargs, depth, `${what} rewardAsync k${k}`));
                const docIndex = Int32Array.from(batchDocs, (d) => (d + 1) % count);
                const rargs2 = { ...rargs, docIndex };
                bad.push(...rewardMismatches(ref, corpus.reward({ batchDocs, masks: m, groups, k, docIndex }),
                  ref.inverseRetrievalReward(rargs2), rargs2, depth, `${what} reward docIndex k${k}`));
              }
              for (const mode of ['mean', 'max'] as const) {
                const fargs: ForwardRewardArgs = { docs: sub, masks: m, groups, mode, queries, queryOwner, competitorScores: comp, docIndex: batchDocs };
                const want = ref.forwardRetrievalReward(fargs);
                bad.push(...forwardRewardMismatches(ref, corpus.forwardReward({ batchDocs, masks: m, groups, mode }), want, fargs, `${what} forwardReward ${mode}`));
                bad.push(...forwardRewardMismatches(ref, await corpus.forwardRewardAsync({ batchDocs, masks: m, groups, mode }), want, fargs,
                  `${what} forwardRewardAsync ${mode}`));
                const docIndex = Int32Array.from(batchDocs, (d) => (d + 3) % count);
                const fargs2 = { ...fargs, docIndex };
                bad.push(...forwardRewardMismatches(ref, corpus.forwardReward({ batchDocs, masks: m, groups, mode, docIndex }),
                  ref.forwardRetrievalReward(fargs2), fargs2, `${what} forwardReward docIndex ${mode}`));
              }
            }
          }
          for (const k of [1, 10, 50, 10000]) {
            const vectors = matrix(37, dim);
            const want = ref.scoreTopK({ queries: vectors, keys: queries, k });
            bad.push(...topKMismatches(corpus.queryTopK({ vectors, k }), want, 37, `corpus dim ${dim} queryTopK k${k}`));
            bad.push(...topKMismatches(await corpus.queryTopKAsync({ vectors, k }), want, 37, `corpus dim ${dim} queryTopKAsync k${k}`));
          }
        } finally {
          corpus.dispose();
        }
        corpus.dispose(); // idempotent
        try {
          corpus.pool({ batchDocs: new Int32Array(0), masks: new Uint8Array(0), groups: 1 });
          bad.push('pool after dispose did not throw');
        } catch (e) {
          if (!/disposed/.test((e as Error).message)) bad.push(`pool after dispose: ${(e as Error).message}`);
        }
      }
      // a corpus without queries pools, and refuses reward with a clear message; one without
      // competitorScores refuses forwardReward
      const docs = ragged([3, 0, 5], 16);
      const noComp = K.createCorpus({ docs, queries: matrix(4, 16), queryOwner: Int32Array.from([0, 1, 2, 0]) });
      try {
        noComp.forwardReward({ batchDocs: Int32Array.from([0]), masks: new Uint8Array(3), groups: 1 });
        bad.push('forwardReward without competitorScores did not throw');
      } catch (e) {
        if (!/^corpus\.forwardReward: the corpus was created without competitorScores/.test((e as Error).message)) {
          bad.push(`forwardReward without competitorScores: ${(e as Error).message}`);
        }
      } finally {
        noComp.dispose();
      }
      const plain = K.createCorpus({ docs });
      try {
        const m = masks(docs, 2, 'all');
        bad.push(...floatMismatches(plain.pool({ batchDocs: Int32Array.from([0, 1, 2]), masks: m, groups: 2 }),
          ref.poolMasked({ docs, masks: m, groups: 2 }), 16, 'corpus without queries: pool'));
        try {
          plain.reward({ batchDocs: Int32Array.from([0]), masks: new Uint8Array(3), groups: 1 });
          bad.push('reward without queries did not throw');
        } catch (e) {
          if (!/without queries/.test((e as Error).message)) bad.push(`reward without queries: ${(e as Error).message}`);
        }
      } finally {
        plain.dispose();
      }
      return bad.slice(0, 10);
    },
  },
];
