/**
 * Whole-set vector arithmetic shared by training, evaluation and the experiment: one vector per query
 * (reduceQueries: against a single pooled document vector v, ColBERT's sum_j max_i <q_j, d_i> becomes
 * <sum_j q_j, v>, so sum is the default), unit rows, and centring on the corpus mean.
 */
import type { DenseMatrix, MultiVectorSet } from '../kernels/types';

export type QueryReduce = 'sum' | 'mean' | 'max';

/**
 * One vector per query: sum (default), mean or element-wise max of its token vectors; empty -> zeros.
 * With `normalize`, each row is scaled to unit length (for sum and mean that is the same vector).
 */
export function reduceQueries(set: MultiVectorSet, mode: QueryReduce = 'sum', normalize = false): DenseMatrix {
  const { dim, vectors, offsets } = set;
  const rows = offsets.length - 1;
  const data = new Float32Array(rows * dim);
  for (let q = 0; q < rows; q++) {
    const a = offsets[q];
    const b = offsets[q + 1];
    if (b === a) continue;
    const o = q * dim;
    if (mode === 'max') {
      data.set(vectors.subarray(a * dim, a * dim + dim), o);
      for (let t = a + 1; t < b; t++) for (let j = 0; j < dim; j++) { const v = vectors[t * dim + j]; if (v > data[o + j]) data[o + j] = v; }
      continue;
    }
    // Accumulate in float64 so long queries do not lose precision.
    const acc = new Float64Array(dim);
    for (let t = a; t < b; t++) for (let j = 0; j < dim; j++) acc[j] += vectors[t * dim + j];
    const s = mode === 'mean' ? 1 / (b - a) : 1;
    for (let j = 0; j < dim; j++) data[o + j] = acc[j] * s;
  }
  const out = { rows, dim, data };
  return normalize ? normalizeRows(out, out.data) : out;
}

/**
 * The one-vector-per-query matrix training ranks with: multi-vector queries reduced (reduceQueries),
 * a matrix taken as it is; unit rows with `normalize`.
 */
export function queryMatrix(queries: MultiVectorSet | DenseMatrix, mode: QueryReduce, normalize: boolean): DenseMatrix {
  if ('offsets' in queries) return reduceQueries(queries, mode, normalize);
  return normalize ? normalizeRows(queries) : queries;
}

/**
 * Scales every row of m to unit length (zero rows stay zero), writing into `into` (a new array by
 * default, so the caller's matrix is never changed).
 */
export function normalizeRows(m: DenseMatrix, into = new Float32Array(m.data.length)): DenseMatrix {
  const { rows, dim, data } = m;
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += data[r * dim + j] * data[r * dim + j];
    const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < dim; j++) into[r * dim + j] = data[r * dim + j] * inv;
  }
  return { rows, dim, data: into };
}

/** The mean of every vector of a set (float64 accumulation). */
export function meanVector(set: MultiVectorSet): Float32Array {
  const { dim, vectors } = set;
  const total = vectors.length / dim;
  const acc = new Float64Array(dim);
  for (let t = 0; t < total; t++) for (let j = 0; j < dim; j++) acc[j] += vectors[t * dim + j];
  return Float32Array.from(acc, (x) => (total > 0 ? x / total : 0));
}

/**
 * A copy of `set` with `mean` subtracted from every vector ("all-but-the-top" centering, Mu and
 * Viswanath 2018, first step). Word vectors share a large common direction that frequent words carry;
 * without centering, a pooled vector that drops frequent words changes its share of that direction
 * and summed queries, which keep theirs, score it by that share rather than by topic. Zero vectors
 * (empty texts) stay zero. Apply the same mean to documents and queries.
 */
export function centerSet<T extends MultiVectorSet>(set: T, mean: Float32Array): T {
  const { dim, vectors } = set;
  if (mean.length !== dim) throw new RangeError(`centerSet: mean has ${mean.length} values for dim ${dim}`);
  const out = new Float32Array(vectors.length);
  for (let t = 0; t < vectors.length / dim; t++) {
    let zero = true;
    for (let j = 0; j < dim && zero; j++) zero = vectors[t * dim + j] === 0;
    if (zero) continue;
    for (let j = 0; j < dim; j++) out[t * dim + j] = vectors[t * dim + j] - mean[j];
  }
  return { ...set, vectors: out };
}
