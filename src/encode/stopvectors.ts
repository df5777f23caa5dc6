/**
 * Stop vectors: vectors that occur, bit for bit, in more than a share `maxDf` of a corpus's
 * documents. With a static encoder (GloVe here, or any model whose vector depends on the token alone)
 * they are the corpus's most common words, which a per-document policy cannot recognise (it sees one
 * document) and which dominate a mean-pooled vector while telling documents apart least. Found once
 * on the training corpus and saved beside the policy; removed from every document before the policy
 * sees it. A document made only of stop vectors keeps them all, so no document becomes empty.
 * Contextual encoders (ColBERT) rarely repeat a vector exactly: there the filter finds little or
 * nothing and removes nothing, which is safe.
 */
import { keepRows } from '../io/ragged';
import type { MultiVectorSet } from '../kernels/types';

export interface StopVectors {
  dim: number;
  /** the stop vectors, one per row (count x dim) */
  vectors: Float32Array;
  /** the share of the corpus's documents holding each */
  df: Float32Array;
  /** the threshold they were found with: df > maxDf */
  maxDf: number;
  /** documents of the corpus they were counted in */
  corpusDocs: number;
}

// a 53-bit key of a vector's float32 bit patterns (two 32-bit multiplicative hashes; a collision
// between two different vectors of one corpus is about 2^-53 per pair)
function vectorKey(bits: Uint32Array, at: number, dim: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let j = 0; j < dim; j++) {
    const w = bits[at + j];
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul(h2 ^ (w >>> 16 | w << 16), 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return (h1 >>> 0) * 2097152 + ((h2 >>> 0) >>> 11);
}

function bitsOf(set: MultiVectorSet): Uint32Array {
  const v = set.vectors;
  return new Uint32Array(v.buffer, v.byteOffset, v.length);
}

/** The vectors held by more than maxDf of the documents of `set` (maxDf in (0, 1]; 1 finds none). */
export function findStopVectors(set: MultiVectorSet, maxDf: number): StopVectors {
  if (!(maxDf > 0 && maxDf <= 1)) throw new RangeError(`stop vectors: maxDf must be in (0, 1], got ${maxDf}`);
  const { dim, offsets } = set;
  const n = offsets.length - 1;
  const bits = bitsOf(set);
  const df = new Map<number, { count: number; row: number; lastDoc: number }>();
  for (let d = 0; d < n; d++) {
    for (let t = offsets[d]; t < offsets[d + 1]; t++) {
      const k = vectorKey(bits, t * dim, dim);
      const e = df.get(k);
      if (!e) df.set(k, { count: 1, row: t, lastDoc: d });
      else if (e.lastDoc !== d) { e.count++; e.lastDoc = d; }
    }
  }
  const stop = [...df.values()].filter((e) => e.count / n > maxDf).sort((a, b) => b.count - a.count);
  const vectors = new Float32Array(stop.length * dim);
  stop.forEach((e, i) => vectors.set(set.vectors.subarray(e.row * dim, e.row * dim + dim), i * dim));
  return { dim, vectors, df: Float32Array.from(stop, (e) => e.count / n), maxDf, corpusDocs: n };
}

/** 1 for every vector of `set` to keep, 0 for a stop vector (all 1 in a document made only of stop vectors). */
export function stopVectorMask(set: MultiVectorSet, stop: StopVectors): Uint8Array {
  if (stop.dim !== set.dim) throw new RangeError(`stop vectors: dim ${stop.dim} differs from the documents' ${set.dim}`);
  const { dim, offsets } = set;
  const keys = new Set<number>();
  const sb = new Uint32Array(stop.vectors.buffer, stop.vectors.byteOffset, stop.vectors.length);
  for (let i = 0; i < stop.vectors.length / dim; i++) keys.add(vectorKey(sb, i * dim, dim));
  const bits = bitsOf(set);
  const n = offsets.length - 1;
  const mask = new Uint8Array(offsets[n]);
  for (let d = 0; d < n; d++) {
    let kept = 0;
    for (let t = offsets[d]; t < offsets[d + 1]; t++) {
      mask[t] = keys.has(vectorKey(bits, t * dim, dim)) ? 0 : 1;
      kept += mask[t];
    }
    if (kept === 0) mask.fill(1, offsets[d], offsets[d + 1]);
  }
  return mask;
}

/** `set` without its stop vectors (a copy; `set` itself when there are none). */
export function dropStopVectors(set: MultiVectorSet, stop: StopVectors): MultiVectorSet {
  if (stop.vectors.length === 0) return set;
  return keepRows(set, stopVectorMask(set, stop));
}
