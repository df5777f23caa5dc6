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

/**
 * The forward reward (src/train/reward.ts): each of a document's own synthetic queries ranks the
 * corpus, where the document is represented by its pooled vector and every other document by a fixed
 * competitor that enters only through its score. competitorScores holds, per query, the k best
 * competitor scores (descending; -Infinity where there are fewer than k competitors), computed once.
 * For batch document d, mask g, pooled vector v (normalised as `normalize` says) and each query q
 * whose owner is docIndex[d]: s = <queries[q], v>, rank = 1 + #{j < k : competitorScores[q, j] > s}
 * (a tie goes to the document), gain = 1 / log2(rank + 1) if rank <= k else 0. The reward is the mean
 * gain over those queries, 0 for a document that owns none. k = competitorScores.dim.
 */
export interface ForwardRewardArgs extends PoolMaskedArgs {
  /** the synthetic queries, one vector each (Q x dim) */
  queries: DenseMatrix;
  /** queryOwner[q] = the corpus-wide document index that query q was written for */
  queryOwner: Int32Array;
  /** Q x k: per query the k best competitor scores, descending, -Infinity padded */
  competitorScores: DenseMatrix;
  /** docIndex[d] = the corpus-wide document index of batch document d (default: d) */
  docIndex?: Int32Array;
}

/**
 * A trained MLP keep/drop policy as plain arrays (src/policy/network.ts, type 'mlp'; a saved policy
 * becomes one through src/policy/weights.ts, no TensorFlow.js). Per-vector features
 * [x, m, x*m, cos(x, m), |x|, t / max(T_d - 1, 1)] with m the document mean, `layers` ReLU layers,
 * then the keep-logit head.
 */
export interface MlpPolicyWeights {
  dim: number;
  hidden: number;
  layers: number;
  /** layer l's weights, row-major input x output: (3 * dim + 3) x hidden for l = 0, hidden x hidden after */
  layerWeights: Float32Array[];
  /** layer l's biases, hidden each */
  layerBiases: Float32Array[];
  /** the head's weights (hidden) */
  headWeights: Float32Array;
  headBias: number;
}

export type SelectMode = 'threshold' | 'topk' | 'ratio';

/**
 * Policy inference fused with selection and pooling (what compress() does per chunk, in one call):
 * the policy's keep-logit of every vector; keep logit > log(threshold / (1 - threshold)) (default
 * threshold 0.5) | the topK most probable | the max(1, ceil(ratio * T_d - 1e-9)) most probable
 * (ties to the lower position); a non-empty document that keeps nothing keeps its most probable
 * vector (the first on ties); then poolMasked of the kept vectors.
 */
export interface MlpCompressArgs {
  docs: MultiVectorSet;
  policy: MlpPolicyWeights;
  /** 'threshold' (default), 'topk' or 'ratio' */
  select?: SelectMode;
  /** in (0, 1), default 0.5 (select = 'threshold') */
  threshold?: number;
  /** >= 1 (select = 'topk') */
  topK?: number;
  /** in (0, 1] (select = 'ratio') */
  ratio?: number;
  /** pooling of the kept vectors: 'mean' (default) or 'max' */
  pool?: PoolMode;
  /** L2-normalise each pooled vector (default true) */
  normalize?: boolean;
}

export interface MlpCompressResult {
  /** one pooled vector per document (count x dim), row d for document d */
  vectors: Float32Array;
  /** the keep-logit of every vector (one per row of docs.vectors); the probability is sigmoid(logit) */
  logits: Float32Array;
  /** the selection: one byte per vector, 1 = kept (poolMasked's groups = 1 layout) */
  masks: Uint8Array;
}

export type BackendName = 'ts' | 'cpu' | 'cuda';

/**
 * A corpus kept where the backend computes (device memory for cuda): the documents' vectors and,
 * optionally, the synthetic-query matrix with each query's owner. Created once by
 * Kernels.createCorpus; training rollouts and evaluation then pass only masks and indices.
 */
export interface CorpusArgs {
  /** every document of the corpus; batchDocs index into it */
  docs: MultiVectorSet;
  /** the synthetic queries, one vector each (Q x dim); needed by reward and queryTopK */
  queries?: DenseMatrix;
  /** queryOwner[q] = the corpus index of the document query q was written for (with queries) */
  queryOwner?: Int32Array;
  /** Q x k competitor scores for forwardReward (see ForwardRewardArgs); needs queries */
  competitorScores?: DenseMatrix;
  /** cuda only: dot-product arithmetic of reward / queryTopK (default fp32, or REINPOOL_CUDA_PRECISION) */
  precision?: 'fp32' | 'tf32' | 'bf16';
}

/**
 * G masks for each of a batch of corpus documents. masks is laid out as PoolMaskedArgs.masks for the
 * batch taken as its own ragged set: batch document b's G x T block follows b - 1's.
 */
export interface CorpusPoolArgs {
  /** corpus indices of the batch documents (repeats allowed) */
  batchDocs: Int32Array;
  masks: Uint8Array;
  groups: number;
  mode?: PoolMode;
  normalize?: boolean;
}

/** The fused reward for a batch of corpus documents (see InverseRewardArgs). */
export interface CorpusRewardArgs extends CorpusPoolArgs {
  /** owner id that marks batch document b's relevant queries (default: batchDocs[b]) */
  docIndex?: Int32Array;
  /** NDCG cut-off, default 3 */
  k?: number;
}

/** The forward reward for a batch of corpus documents (see ForwardRewardArgs). */
export interface CorpusForwardRewardArgs extends CorpusPoolArgs {
  /** owner id that marks batch document b's own queries (default: batchDocs[b]) */
  docIndex?: Int32Array;
}

/** Top-k of the corpus's synthetic-query matrix for some vectors (m x dim). */
export interface CorpusQueryTopKArgs {
  vectors: DenseMatrix;
  k: number;
}

/**
 * A corpus handle (Kernels.createCorpus). Same results as the corresponding stateless kernels:
 * pool == poolMasked, reward == inverseRetrievalReward with docIndex = batchDocs by default,
 * forwardReward == forwardRetrievalReward (the corpus needs competitorScores), queryTopK == scoreTopK against the query matrix. dispose() frees device memory (idempotent;
 * pending async calls finish first); any call after it throws.
 */
export interface KernelCorpus {
  /** the backend that actually holds the corpus (cuda falls back to cpu/ts on a device failure) */
  readonly backend: BackendName;
  readonly count: number;
  readonly dim: number;
  /** rows of the synthetic-query matrix (0 without queries) */
  readonly queries: number;
  pool(args: CorpusPoolArgs): Float32Array;
  reward(args: CorpusRewardArgs): Float32Array;
  forwardReward(args: CorpusForwardRewardArgs): Float32Array;
  queryTopK(args: CorpusQueryTopKArgs): TopK;
  poolAsync(args: CorpusPoolArgs): Promise<Float32Array>;
  rewardAsync(args: CorpusRewardArgs): Promise<Float32Array>;
  forwardRewardAsync(args: CorpusForwardRewardArgs): Promise<Float32Array>;
  queryTopKAsync(args: CorpusQueryTopKArgs): Promise<TopK>;
  dispose(): void;
}

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
  /** rewards, count * groups, index d * groups + g (see ForwardRewardArgs) */
  forwardRetrievalReward(args: ForwardRewardArgs): Float32Array;
  /** the MLP policy's logits, selection and pooling in one call (see MlpCompressArgs) */
  mlpCompress(args: MlpCompressArgs): MlpCompressResult;

  poolMaskedAsync(args: PoolMaskedArgs): Promise<Float32Array>;
  ndcgAtKAsync(args: RankedEvalArgs): Promise<Float64Array>;
  recallAtKAsync(args: RankedEvalArgs): Promise<Float64Array>;
  scoreTopKAsync(args: ScoreTopKArgs): Promise<TopK>;
  maxSimTopKAsync(args: MaxSimTopKArgs): Promise<TopK>;
  inverseRetrievalRewardAsync(args: InverseRewardArgs): Promise<Float32Array>;
  forwardRetrievalRewardAsync(args: ForwardRewardArgs): Promise<Float32Array>;
  mlpCompressAsync(args: MlpCompressArgs): Promise<MlpCompressResult>;

  /**
   * Keeps a corpus (and its synthetic queries) resident in the backend: on cuda it is uploaded to
   * the device once; ts and cpu close over the arrays (no copy; do not mutate them while the handle
   * is in use). Optional in the contract; every backend reinpool ships implements it.
   */
  createCorpus?(args: CorpusArgs): KernelCorpus;
}

export interface BackendStatus {
  available: boolean;
  reason: string;
}
