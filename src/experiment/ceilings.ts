/**
 * Ceilings: how far ReinPool is from the best a one-vector selection could do. Both look at the test
 * queries and their judgements, so they are diagnostics, never a method: nothing that a user would
 * run can see the test queries.
 *
 *   test-query policy   the same policy and training, with the test queries themselves (each owned by
 *                       its relevant documents) as the synthetic queries: what a perfect query
 *                       generator would give the method.
 *   greedy selection    per document relevant to some test query, the subset of its vectors whose mean
 *                       has the highest cosine with the sum of its relevant queries (unit vectors),
 *                       found greedily (add the vector that helps most, keep the best prefix); every
 *                       other document mean-pooled: what a perfect selection would give.
 *
 * "Share of the gap closed" = (ReinPool - mean pooling) / (ceiling - mean pooling), on NDCG@3.
 */
import { normalizeRows, reduceQueries } from '../encode/vectors';
import type { QueryReduce } from '../encode/vectors';
import { prepareQrels } from '../eval/qrels';
import type { QrelsInput } from '../eval/qrels';
import type { MultiVectorSet } from '../kernels/types';

/**
 * The greedy selection's pooled vectors (unit rows, one per document): documents without a relevant
 * test query are mean-pooled.
 */
export function greedySelectionVectors(docs: MultiVectorSet, queries: MultiVectorSet, qrels: QrelsInput, queryReduce: QueryReduce): Float32Array {
  const { dim: D, vectors: X, offsets } = docs;
  const nDocs = offsets.length - 1;
  const docIds = docs.ids ?? Array.from({ length: nDocs }, (_, i) => String(i));
  const queryIds = queries.ids ?? Array.from({ length: queries.offsets.length - 1 }, (_, i) => String(i));
  const prep = prepareQrels(qrels, queryIds, docIds);
  const q = reduceQueries(queries, queryReduce, true);
  // target[d] = sum of the unit vectors of the queries that judge d relevant
  const target = new Map<number, Float64Array>();
  prep.queries.forEach((qi, r) => {
    for (let i = prep.csr.offsets[r]; i < prep.csr.offsets[r + 1]; i++) {
      const d = prep.csr.docs[i];
      if (d >= nDocs || !(prep.csr.gains[i] > 0)) continue;
      let t = target.get(d);
      if (!t) target.set(d, (t = new Float64Array(D)));
      for (let j = 0; j < D; j++) t[j] += q.data[qi * D + j];
    }
  });
  const out = new Float32Array(nDocs * D);
  for (let d = 0; d < nDocs; d++) {
    const a = offsets[d];
    const b = offsets[d + 1];
    const o = out.subarray(d * D, d * D + D);
    const t = target.get(d);
    if (!t) {
      for (let r = a; r < b; r++) for (let j = 0; j < D; j++) o[j] += X[r * D + j];
      continue;
    }
    // greedy forward selection of cos(t, sum of chosen): the sum's direction is the mean's
    const sum = new Float64Array(D);
    const chosen = new Uint8Array(b - a);
    let best = -Infinity;
    let bestCount = 0;
    const order: number[] = [];
    for (let step = 0; step < b - a; step++) {
      let pick = -1;
      let pickCos = -Infinity;
      for (let r = a; r < b; r++) {
        if (chosen[r - a]) continue;
        let dot = 0;
        let nn = 0;
        for (let j = 0; j < D; j++) {
          const s = sum[j] + X[r * D + j];
          dot += s * t[j];
          nn += s * s;
        }
        const c = nn > 0 ? dot / Math.sqrt(nn) : -Infinity;
        if (c > pickCos) { pickCos = c; pick = r; }
      }
      if (pick < 0) break;
      chosen[pick - a] = 1;
      order.push(pick);
      for (let j = 0; j < D; j++) sum[j] += X[pick * D + j];
      if (pickCos > best) { best = pickCos; bestCount = order.length; }
    }
    for (let i = 0; i < bestCount; i++) for (let j = 0; j < D; j++) o[j] += X[order[i] * D + j];
  }
  return normalizeRows({ rows: nDocs, dim: D, data: out }, out).data;
}

/** (ReinPool - mean) / (ceiling - mean); undefined when the ceiling does not beat mean pooling. */
export function gapClosed(reinpool: number, mean: number, ceiling: number): number | undefined {
  return ceiling > mean ? (reinpool - mean) / (ceiling - mean) : undefined;
}
