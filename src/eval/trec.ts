/**
 * Rankings in trec_eval's order, so that trec_eval reproduces evaluate()'s numbers from the run files.
 *
 * trec_eval ignores the rank column: it sorts a query's lines by score descending and breaks exact
 * ties by docno descending (strcmp). The run writer (io's writeTrecRun) writes each score as the
 * shortest decimal that reads back to the same float32, so distinct float32 scores stay distinct and
 * equal ones stay equal; trecOrder() puts each ranking in trec_eval's order BEFORE the metrics are
 * computed, so what evaluate() reports is the metric of exactly the ranking trec_eval will see.
 */
import type { TopK } from '../kernels/types';

/** strcmp on UTF-8 bytes = comparison by code points. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  return j < b.length ? -1 : 0;
}

/**
 * Row `row` of a top-k result in trec_eval's order: float32 score descending, then document id
 * descending. Empty slots (-1) are dropped. Returns document indices and their float32 scores.
 */
export function trecOrder(top: TopK, row: number, docIds: string[]): { docs: Int32Array; scores: Float32Array } {
  const base = row * top.k;
  const items: number[] = [];
  for (let i = 0; i < top.k; i++) if (top.ids[base + i] >= 0) items.push(i);
  items.sort((x, y) => {
    const sx = top.scores[base + x];
    const sy = top.scores[base + y];
    if (sx !== sy) return sx > sy ? -1 : 1;
    return compareCodePoints(docIds[top.ids[base + y]], docIds[top.ids[base + x]]);
  });
  const docs = new Int32Array(items.length);
  const scores = new Float32Array(items.length);
  items.forEach((i, r) => {
    docs[r] = top.ids[base + i];
    scores[r] = top.scores[base + i];
  });
  return { docs, scores };
}

