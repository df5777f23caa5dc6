/**
 * Ragged documents -> padded dense batches for the policy network. A batch is padded to its longest
 * document; the 0/1 mask marks real vectors so padding never reaches a real logit or the loss.
 */
import type { MultiVectorSet } from '../kernels/types';

export interface PaddedBatch {
  /** documents in the batch (corpus-wide indices into the set) */
  docs: Int32Array;
  B: number;
  /** padded length = max length in the batch (at least 1) */
  T: number;
  D: number;
  /** B x T x D, zero at padding */
  x: Float32Array;
  /** B x T, 1 for real vectors, 0 for padding */
  mask: Float32Array;
  lengths: Int32Array;
}

export function padBatch(set: MultiVectorSet, docs: ArrayLike<number>): PaddedBatch {
  const B = docs.length;
  const D = set.dim;
  const lengths = new Int32Array(B);
  let T = 1;
  for (let b = 0; b < B; b++) {
    const d = docs[b];
    lengths[b] = set.offsets[d + 1] - set.offsets[d];
    if (lengths[b] > T) T = lengths[b];
  }
  const x = new Float32Array(B * T * D);
  const mask = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const start = set.offsets[docs[b]];
    x.set(set.vectors.subarray(start * D, (start + lengths[b]) * D), b * T * D);
    mask.fill(1, b * T, b * T + lengths[b]);
  }
  return { docs: Int32Array.from(docs), B, T, D, x, mask, lengths };
}

/**
 * Splits documents into chunks for inference: sorted by length (less padding), each chunk holding at
 * most `maxVectors` padded vectors (B * T) and, when `maxAttention` is given, B * T * T attention cells.
 */
export function lengthChunks(set: MultiVectorSet, maxVectors: number, maxAttention = Infinity): Int32Array[] {
  const n = set.offsets.length - 1;
  const order = Array.from({ length: n }, (_, i) => i);
  const len = (d: number) => set.offsets[d + 1] - set.offsets[d];
  order.sort((a, b) => len(a) - len(b) || a - b);
  const chunks: Int32Array[] = [];
  let cur: number[] = [];
  for (const d of order) {
    const T = Math.max(1, len(d)); // sorted: this doc is the longest so far in the chunk
    const B = cur.length + 1;
    if (cur.length > 0 && (B * T > maxVectors || B * T * T > maxAttention)) {
      chunks.push(Int32Array.from(cur));
      cur = [];
    }
    cur.push(d);
  }
  if (cur.length) chunks.push(Int32Array.from(cur));
  return chunks;
}
