import type { Qrels } from '../types';

/** 1 / log2(rank + 1) for rank = 1, 2, ...: trec_eval's ndcg discount. */
export function discount(rank: number): number {
  return 1 / Math.log2(rank + 1);
}

/** The judged gains of query q, as a map from document id to gain. */
function gainsOf(qrels: Qrels, q: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = qrels.offsets[q]; i < qrels.offsets[q + 1]; i++) m.set(qrels.docs[i], qrels.gains[i]);
  return m;
}

/** NDCG@k of one ranked row, as trec_eval's ndcg_cut: gains <= 0 count as 0. */
export function ndcgRow(ranked: Int32Array, start: number, width: number, qrels: Qrels, q: number, k: number): number {
  const gains = gainsOf(qrels, q);
  const ideal = [...gains.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] * discount(i + 1);
  if (idcg === 0) return 0;
  let dcg = 0;
  const depth = Math.min(k, width);
  for (let i = 0; i < depth; i++) {
    const id = ranked[start + i];
    if (id < 0) continue;
    const g = gains.get(id) ?? 0;
    if (g > 0) dcg += g * discount(i + 1);
  }
  return dcg / idcg;
}

/** Recall@k of one ranked row: relevant (gain > 0) documents in the top k over all relevant ones. */
export function recallRow(ranked: Int32Array, start: number, width: number, qrels: Qrels, q: number, k: number): number {
  const gains = gainsOf(qrels, q);
  let relevant = 0;
  for (const g of gains.values()) if (g > 0) relevant++;
  if (relevant === 0) return 0;
  let found = 0;
  const depth = Math.min(k, width);
  for (let i = 0; i < depth; i++) {
    const id = ranked[start + i];
    if (id >= 0 && (gains.get(id) ?? 0) > 0) found++;
  }
  return found / relevant;
}

/** Binary-gain NDCG@k given the ranks (1-based) at which relevant items appeared and their count. */
export function binaryNdcg(hitRanks: number[], relevant: number, k: number): number {
  let idcg = 0;
  for (let i = 1; i <= Math.min(k, relevant); i++) idcg += discount(i);
  if (idcg === 0) return 0;
  let dcg = 0;
  for (const r of hitRanks) if (r <= k) dcg += discount(r);
  return dcg / idcg;
}
