/**
 * The two rewards a training run can use, both computed by the kernels over a corpus handle created
 * once per run (on cuda the corpus and the queries stay on the device). Each scores G masks per
 * batch document and returns batch * groups values (index b * groups + g), NDCG@k in [0, 1].
 *
 * inverse (the paper's, the default): the pooled vector ranks ALL synthetic queries; the document's
 *   own queries are the relevant ones (kernels.inverseRetrievalReward).
 * forward (ours): each of the document's own queries ranks the corpus, where the document is
 *   represented by the pooled vector and every other document by a fixed competitor vector (mean
 *   pooling; refreshing them with the policy's own selection every 100 steps did worse on NPL,
 *   docs/training.md); the reward is the mean over the own queries of the document's NDCG@k (one
 *   relevant document per query; kernels.forwardRetrievalReward). This is the direction of the test,
 *   and it cannot be raised by dropping words the document shares with its neighbours: a neighbour
 *   that keeps them outranks it on every query that uses them (docs/training.md).
 */
import { hostCorpus } from '../kernels/corpus';
import type { CorpusArgs, DenseMatrix, KernelCorpus, Kernels, MultiVectorSet, PoolMode } from '../kernels/types';

export type RewardKind = 'inverse' | 'forward';

/** rewards of `groups` masks for each of the corpus documents `batchDocs` (masks laid out as CorpusPoolArgs) */
export type RewardFn = (batchDocs: Int32Array, masks: Uint8Array, groups: number) => Float32Array;

export interface RunReward {
  reward: RewardFn;
  /** the backend that holds the corpus */
  backend: string;
  dispose(): void;
}

export interface RewardSpec {
  kind: RewardKind;
  /** NDCG cut-off */
  k: number;
  pool: PoolMode;
}

/**
 * The reward of a run on `docs` with single-vector synthetic queries (queryOwner[q] = the document of
 * query q). The forward reward's competitors are the corpus mean-pooled: fixed, so a resumed run sees
 * the same rewards as an uninterrupted one.
 */
export function createReward(docs: MultiVectorSet, queries: DenseMatrix, queryOwner: Int32Array, spec: RewardSpec, kernels: Kernels): RunReward {
  const nDocs = docs.offsets.length - 1;
  for (let q = 0; q < queryOwner.length; q++) {
    const d = queryOwner[q];
    if (!(d >= 0 && d < nDocs)) throw new RangeError(`queryOwner[${q}] = ${d} is not a document index (0..${nDocs - 1})`);
  }
  const args: CorpusArgs = { docs, queries, queryOwner };
  if (spec.kind === 'forward') {
    const keepAll = new Uint8Array(docs.offsets[nDocs]).fill(1);
    const competitors = kernels.poolMasked({ docs, masks: keepAll, groups: 1, mode: spec.pool, normalize: true });
    args.competitorScores = competitorScores(kernels, queries, queryOwner, { rows: nDocs, dim: docs.dim, data: competitors }, spec.k);
  }
  const corpus: KernelCorpus = kernels.createCorpus ? kernels.createCorpus(args) : hostCorpus(kernels, args);
  const mode = spec.pool;
  const reward: RewardFn = spec.kind === 'forward'
    ? (batchDocs, masks, groups) => corpus.forwardReward({ batchDocs, masks, groups, mode, normalize: true })
    : (batchDocs, masks, groups) => corpus.reward({ batchDocs, masks, groups, mode, normalize: true, k: spec.k });
  return { reward, get backend() { return corpus.backend; }, dispose: () => corpus.dispose() };
}

/**
 * Per query, the k best scores of the competitor vectors (row d = document d) other than the query's
 * own document, best first; -Infinity where there are fewer than k others. The forward reward's bar.
 */
export function competitorScores(kernels: Kernels, queries: DenseMatrix, queryOwner: Int32Array, competitors: DenseMatrix, k: number): DenseMatrix {
  if (competitors.dim !== queries.dim) throw new RangeError(`competitors: dim ${competitors.dim} differs from the queries' ${queries.dim}`);
  // k + 1 so that k remain after the query's own document is taken out
  const top = kernels.scoreTopK({ queries, keys: competitors, k: k + 1 });
  const bar = new Float32Array(queries.rows * k).fill(-Infinity);
  for (let q = 0; q < queries.rows; q++) {
    let n = 0;
    for (let j = 0; j < top.k && n < k; j++) {
      const id = top.ids[q * top.k + j];
      if (id >= 0 && id !== queryOwner[q]) bar[q * k + n++] = top.scores[q * top.k + j];
    }
  }
  return { rows: queries.rows, dim: k, data: bar };
}
