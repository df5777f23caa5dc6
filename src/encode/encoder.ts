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
  /** word-vector row of every vector (-1 for the zero vector of an empty text): lets callers dedupe */
  rows: Int32Array;
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
