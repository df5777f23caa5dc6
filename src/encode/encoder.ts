/**
 * Text -> multi-vector: each in-vocabulary token becomes its unit-norm GloVe vector (see tokenize.ts
 * for the tokenizer and the OOV rule). A text is a T x dim matrix; a corpus is a MultiVectorSet.
 *
 * Empty rule: a text with no in-vocabulary token becomes ONE zero vector (emptyAs 'zero', the default),
 * so it stays in the set at its index, every dot product with it is 0 (it neither wins nor breaks
 * MaxSim, which would score an empty document -Infinity), and pooling keeps it a zero vector. Its index
 * is reported in `empty`. emptyAs 'none' keeps it with no vectors; 'error' throws.
 */
import type { MultiVectorSet } from '../kernels/types';
import { tokenRows } from './tokenize';
import { loadWordVectors, WordVectorOptions, WordVectors } from './wordvectors';

export type EmptyRule = 'zero' | 'none' | 'error';

export interface EncodedSet extends MultiVectorSet {
  /** indices of texts with no in-vocabulary token */
  empty: number[];
  /** word-vector row (GloVe) or SentencePiece id (use) of every vector (-1 for the zero vector of an empty text): lets callers dedupe */
  rows: Int32Array;
  /** --encoder use: whether the vectors were read from its on-disk cache or encoded (and cached) */
  origin?: { kind: 'cache' | 'encoded'; file?: string; ms: number };
}

export interface EncodeOptions {
  emptyAs?: EmptyRule;
  ids?: string[];
}

/** T x dim unit-norm token vectors of `text` (T = 0 when nothing is in the vocabulary). */
export function encodeText(wv: WordVectors, text: string): Float32Array {
  const rows = tokenRows(text, wv.lookup);
  return gather(wv, rows);
}

function gather(wv: WordVectors, rows: Int32Array, out?: Float32Array, at = 0): Float32Array {
  const d = wv.dim;
  const o = out ?? new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) {
    if (rows[i] >= 0) o.set(wv.matrix.subarray(rows[i] * d, rows[i] * d + d), at + i * d);
  }
  return o;
}

export function encodeTexts(wv: WordVectors, texts: string[], opts: EncodeOptions = {}): EncodedSet {
  const emptyAs = opts.emptyAs ?? 'zero';
  const perText = new Array<Int32Array>(texts.length);
  const empty: number[] = [];
  const offsets = new Int32Array(texts.length + 1);
  for (let i = 0; i < texts.length; i++) {
    let r = tokenRows(texts[i], wv.lookup);
    if (r.length === 0) {
      if (emptyAs === 'error') throw new RangeError(`encode: text ${i}${opts.ids ? ` ('${opts.ids[i]}')` : ''} has no in-vocabulary token`);
      empty.push(i);
      if (emptyAs === 'zero') r = Int32Array.of(-1);
    }
    perText[i] = r;
    offsets[i + 1] = offsets[i] + r.length;
  }
  const total = offsets[texts.length];
  const rows = new Int32Array(total);
  perText.forEach((r, i) => rows.set(r, offsets[i]));
  const vectors = gather(wv, rows);
  const set: EncodedSet = { dim: wv.dim, vectors, offsets, empty, rows };
  if (opts.ids) {
    if (opts.ids.length !== texts.length) throw new RangeError(`encode: ${opts.ids.length} ids for ${texts.length} texts`);
    set.ids = opts.ids;
  }
  return set;
}

/** A text encoder bound to loaded word vectors: encodeText(text), encodeTexts(texts). */
export interface TextEncoder {
  readonly vectors: WordVectors;
  readonly dim: number;
  encodeText(text: string): Float32Array;
  encodeTexts(texts: string[], opts?: EncodeOptions): EncodedSet;
}

export function createTextEncoder(opts: WordVectorOptions = {}): TextEncoder {
  const wv = loadWordVectors(opts);
  return {
    vectors: wv,
    dim: wv.dim,
    encodeText: (text) => encodeText(wv, text),
    encodeTexts: (texts, o) => encodeTexts(wv, texts, o),
  };
}

// ---------------------------------------------------------------- the encoder choice (--encoder)

export const ENCODER_NAMES = ['glove', 'use'] as const;
export type EncoderName = (typeof ENCODER_NAMES)[number];

/**
 * What the commands (encode, experiment, demo) encode text with: documents, test queries and
 * synthetic queries all go through encodeTexts, so queries are encoded exactly like documents.
 *   glove  GloVe 6B 100-d word vectors (this file): one unit-norm vector per in-vocabulary token.
 *   use    Universal Sentence Encoder lite per-piece vectors (use.ts), 512-d, contextual, L2-normalised.
 */
export interface Encoder {
  readonly name: EncoderName;
  /** recorded in output metadata ('glove-6b-100d', or use.ts USE_MODEL_ID) */
  readonly id: string;
  readonly dim: number;
  /** one line for logs and reports */
  readonly describe: string;
  /**
   * which tokens (tokenize.ts) count for the inverse-cloze length rules: >= 0 counts. GloVe: the
   * word's vocabulary row (-1 out of vocabulary); use: every token (its pieces cover any text)
   */
  readonly lookup: (word: string) => number;
  /** the text of the token a vector encodes (EncodedSet.rows): GloVe's word, use's SentencePiece piece */
  readonly token: (id: number) => string;
  encodeTexts(texts: string[], opts?: EncodeOptions): Promise<EncodedSet>;
}

export interface EncoderOptions {
  /** GloVe's word-vector cache and use's vector cache directory */
  cacheDir?: string;
  log?: (msg: string) => void;
  /** use: false = neither read nor write its cache */
  cache?: boolean;
}

/** Loads an encoder. `use` is imported only here, and its model (and tfjs) only on its first encode. */
export async function loadEncoder(name: EncoderName, opts: EncoderOptions = {}): Promise<Encoder> {
  if (name === 'glove') {
    const wv = loadWordVectors({ ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), log: opts.log });
    return {
      name, id: 'glove-6b-100d', dim: wv.dim, lookup: wv.lookup, token: wv.word,
      describe: `GloVe 6B ${wv.dim}-d word vectors (${wv.count} words; ${wv.origin.kind}, ${wv.origin.ms} ms)`,
      encodeTexts: async (texts, o) => encodeTexts(wv, texts, o),
    };
  }
  if (name === 'use') {
    const use = await import('./use');
    use.resolveUseModelDir(); // fails now, naming --encoder and the packages, if the model is not installed
    return {
      name, id: use.USE_MODEL_ID, dim: use.USE_DIM, lookup: () => 0, token: (id) => use.useTokenizer().piece(id),
      describe: `Universal Sentence Encoder lite per-piece vectors (${use.USE_MODEL_ID}, ${use.USE_DIM}-d, windows of ${use.MAX_PIECES} pieces every ${use.STRIDE})`,
      encodeTexts: (texts, o) => use.encodeTextsUse(texts, { ...o, cacheDir: opts.cacheDir, log: opts.log, cache: opts.cache }),
    };
  }
  throw new RangeError(`--encoder: expected one of ${ENCODER_NAMES.join(', ')}, got '${String(name)}'`);
}
