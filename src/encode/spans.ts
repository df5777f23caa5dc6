/**
 * Synthetic training queries from the vectors alone, for corpora that come as token vectors without
 * text or queries (a user's ColBERT index): each query is a contiguous span of one document's token
 * vectors, and the span is cut OUT of the document the policy trains on (the document's context).
 * This is inverse cloze (./synthetic.ts) on vectors instead of sentences: a pooled context is
 * rewarded for finding its own missing spans among every document's spans, so the policy learns to
 * keep the vectors that stand for the rest of the document, never from any judgement between
 * documents.
 *
 * Per document: `perDoc` spans of `minTokens`..`maxTokens` vectors (uniform), one in each of
 * `perDoc` equal segments of the document so they never overlap; a document keeps at least
 * `minContext` vectors after its cuts, and gets fewer (or no) spans when it is too short for that.
 */
import { keepRows } from '../io/ragged';
import type { MultiVectorSet } from '../kernels/types';
import { Rng } from '../random';
import type { SyntheticQueries } from './synthetic';

export const SPAN_DEFAULTS = { perDoc: 3, minTokens: 4, maxTokens: 16, minContext: 8 };

export interface SpanQueryOptions {
  /** spans per document (default 3) */
  perDoc?: number;
  /** shortest span in vectors (default 4) */
  minTokens?: number;
  /** longest span in vectors (default 16) */
  maxTokens?: number;
  /** vectors a document keeps after its spans are cut out (default 8) */
  minContext?: number;
  seed?: number;
}

export interface SpanQueries extends SyntheticQueries {
  /** every input document with its spans cut out, in input order (a document without a span is whole) */
  contexts: MultiVectorSet;
  /** per query: [start, end) rows within its owner document (before the cut) */
  spans: Int32Array;
}

const posInt = (name: string, v: number, min: number) => {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`spanQueries: ${name} must be an integer >= ${min}, got ${v}`);
};

/** Span queries of `docs` (documents indexed 0..count-1 as in the set; owner[q] is such an index). */
export function spanQueries(docs: MultiVectorSet, opts: SpanQueryOptions = {}): SpanQueries {
  const o = { ...SPAN_DEFAULTS, ...opts };
  posInt('perDoc', o.perDoc, 1);
  posInt('minTokens', o.minTokens, 1);
  posInt('maxTokens', o.maxTokens, o.minTokens);
  posInt('minContext', o.minContext, 1);
  const { dim } = docs;
  const n = docs.offsets.length - 1;
  const rng = new Rng(o.seed ?? 0, 0x5ba5);
  const spans: number[] = [];
  const owner: number[] = [];
  for (let d = 0; d < n; d++) {
    const T = docs.offsets[d + 1] - docs.offsets[d];
    // as many spans as fit: each segment must hold a shortest span, and the context must survive
    let k = o.perDoc;
    while (k > 0 && (Math.floor(T / k) < o.minTokens || T - k * o.minTokens < o.minContext)) k--;
    let removed = 0;
    for (let s = 0; s < k; s++) {
      const lo = Math.floor((s * T) / k);
      const hi = Math.floor(((s + 1) * T) / k);
      // the longest this span may be: its segment, the maximum, and what the context can spare
      const room = Math.min(hi - lo, o.maxTokens, T - o.minContext - removed - (k - 1 - s) * o.minTokens);
      if (room < o.minTokens) break;
      const len = o.minTokens + rng.int(room - o.minTokens + 1);
      const start = lo + rng.int(hi - lo - len + 1);
      spans.push(start, start + len);
      owner.push(d);
      removed += len;
    }
  }
  const q = owner.length;
  const qOffsets = new Int32Array(q + 1);
  for (let i = 0; i < q; i++) qOffsets[i + 1] = qOffsets[i] + spans[2 * i + 1] - spans[2 * i];
  const qVectors = new Float32Array(qOffsets[q] * dim);
  // each span becomes a query and is cut out of its document's context
  const inContext = new Uint8Array(docs.offsets[n]).fill(1);
  for (let i = 0; i < q; i++) {
    const s = docs.offsets[owner[i]] + spans[2 * i];
    const e = docs.offsets[owner[i]] + spans[2 * i + 1];
    qVectors.set(docs.vectors.subarray(s * dim, e * dim), qOffsets[i] * dim);
    inContext.fill(0, s, e);
  }
  const ids = docs.ids;
  return {
    vectors: { dim, vectors: qVectors, offsets: qOffsets, ...(ids ? { ids: owner.map((d) => ids[d]) } : {}) },
    owner: Int32Array.from(owner),
    contexts: keepRows(docs, inContext),
    spans: Int32Array.from(spans),
  };
}
