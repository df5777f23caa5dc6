/**
 * TREC run and qrels files, written so that trec_eval reproduces evaluate()'s numbers.
 *
 * trec_eval ignores the rank column: it sorts a query's lines by score descending and breaks exact
 * ties by docno descending (strcmp). So scores are written as the shortest decimal that reads back
 * to the same float32 (distinct float32 scores stay distinct, equal ones stay equal), and
 * trecOrder() puts each ranking in trec_eval's order BEFORE the metrics are computed: what evaluate()
 * reports is the metric of exactly the ranking trec_eval will see.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { TopK } from '../kernels/types';

/** Shortest decimal that reads back to the same float32 (at most 9 significant digits). */
export function formatScore(v: number): string {
  if (Number.isNaN(v)) throw new RangeError('formatScore: NaN score');
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

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

function checkId(kind: string, id: string): string {
  if (id.length === 0 || /\s/.test(id)) throw new RangeError(`${kind} id ${JSON.stringify(id)} cannot be written to a TREC file (empty or contains whitespace)`);
  return id;
}

export interface RunRow {
  queryId: string;
  docIds: string[];
  scores: ArrayLike<number>;
}

/** TREC run lines: qid Q0 docid rank score tag (rank from 1, in the given order). */
export function formatRun(rows: RunRow[], tag: string): string {
  checkId('run tag', tag);
  const out: string[] = [];
  for (const r of rows) {
    const qid = checkId('query', r.queryId);
    for (let i = 0; i < r.docIds.length; i++) {
      out.push(`${qid} Q0 ${checkId('document', r.docIds[i])} ${i + 1} ${formatScore(r.scores[i])} ${tag}\n`);
    }
  }
  return out.join('');
}

/** TREC qrels lines: qid 0 docid relevance (relevance must be an integer for trec_eval). */
export function formatQrels(qrels: Map<string, Map<string, number>> | Array<[string, Map<string, number>]>): string {
  const out: string[] = [];
  for (const [q, m] of qrels) {
    const qid = checkId('query', q);
    for (const [d, g] of m) {
      if (!Number.isInteger(g)) throw new RangeError(`qrels: relevance of (${q}, ${d}) is ${g}; trec_eval reads integer relevance only`);
      out.push(`${qid} 0 ${checkId('document', d)} ${g}\n`);
    }
  }
  return out.join('');
}

export function writeText(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
