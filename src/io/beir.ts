/**
 * BEIR layout: DIR/corpus.jsonl ({_id, title, text}), DIR/queries.jsonl ({_id, text}) and
 * DIR/qrels/SPLIT.tsv (tab-separated, header line `query-id corpus-id score`). Read line by line.
 */
import * as path from 'path';
import { fileError } from './errors';
import { readLines } from './lines';

export interface BeirDoc { id: string; title: string; text: string }
export interface BeirQuery { id: string; text: string }
/** One relevance judgement, string ids (shared by BEIR and TREC qrels). */
export interface QrelEntry { qid: string; docid: string; rel: number }

function* jsonl(file: string): Generator<{ obj: Record<string, unknown>; line: number }> {
  let n = 0;
  for (const line of readLines(file)) {
    n++;
    if (line.trim().length === 0) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      fileError(file, `line ${n}: invalid JSON (${(e as Error).message})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) fileError(file, `line ${n}: expected a JSON object`);
    yield { obj: obj as Record<string, unknown>, line: n };
  }
}

function idOf(o: Record<string, unknown>, file: string, line: number): string {
  const id = o._id;
  if (typeof id === 'string' && id.length > 0) return id;
  if (typeof id === 'number') return String(id);
  fileError(file, `line ${line}: missing "_id"`);
}

const str = (v: unknown): string =>
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- any JSON value is accepted as text; a number or an object gives what String() gives, as it always has
  (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** Documents in file order. `file` may be the BEIR directory or the corpus.jsonl itself. */
export function readBeirCorpus(dirOrFile: string): BeirDoc[] {
  const file = dirOrFile.endsWith('.jsonl') ? dirOrFile : path.join(dirOrFile, 'corpus.jsonl');
  const out: BeirDoc[] = [];
  const seen = new Set<string>();
  for (const { obj, line } of jsonl(file)) {
    const id = idOf(obj, file, line);
    if (seen.has(id)) fileError(file, `line ${line}: duplicate _id '${id}'`);
    seen.add(id);
    out.push({ id, title: str(obj.title), text: str(obj.text) });
  }
  return out;
}

export function readBeirQueries(dirOrFile: string): BeirQuery[] {
  const file = dirOrFile.endsWith('.jsonl') ? dirOrFile : path.join(dirOrFile, 'queries.jsonl');
  const out: BeirQuery[] = [];
  for (const { obj, line } of jsonl(file)) out.push({ id: idOf(obj, file, line), text: str(obj.text) });
  return out;
}

/** qrels/SPLIT.tsv; the header line is recognised by a non-numeric third column and skipped. */
export function readBeirQrels(dirOrFile: string, split = 'test'): QrelEntry[] {
  const file = dirOrFile.endsWith('.tsv') ? dirOrFile : path.join(dirOrFile, 'qrels', `${split}.tsv`);
  const out: QrelEntry[] = [];
  let n = 0;
  for (const line of readLines(file)) {
    n++;
    if (line.trim().length === 0) continue;
    const f = line.split('\t');
    if (f.length < 3) fileError(file, `line ${n}: expected query-id, corpus-id, score separated by tabs`);
    const rel = Number(f[2]);
    if (!Number.isFinite(rel) || f[2].trim() === '') {
      if (n === 1) continue; // header
      fileError(file, `line ${n}: score '${f[2]}' is not a number`);
    }
    out.push({ qid: f[0], docid: f[1], rel });
  }
  return out;
}

/** The text a document is embedded from: title and body joined by a space (the BEIR convention). */
export const beirDocText = (d: BeirDoc): string => (d.title ? `${d.title} ${d.text}` : d.text);
