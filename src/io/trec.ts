/**
 * TREC formats. Run: `qid Q0 docid rank score tag`, ranks from 1 in the order given (callers pass
 * best first; ties keep their given order). Qrels: `qid 0 docid rel`. Scores are written as the
 * shortest decimal that reads back to the same float32, so nothing is lost. Note that trec_eval itself
 * re-sorts by score and breaks exact ties by docid, not by our rank column.
 */
import type { QrelEntry } from './beir';
import { formatFloat32 } from './dtype';
import { fileError } from './errors';
import { writeFileAtomic } from './fsutil';
import { readLines } from './lines';

export interface RunEntry { qid: string; docid: string; score: number; rank?: number; tag?: string }

function checkToken(s: string, what: string, file: string): void {
  if (s.length === 0 || /\s/.test(s)) fileError(file, `${what} '${s}' is empty or contains whitespace, which TREC files cannot hold`);
}

function writeLines(file: string, lines: Iterable<string>): void {
  writeFileAtomic(file, (append) => {
    let buf: string[] = [];
    let size = 0;
    for (const l of lines) {
      buf.push(l);
      size += l.length;
      if (size > 1 << 20) { append(Buffer.from(buf.join(''), 'utf8')); buf = []; size = 0; }
    }
    if (buf.length) append(Buffer.from(buf.join(''), 'utf8'));
  });
}

/** Writes a run; rank restarts at 1 for each query and follows the order of `entries`. */
export function writeTrecRun(file: string, entries: RunEntry[], tag = 'reinpool'): void {
  checkToken(tag, 'tag', file);
  const rank = new Map<string, number>();
  writeLines(file, (function* () {
    for (const e of entries) {
      checkToken(e.qid, 'query id', file);
      checkToken(e.docid, 'document id', file);
      const r = (rank.get(e.qid) ?? 0) + 1;
      rank.set(e.qid, r);
      yield `${e.qid} Q0 ${e.docid} ${r} ${formatFloat32(e.score)} ${e.tag ?? tag}\n`;
    }
  })());
}

export function readTrecRun(file: string): RunEntry[] {
  const out: RunEntry[] = [];
  let n = 0;
  for (const line of readLines(file)) {
    n++;
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    if (f.length !== 6) fileError(file, `line ${n}: expected 6 columns (qid Q0 docid rank score tag), got ${f.length}`);
    const rank = Number(f[3]);
    const score = Number(f[4]);
    if (!Number.isInteger(rank)) fileError(file, `line ${n}: rank '${f[3]}' is not an integer`);
    if (Number.isNaN(score)) fileError(file, `line ${n}: score '${f[4]}' is not a number`);
    out.push({ qid: f[0], docid: f[2], rank, score, tag: f[5] });
  }
  return out;
}

export function writeTrecQrels(file: string, entries: QrelEntry[]): void {
  writeLines(file, (function* () {
    for (const e of entries) {
      checkToken(e.qid, 'query id', file);
      checkToken(e.docid, 'document id', file);
      yield `${e.qid} 0 ${e.docid} ${e.rel}\n`;
    }
  })());
}

export function readTrecQrels(file: string): QrelEntry[] {
  const out: QrelEntry[] = [];
  let n = 0;
  for (const line of readLines(file)) {
    n++;
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') continue;
    if (f.length !== 4) fileError(file, `line ${n}: expected 4 columns (qid iter docid rel), got ${f.length}`);
    const rel = Number(f[3]);
    if (!Number.isFinite(rel)) fileError(file, `line ${n}: relevance '${f[3]}' is not a number`);
    out.push({ qid: f[0], docid: f[2], rel });
  }
  return out;
}
