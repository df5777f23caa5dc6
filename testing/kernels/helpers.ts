/**
 * Shared by the parity suites (test/kernels/parity.test.ts for cpu, test/gpu/cuda-parity.test.ts for
 * cuda) and by the plain-Node GPU script (bench/gpu/node-parity.ts, which runs from dist/ with no
 * node_modules): seeded random inputs and comparisons that RETURN mismatch descriptions instead of
 * calling jest's expect. It lives in testing/, not test/ (bench/ never imports test/) nor src/ (it
 * does not ship), and imports nothing but the kernel types and the seeded generator.
 *
 * Floats agree within 1e-5 relative with an absolute floor of 1e-5 x the largest magnitude in the
 * row (the reference accumulates in float64, native backends in float32 with FMA). Top-k ids are
 * identical except where two scores are within that tolerance (a tie in float terms).
 */
import type {
  DenseMatrix, ForwardRewardArgs, InverseRewardArgs, Kernels, MultiVectorSet, TopK,
} from '../../src/kernels/types';
import { mulberry32 as rng } from '../../src/random';
export { rng };

// ---- seeded random inputs --------------------------------------------------------------------


let rand = rng(1);
/** Restarts the generator every helper below draws from. */
export function seedRandom(s: number): void {
  rand = rng(s);
}
export const random = (): number => rand();
export const randInt = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

/**
 * Random rankings: `rows` x `width` ids from [0, maxId], distinct within a row (a ranking lists a
 * document once), with about `emptyShare` of the slots (and every slot past maxId + 1) set to -1.
 */
export function rankedRows(rows: number, width: number, maxId: number, emptyShare = 0.1): Int32Array {
  const out = new Int32Array(rows * width).fill(-1);
  for (let r = 0; r < rows; r++) {
    const ids = Array.from({ length: maxId + 1 }, (_, i) => i);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = randInt(0, i);
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    for (let c = 0; c < Math.min(width, ids.length); c++) if (random() >= emptyShare) out[r * width + c] = ids[c];
  }
  return out;
}

export function floats(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rand() * 2 - 1;
  return x;
}

export function ragged(lengths: number[], dim: number): MultiVectorSet {
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((l, i) => { offsets[i + 1] = offsets[i] + l; });
  return { dim, vectors: floats(offsets[lengths.length] * dim), offsets };
}

export const matrix = (rows: number, dim: number): DenseMatrix => ({ rows, dim, data: floats(rows * dim) });

export type MaskKind = 'random' | 'none' | 'all' | 'mixed';
export function masks(set: MultiVectorSet, groups: number, kind: MaskKind): Uint8Array {
  const total = set.offsets[set.offsets.length - 1];
  const m = new Uint8Array(groups * total);
  for (let i = 0; i < m.length; i++) {
    if (kind === 'all') m[i] = 1;
    else if (kind === 'random') m[i] = rand() < 0.5 ? 1 : 0;
    else if (kind === 'mixed') m[i] = rand() < 0.1 ? randInt(1, 255) : 0; // sparse, any non-zero byte keeps
  }
  if (kind === 'mixed' && set.offsets.length > 2) {
    // document 1 keeps everything in every group, document 0 keeps nothing
    const d = 1;
    const s = set.offsets[d];
    const l = set.offsets[d + 1] - s;
    m.fill(1, groups * s, groups * s + groups * l);
    m.fill(0, 0, groups * set.offsets[1]);
  }
  return m;
}

/** Ragged document lengths in [0, 40], the first 1, the third empty, the last 3000 when `long`. */
export function docLengths(count: number, long: boolean): number[] {
  const l: number[] = [];
  for (let i = 0; i < count; i++) l.push(randInt(0, 40));
  l[0] = 1;
  if (count > 2) l[2] = 0;
  if (long) l[count - 1] = 3000;
  return l;
}

export const DIMS = [1, 3, 17, 100, 128, 130];

// ---- comparisons (each returns at most 5 mismatch descriptions; [] = agree) ---------------------

export const REL = 1e-5;

export function maxAbs(a: ArrayLike<number>, start = 0, end = a.length): number {
  let m = 0;
  for (let i = start; i < end; i++) if (Number.isFinite(a[i])) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function close(a: number, b: number, floor: number): boolean {
  if (a === b) return true; // includes equal infinities
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b)) + floor;
}

export function floatMismatches(got: ArrayLike<number>, want: ArrayLike<number>, rowLen: number, what: string): string[] {
  if (got.length !== want.length) return [`${what}: length ${got.length} vs ${want.length}`];
  const bad: string[] = [];
  for (let r = 0; r * rowLen < want.length; r++) {
    const floor = REL * Math.max(maxAbs(want, r * rowLen, (r + 1) * rowLen), 1e-30);
    for (let i = r * rowLen; i < (r + 1) * rowLen; i++) {
      if (!close(got[i], want[i], floor) && bad.length < 5) bad.push(`${what}[${i}]: native ${got[i]} vs ts ${want[i]}`);
    }
  }
  return bad;
}

/** Same width, scores close rank by rank, ids equal except between scores tied within tolerance. */
export function topKMismatches(got: TopK, want: TopK, rows: number, what: string): string[] {
  if (got.k !== want.k) return [`${what}: k ${got.k} vs ${want.k}`];
  if (got.ids.length !== rows * want.k) return [`${what}: ids.length ${got.ids.length} vs ${rows * want.k}`];
  const k = want.k;
  const bad: string[] = [];
  for (let r = 0; r < rows; r++) {
    const floor = REL * Math.max(maxAbs(want.scores, r * k, (r + 1) * k), 1e-30);
    for (let i = 0; i < k; i++) {
      const j = r * k + i;
      if (!close(got.scores[j], want.scores[j], floor)) {
        bad.push(`${what} row ${r} rank ${i}: score native ${got.scores[j]} vs ts ${want.scores[j]}`);
        continue;
      }
      if (got.ids[j] === want.ids[j]) continue;
      // a float tie: the reference has a neighbour within tolerance, or this is the last rank
      const tiedBefore = i > 0 && close(want.scores[j - 1], want.scores[j], 2 * floor);
      const tiedAfter = i + 1 < k && close(want.scores[j + 1], want.scores[j], 2 * floor);
      if (!(tiedBefore || tiedAfter || i === k - 1)) {
        bad.push(`${what} row ${r} rank ${i}: id native ${got.ids[j]} vs ts ${want.ids[j]} (score ${want.scores[j]})`);
      }
    }
    if (bad.length >= 5) break;
  }
  return bad.slice(0, 5);
}

/** Whether pooled vector i's top `depth` (reference arithmetic) holds two scores within tolerance. */
export function hasNearTie(ref: Kernels, args: InverseRewardArgs, i: number, depth: number): boolean {
  const pooled = ref.poolMasked(args);
  const dim = args.docs.dim;
  const v = { rows: 1, dim, data: pooled.slice(i * dim, (i + 1) * dim) };
  const top = ref.scoreTopK({ queries: v, keys: args.queries, k: depth });
  const floor = REL * Math.max(maxAbs(top.scores), 1e-30);
  for (let r = 1; r < top.k; r++) if (close(top.scores[r - 1], top.scores[r], 2 * floor)) return true;
  return false;
}

/** Rewards equal within 1e-6, except where the reference ranking has a float tie in its top k+1. */
export function rewardMismatches(ref: Kernels, got: Float32Array, want: Float32Array, args: InverseRewardArgs,
  depth: number, what: string): string[] {
  if (got.length !== want.length) return [`${what}: length ${got.length} vs ${want.length}`];
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (close(got[i], want[i], 1e-6)) continue;
    if (!hasNearTie(ref, args, i, depth)) bad.push(`${what} reward[${i}] native ${got[i]} vs ts ${want[i]}`);
  }
  return bad;
}

/**
 * Competitor scores for the forward reward as training makes them: per query the k best scores
 * against `competitors` unit vectors (mean-pooled random documents), descending, -Infinity padded
 * when competitors < k.
 */
export function competitorScores(ref: Kernels, queries: DenseMatrix, k: number, competitors: number): DenseMatrix {
  const dim = queries.dim;
  const data = new Float32Array(queries.rows * k).fill(-Infinity);
  if (competitors > 0) {
    const docs = ragged(Array.from({ length: competitors }, () => randInt(1, 6)), dim);
    const keys = { rows: competitors, dim, data: ref.poolMasked({ docs, masks: masks(docs, 1, 'all'), groups: 1 }) };
    const top = ref.scoreTopK({ queries, keys, k });
    for (let q = 0; q < queries.rows; q++) data.set(top.scores.subarray(q * top.k, (q + 1) * top.k), q * k);
  }
  return { rows: queries.rows, dim: k, data };
}

function norm(a: Float32Array, start: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[start + j] * a[start + j];
  return Math.sqrt(s);
}

/**
 * Whether mask i of the forward reward has a float near-tie: one of its document's own queries q
 * scores the (reference) pooled vector v within REL x |q| |v| of one of q's competitor scores, so
 * that float32 arithmetic may put the document on the other side of that competitor. A zero
 * pooled vector scores exactly 0 on every backend and never counts as a near-tie.
 */
export function hasForwardNearTie(ref: Kernels, args: ForwardRewardArgs, i: number): boolean {
  const dim = args.docs.dim;
  const pooled = ref.poolMasked(args);
  const d = Math.floor(i / args.groups);
  const owner = args.docIndex ? args.docIndex[d] : d;
  const k = args.competitorScores.dim;
  const nv = norm(pooled, i * dim, dim);
  for (let q = 0; q < args.queries.rows; q++) {
    if (args.queryOwner[q] !== owner) continue;
    let s = 0;
    for (let j = 0; j < dim; j++) s += args.queries.data[q * dim + j] * pooled[i * dim + j];
    const scale = norm(args.queries.data, q * dim, dim) * nv;
    for (let j = 0; j < k; j++) {
      if (scale > 0 && Math.abs(args.competitorScores.data[q * k + j] - s) <= REL * scale) return true;
    }
  }
  return false;
}

/** Forward rewards equal within 1e-6, except masks with a float near-tie (hasForwardNearTie). */
export function forwardRewardMismatches(ref: Kernels, got: Float32Array, want: Float32Array, args: ForwardRewardArgs,
  what: string, excused?: { n: number }): string[] {
  if (got.length !== want.length) return [`${what}: length ${got.length} vs ${want.length}`];
  const bad: string[] = [];
  for (let i = 0; i < want.length && bad.length < 5; i++) {
    if (close(got[i], want[i], 1e-6)) continue;
    if (hasForwardNearTie(ref, args, i)) {
      if (excused) excused.n++;
    } else {
      bad.push(`${what} reward[${i}] native ${got[i]} vs ts ${want[i]}`);
    }
  }
  return bad;
}

/** Exact equality of two results (typed arrays, TopK objects), as jest's toEqual on them. */
export function sameResult(a: unknown, b: unknown, what: string): string[] {
  const flat = (x: unknown): Array<[string, ArrayLike<number> | number]> => {
    if (ArrayBuffer.isView(x)) return [['', x as unknown as ArrayLike<number>]];
    const o = x as Record<string, unknown>;
    return Object.keys(o).sort().map((key) => [key, o[key] as ArrayLike<number> | number]);
  };
  const fa = flat(a);
  const fb = flat(b);
  if (fa.length !== fb.length) return [`${what}: different shapes`];
  for (let f = 0; f < fa.length; f++) {
    const [ka, va] = fa[f];
    const [kb, vb] = fb[f];
    if (ka !== kb) return [`${what}: field ${ka} vs ${kb}`];
    if (typeof va === 'number' || typeof vb === 'number') {
      const show = (x: ArrayLike<number> | number) => (typeof x === 'number' ? String(x) : `an array of ${x.length}`);
      if (va !== vb) return [`${what}.${ka}: ${show(va)} vs ${show(vb)}`];
      continue;
    }
    if (va.length !== vb.length) return [`${what}.${ka}: length ${va.length} vs ${vb.length}`];
    for (let i = 0; i < va.length; i++) {
      if (!Object.is(va[i], vb[i])) return [`${what}.${ka}[${i}]: ${va[i]} vs ${vb[i]}`];
    }
  }
  return [];
}
