/**
 * Which documents a run trains on. One seeded sample serves `reinpool train`, `reinpool experiment`
 * and the demo, so a seed picks the same documents whichever way a run is started.
 */
import type { MultiVectorSet } from '../kernels/types';
import { Rng } from '../random';

/** Seeded sample of k of `items` (all of them when k >= their count), sorted ascending. */
export function sampleSorted(items: Int32Array, k: number, seed: number, stream: number): Int32Array {
  if (k >= items.length) return Int32Array.from(items).sort();
  const perm = new Rng(seed, stream).permutation(items.length);
  return Int32Array.from(perm.subarray(0, k), (i) => items[i]).sort();
}

/** Seeded sample of k of the set's non-empty documents (an empty one cannot be pooled), sorted. */
export function sampleTrainDocs(docs: MultiVectorSet, k: number, seed: number): Int32Array {
  const n = docs.offsets.length - 1;
  const nonEmpty: number[] = [];
  for (let d = 0; d < n; d++) if (docs.offsets[d + 1] > docs.offsets[d]) nonEmpty.push(d);
  return sampleSorted(Int32Array.from(nonEmpty), k, seed, 555);
}
