/**
 * The pure-TypeScript backend: the reference every other backend is held to, and the fallback
 * when no addon loads. Written for clarity first; dot products accumulate in float64.
 */
import type {
  InverseRewardArgs, Kernels, MaxSimTopKArgs, PoolMaskedArgs, RankedEvalArgs, ScoreTopKArgs, TopK,
} from '../types';
import {
  checkInverseReward, checkMaxSimTopK, checkPoolMasked, checkRankedEval, checkScoreTopK, PoolPlan,
} from '../validate';
import { hostCorpus } from '../corpus';
import { binaryNdcg, ndcgRow, recallRow } from './metrics';
import { poolRows } from './pool';
import { TopKRow } from './topk';

function dot(a: Float32Array, aStart: number, b: Float32Array, bStart: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[aStart + j] * b[bStart + j];
  return s;
}

function poolMasked(args: PoolMaskedArgs): Float32Array {
  return pool(args, checkPoolMasked('poolMasked', args));
}

/** poolMasked on arguments already validated into `plan`. */
function pool(args: PoolMaskedArgs, plan: PoolPlan): Float32Array {
  const { dim, vectors, offsets } = args.docs;
  const out = new Float32Array(plan.count * plan.groups * dim);
  const acc = new Float64Array(dim);
  for (let d = 0; d < plan.count; d++) {
    const start = offsets[d];
    const length = offsets[d + 1] - start;
    for (let g = 0; g < plan.groups; g++) {
      poolRows(vectors, dim, start, length, args.masks, plan.groups * start + g * length,
        plan.mode, plan.normalize, acc, out, (d * plan.groups + g) * dim);
    }
  }
  return out;
}

function scoreTopK(args: ScoreTopKArgs): TopK {
  const { k } = checkScoreTopK('scoreTopK', args);
  const { queries, keys } = args;
  const ids = new Int32Array(queries.rows * k).fill(-1);
  const scores = new Float32Array(queries.rows * k).fill(-Infinity);
  const row = new TopKRow(Math.max(k, 1));
  for (let q = 0; q < queries.rows; q++) {
    row.reset();
    for (let n = 0; n < keys.rows; n++) row.offer(n, dot(queries.data, q * queries.dim, keys.data, n * keys.dim, keys.dim));
    if (k > 0) row.writeTo(q, ids, scores);
  }
  return { k, ids, scores };
}

function perQuery(fn: string, args: RankedEvalArgs,
  metric: (r: Int32Array, s: number, w: number, q: RankedEvalArgs['qrels'], i: number, k: number) => number): Float64Array {
  const { queries, k } = checkRankedEval(fn, args);
  const out = new Float64Array(queries);
  for (let q = 0; q < queries; q++) out[q] = metric(args.ranked, q * args.width, args.width, args.qrels, q, k);
  return out;
}

const ndcgAtK = (args: RankedEvalArgs) => perQuery('ndcgAtK', args, ndcgRow);
const recallAtK = (args: RankedEvalArgs) => perQuery('recallAtK', args, recallRow);

function maxSimTopK(args: MaxSimTopKArgs): TopK {
  const plan = checkMaxSimTopK('maxSimTopK', args);
  const { queries, docs } = args;
  const dim = docs.dim;
  const k = plan.k;
  const ids = new Int32Array(plan.queries * k).fill(-1);
  const scores = new Float32Array(plan.queries * k).fill(-Infinity);
  const row = new TopKRow(Math.max(k, 1));
  for (let q = 0; q < plan.queries; q++) {
    row.reset();
    for (let d = 0; d < plan.docs; d++) {
      const d0 = docs.offsets[d];
      const d1 = docs.offsets[d + 1];
      let total = d1 > d0 ? 0 : -Infinity;
      for (let i = queries.offsets[q]; i < queries.offsets[q + 1] && d1 > d0; i++) {
        let best = -Infinity;
        for (let t = d0; t < d1; t++) {
          const s = dot(queries.vectors, i * dim, docs.vectors, t * dim, dim);
          if (s > best) best = s;
        }
        total += best;
      }
      row.offer(d, total);
    }
    if (k > 0) row.writeTo(q, ids, scores);
  }
  return { k, ids, scores };
}

function inverseRetrievalReward(args: InverseRewardArgs): Float32Array {
  const plan = checkInverseReward('inverseRetrievalReward', args);
  const pooled = pool(args, plan);
  const { queries, queryOwner } = args;
  const dim = args.docs.dim;
  const ownedCount = new Map<number, number>();
  for (let q = 0; q < queryOwner.length; q++) ownedCount.set(queryOwner[q], (ownedCount.get(queryOwner[q]) ?? 0) + 1);
  const depth = Math.min(plan.k, plan.queries);
  const row = new TopKRow(depth);
  const rewards = new Float32Array(plan.count * plan.groups);
  for (let d = 0; d < plan.count; d++) {
    const owner = plan.docIndex[d];
    const relevant = ownedCount.get(owner) ?? 0;
    for (let g = 0; g < plan.groups; g++) {
      const v = (d * plan.groups + g) * dim;
      row.reset();
      for (let q = 0; q < plan.queries; q++) row.offer(q, dot(pooled, v, queries.data, q * dim, dim));
      const hits: number[] = [];
      for (let r = 0; r < row.size; r++) if (queryOwner[row.ids[r]] === owner) hits.push(r + 1);
      rewards[d * plan.groups + g] = binaryNdcg(hits, relevant, plan.k);
    }
  }
  return rewards;
}

/** Runs a synchronous kernel on a later turn of the event loop, so callers get a real Promise. */
function later<A, R>(fn: (a: A) => R): (a: A) => Promise<R> {
  return (a: A) => new Promise<R>((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(fn(a));
      } catch (e) {
        reject(e);
      }
    });
  });
}

export const tsKernels: Kernels = {
  name: 'ts',
  poolMasked,
  scoreTopK,
  ndcgAtK,
  recallAtK,
  maxSimTopK,
  inverseRetrievalReward,
  poolMaskedAsync: later(poolMasked),
  ndcgAtKAsync: later(ndcgAtK),
  recallAtKAsync: later(recallAtK),
  scoreTopKAsync: later(scoreTopK),
  maxSimTopKAsync: later(maxSimTopK),
  inverseRetrievalRewardAsync: later(inverseRetrievalReward),
  // the corpus handle closes over the caller's arrays (src/kernels/corpus.ts)
  createCorpus: (args) => hostCorpus(tsKernels, args),
};
