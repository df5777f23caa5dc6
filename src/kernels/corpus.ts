/**
 * The corpus handle (Kernels.createCorpus): argument checks shared by every backend, and the host
 * implementation that the ts and cpu backends use (and cuda falls back to), which closes over the
 * caller's arrays and calls the stateless kernels. The cuda backend's device-resident handle lives
 * in the addon (native/addon/addon.cpp) and is wrapped in native.ts.
 *
 * This module is a leaf like the rest of src/kernels: it imports nothing from npm.
 */
import type {
  BackendName, CorpusArgs, CorpusPoolArgs, CorpusQueryTopKArgs, CorpusRewardArgs, DenseMatrix,
  Kernels, KernelCorpus, MultiVectorSet, TopK,
} from './types';
import {
  checkInt, checkInt32, checkMatrix, checkObject, checkSet, checkUint8,
} from './validate';

function fail(fn: string, msg: string, type: 'type' | 'range' = 'range'): never {
  const text = `${fn}: ${msg}`;
  throw type === 'type' ? new TypeError(text) : new RangeError(text);
}

/** What a validated createCorpus argument describes. */
export interface CorpusShape { count: number; dim: number; queries: number; offsets: Int32Array }

/** Validates createCorpus's argument (same order and wording as the addon's checks). */
export function checkCorpusArgs(fn: string, a: unknown): CorpusShape {
  checkObject(fn, 'args', a);
  const { count } = checkSet(fn, 'docs', a.docs);
  const docs = a.docs as MultiVectorSet;
  let queries = 0;
  if (a.queries !== undefined) {
    const q = checkMatrix(fn, 'queries', a.queries, docs.dim);
    const owner = checkInt32(fn, 'queryOwner', a.queryOwner);
    if (owner.length !== q.rows) fail(fn, `queryOwner has ${owner.length} entries for ${q.rows} queries`);
    queries = q.rows;
  } else if (a.queryOwner !== undefined) {
    fail(fn, 'queryOwner is given without queries', 'type');
  }
  if (a.precision !== undefined && a.precision !== 'fp32' && a.precision !== 'tf32' && a.precision !== 'bf16') {
    fail(fn, "precision must be 'fp32', 'tf32' or 'bf16'", 'type');
  }
  return { count, dim: docs.dim, queries, offsets: docs.offsets };
}

/** Validates a pool/reward batch against the corpus; returns the number of batch vectors. */
export function checkCorpusBatch(fn: string, a: unknown, shape: CorpusShape): { rows: number } {
  checkObject(fn, 'args', a);
  const batchDocs = checkInt32(fn, 'batchDocs', a.batchDocs);
  const off = shape.offsets;
  let rows = 0;
  for (let i = 0; i < batchDocs.length; i++) {
    const d = batchDocs[i];
    if (d < 0 || d >= shape.count) fail(fn, `batchDocs[${i}] must be a document index in [0, ${shape.count - 1}], got ${d}`);
    rows += off[d + 1] - off[d];
  }
  const groups = checkInt(fn, 'groups', a.groups, 1, 1 << 16);
  const masks = checkUint8(fn, 'masks', a.masks);
  if (masks.length !== groups * rows) {
    fail(fn, `masks has ${masks.length} bytes, expected groups ${groups} x ${rows} vectors of the batch documents = ${groups * rows}`);
  }
  if (batchDocs.length * groups > 0x7fffffff) fail(fn, 'batchDocs.length x groups is too large');
  if (a.mode !== undefined && a.mode !== 'mean' && a.mode !== 'max') fail(fn, `mode must be 'mean' or 'max', got ${String(a.mode)}`, 'type');
  if (a.normalize !== undefined && typeof a.normalize !== 'boolean') fail(fn, `normalize must be a boolean, got ${typeof a.normalize}`, 'type');
  return { rows };
}

export function checkCorpusReward(fn: string, a: unknown, shape: CorpusShape): void {
  checkCorpusBatch(fn, a, shape);
  const args = a as unknown as CorpusRewardArgs;
  if (args.docIndex !== undefined) {
    const di = checkInt32(fn, 'docIndex', args.docIndex);
    if (di.length !== args.batchDocs.length) fail(fn, `docIndex has ${di.length} entries for ${args.batchDocs.length} batch documents`);
  }
  if (args.k !== undefined) checkInt(fn, 'k', args.k, 1);
  if (shape.queries < 1) fail(fn, 'the corpus was created without queries');
}

export function checkCorpusQueryTopK(fn: string, a: unknown, shape: CorpusShape): void {
  checkObject(fn, 'args', a);
  checkMatrix(fn, 'vectors', a.vectors, shape.dim);
  checkInt(fn, 'k', a.k, 1);
}

/**
 * The batch documents as their own ragged set: a view (no copy of the vectors) when batchDocs is a
 * run of consecutive indices, else a gathered copy.
 */
export function gatherDocs(docs: MultiVectorSet, batchDocs: Int32Array): MultiVectorSet {
  const { dim, vectors, offsets } = docs;
  const n = batchDocs.length;
  const out = new Int32Array(n + 1);
  let consecutive = true;
  for (let b = 0; b < n; b++) {
    const d = batchDocs[b];
    out[b + 1] = out[b] + offsets[d + 1] - offsets[d];
    if (b > 0 && d !== batchDocs[b - 1] + 1) consecutive = false;
  }
  if (n === 0) return { dim, vectors: new Float32Array(0), offsets: out };
  if (consecutive) {
    const a = offsets[batchDocs[0]];
    return { dim, vectors: vectors.subarray(a * dim, (a + out[n]) * dim), offsets: out };
  }
  const v = new Float32Array(out[n] * dim);
  for (let b = 0; b < n; b++) {
    const d = batchDocs[b];
    v.set(vectors.subarray(offsets[d] * dim, offsets[d + 1] * dim), out[b] * dim);
  }
  return { dim, vectors: v, offsets: out };
}

const EMPTY_QUERIES = (dim: number): DenseMatrix => ({ rows: 0, dim, data: new Float32Array(0) });

/**
 * A corpus handle on top of any backend's stateless kernels: it keeps references to the caller's
 * arrays (no copy) and gathers the batch documents per call. Validation of the handle's own
 * arguments happens here; the kernels then validate what they are given.
 */
export function hostCorpus(K: Kernels, args: CorpusArgs, shape: CorpusShape = checkCorpusArgs('createCorpus', args)): KernelCorpus {
  const docs = args.docs;
  const queries = args.queries ?? EMPTY_QUERIES(docs.dim);
  const queryOwner = args.queryOwner ?? new Int32Array(0);
  let disposed = false;
  const live = (fn: string) => { if (disposed) fail(fn, 'the corpus has been disposed', 'type'); };
  const poolArgs = (a: CorpusPoolArgs) => ({
    docs: gatherDocs(docs, a.batchDocs), masks: a.masks, groups: a.groups, mode: a.mode, normalize: a.normalize,
  });
  const rewardArgs = (a: CorpusRewardArgs) => ({
    ...poolArgs(a), queries, queryOwner, docIndex: a.docIndex ?? a.batchDocs, k: a.k,
  });
  const pool = (a: CorpusPoolArgs) => { checkCorpusBatch('corpus.pool', a, shape); live('corpus.pool'); return poolArgs(a); };
  const reward = (a: CorpusRewardArgs) => { checkCorpusReward('corpus.reward', a, shape); live('corpus.reward'); return rewardArgs(a); };
  const topk = (a: CorpusQueryTopKArgs) => {
    checkCorpusQueryTopK('corpus.queryTopK', a, shape);
    live('corpus.queryTopK');
    return { queries: a.vectors, keys: queries, k: a.k };
  };
  const reject = <A, R>(prep: (a: A) => unknown, run: (p: never) => Promise<R>) => (a: A): Promise<R> => {
    let p: unknown;
    try {
      p = prep(a);
    } catch (e) {
      return Promise.reject(e);
    }
    return run(p as never);
  };
  return {
    get backend(): BackendName { return K.name; },
    count: shape.count,
    dim: shape.dim,
    queries: shape.queries,
    pool: (a) => K.poolMasked(pool(a)),
    reward: (a) => K.inverseRetrievalReward(reward(a)),
    queryTopK: (a): TopK => K.scoreTopK(topk(a)),
    poolAsync: reject(pool, (p) => K.poolMaskedAsync(p)),
    rewardAsync: reject(reward, (p) => K.inverseRetrievalRewardAsync(p)),
    queryTopKAsync: reject(topk, (p) => K.scoreTopKAsync(p)),
    dispose: () => { disposed = true; },
  };
}
