/**
 * Between string ids (files) and integer indices (kernels): qrels -> the Qrels CSR of the kernel
 * contract and back, and TopK results -> run entries and back.
 */
import type { Qrels, TopK } from '../kernels/types';
import type { QrelEntry } from './beir';
import type { RunEntry } from './trec';

function indexOf(ids: string[], what: string): Map<string, number> {
  const m = new Map<string, number>();
  ids.forEach((id, i) => {
    if (m.has(id)) throw new RangeError(`duplicate ${what} id '${id}' at ${m.get(id)} and ${i}`);
    m.set(id, i);
  });
  return m;
}

export interface QrelsToCsrOptions {
  /** a judged document missing from docIds: 'error' (default) or 'skip' */
  unknownDoc?: 'error' | 'skip';
}

/**
 * Qrels CSR with one row per entry of `queryIds` (in that order); judgements for other queries are
 * ignored. Within a row, judgements keep file order; a repeated (query, doc) pair keeps the last value.
 */
export function qrelsToCsr(entries: QrelEntry[], queryIds: string[], docIds: string[], opts: QrelsToCsrOptions = {}): Qrels {
  const qi = indexOf(queryIds, 'query');
  const di = indexOf(docIds, 'document');
  const rows = queryIds.map(() => new Map<number, number>());
  for (const e of entries) {
    const q = qi.get(e.qid);
    if (q === undefined) continue;
    const d = di.get(e.docid);
    if (d === undefined) {
      if (opts.unknownDoc === 'skip') continue;
      throw new RangeError(`qrels: query '${e.qid}' judges document '${e.docid}', which is not among the ${docIds.length} documents`);
    }
    rows[q].set(d, e.rel);
  }
  const offsets = new Int32Array(queryIds.length + 1);
  rows.forEach((r, i) => { offsets[i + 1] = offsets[i] + r.size; });
  const docs = new Int32Array(offsets[queryIds.length]);
  const gains = new Float32Array(docs.length);
  rows.forEach((r, i) => {
    let k = offsets[i];
    for (const [d, g] of r) { docs[k] = d; gains[k++] = g; }
  });
  return { offsets, docs, gains };
}

export function csrToQrels(q: Qrels, queryIds: string[], docIds: string[]): QrelEntry[] {
  const out: QrelEntry[] = [];
  for (let i = 0; i + 1 < q.offsets.length; i++) {
    for (let k = q.offsets[i]; k < q.offsets[i + 1]; k++) out.push({ qid: queryIds[i], docid: docIds[q.docs[k]], rel: q.gains[k] });
  }
  return out;
}

/** Kernel top-k (row per query, best first, -1 = empty slot) -> run entries with ranks from 1. */
export function topKToRun(top: TopK, queryIds: string[], docIds: string[]): RunEntry[] {
  const out: RunEntry[] = [];
  const rows = top.k === 0 ? 0 : top.ids.length / top.k;
  if (rows !== queryIds.length) throw new RangeError(`topKToRun: ${rows} result rows for ${queryIds.length} query ids`);
  for (let r = 0; r < rows; r++) {
    let rank = 0;
    for (let j = 0; j < top.k; j++) {
      const d = top.ids[r * top.k + j];
      if (d < 0) continue;
      if (d >= docIds.length) throw new RangeError(`topKToRun: document index ${d} outside ${docIds.length} ids`);
      out.push({ qid: queryIds[r], docid: docIds[d], score: top.scores[r * top.k + j], rank: ++rank });
    }
  }
  return out;
}

/**
 * Run entries -> ranked document indices (queries x width, -1 padded) for the kernels' ndcgAtK.
 * Each query's entries are ordered by rank when present, else by descending score (stable).
 */
export function runToRanked(entries: RunEntry[], queryIds: string[], docIds: string[], width: number): Int32Array {
  const qi = indexOf(queryIds, 'query');
  const di = indexOf(docIds, 'document');
  const per: RunEntry[][] = queryIds.map(() => []);
  for (const e of entries) {
    const q = qi.get(e.qid);
    if (q !== undefined) per[q].push(e);
  }
  const out = new Int32Array(queryIds.length * width).fill(-1);
  per.forEach((list, q) => {
    const sorted = list.map((e, i) => ({ e, i })).sort((a, b) => (a.e.rank !== undefined && b.e.rank !== undefined ? a.e.rank - b.e.rank : b.e.score - a.e.score) || a.i - b.i);
    for (let j = 0; j < Math.min(width, sorted.length); j++) {
      const d = di.get(sorted[j].e.docid);
      if (d === undefined) throw new RangeError(`runToRanked: query '${sorted[j].e.qid}' ranks unknown document '${sorted[j].e.docid}'`);
      out[q * width + j] = d;
    }
  });
  return out;
}
