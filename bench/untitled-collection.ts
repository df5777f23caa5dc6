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
 * each document's first N words, to copy a target's length too (NPL: 41.9 words on average);
 * `--lengths-like DIR` cuts each to the word count of a document of DIR's corpus drawn at random
 * (seeded), to copy a target's spread of lengths as well as their mean (NPL: 11 words at the tenth
 * percentile, 78 at the ninetieth). Only DIR's corpus is read, never its queries or judgements.
 */
import * as fs from 'fs';
import * as path from 'path';
import { beirDocText, readBeirCorpus, readBeirQueries } from '../src/io/beir';
import { writeFileAtomic } from '../src/io/fsutil';
import { Rng } from '../src/random';
import { arg } from './lib';

/** NPL's form of a text: lower case, every run of non-letters one space. */
export const nplForm = (text: string): string => text.toLowerCase().replace(/[^a-z]+/g, ' ').trim();

const wordCount = (text: string): number => nplForm(text).split(' ').filter(Boolean).length;

/**
 * Word counts of `n` documents drawn at random (with replacement, seeded) from the corpus of the BEIR
 * folder `like`, each document counted in NPL's form; documents with no word are never drawn.
 */
export function lengthsLike(like: string, n: number, seed = 0): number[] {
  const counts = readBeirCorpus(path.join(like, 'corpus.jsonl')).map((d) => wordCount(beirDocText(d))).filter((c) => c > 0);
  if (counts.length === 0) throw new Error(`--lengths-like: ${like}/corpus.jsonl has no document with a word`);
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => counts[rng.int(counts.length)]);
}

/**
 * Writes `beir` in NPL's form to `out` (corpus, queries, qrels/SPLIT.tsv only), document i cut to its
 * first `maxWords` words, or to its first `maxWords[i]` when given one count per document; returns
 * the number of documents.
 */
export function writeUntitledCollection(beir: string, out: string, split = 'train', maxWords: number | number[] = Infinity): number {
  const cuts = typeof maxWords === 'number' ? [maxWords] : maxWords;
  for (const m of cuts) if (!(m >= 1)) throw new RangeError(`--max-words: expected a positive number of words, got ${m}`);
  const qrels = path.join(beir, 'qrels', `${split}.tsv`);
  if (!fs.existsSync(qrels)) throw new Error(`--split ${split}: ${qrels} does not exist`);
  const corpus = readBeirCorpus(path.join(beir, 'corpus.jsonl'));
  if (typeof maxWords !== 'number' && maxWords.length !== corpus.length) throw new RangeError(`maxWords: ${maxWords.length} counts for ${corpus.length} documents`);
  const cut = (i: number) => (typeof maxWords === 'number' ? maxWords : maxWords[i]);
  const queries = readBeirQueries(path.join(beir, 'queries.jsonl'));
  fs.mkdirSync(path.join(out, 'qrels'), { recursive: true });
  // each file whole or not at all, as every writer of the package does
  const jsonl = (file: string, rows: unknown[]) => writeFileAtomic(path.join(out, file), (append) => {
    for (const r of rows) append(Buffer.from(JSON.stringify(r) + '\n'));
  });
  jsonl('corpus.jsonl', corpus.map((d, i) => ({ _id: d.id, title: '', text: nplForm(`${d.title} ${d.text}`).split(' ').slice(0, cut(i)).join(' ') })));
  jsonl('queries.jsonl', queries.map((q) => ({ _id: q.id, text: q.text })));
  writeFileAtomic(path.join(out, 'qrels', `${split}.tsv`), (append) => append(fs.readFileSync(qrels)));
  return corpus.length;
}

function main(): void {
  const beir = arg('beir');
  const out = arg('out');
  const split = arg('split') ?? 'train';
  const maxWords = arg('max-words');
  const like = arg('lengths-like');
  if (!beir || !out) throw new Error('usage: untitled-collection --beir DIR --out DIR [--split train] [--max-words N | --lengths-like DIR]');
  if (maxWords !== undefined && like !== undefined) throw new Error('--max-words and --lengths-like: give one of them');
  const cuts = like !== undefined ? lengthsLike(like, readBeirCorpus(path.join(beir, 'corpus.jsonl')).length) : maxWords === undefined ? Infinity : Number(maxWords);
  const n = writeUntitledCollection(beir, out, split, cuts);
  const how = like !== undefined ? `, each cut to the length of a random document of ${like}` : maxWords ? `, at most ${maxWords} words each` : '';
  console.log(`${out}: ${n} documents in NPL's form${how}, qrels/${split}.tsv`);
}

if (require.main === module) {
  try {
    main();
  } catch (e: unknown) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
