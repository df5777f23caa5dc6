/**
 * The pure-TypeScript backend: the reference every other backend is held to, and the fallback
 * when no addon loads. Written for clarity first; dot products accumulate in float64.
 */
import type {
  Kernels, MaxSimTopKArgs, MlpCompressArgs, MlpCompressResult, PoolMaskedArgs, RankedEvalArgs, ScoreTopKArgs, TopK,
} from '../types';
import { checkMaxSimTopK, checkMlpCompress, checkPoolMasked, checkRankedEval, checkScoreTopK } from '../validate';
import { hostCorpus } from '../corpus';
import { buildKernels, call } from '../list';
import type { AnyKernel, KernelName } from '../list';
import { later } from '../promise';
import { dot } from './dot';
import { ndcgRow, recallRow } from './metrics';
import { poolPlanned } from './pool';
import { forwardRetrievalReward, inverseRetrievalReward } from './reward';
import { mlpCompressPlanned } from './mlp';
import { TopKRow } from './topk';

function poolMasked(args: PoolMaskedArgs): Float32Array {
  return poolPlanned(args, checkPoolMasked('poolMasked', args));
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

function mlpCompress(args: MlpCompressArgs): MlpCompressResult {
  return mlpCompressPlanned(args, checkMlpCompress('mlpCompress', args));
}

/** The sync kernels; the async forms are derived from them (later: a real Promise, errors reject). */
const sync: { [K in KernelName]: Kernels[K] } = {
  poolMasked, scoreTopK, ndcgAtK, recallAtK, maxSimTopK, inverseRetrievalReward, forwardRetrievalReward, mlpCompress,
};

export const tsKernels: Kernels = {
  name: 'ts',
  ...buildKernels((k) => sync[k] as AnyKernel, (k) => later((a) => call(sync, k, a))),
  // the corpus handle closes over the caller's arrays (src/kernels/corpus.ts)
  createCorpus: (args) => hostCorpus(tsKernels, args),
};
