/**
 * The corpus handle (Kernels.createCorpus): the one list of its methods with their argument checks
 * (shared by every backend), and the host implementation that the ts and cpu backends use (and cuda
 * falls back to), which closes over the caller's arrays and calls the stateless kernels. The cuda
 * backend's device-resident handle lives in the addon and is wrapped in device-corpus.ts.
 *
 * This module is a leaf like the rest of src/kernels: it imports nothing from npm.
 */
import type {
  BackendName, CorpusArgs, CorpusForwardRewardArgs, CorpusPoolArgs, CorpusQueryTopKArgs, CorpusRewardArgs,
  DenseMatrix, ForwardRewardArgs, InverseRewardArgs, KernelCorpus, Kernels, MultiVectorSet, PoolMaskedArgs,
  ScoreTopKArgs,
} from './types';
import { call } from './list';
import type { AnyKernel, KernelName } from './list';
import { rejectOnThrow } from './promise';
import {
  checkInt, checkInt32, checkMatrix, checkObject, checkSet, checkUint8, shown,
} from './validate';

function fail(fn: string, msg: string, type: 'type' | 'range' = 'range'): never {
  const text = `${fn}: ${msg}`;
  throw type === 'type' ? new TypeError(text) : new RangeError(text);
}

/** What a validated createCorpus argument describes. */
export interface CorpusShape {
  count: number;
  dim: number;
  queries: number;
  /** competitorScores.dim (the forward reward's k), 0 without competitorScores */
  competitors: number;
  offsets: Int32Array;
}

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
  let competitors = 0;
  if (a.competitorScores !== undefined) {
    if (a.queries === undefined) fail(fn, 'competitorScores is given without queries', 'type');
    const c = checkMatrix(fn, 'competitorScores', a.competitorScores, undefined, 'scores');
    if (c.rows !== queries) fail(fn, `competitorScores has ${c.rows} rows for ${queries} queries`);
    competitors = c.dim;
  }
  if (a.precision !== undefined && a.precision !== 'fp32' && a.precision !== 'tf32' && a.precision !== 'bf16') {
    fail(fn, "precision must be 'fp32', 'tf32' or 'bf16'", 'type');
  }
  return { count, dim: docs.dim, queries, competitors, offsets: docs.offsets };
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
  if (a.mode !== undefined && a.mode !== 'mean' && a.mode !== 'max') fail(fn, `mode must be 'mean' or 'max', got ${shown(a.mode)}`, 'type');
  if (a.normalize !== undefined && typeof a.normalize !== 'boolean') fail(fn, `normalize must be a boolean, got ${typeof a.normalize}`, 'type');
  return { rows };
}

function checkDocIndex(fn: string, a: CorpusRewardArgs | CorpusForwardRewardArgs): void {
  if (a.docIndex === undefined) return;
  const di = checkInt32(fn, 'docIndex', a.docIndex);
  if (di.length !== a.batchDocs.length) fail(fn, `docIndex has ${di.length} entries for ${a.batchDocs.length} batch documents`);
}

export function checkCorpusReward(fn: string, a: unknown, shape: CorpusShape): void {
  checkCorpusBatch(fn, a, shape);
  const args = a as CorpusRewardArgs;
  checkDocIndex(fn, args);
  if (args.k !== undefined) checkInt(fn, 'k', args.k, 1);
  if (shape.queries < 1) fail(fn, 'the corpus was created without queries');
}

export function checkCorpusForwardReward(fn: string, a: unknown, shape: CorpusShape): void {
  checkCorpusBatch(fn, a, shape);
  checkDocIndex(fn, a as CorpusForwardRewardArgs);
  if (shape.competitors < 1) fail(fn, 'the corpus was created without competitorScores');
}

export function checkCorpusQueryTopK(fn: string, a: unknown, shape: CorpusShape): void {
  checkObject(fn, 'args', a);
  checkMatrix(fn, 'vectors', a.vectors, shape.dim);
  checkInt(fn, 'k', a.k, 1);
}

/** The methods of a corpus handle that compute (everything but the counts and dispose). */
export type CorpusMethod = Exclude<keyof KernelCorpus, 'backend' | 'count' | 'dim' | 'queries' | 'dispose' | `${string}Async`>;
export type CorpusAsyncName<M extends CorpusMethod = CorpusMethod> = `${M}Async`;
export type CorpusFunctions = Pick<KernelCorpus, CorpusMethod | CorpusAsyncName>;

/** THE list of corpus methods with their checks (called as check(`corpus.<method>`, args, shape)). */
export const CORPUS_CHECKS: { readonly [M in CorpusMethod]: (fn: string, a: unknown, shape: CorpusShape) => void } = {
  pool: (fn, a, shape) => void checkCorpusBatch(fn, a, shape),
  reward: checkCorpusReward,
  forwardReward: checkCorpusForwardReward,
  queryTopK: checkCorpusQueryTopK,
};

export const CORPUS_METHODS = Object.keys(CORPUS_CHECKS) as CorpusMethod[];

/**
 * Builds every computing method of a corpus handle (sync and async) from one maker per form; each
 * maker is given the method and its error prefix (`corpus.<method>`, the same for the async form).
 */
export function buildCorpus(sync: (m: CorpusMethod, fn: string) => AnyKernel,
  async: (m: CorpusMethod, fn: string) => (a: unknown) => Promise<unknown>): CorpusFunctions {
  const out: Record<string, AnyKernel> = {};
  for (const m of CORPUS_METHODS) {
    out[m] = sync(m, `corpus.${m}`);
    out[`${m}Async`] = async(m, `corpus.${m}`);
  }
  return out as unknown as CorpusFunctions;
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
  const competitorScores = args.competitorScores;
  let disposed = false;
  const poolArgs = (a: CorpusPoolArgs): PoolMaskedArgs => ({
    docs: gatherDocs(docs, a.batchDocs), masks: a.masks, groups: a.groups, mode: a.mode, normalize: a.normalize,
  });
  // each method: the stateless kernel that answers it and the arguments it is given
  const plan: { [M in CorpusMethod]: [KernelName, (a: never) => unknown] } = {
    pool: ['poolMasked', poolArgs],
    reward: ['inverseRetrievalReward', (a: CorpusRewardArgs): InverseRewardArgs => ({
      ...poolArgs(a), queries, queryOwner, docIndex: a.docIndex ?? a.batchDocs, k: a.k,
    })],
    forwardReward: ['forwardRetrievalReward', (a: CorpusForwardRewardArgs): ForwardRewardArgs => ({
      ...poolArgs(a), queries, queryOwner, competitorScores: competitorScores!, docIndex: a.docIndex ?? a.batchDocs,
    })],
    queryTopK: ['scoreTopK', (a: CorpusQueryTopKArgs): ScoreTopKArgs => ({ queries: a.vectors, keys: queries, k: a.k })],
  };
  const prep = (m: CorpusMethod, fn: string) => (a: unknown): unknown => {
    CORPUS_CHECKS[m](fn, a, shape);
    if (disposed) fail(fn, 'the corpus has been disposed', 'type');
    return (plan[m][1] as (a: unknown) => unknown)(a);
  };
  return {
    get backend(): BackendName { return K.name; },
    count: shape.count,
    dim: shape.dim,
    queries: shape.queries,
    ...buildCorpus(
      (m, fn) => { const p = prep(m, fn); return (a) => call(K, plan[m][0], p(a)); },
      (m, fn) => rejectOnThrow(prep(m, fn), (p) => call(K, `${plan[m][0]}Async`, p) as Promise<unknown>),
    ),
    dispose: () => { disposed = true; },
  };
}
