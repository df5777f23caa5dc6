/**
 * The two rewards a training run can use; both score G masks per document through the kernels and
 * return count * groups values (index d * groups + g), NDCG@k in [0, 1].
 *
 * inverse (the paper's, the default): the pooled vector ranks ALL synthetic queries; the document's
 *   own queries are the relevant ones (kernels.inverseRetrievalReward).
 * forward (ours): each of the document's own queries ranks the corpus, where the document is
 *   represented by the pooled vector and every other document by a fixed competitor vector (mean
 *   pooling; refreshing them with the policy's own selection every 100 steps did worse on NPL,
 *   docs/training.md); the reward is the mean over
 *   the own queries of the document's NDCG@k (one relevant document per query). This is the direction
 *   of the test, and it cannot be raised by dropping words the document shares with its neighbours:
 *   a neighbour that keeps them outranks it on every query that uses them (docs/training.md).
 */
import type { DenseMatrix, Kernels, MultiVectorSet, PoolMode } from '../kernels/types';

export type RewardKind = 'inverse' | 'forward';

export interface RewardSpec {
  queries: DenseMatrix;
  queryOwner: Int32Array;
  k: number;
  pool: PoolMode;
  kernels: Kernels;
}

/** rewards of `groups` masks for each document of `set` (= documents docIndex of the corpus) */
export type RewardFn = (set: MultiVectorSet, docIndex: Int32Array, masks: Uint8Array, groups: number) => Float32Array;

export function inverseReward(spec: RewardSpec): RewardFn {
  return (set, docIndex, masks, groups) => spec.kernels.inverseRetrievalReward({
    docs: set, masks, groups, mode: spec.pool, normalize: true,
    queries: spec.queries, queryOwner: spec.queryOwner, docIndex, k: spec.k,
  });
}

export class ForwardReward {
  /** queries of document d: byOwner[ownerStart[d] .. ownerStart[d + 1]) */
  private readonly ownerStart: Int32Array;
  private readonly byOwner: Int32Array;
  /** per query, the k best competitor scores (descending; -Infinity where fewer than k competitors) */
  private readonly bar: Float32Array;

  constructor(private readonly spec: RewardSpec, nDocs: number) {
    const { queryOwner } = spec;
    this.ownerStart = new Int32Array(nDocs + 1);
    for (let q = 0; q < queryOwner.length; q++) {
      const d = queryOwner[q];
      if (!(d >= 0 && d < nDocs)) throw new RangeError(`queryOwner[${q}] = ${d} is not a document index (0..${nDocs - 1})`);
      this.ownerStart[d + 1]++;
    }
    for (let d = 0; d < nDocs; d++) this.ownerStart[d + 1] += this.ownerStart[d];
    this.byOwner = new Int32Array(queryOwner.length);
    const fill = this.ownerStart.slice(0, nDocs);
    for (let q = 0; q < queryOwner.length; q++) this.byOwner[fill[queryOwner[q]]++] = q;
    this.bar = new Float32Array(queryOwner.length * spec.k).fill(-Infinity);
  }

  /** Sets the competitors: one unit vector per corpus document (nDocs x dim, row d = document d). */
  setCompetitors(vectors: Float32Array): void {
    const { queries, queryOwner, k, kernels } = this.spec;
    const nDocs = this.ownerStart.length - 1;
    if (vectors.length !== nDocs * queries.dim) throw new RangeError(`competitors: expected ${nDocs} x ${queries.dim} values, got ${vectors.length}`);
    // k + 1 so that k remain after the query's own document is taken out
    const top = kernels.scoreTopK({ queries, keys: { rows: nDocs, dim: queries.dim, data: vectors }, k: k + 1 });
    this.bar.fill(-Infinity);
    for (let q = 0; q < queries.rows; q++) {
      let n = 0;
      for (let j = 0; j < top.k && n < k; j++) {
        const id = top.ids[q * top.k + j];
        if (id >= 0 && id !== queryOwner[q]) this.bar[q * k + n++] = top.scores[q * top.k + j];
      }
    }
  }

  readonly reward: RewardFn = (set, docIndex, masks, groups) => {
    const { queries, k, pool, kernels } = this.spec;
    const dim = queries.dim;
    const pooled = kernels.poolMasked({ docs: set, masks, groups, mode: pool, normalize: true });
    const out = new Float32Array(docIndex.length * groups);
    for (let i = 0; i < docIndex.length; i++) {
      const q0 = this.ownerStart[docIndex[i]], q1 = this.ownerStart[docIndex[i] + 1];
      if (q1 === q0) continue;
      for (let g = 0; g < groups; g++) {
        const v = (i * groups + g) * dim;
        let sum = 0;
        for (let j = q0; j < q1; j++) {
          const q = this.byOwner[j];
          let s = 0;
          for (let c = 0; c < dim; c++) s += queries.data[q * dim + c] * pooled[v + c];
          // rank = 1 + competitors scoring strictly higher (a tie goes to the document)
          let rank = 1;
          while (rank <= k && this.bar[q * k + rank - 1] > s) rank++;
          if (rank <= k) sum += 1 / Math.log2(rank + 1);
        }
        out[i * groups + g] = sum / (q1 - q0);
      }
    }
    return out;
  };
}
