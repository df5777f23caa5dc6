/**
 * The kernel contract. Three backends implement it (ts, cpu, cuda) and are held to each other by
 * the parity tests in test/kernels. This module is a leaf: it imports nothing from the rest of
 * reinpool and nothing from npm.
 */

/**
 * A ragged set of vectors: item i owns rows offsets[i] .. offsets[i+1]-1 of `vectors`.
 * vectors is row-major (total x dim); offsets has count + 1 entries and offsets[0] = 0.
 */
export interface MultiVectorSet {
  dim: number;
  vectors: Float32Array;
  offsets: Int32Array;
  ids?: string[];
}

/** A dense row-major matrix of `rows` x `dim` float32 values. */
export interface DenseMatrix {
  rows: number;
  dim: number;
  data: Float32Array;
}

export type PoolMode = 'mean' | 'max';

/** Top-k result: row r's entries are ids[r*k .. r*k+k-1], best first; k = min(requested k, n). */
export interface TopK {
  k: number;
  ids: Int32Array;
  scores: Float32Array;
}

/**
 * Masks for G candidate selections per document, laid out document-major:
 * document d's G x T_d block starts at G * offsets[d]; mask g of document d is the T_d bytes at
 * G * offsets[d] + g * T_d. A non-zero byte keeps the vector.
 */
export interface PoolMaskedArgs {
  docs: MultiVectorSet;
  masks: Uint8Array;
  groups: number;
  /** mean (default) or element-wise max over the kept vectors */
  mode?: PoolMode;
  /** L2-normalise each pooled vector (default true). A zero vector stays zero. */
  normalize?: boolean;
}

export interface ScoreTopKArgs {
  queries: DenseMatrix;
  keys: DenseMatrix;
  k: number;
}

/**
 * Graded relevance judgements in compressed rows: query q's judged ids are
 * docs[offsets[q] .. offsets[q+1]-1] with gains gains[...]. Gains <= 0 count as not relevant.
 */
export interface Qrels {
  offsets: Int32Array;
  docs: Int32Array;
  gains: Float32Array;
}

/** Ranked ids per query (row-major queries x width, best first; -1 marks an empty slot). */
export interface RankedEvalArgs {
  ranked: Int32Array;
  width: number;
  qrels: Qrels;
  k: number;
}

/** Ragged multi-vector queries against ragged multi-vector documents (ColBERT MaxSim). */
export interface MaxSimTopKArgs {
  queries: MultiVectorSet;
  docs: MultiVectorSet;
  k: number;
}

/**
 * The fused rollout step of ReinPool: pool G masks per document, search the synthetic-query matrix
 * with each pooled vector, and score the ranking by NDCG@k where the relevant queries are those whose
 * owner is this document (binary gains).
 */
export interface InverseRewardArgs extends PoolMaskedArgs {
  /** the synthetic queries, one vector each (Q x dim) */
  queries: DenseMatrix;
  /** queryOwner[q] = the corpus-wide document index that query q was written for */
  queryOwner: Int32Array;
  /** docIndex[d] = the corpus-wide document index of batch document d (default: d) */
  docIndex?: Int32Array;
  /** NDCG cut-off, default 3 */
  k?: number;
}

export type BackendName = 'ts' | 'cpu' | 'cuda';

export interface Kernels {
  readonly name: BackendName;
  /** pooled vectors, (count * groups) x dim, row d * groups + g */
  poolMasked(args: PoolMaskedArgs): Float32Array;
  scoreTopK(args: ScoreTopKArgs): TopK;
  /** per query NDCG@k as trec_eval's ndcg_cut (gain = judged value, discount log2(rank + 1)); 0 when nothing is relevant */
  ndcgAtK(args: RankedEvalArgs): Float64Array;
  /** per query recall@k as trec_eval's recall_k; 0 when nothing is relevant */
  recallAtK(args: RankedEvalArgs): Float64Array;
  /** score = sum over query vectors of the max over document vectors of the dot product; an empty document scores -Infinity */
  maxSimTopK(args: MaxSimTopKArgs): TopK;
  /** rewards, count * groups, index d * groups + g */
  inverseRetrievalReward(args: InverseRewardArgs): Float32Array;

  poolMaskedAsync(args: PoolMaskedArgs): Promise<Float32Array>;
  ndcgAtKAsync(args: RankedEvalArgs): Promise<Float64Array>;
  recallAtKAsync(args: RankedEvalArgs): Promise<Float64Array>;
  scoreTopKAsync(args: ScoreTopKArgs): Promise<TopK>;
  maxSimTopKAsync(args: MaxSimTopKArgs): Promise<TopK>;
  inverseRetrievalRewardAsync(args: InverseRewardArgs): Promise<Float32Array>;
}

export interface BackendStatus {
  available: boolean;
  reason: string;
}
