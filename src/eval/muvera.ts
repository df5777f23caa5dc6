/**
 * MUVERA fixed dimensional encodings (Dhulipala et al. 2024, "MUVERA: Multi-Vector Retrieval via
 * Fixed Dimensional Encodings"). A multi-vector set becomes ONE vector whose inner product
 * approximates the Chamfer (MaxSim) similarity:
 *
 * - per repetition r = 1..R: k_sim Gaussian hyperplanes (SimHash) split space into B = 2^k_sim
 *   buckets; each vector x goes to bucket bits(sign(<g_i, x>));
 * - each vector is projected to d_proj dimensions by a random +-1 matrix scaled 1/sqrt(d_proj)
 *   (no projection when d_proj >= dim);
 * - queries: block b = SUM of the projected query vectors in bucket b;
 *   documents: block b = MEAN of the projected document vectors in bucket b, and an empty bucket is
 *   filled with the document vector whose SimHash code is nearest in Hamming distance to b;
 * - the R blocks of B x d_proj are concatenated (dimension R * 2^k_sim * d_proj), then optionally
 *   projected to d_final by a random +-1 matrix scaled 1/sqrt(d_final).
 *
 * Everything random is drawn from `seed`; documents and queries must be encoded by the same encoder.
 */
import type { DenseMatrix, MultiVectorSet } from '../kernels/types';
import { Rng } from '../random';

export interface MuveraOptions {
  /** SimHash bits per repetition (buckets = 2^kSim), default 5 */
  kSim?: number;
  /** inner projection dimension, default 16 (>= dim means no projection) */
  dProj?: number;
  /** repetitions, default 20 */
  reps?: number;
  /** final projection dimension, default 0 = none */
  dFinal?: number;
  /** fill empty document buckets from the nearest point (default true) */
  fillEmpty?: boolean;
  /** default 42 */
  seed?: number;
}

/**
 * MUVERA at smaller sizes for equal-bytes comparisons: floats per document -> settings, each the best
 * of a small grid on SciFact's development queries (qrels/train.tsv; docs/eval.md has the grid). The
 * default (kSim 5, dProj 16, 20 repetitions) is 10,240 floats.
 */
export const MUVERA_SIZES: Record<number, MuveraOptions> = {
  100: { kSim: 2, dProj: 5, reps: 5 },
  1024: { kSim: 4, dProj: 16, reps: 4 },
};

export interface MuveraConfig {
  kSim: number;
  dProj: number;
  reps: number;
  dFinal: number;
  fillEmpty: boolean;
  seed: number;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

export class MuveraEncoder {
  readonly config: MuveraConfig;
  /** dimension of one encoding */
  readonly outDim: number;
  /** dimension before the final projection */
  readonly fdeDim: number;
  private readonly buckets: number;
  private readonly proj: number;
  private readonly hyper: Float32Array[]; // per rep: kSim x dim
  private readonly inner: Float32Array[] | null; // per rep: dProj x dim (+-1/sqrt(dProj))
  private readonly final: Int8Array | null; // dFinal x fdeDim signs
  /** all reps' hyperplanes then projections as one row-major matrix: reps x (kSim + proj) rows of dim */
  private readonly combined: Float64Array;

  constructor(readonly dim: number, opts: MuveraOptions = {}) {
    const kSim = opts.kSim ?? 5;
    const reps = opts.reps ?? 20;
    const dProjReq = opts.dProj ?? 16;
    const dFinal = opts.dFinal ?? 0;
    if (!Number.isInteger(kSim) || kSim < 0 || kSim > 16) throw new RangeError(`muvera: kSim must be an integer in [0, 16], got ${kSim}`);
    if (!Number.isInteger(reps) || reps < 1) throw new RangeError(`muvera: reps must be a positive integer, got ${reps}`);
    if (!Number.isInteger(dProjReq) || dProjReq < 1) throw new RangeError(`muvera: dProj must be a positive integer, got ${dProjReq}`);
    if (!Number.isInteger(dFinal) || dFinal < 0) throw new RangeError(`muvera: dFinal must be a non-negative integer, got ${dFinal}`);
    const seed = opts.seed ?? 42;
    this.proj = Math.min(dProjReq, dim);
    this.buckets = 1 << kSim;
    this.fdeDim = reps * this.buckets * this.proj;
    this.outDim = dFinal > 0 ? dFinal : this.fdeDim;
    this.config = { kSim, dProj: this.proj, reps, dFinal, fillEmpty: opts.fillEmpty ?? true, seed };

    const rnd = new Rng(seed, 7);
    this.hyper = [];
    for (let r = 0; r < reps; r++) {
      const g = new Float32Array(kSim * dim);
      for (let i = 0; i < g.length; i++) g[i] = rnd.normal();
      this.hyper.push(g);
    }
    if (this.proj < dim) {
      this.inner = [];
      const s = 1 / Math.sqrt(this.proj);
      for (let r = 0; r < reps; r++) {
        const m = new Float32Array(this.proj * dim);
        for (let i = 0; i < m.length; i++) m[i] = rnd.sign() * s;
        this.inner.push(m);
      }
    } else {
      this.inner = null;
    }
    const rowsPerRep = kSim + (this.inner ? this.proj : 0);
    this.combined = new Float64Array(reps * rowsPerRep * dim);
    for (let r = 0; r < reps; r++) {
      this.combined.set(this.hyper[r], r * rowsPerRep * dim);
      if (this.inner) this.combined.set(this.inner[r], (r * rowsPerRep + kSim) * dim);
    }
    if (dFinal > 0) {
      this.final = new Int8Array(dFinal * this.fdeDim);
      for (let i = 0; i < this.final.length; i++) this.final[i] = rnd.sign();
    } else {
      this.final = null;
    }
  }

  /** Document encodings (count x outDim): bucket means, empty buckets filled. */
  encodeDocs(set: MultiVectorSet): DenseMatrix {
    return this.encode(set, true);
  }

  /** Query encodings (count x outDim): bucket sums. */
  encodeQueries(set: MultiVectorSet): DenseMatrix {
    return this.encode(set, false);
  }

  private encode(set: MultiVectorSet, isDoc: boolean): DenseMatrix {
    if (set.dim !== this.dim) throw new RangeError(`muvera: set.dim ${set.dim} differs from the encoder's dim ${this.dim}`);
    const { dim, proj, buckets } = this;
    const kSim = this.config.kSim;
    const count = set.offsets.length - 1;
    const out = new Float32Array(count * this.outDim);
    const fde = new Float64Array(this.fdeDim);
    const counts = new Int32Array(buckets);

    const reps = this.config.reps;
    const rowsPerRep = kSim + (this.inner ? proj : 0);
    const W = this.combined;
    const x = new Float64Array(dim);
    const y = new Float64Array(reps * rowsPerRep);
    // per token and rep: its code and its projection, for the documents' empty-bucket filling
    let codes = new Int32Array(0);
    let projected = new Float64Array(0);

    for (let d = 0; d < count; d++) {
      const t0 = set.offsets[d];
      const T = set.offsets[d + 1] - t0;
      if (codes.length < T * reps) {
        codes = new Int32Array(T * reps);
        projected = new Float64Array(T * reps * proj);
      }
      fde.fill(0);
      for (let t = 0; t < T; t++) {
        const row = (t0 + t) * dim;
        for (let j = 0; j < dim; j++) x[j] = set.vectors[row + j];
        for (let i = 0, w = 0; i < y.length; i++, w += dim) {
          let s0 = 0;
          let s1 = 0;
          let j = 0;
          for (; j + 1 < dim; j += 2) {
            s0 += W[w + j] * x[j];
            s1 += W[w + j + 1] * x[j + 1];
          }
          if (j < dim) s0 += W[w + j] * x[j];
          y[i] = s0 + s1;
        }
        for (let r = 0; r < reps; r++) {
          const yr = r * rowsPerRep;
          let code = 0;
          for (let b = 0; b < kSim; b++) if (y[yr + b] > 0) code |= 1 << b;
          codes[t * reps + r] = code;
          const p = (t * reps + r) * proj;
          if (this.inner) for (let i = 0; i < proj; i++) projected[p + i] = y[yr + kSim + i];
          else for (let i = 0; i < proj; i++) projected[p + i] = x[i];
          const o = r * buckets * proj + code * proj;
          for (let i = 0; i < proj; i++) fde[o + i] += projected[p + i];
        }
      }
      if (isDoc) {
        for (let r = 0; r < reps; r++) {
          counts.fill(0);
          for (let t = 0; t < T; t++) counts[codes[t * reps + r]]++;
          const base = r * buckets * proj;
          for (let b = 0; b < buckets; b++) {
            const o = base + b * proj;
            if (counts[b] > 0) {
              const inv = 1 / counts[b];
              for (let i = 0; i < proj; i++) fde[o + i] *= inv;
            } else if (this.config.fillEmpty && T > 0) {
              let best = 0;
              let bestH = Infinity;
              for (let t = 0; t < T; t++) {
                const h = popcount(codes[t * reps + r] ^ b);
                if (h < bestH) {
                  bestH = h;
                  best = t;
                }
              }
              const p = (best * reps + r) * proj;
              for (let i = 0; i < proj; i++) fde[o + i] = projected[p + i];
            }
          }
        }
      }
      const dst = d * this.outDim;
      if (this.final) {
        const s = 1 / Math.sqrt(this.outDim);
        const F = this.fdeDim;
        for (let i = 0; i < this.outDim; i++) {
          let acc = 0;
          const fi = i * F;
          for (let j = 0; j < F; j++) acc += this.final[fi + j] * fde[j];
          out[dst + i] = acc * s;
        }
      } else {
        for (let i = 0; i < this.outDim; i++) out[dst + i] = fde[i];
      }
    }
    return { rows: count, dim: this.outDim, data: out };
  }
}
