/**
 * Training queries for ReinPool's inverse-retrieval reward. Each query is multi-vector and has an
 * owner (the index of the document it was made for). Three sources:
 *  (a) loadQueryEmbeddings: user-provided query embeddings (any loadMultiVectors layout) + owners;
 *  (b) inverseCloze: sentences (or word windows) sampled from each document's own text;
 *  (c) beirTrainingQueries: a dataset's training queries and qrels (e.g. SciFact qrels/train.tsv).
 * reduceQueries (./vectors) turns them into one vector each.
 */
import type { MultiVectorSet } from '../kernels/types';
import { readBeirQrels, readBeirQueries } from '../io/beir';
import { fileError } from '../io/errors';
import { readIdsFile } from '../io/lines';
import { loadMultiVectors, MultiVectorSpec, TensorRef } from '../io/multivector';
import { readTensorRef } from '../io/tensorfile';
import { encodeTexts } from './encoder';
import type { Encoder } from './encoder';
import { mix32, mulberry32, sampleDistinct } from '../random';
import { splitSentences } from './sentences';
import { knownTokens, tokenize, tokenRows } from './tokenize';
import type { WordVectors } from './wordvectors';

export interface SyntheticQueries {
  /** one multi-vector query per item */
  vectors: MultiVectorSet;
  /** owner[q] = index of the document query q was made for */
  owner: Int32Array;
  /** the query texts, when generated from text */
  texts?: string[];
}

// ---------------------------------------------------------------- (a) user-provided embeddings

export interface QueryEmbeddingSpec extends MultiVectorSpec {
  /** owner document index per query (integer tensor or array) ... */
  owner?: TensorRef | Int32Array;
  /** ... or owner document id per query (a .txt file, a tensor, or a list), resolved through docIds */
  ownerIds?: TensorRef | string[];
  /** the corpus document ids (needed with ownerIds) */
  docIds?: string[];
  /** number of documents, to range-check owners (default docIds.length when given) */
  docCount?: number;
}

export function loadQueryEmbeddings(spec: QueryEmbeddingSpec): SyntheticQueries {
  const vectors = loadMultiVectors(spec);
  const n = vectors.offsets.length - 1;
  let owner: Int32Array;
  let where = spec.file;
  if (spec.owner !== undefined) {
    if (spec.owner instanceof Int32Array) owner = spec.owner;
    else {
      const r = readTensorRef(spec.owner);
      where = r.where;
      if (!(r.tensor.data instanceof Int32Array || r.tensor.data instanceof Uint8Array) || r.tensor.shape.length !== 1) {
        fileError(r.where, `owners must be a 1-D integer array, got dtype ${r.tensor.dtype} shape ${JSON.stringify(r.tensor.shape)}`);
      }
      owner = Int32Array.from(r.tensor.data);
    }
  } else if (spec.ownerIds !== undefined) {
    if (!spec.docIds) throw new RangeError('loadQueryEmbeddings: ownerIds needs docIds');
    let ids: string[];
    if (Array.isArray(spec.ownerIds)) ids = spec.ownerIds;
    else if (typeof spec.ownerIds === 'string' && /\.(txt|tsv|ids)$/i.test(spec.ownerIds)) { ids = readIdsFile(spec.ownerIds); where = spec.ownerIds; }
    else {
      const r = readTensorRef(spec.ownerIds);
      where = r.where;
      ids = Array.isArray(r.tensor.data) ? r.tensor.data : Array.from(r.tensor.data as Int32Array, String);
    }
    const index = new Map(spec.docIds.map((d, i) => [d, i]));
    owner = new Int32Array(ids.length);
    ids.forEach((id, i) => {
      const d = index.get(id);
      if (d === undefined) fileError(where, `query ${i} belongs to document '${id}', which is not in the corpus`);
      owner[i] = d;
    });
  } else {
    throw new RangeError('loadQueryEmbeddings: give owner (indices) or ownerIds (document ids)');
  }
  if (owner.length !== n) fileError(where, `${owner.length} owners for ${n} queries`);
  const docCount = spec.docCount ?? spec.docIds?.length;
  for (let i = 0; i < owner.length; i++) {
    if (owner[i] < 0 || (docCount !== undefined && owner[i] >= docCount)) fileError(where, `owner[${i}] = ${owner[i]} is outside [0, ${docCount ?? 'inf'})`);
  }
  return { vectors, owner };
}

// ---------------------------------------------------------------- (b) inverse cloze

export interface InverseClozeOptions {
  /** queries per document (default 3) */
  perDoc?: number;
  /** PRNG seed (default 0); document d uses mulberry32(mix32(seed, d)) */
  seed?: number;
  /** a sentence needs at least this many in-vocabulary tokens to be a query (default 4) */
  minTokens?: number;
  /** window length in in-vocabulary tokens when sentences run short (default 12; stride = half) */
  window?: number;
  /** probability that a chosen sentence is removed from the returned context text (default 0) */
  removeProb?: number;
  /**
   * longest query in in-vocabulary tokens (default 0: whole sentences). A longer sentence gives a
   * random contiguous span of this many of its tokens, closer to the length of real search queries;
   * windows are cut to this length too.
   */
  maxTokens?: number;
  /**
   * with removal, a document cut into windows (too few sentences) gives at most this share of its
   * known tokens to its windows: min(perDoc, floor(maxCut x tokens / window)) windows, at least one
   * (default 1: perDoc windows whatever the length)
   */
  maxCut?: number;
}

export interface InverseClozeQueries extends SyntheticQueries {
  texts: string[];
  /** each document's text with removed sentences taken out (identical to the input when removeProb = 0) */
  contexts: string[];
  /** per query: 'sentence' or 'window' */
  kinds: ('sentence' | 'window')[];
}

/**
 * Inverse-cloze queries (Lee et al. 2019): per document, `perDoc` distinct sentences with at least
 * `minTokens` in-vocabulary tokens, sampled without replacement in seeded random order. A document with
 * fewer such sentences uses overlapping windows of `window` in-vocabulary tokens (stride window/2, the
 * last window aligned to the end)
 * instead, all of them when there are fewer than `perDoc`; a document with no in-vocabulary token
 * gets no query. Each query is encoded like any text (OOV dropped).
 *
 * Removal: ReinPool's reward ranks ALL synthetic queries against ONE pooled vector per document, so a
 * query has no private context; by default (removeProb 0) the document is left intact and the query
 * text still occurs in it, as a real document contains the answer to a real query. With removeProb p
 * each chosen sentence is cut from `contexts[d]` with probability p (classic ICT uses 0.9); encode the
 * contexts and train on them to make the task less lexical. With removal every query has a context
 * left: the sentence route needs one eligible sentence beyond the `perDoc` queries (a one-sentence
 * document would otherwise be its own query with an empty context), and a document whose cut windows
 * leave fewer than `minTokens` in-vocabulary tokens gets no query at all, as it has no context to
 * train on (its `contexts` entry is its text). Trained on what such cuts leave (a few tokens each),
 * NPL's short documents teach the policy to keep everything (docs/training.md).
 */
export function inverseCloze(wv: WordVectors, docs: string[], opts: InverseClozeOptions = {}): InverseClozeQueries {
  const t = inverseClozeTexts(wv.lookup, docs, opts);
  const vectors = encodeTexts(wv, t.texts, { emptyAs: 'zero' });
  return { vectors: stripExtras(vectors), ...t };
}

/** inverseCloze with any encoder: encoder.lookup decides which tokens count, encoder.encodeTexts encodes the queries. */
export async function inverseClozeWith(encoder: Encoder, docs: string[], opts: InverseClozeOptions = {}): Promise<InverseClozeQueries> {
  const t = inverseClozeTexts(encoder.lookup, docs, opts);
  return { vectors: stripExtras(await encoder.encodeTexts(t.texts, { emptyAs: 'zero' })), ...t };
}

/** The text queries of inverseCloze; tokens count as in the vocabulary when lookup(token) >= 0. */
export type InverseClozeTexts = Omit<InverseClozeQueries, 'vectors'>;

/**
 * inverseCloze without the encoding: the query texts, owners, contexts and kinds, with tokens
 * (tokenize.ts) counted as in-vocabulary when `lookup(token) >= 0` (an Encoder's lookup).
 */
export function inverseClozeTexts(lookup: (word: string) => number, docs: string[], opts: InverseClozeOptions = {}): InverseClozeTexts {
  const wv = { lookup };
  const perDoc = opts.perDoc ?? 3;
  const seed = opts.seed ?? 0;
  const minTokens = opts.minTokens ?? 4;
  const maxTokens = opts.maxTokens ?? 0;
  const window = Math.max(1, Math.min(opts.window ?? 12, maxTokens > 0 ? maxTokens : Infinity));
  const removeProb = opts.removeProb ?? 0;
  const maxCut = opts.maxCut ?? 1;
  // A random contiguous span of at most `n` in-vocabulary tokens of `sentence`.
  const span = (sentence: string, n: number, rng: () => number): string => {
    const toks = knownTokens(sentence, wv.lookup);
    if (toks.length <= n) return sentence;
    const start = Math.floor(rng() * (toks.length - n + 1));
    return toks.slice(start, start + n).join(' ');
  };
  const texts: string[] = [];
  const owners: number[] = [];
  const kinds: ('sentence' | 'window')[] = [];
  const contexts: string[] = [];
  docs.forEach((text, d) => {
    const rng = mulberry32(mix32(seed, d));
    const sentences = splitSentences(text);
    const eligible = sentences.map((s, i) => ({ s, i })).filter(({ s }) => tokenRows(s, wv.lookup).length >= minTokens);
    if (eligible.length >= (removeProb > 0 ? perDoc + 1 : perDoc)) {
      const pick = sampleDistinct(eligible.length, perDoc, rng);
      const removed = new Set<number>();
      for (const p of pick) {
        texts.push(maxTokens > 0 ? span(eligible[p].s, maxTokens, rng) : eligible[p].s);
        owners.push(d);
        kinds.push('sentence');
        if (removeProb > 0 && rng() < removeProb) removed.add(eligible[p].i);
      }
      contexts.push(removed.size ? sentences.filter((_, i) => !removed.has(i)).join(' ') : text);
      return;
    }
    const toks = knownTokens(text, wv.lookup);
    if (toks.length === 0) { contexts.push(text); return; }
    const stride = Math.max(1, Math.floor(window / 2));
    const starts: number[] = [];
    // Windows every `stride` tokens; the last one is aligned to the end so every window is full length.
    for (let s = 0; s + window < toks.length; s += stride) starts.push(s);
    const last = Math.max(0, toks.length - window);
    if (starts.length === 0 || starts[starts.length - 1] !== last) starts.push(last);
    const windowsHere = removeProb > 0 && maxCut < 1 ? Math.max(1, Math.min(perDoc, Math.floor((maxCut * toks.length) / window))) : perDoc;
    const pick = sampleDistinct(starts.length, windowsHere, rng);
    const cut = new Uint8Array(toks.length);
    const windows = pick.map((p) => toks.slice(starts[p], starts[p] + window).join(' '));
    for (const p of pick) if (removeProb > 0 && rng() < removeProb) cut.fill(1, starts[p], starts[p] + window);
    const context = toks.filter((_, i) => !cut[i]);
    // with removal, too short for a query and a context: no query (without removal nothing is cut)
    if (removeProb > 0 && context.length < minTokens) { contexts.push(text); return; }
    for (const w of windows) {
      texts.push(w);
      owners.push(d);
      kinds.push('window');
    }
    contexts.push(context.length < toks.length ? context.join(' ') : text);
  });
  return { owner: Int32Array.from(owners), texts, contexts, kinds };
}

// ---------------------------------------------------------------- (b') keyword queries

/** Options of the word-bag generators (lead; keywords adds perDoc). */
export interface WordQueryOptions {
  /** PRNG seed (default 0); document d uses mulberry32(mix32(seed, d)) */
  seed?: number;
  /** shortest and longest query in words (default [3, 8]; each query's length uniform between) */
  words?: [number, number];
}

export interface KeywordQueryOptions extends WordQueryOptions {
  /** queries per document (default 3) */
  perDoc?: number;
}

/** opts.words, checked: [min, max] with 1 <= min <= max. */
function wordRange(opts: WordQueryOptions, what: string): [number, number] {
  const [minWords, maxWords] = opts.words ?? [3, 8];
  if (!(minWords >= 1 && maxWords >= minWords)) throw new RangeError(`${what} queries: words must be [min, max] with 1 <= min <= max, got [${minWords}, ${maxWords}]`);
  return [minWords, maxWords];
}

/** How many of `texts` hold each in-vocabulary word (once per text), and how many texts there are. */
export interface DocumentFrequencies { df: Map<string, number>; docs: number }

export function documentFrequencies(lookup: (word: string) => number, texts: string[]): DocumentFrequencies {
  const df = new Map<string, number>();
  for (const t of texts) for (const w of new Set(tokenize(t))) if (lookup(w) >= 0) df.set(w, (df.get(w) ?? 0) + 1);
  return { df, docs: texts.length };
}

/**
 * Keyword queries for a corpus without titles: per document, `perDoc` bags of its own words, each word
 * drawn without replacement with probability proportional to tf x idf (idf = ln(N / df) over `freq`,
 * the corpus). A search query names what its document is about in a few words the corpus rarely uses
 * elsewhere ("dielectric constant microwave"); an inverse-cloze sentence instead shares its document's
 * function words, which the reward then pays the policy to keep. A word found in every document
 * (idf 0) is never drawn; a document with fewer distinct drawable words than the shortest query gets
 * none. The documents stay whole: the query's words are in its document, as a real query's are.
 */
export function keywordQueryTexts(lookup: (word: string) => number, docs: string[], freq: DocumentFrequencies, opts: KeywordQueryOptions = {}): { owner: Int32Array; texts: string[] } {
  const perDoc = opts.perDoc ?? 3;
  const seed = opts.seed ?? 0;
  const [minWords, maxWords] = wordRange(opts, 'keyword');
  const texts: string[] = [];
  const owners: number[] = [];
  docs.forEach((text, d) => {
    const tf = new Map<string, number>();
    for (const w of knownTokens(text, lookup)) tf.set(w, (tf.get(w) ?? 0) + 1);
    const words: string[] = [];
    const weights: number[] = [];
    for (const [w, n] of tf) {
      const idf = Math.log(freq.docs / Math.max(1, freq.df.get(w) ?? 1));
      if (idf > 0) { words.push(w); weights.push(n * idf); }
    }
    if (words.length < minWords) return;
    const rng = mulberry32(mix32(seed, d));
    for (let q = 0; q < perDoc; q++) {
      const len = Math.min(words.length, minWords + Math.floor(rng() * (maxWords - minWords + 1)));
      // weighted sampling without replacement (Efraimidis-Spirakis): the len largest u^(1/w)
      const keys = weights.map((w, i) => ({ i, k: Math.log(rng()) / w }));
      keys.sort((a, b) => b.k - a.k);
      texts.push(keys.slice(0, len).map((e) => e.i).sort((a, b) => a - b).map((i) => words[i]).join(' '));
      owners.push(d);
    }
  });
  return { owner: Int32Array.from(owners), texts };
}

/**
 * Lead queries: each document's first 3-8 known words (length seeded per document) as its one query,
 * the rest of the document (known words, in order) as its context; a document needs a context of at
 * least as many known words as its query. A document's opening names its subject, as a title does
 * (the lead of an abstract or a news story), and cut from it the query cannot find itself.
 */
export function leadQueryTexts(lookup: (word: string) => number, docs: string[], opts: WordQueryOptions = {}): { owner: Int32Array; texts: string[]; contexts: string[] } {
  const seed = opts.seed ?? 0;
  const [minWords, maxWords] = wordRange(opts, 'lead');
  const texts: string[] = [];
  const contexts: string[] = [];
  const owners: number[] = [];
  docs.forEach((text, d) => {
    const toks = knownTokens(text, lookup);
    const len = minWords + Math.floor(mulberry32(mix32(seed, d))() * (maxWords - minWords + 1));
    if (toks.length < 2 * len) return;
    texts.push(toks.slice(0, len).join(' '));
    contexts.push(toks.slice(len).join(' '));
    owners.push(d);
  });
  return { owner: Int32Array.from(owners), texts, contexts };
}

function stripExtras(s: MultiVectorSet): MultiVectorSet {
  const out: MultiVectorSet = { dim: s.dim, vectors: s.vectors, offsets: s.offsets };
  if (s.ids) out.ids = s.ids;
  return out;
}

// ---------------------------------------------------------------- (c) a dataset's training queries

export interface BeirTrainingQueries extends SyntheticQueries {
  texts: string[];
  /** the dataset's query id of each item */
  queryIds: string[];
  /** judgements skipped because the document is not in docIds, or the query has no text/vocabulary */
  skipped: number;
}

/**
 * BEIR training queries: one item per relevant (query, document) pair of qrels/SPLIT.tsv (score > 0),
 * in file order; a query judged relevant to two documents appears twice, once per owner. Pairs whose
 * document is not among docIds, or whose query has no in-vocabulary token, are skipped and counted.
 */
export function beirTrainingQueries(wv: WordVectors, dir: string, docIds: string[], split = 'train'): BeirTrainingQueries {
  const t = beirTrainingQueryTexts(wv.lookup, dir, docIds, split);
  const vectors = stripExtras(encodeTexts(wv, t.texts, { ids: t.queryIds }));
  return { vectors, ...t };
}

/** beirTrainingQueries with any encoder (see inverseClozeWith). */
export async function beirTrainingQueriesWith(encoder: Encoder, dir: string, docIds: string[], split = 'train'): Promise<BeirTrainingQueries> {
  const t = beirTrainingQueryTexts(encoder.lookup, dir, docIds, split);
  return { vectors: stripExtras(await encoder.encodeTexts(t.texts, { ids: t.queryIds })), ...t };
}

/** beirTrainingQueries without the encoding (see inverseClozeTexts for `lookup`). */
export function beirTrainingQueryTexts(lookup: (word: string) => number, dir: string, docIds: string[], split = 'train'): Omit<BeirTrainingQueries, 'vectors'> {
  const wv = { lookup };
  const queries = new Map(readBeirQueries(dir).map((q) => [q.id, q.text]));
  const docIndex = new Map(docIds.map((d, i) => [d, i]));
  const texts: string[] = [];
  const owners: number[] = [];
  const queryIds: string[] = [];
  let skipped = 0;
  for (const e of readBeirQrels(dir, split)) {
    if (!(e.rel > 0)) continue;
    const d = docIndex.get(e.docid);
    const text = queries.get(e.qid);
    if (d === undefined || text === undefined || tokenRows(text, wv.lookup).length === 0) { skipped++; continue; }
    texts.push(text);
    owners.push(d);
    queryIds.push(e.qid);
  }
  return { owner: Int32Array.from(owners), texts, queryIds, skipped };
}
