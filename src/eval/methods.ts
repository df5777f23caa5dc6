/**
 * The retrieval methods compared by evaluate(). A Method turns a corpus (MultiVectorSet) into a
 * MethodIndex: the stored document representation, how queries are encoded for it, and a search that
 * ranks documents for a set of multi-vector queries. All scoring goes through the kernels.
 *
 * Names (exact): maxsim, mean, max, tokenpool-N (N vectors per document; tokenpool = tokenpool-pf2),
 * tokenpool-pfF (pool factor F), muvera (10,240 floats), muvera-100 and muvera-1024 (MUVERA_SIZES), reinpool.
 */
import { isTypedArray } from '../kernels/validate';
import type { DenseMatrix, Kernels, MultiVectorSet, PoolMode, TopK } from '../kernels/types';
import { reduceQueries } from '../encode/vectors';
import type { QueryReduce } from '../encode/vectors';
import { MUVERA_SIZES, MuveraEncoder, MuveraOptions } from './muvera';
import { clusterCount, cutWardTree, wardTree, WardTree } from './ward';


/** A corpus compressor, e.g. a trained ReinPool policy: one row of `dim` floats per document. */
export type CompressFn = (docs: MultiVectorSet) => Float32Array | Promise<Float32Array>;

export interface MethodIndex {
  readonly method: string;
  /** 'single': one vector per document (a DenseMatrix); 'multi': a ragged set searched by MaxSim */
  readonly kind: 'single' | 'multi';
  /** what is stored for the corpus */
  readonly representation: DenseMatrix | MultiVectorSet;
  /** dimension of each stored vector */
  readonly dim: number;
  /** average vectors stored per document */
  readonly vectorsPerDoc: number;
  /** average floats stored per document (vectorsPerDoc x dim) */
  readonly floatsPerDoc: number;
  /** parameters worth reporting (muvera's configuration, tokenpool's target, ...) */
  readonly info: Record<string, number | string | boolean>;
  /** the queries as this method searches them: a DenseMatrix for single-vector methods, else the set */
  encodeQueries(queries: MultiVectorSet): DenseMatrix | MultiVectorSet;
  /** top-k documents (indices into the corpus) for each query, best first */
  search(queries: MultiVectorSet, k: number): Promise<TopK>;
}

export interface Method {
  readonly name: string;
  index(docs: MultiVectorSet, kernels: Kernels): Promise<MethodIndex>;
}

export const METHOD_NAMES = ['maxsim', 'mean', 'max', 'tokenpool', 'muvera', 'reinpool'] as const;

function countOf(set: MultiVectorSet): number {
  return set.offsets.length - 1;
}

function singleIndex(method: string, kernels: Kernels, representation: DenseMatrix,
  encode: (q: MultiVectorSet) => DenseMatrix, info: MethodIndex['info']): MethodIndex {
  return {
    method,
    kind: 'single',
    representation,
    dim: representation.dim,
    vectorsPerDoc: 1,
    floatsPerDoc: representation.dim,
    info,
    encodeQueries: encode,
    search: (queries, k) => kernels.scoreTopKAsync({ queries: encode(queries), keys: representation, k }),
  };
}

/** A MaxSim top-k search over a corpus: the kernel's, or one spread over machines (src/queue) with the same answer. */
export type MaxSimSearch = (queries: MultiVectorSet, docs: MultiVectorSet, k: number) => Promise<TopK>;

function multiIndex(method: string, kernels: Kernels, representation: MultiVectorSet, info: MethodIndex['info'], search?: MaxSimSearch): MethodIndex {
  const count = countOf(representation);
  const vectorsPerDoc = count > 0 ? representation.offsets[count] / count : 0;
  return {
    method,
    kind: 'multi',
    representation,
    dim: representation.dim,
    vectorsPerDoc,
    floatsPerDoc: vectorsPerDoc * representation.dim,
    info,
    encodeQueries: (q) => q,
    search: (queries, k) => (search ? search(queries, representation, k) : kernels.maxSimTopKAsync({ queries, docs: representation, k })),
  };
}

/** Full multi-vector late interaction (ColBERT MaxSim) over every stored vector; `search` replaces the kernel call. */
export function maxsimMethod(search?: MaxSimSearch): Method {
  return { name: 'maxsim', index: async (docs, kernels) => multiIndex('maxsim', kernels, docs, {}, search) };
}

export interface PoolMethodOptions {
  /** L2-normalise the pooled document vector (default true) */
  normalize?: boolean;
  queryReduce?: QueryReduce;
  name?: string;
}

/** All vectors of a document pooled (mean or element-wise max) into one, L2-normalised, via kernels.poolMasked. */
export function poolMethod(mode: PoolMode, opts: PoolMethodOptions = {}): Method {
  const name = opts.name ?? mode;
  const normalize = opts.normalize ?? true;
  const queryReduce = opts.queryReduce ?? 'sum';
  return {
    name,
    index: async (docs, kernels) => {
      const masks = new Uint8Array(docs.offsets[countOf(docs)]).fill(1);
      const data = await kernels.poolMaskedAsync({ docs, masks, groups: 1, mode, normalize });
      const rep: DenseMatrix = { rows: countOf(docs), dim: docs.dim, data };
      return singleIndex(name, kernels, rep, (q) => reduceQueries(q, queryReduce), { pool: mode, normalize, queryReduce });
    },
  };
}

export interface TokenPoolOptions {
  /** clusters per document (min(vectors, T_d)); takes precedence over poolFactor */
  vectors?: number;
  /** clusters = max(1, floor(T_d / poolFactor)); default 2 when vectors is not given */
  poolFactor?: number;
  /** L2-normalise each cluster mean (default true, as the reference implementation does) */
  normalize?: boolean;
  name?: string;
}

// Ward dendrograms depend only on the corpus: built once per corpus object, cut for every tokenpool-N.
const treeCache = new WeakMap<MultiVectorSet, Array<WardTree | undefined>>();

function treeOf(docs: MultiVectorSet, d: number): WardTree {
  let trees = treeCache.get(docs);
  if (!trees) treeCache.set(docs, (trees = new Array<WardTree | undefined>(docs.offsets.length - 1)));
  let t = trees[d];
  if (!t) trees[d] = t = wardTree(docs.vectors, docs.dim, docs.offsets[d], docs.offsets[d + 1] - docs.offsets[d]);
  return t;
}

/**
 * Token pooling by Ward clustering; returns the pooled ragged set (one row per cluster mean, clusters
 * in first-appearance order). The dendrograms are cached per `docs` object (a WeakMap), so pooling
 * the same corpus at several sizes clusters it once; do not mutate docs.vectors in between.
 */
export function tokenPool(docs: MultiVectorSet, opts: TokenPoolOptions = {}): MultiVectorSet {
  const { dim, vectors, offsets } = docs;
  const count = countOf(docs);
  const normalize = opts.normalize ?? true;
  const spec = { vectors: opts.vectors, poolFactor: opts.poolFactor };
  const outOffsets = new Int32Array(count + 1);
  for (let d = 0; d < count; d++) outOffsets[d + 1] = outOffsets[d] + clusterCount(offsets[d + 1] - offsets[d], spec);
  const out = new Float32Array(outOffsets[count] * dim);
  const acc = new Float64Array(dim);
  for (let d = 0; d < count; d++) {
    const t0 = offsets[d];
    const T = offsets[d + 1] - t0;
    const c = outOffsets[d + 1] - outOffsets[d];
    if (c === 0) continue;
    const labels = c === T || c === 1 ? cutWardTree({ n: T, a: new Int32Array(0), b: new Int32Array(0), height: new Float64Array(0) }, c) : cutWardTree(treeOf(docs, d), c);
    for (let k = 0; k < c; k++) {
      acc.fill(0);
      let n = 0;
      for (let t = 0; t < T; t++) {
        if (labels[t] !== k) continue;
        n++;
        const r = (t0 + t) * dim;
        for (let j = 0; j < dim; j++) acc[j] += vectors[r + j];
      }
      let norm2 = 0;
      for (let j = 0; j < dim; j++) {
        acc[j] /= n;
        norm2 += acc[j] * acc[j];
      }
      const inv = normalize && norm2 > 0 ? 1 / Math.sqrt(norm2) : 1;
      const o = (outOffsets[d] + k) * dim;
      for (let j = 0; j < dim; j++) out[o + j] = acc[j] * inv;
    }
  }
  return { dim, vectors: out, offsets: outOffsets, ids: docs.ids };
}

/** Hierarchical-clustering token pooling (Clavie et al. 2024), scored by MaxSim against the pooled vectors. */
export function tokenpoolMethod(opts: TokenPoolOptions = {}): Method {
  if (opts.vectors !== undefined && (!Number.isInteger(opts.vectors) || opts.vectors < 1)) {
    throw new RangeError(`tokenpool: vectors must be a positive integer, got ${opts.vectors}`);
  }
  if (opts.poolFactor !== undefined && !(opts.poolFactor >= 1)) {
    throw new RangeError(`tokenpool: poolFactor must be >= 1, got ${opts.poolFactor}`);
  }
  const name = opts.name ?? (opts.vectors !== undefined ? `tokenpool-${opts.vectors}` : `tokenpool-pf${opts.poolFactor ?? 2}`);
  const info: MethodIndex['info'] = opts.vectors !== undefined ? { vectors: opts.vectors } : { poolFactor: opts.poolFactor ?? 2 };
  info.normalize = opts.normalize ?? true;
  return { name, index: async (docs, kernels) => multiIndex(name, kernels, tokenPool(docs, opts), info) };
}

/** MUVERA fixed dimensional encodings, one vector per document, scored by inner product. */
export function muveraMethod(opts: MuveraOptions & { name?: string } = {}): Method {
  const name = opts.name ?? 'muvera';
  return {
    name,
    index: async (docs, kernels) => {
      const enc = new MuveraEncoder(docs.dim, opts);
      const rep = enc.encodeDocs(docs);
      const c = enc.config;
      return singleIndex(name, kernels, rep, (q) => enc.encodeQueries(q), {
        kSim: c.kSim, dProj: c.dProj, reps: c.reps, dFinal: c.dFinal, fillEmpty: c.fillEmpty, seed: c.seed, fdeDim: enc.fdeDim,
      });
    },
  };
}

/** A learned compressor (ReinPool): `compress` maps the corpus to one vector per document; queries are pooled (sum by default). */
export function reinpoolMethod(compress: CompressFn, opts: { queryReduce?: QueryReduce; name?: string; prepareQueries?: (q: MultiVectorSet) => MultiVectorSet } = {}): Method {
  const name = opts.name ?? 'reinpool';
  const queryReduce = opts.queryReduce ?? 'sum';
  // a policy trained on centred vectors ranks centred queries (OpenPolicy.prepareQueries)
  const prepare = opts.prepareQueries ?? ((q: MultiVectorSet) => q);
  return {
    name,
    index: async (docs, kernels) => {
      const count = countOf(docs);
      const data = await compress(docs);
      if (!isTypedArray(data, 'Float32Array')) throw new TypeError(`${name}: compress must return a Float32Array, got ${typeof data}`);
      if (count > 0 && data.length % count !== 0) {
        throw new RangeError(`${name}: compress returned ${data.length} floats, not a multiple of the ${count} documents`);
      }
      const dim = count > 0 ? data.length / count : docs.dim;
      if (dim !== docs.dim) throw new RangeError(`${name}: compress returned ${dim} floats per document; queries have dim ${docs.dim}`);
      return singleIndex(name, kernels, { rows: count, dim, data }, (q) => reduceQueries(prepare(q), queryReduce), { queryReduce });
    },
  };
}

export interface MethodOptions {
  /** ReinPool compressor; required for 'reinpool' */
  reinpool?: CompressFn;
  /** query pooling for single-vector methods (mean, max, reinpool); default sum */
  queryReduce?: QueryReduce;
  /** L2-normalise mean/max pooled documents (default true) */
  normalize?: boolean;
  muvera?: MuveraOptions;
  tokenpool?: { normalize?: boolean };
}

/** A method from its name: maxsim, mean, max, tokenpool, tokenpool-N, tokenpool-pfF, muvera, reinpool. */
export function methodFromName(name: string, opts: MethodOptions = {}): Method {
  const n = name.trim();
  if (n === 'maxsim') return maxsimMethod();
  if (n === 'mean' || n === 'max') return poolMethod(n, { normalize: opts.normalize, queryReduce: opts.queryReduce });
  if (n === 'tokenpool') return tokenpoolMethod({ poolFactor: 2, normalize: opts.tokenpool?.normalize, name: 'tokenpool' });
  let m = /^tokenpool-(\d+)$/.exec(n);
  if (m) return tokenpoolMethod({ vectors: Number(m[1]), normalize: opts.tokenpool?.normalize });
  m = /^tokenpool-pf(\d+(?:\.\d+)?)$/.exec(n);
  if (m) return tokenpoolMethod({ poolFactor: Number(m[1]), normalize: opts.tokenpool?.normalize });
  if (n === 'muvera') return muveraMethod(opts.muvera);
  m = /^muvera-(\d+)$/.exec(n);
  if (m) {
    const size = MUVERA_SIZES[Number(m[1])];
    if (!size) throw new RangeError(`unknown method '${name}': MUVERA sizes are muvera (10,240 floats), ${Object.keys(MUVERA_SIZES).map((k) => `muvera-${k}`).join(', ')}`);
    return muveraMethod({ ...opts.muvera, ...size, name: n });
  }
  if (n === 'reinpool') {
    if (!opts.reinpool) throw new RangeError("method 'reinpool' needs a compress function (the reinpool option: a trained policy's compress)");
    return reinpoolMethod(opts.reinpool, { queryReduce: opts.queryReduce });
  }
  throw new RangeError(`unknown method '${name}': expected one of maxsim, mean, max, tokenpool, tokenpool-N, tokenpool-pfF, muvera, muvera-100, muvera-1024, reinpool`);
}
