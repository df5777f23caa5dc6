/**
 * A development collection in NPL's form, made from a titled BEIR collection:
 *
 *   node dist/bench/untitled-collection.js --beir ../shared/data/scifact --split train --out DIR [--max-words N]
 *
 * NPL's documents are a title and an abstract run together, lower case, with no punctuation and no
 * digits ("compact memories have flexible capacities a digital data storage system with capacity up
 * to bits ..."), and no title field. SciFact with its titles withheld from the generators kept its
 * punctuation (so inverse cloze cut sentences where NPL's cuts 12-word windows) and kept the title
 * apart from the body (so the lead words were the abstract's first words, where NPL's lead is its
 * title). This writes each document as NPL writes one (title and text joined, lower case, letters
 * only) with an empty title, and copies the queries and the one qrels split asked for, so settings for
 * untitled corpora can be chosen on queries that are not NPL's test queries. Only that split is
 * written, so a run on DIR cannot read the source's test judgements by mistake. `--max-words N` keeps
 * each document's first N words, to copy a target's length too (NPL: 41.9 words on average).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readBeirCorpus, readBeirQueries } from '../src/io/beir';
import { writeFileAtomic } from '../src/io/fsutil';
import { arg } from './lib';

/** NPL's form of a text: lower case, every run of non-letters one space. */
export const nplForm = (text: string): string => text.toLowerCase().replace(/[^a-z]+/g, ' ').trim();

/** Writes `beir` in NPL's form to `out` (corpus, queries, qrels/SPLIT.tsv only), each document cut to its first `maxWords` words; returns the number of documents. */
export function writeUntitledCollection(beir: string, out: string, split = 'train', maxWords = Infinity): number {
  if (!(maxWords >= 1)) throw new RangeError(`--max-words: expected a positive number of words, got ${maxWords}`);
  const qrels = path.join(beir, 'qrels', `${split}.tsv`);
  if (!fs.existsSync(qrels)) throw new Error(`--split ${split}: ${qrels} does not exist`);
  const corpus = readBeirCorpus(path.join(beir, 'corpus.jsonl'));
  const queries = readBeirQueries(path.join(beir, 'queries.jsonl'));
  fs.mkdirSync(path.join(out, 'qrels'), { recursive: true });
  // each file whole or not at all, as every writer of the package does
  const jsonl = (file: string, rows: unknown[]) => writeFileAtomic(path.join(out, file), (append) => {
    for (const r of rows) append(Buffer.from(JSON.stringify(r) + '\n'));
  });
  jsonl('corpus.jsonl', corpus.map((d) => ({ _id: d.id, title: '', text: nplForm(`${d.title} ${d.text}`).split(' ').slice(0, maxWords).join(' ') })));
  jsonl('queries.jsonl', queries.map((q) => ({ _id: q.id, text: q.text })));
  writeFileAtomic(path.join(out, 'qrels', `${split}.tsv`), (append) => append(fs.readFileSync(qrels)));
  return corpus.length;
}

function main(): void {
  const beir = arg('beir');
  const out = arg('out');
  const split = arg('split') ?? 'train';
  const maxWords = arg('max-words');
  if (!beir || !out) throw new Error('usage: untitled-collection --beir DIR --out DIR [--split train] [--max-words N]');
  const n = writeUntitledCollection(beir, out, split, maxWords === undefined ? Infinity : Number(maxWords));
  console.log(`${out}: ${n} documents in NPL's form${maxWords ? `, at most ${maxWords} words each` : ''}, qrels/${split}.tsv`);
}

if (require.main === module) {
  try {
    main();
  } catch (e: unknown) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
