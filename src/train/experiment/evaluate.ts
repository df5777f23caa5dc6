/**
 * Test-query retrieval quality of single-vector document representations (and of full MaxSim), all
 * through the kernels: a multi-vector query becomes the SUM of its token vectors (exact ColBERT
 * MaxSim against a one-vector document), scoreTopK ranks, ndcgAtK scores (trec_eval's ndcg_cut).
 */
import { getKernels } from '../../kernels';
import type { Kernels, MultiVectorSet, Qrels } from '../../kernels/types';
import { reduceQueries } from '../../encode';

export interface RetrievalScores { ndcg3: number; ndcg10: number; seconds: number }

const mean = (a: Float64Array) => a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);

/** Only queries with at least one relevant judged document count (as BEIR). */
export function evalSingleVector(docVectors: Float32Array, dim: number, queries: MultiVectorSet, qrels: Qrels, kernels: Kernels = getKernels()): RetrievalScores {
  const t0 = Date.now();
  const q = reduceQueries(queries, 'sum');
  const top = kernels.scoreTopK({ queries: q, keys: { rows: docVectors.length / dim, dim, data: docVectors }, k: 10 });
  return scores(top.ids, top.k, qrels, kernels, t0);
}

export function evalMaxSim(docs: MultiVectorSet, queries: MultiVectorSet, qrels: Qrels, kernels: Kernels = getKernels()): RetrievalScores {
  const t0 = Date.now();
  const top = kernels.maxSimTopK({ queries, docs, k: 10 });
  return scores(top.ids, top.k, qrels, kernels, t0);
}

function scores(ids: Int32Array, width: number, qrels: Qrels, kernels: Kernels, t0: number): RetrievalScores {
  return {
    ndcg3: mean(kernels.ndcgAtK({ ranked: ids, width, qrels, k: 3 })),
    ndcg10: mean(kernels.ndcgAtK({ ranked: ids, width, qrels, k: 10 })),
    seconds: (Date.now() - t0) / 1000,
  };
}

/** Mean pooling of every vector (the baseline ReinPool must beat), L2-normalised. */
export function meanPool(docs: MultiVectorSet, kernels: Kernels = getKernels()): Float32Array {
  const masks = new Uint8Array(docs.offsets[docs.offsets.length - 1]).fill(1);
  return kernels.poolMasked({ docs, masks, groups: 1, mode: 'mean', normalize: true });
}
