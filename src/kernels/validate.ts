/**
 * Argument validation shared by every backend. Each check runs once, at the boundary, and throws a
 * TypeError (wrong kind of value) or RangeError (right kind, bad value) whose message starts with
 * the function and names the argument.
 */
import type {
  DenseMatrix, ForwardRewardArgs, InverseRewardArgs, MultiVectorSet, PoolMode, Qrels,
} from './types';

/** Set REINPOOL_VALIDATE_FINITE=1 to reject NaN and Infinity in vector data (an O(n) scan). */
export function checkFiniteEnabled(): boolean {
  const v = process.env.REINPOOL_VALIDATE_FINITE;
  return v === '1' || v === 'true';
}

function fail(fn: string, msg: string, type: 'type' | 'range' = 'range'): never {
  const text = `${fn}: ${msg}`;
  throw type === 'type' ? new TypeError(text) : new RangeError(text);
}

/** A value as an error message shows it: a primitive as String writes it, an object by its kind ([object Array]). */
export function shown(v: unknown): string {
  if (v !== null && (typeof v === 'object' || typeof v === 'function')) return Object.prototype.toString.call(v);
  return String(v);
}

export function checkObject(fn: string, name: string, v: unknown): asserts v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') fail(fn, `${name} must be an object, got ${v === null ? 'null' : typeof v}`, 'type');
}

export function checkInt(fn: string, name: string, v: unknown, min: number, max = 0x7fffffff): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(fn, `${name} must be an integer, got ${String(v)}`, 'type');
  if (v < min || v > max) fail(fn, `${name} must be in [${min}, ${max}], got ${v}`);
  return v;
}

type TypedArrayCtor = Float32Array | Int32Array | Uint8Array;

/**
 * True when v is a typed array of that kind, from any realm: arrays made by the addon, a vm context
 * (jest's sandbox) or another realm fail `instanceof` although they are genuine.
 */
export function isTypedArray(v: unknown, kind: 'Float32Array' | 'Int32Array' | 'Uint8Array' | 'Float64Array'): boolean {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === `[object ${kind}]`;
}

function checkTyped<T extends TypedArrayCtor>(fn: string, name: string, v: unknown,
  ctor: { new (...a: never[]): T; name: string }): T {
  // The tag, not instanceof: arrays made by the addon or in another realm (a vm context, a jest
  // sandbox, a worker) are real Float32Arrays whose constructor is not this realm's.
  if (!isTypedArray(v, ctor.name as 'Float32Array')) {
    const got = v === null ? 'null' : typeof v === 'object' ? Object.prototype.toString.call(v).slice(8, -1) : typeof v;
    fail(fn, `${name} must be a ${ctor.name}, got ${got}`, 'type');
  }
  // A transferred (detached) ArrayBuffer reports byteLength 0 and cannot be read.
  const buf = (v as { buffer: ArrayBufferLike }).buffer;
  if ((v as { length: number }).length > 0 && buf.byteLength === 0) fail(fn, `${name} is backed by a detached ArrayBuffer`, 'type');
  if ((buf as { detached?: boolean }).detached === true) fail(fn, `${name} is backed by a detached ArrayBuffer`, 'type');
  // Node 20 has no ArrayBuffer.prototype.detached and a detached view reads as length 0; slicing a
  // detached buffer throws, so probe the (rare) zero-byte case that way.
  if (buf.byteLength === 0 && (buf as { detached?: boolean }).detached === undefined) {
    let isDetached = false;
    try {
      buf.slice(0, 0);
    } catch {
      isDetached = true;
    }
    if (isDetached) fail(fn, `${name} is backed by a detached ArrayBuffer`, 'type');
  }
  return v as T;
}

export const checkFloat32 = (fn: string, name: string, v: unknown) => checkTyped(fn, name, v, Float32Array);
export const checkInt32 = (fn: string, name: string, v: unknown) => checkTyped(fn, name, v, Int32Array);
export const checkUint8 = (fn: string, name: string, v: unknown) => checkTyped(fn, name, v, Uint8Array);

function checkFiniteValues(fn: string, name: string, a: Float32Array): void {
  if (!checkFiniteEnabled()) return;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) fail(fn, `${name}[${i}] is ${a[i]} (finite values required)`);
  }
}

/** Validates a ragged set; returns the number of items and of rows. */
export function checkSet(fn: string, name: string, s: unknown): { count: number; total: number } {
  checkObject(fn, name, s);
  const dim = checkInt(fn, `${name}.dim`, s.dim, 1, 1 << 20);
  const vectors = checkFloat32(fn, `${name}.vectors`, s.vectors);
  const offsets = checkInt32(fn, `${name}.offsets`, s.offsets);
  if (offsets.length < 1) fail(fn, `${name}.offsets must have count + 1 >= 1 entries, got 0`);
  if (offsets[0] !== 0) fail(fn, `${name}.offsets[0] must be 0, got ${offsets[0]}`);
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i] < offsets[i - 1]) {
      fail(fn, `${name}.offsets must be non-decreasing, but offsets[${i - 1}]=${offsets[i - 1]} > offsets[${i}]=${offsets[i]}`);
    }
  }
  const count = offsets.length - 1;
  const total = offsets[count];
  if (vectors.length !== total * dim) {
    fail(fn, `${name}.vectors has ${vectors.length} values but offsets end at ${total} rows x dim ${dim} = ${total * dim}`);
  }
  if (s.ids !== undefined) {
    if (!Array.isArray(s.ids)) fail(fn, `${name}.ids must be an array of strings`, 'type');
    if (s.ids.length !== count) fail(fn, `${name}.ids has ${s.ids.length} entries for ${count} items`);
  }
  checkFiniteValues(fn, `${name}.vectors`, vectors);
  return { count, total };
}

/**
 * Validates a dense matrix (of dimension `dim` when given). `finite`: with REINPOOL_VALIDATE_FINITE
 * its values must be finite. `scores` (competitor scores, padded with -Infinity): never NaN, whatever
 * REINPOOL_VALIDATE_FINITE says (as qrels gains), infinities allowed.
 */
export function checkMatrix(fn: string, name: string, m: unknown, dim?: number, values: 'finite' | 'scores' = 'finite'): DenseMatrix {
  checkObject(fn, name, m);
  const rows = checkInt(fn, `${name}.rows`, m.rows, 0);
  const d = checkInt(fn, `${name}.dim`, m.dim, 1, 1 << 20);
  const data = checkFloat32(fn, `${name}.data`, m.data);
  if (data.length !== rows * d) fail(fn, `${name}.data has ${data.length} values, expected rows ${rows} x dim ${d} = ${rows * d}`);
  if (dim !== undefined && d !== dim) fail(fn, `${name}.dim is ${d} but must equal ${dim}`);
  if (values === 'finite') checkFiniteValues(fn, `${name}.data`, data);
  else checkScoreValues(fn, `${name}.data`, data);
  return m as unknown as DenseMatrix;
}

function checkScoreValues(fn: string, name: string, a: Float32Array): void {
  for (let i = 0; i < a.length; i++) if (Number.isNaN(a[i])) fail(fn, `${name}[${i}] is NaN`);
}

function checkMode(fn: string, v: unknown): PoolMode {
  if (v === undefined) return 'mean';
  if (v !== 'mean' && v !== 'max') fail(fn, `mode must be 'mean' or 'max', got ${shown(v)}`, 'type');
  return v;
}

function checkBool(fn: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(fn, `${name} must be a boolean, got ${typeof v}`, 'type');
  return v;
}

export interface PoolPlan { count: number; total: number; groups: number; mode: PoolMode; normalize: boolean }

export function checkPoolMasked(fn: string, a: unknown): PoolPlan {
  checkObject(fn, 'args', a);
  const { count, total } = checkSet(fn, 'docs', a.docs);
  const groups = checkInt(fn, 'groups', a.groups, 1, 1 << 16);
  const masks = checkUint8(fn, 'masks', a.masks);
  if (masks.length !== groups * total) fail(fn, `masks has ${masks.length} bytes, expected groups ${groups} x ${total} document vectors = ${groups * total}`);
  return { count, total, groups, mode: checkMode(fn, a.mode), normalize: checkBool(fn, 'normalize', a.normalize, true) };
}

export function checkScoreTopK(fn: string, a: unknown): { k: number } {
  checkObject(fn, 'args', a);
  const q = checkMatrix(fn, 'queries', a.queries);
  checkMatrix(fn, 'keys', a.keys, q.dim);
  const k = checkInt(fn, 'k', a.k, 1);
  return { k: Math.min(k, (a.keys as DenseMatrix).rows) };
}

export function checkQrels(fn: string, name: string, q: unknown, queries: number): Qrels {
  checkObject(fn, name, q);
  const offsets = checkInt32(fn, `${name}.offsets`, q.offsets);
  const docs = checkInt32(fn, `${name}.docs`, q.docs);
  const gains = checkFloat32(fn, `${name}.gains`, q.gains);
  if (offsets.length !== queries + 1) fail(fn, `${name}.offsets has ${offsets.length} entries, expected queries + 1 = ${queries + 1}`);
  if (offsets[0] !== 0) fail(fn, `${name}.offsets[0] must be 0, got ${offsets[0]}`);
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i] < offsets[i - 1]) fail(fn, `${name}.offsets must be non-decreasing at index ${i}`);
  }
  const n = offsets[queries];
  if (docs.length !== n) fail(fn, `${name}.docs has ${docs.length} entries, offsets end at ${n}`);
  if (gains.length !== n) fail(fn, `${name}.gains has ${gains.length} entries, offsets end at ${n}`);
  for (let i = 0; i < n; i++) {
    if (docs[i] < 0) fail(fn, `${name}.docs[${i}] must be >= 0, got ${docs[i]}`);
    if (Number.isNaN(gains[i])) fail(fn, `${name}.gains[${i}] is NaN`);
  }
  return q as unknown as Qrels;
}

export function checkRankedEval(fn: string, a: unknown): { queries: number; k: number } {
  checkObject(fn, 'args', a);
  const width = checkInt(fn, 'width', a.width, 1);
  const ranked = checkInt32(fn, 'ranked', a.ranked);
  if (ranked.length % width !== 0) fail(fn, `ranked has ${ranked.length} entries, not a multiple of width ${width}`);
  const queries = ranked.length / width;
  let maxId = -1;
  for (let i = 0; i < ranked.length; i++) {
    if (ranked[i] < -1) fail(fn, `ranked[${i}] must be a document id >= 0 or -1 for an empty slot, got ${ranked[i]}`);
    if (ranked[i] > maxId) maxId = ranked[i];
  }
  // A ranking lists a document once (trec_eval refuses repeats); a repeat would be counted twice.
  // lastRow: the last row that listed each id; a typed array when ids are dense enough, else a Map
  // (never an allocation sized by one large id).
  const dense = maxId < 4 * ranked.length + 65536;
  const lastRow = dense ? new Int32Array(maxId + 1).fill(-1) : null;
  const lastRowMap = dense ? null : new Map<number, number>();
  for (let i = 0; i < ranked.length; i++) {
    const id = ranked[i];
    if (id < 0) continue;
    const row = (i / width) | 0;
    const prev = lastRow ? lastRow[id] : lastRowMap!.get(id);
    if (prev === row) fail(fn, `ranked row ${row} lists document ${id} more than once (at ranked[${i}])`);
    if (lastRow) lastRow[id] = row;
    else lastRowMap!.set(id, row);
  }
  checkQrels(fn, 'qrels', a.qrels, queries);
  const k = checkInt(fn, 'k', a.k, 1);
  return { queries, k };
}

export function checkMaxSimTopK(fn: string, a: unknown): { k: number; queries: number; docs: number } {
  checkObject(fn, 'args', a);
  const q = checkSet(fn, 'queries', a.queries);
  const d = checkSet(fn, 'docs', a.docs);
  if ((a.queries as MultiVectorSet).dim !== (a.docs as MultiVectorSet).dim) {
    fail(fn, `queries.dim ${(a.queries as MultiVectorSet).dim} differs from docs.dim ${(a.docs as MultiVectorSet).dim}`);
  }
  const k = checkInt(fn, 'k', a.k, 1);
  return { k: Math.min(k, d.count), queries: q.count, docs: d.count };
}

export interface RewardPlan extends PoolPlan { k: number; queries: number; docIndex: Int32Array }

/** The query matrix, its owners and docIndex (default 0..count-1) of either reward. */
function checkRewardQueries(fn: string, args: InverseRewardArgs | ForwardRewardArgs, count: number): { queries: DenseMatrix; docIndex: Int32Array } {
  const queries = checkMatrix(fn, 'queries', args.queries, args.docs.dim);
  const owner = checkInt32(fn, 'queryOwner', args.queryOwner);
  if (owner.length !== queries.rows) fail(fn, `queryOwner has ${owner.length} entries for ${queries.rows} queries`);
  let docIndex: Int32Array;
  if (args.docIndex === undefined) {
    docIndex = new Int32Array(count);
    for (let i = 0; i < count; i++) docIndex[i] = i;
  } else {
    docIndex = checkInt32(fn, 'docIndex', args.docIndex);
    if (docIndex.length !== count) fail(fn, `docIndex has ${docIndex.length} entries for ${count} documents`);
  }
  return { queries, docIndex };
}

export function checkInverseReward(fn: string, a: unknown): RewardPlan {
  const pool = checkPoolMasked(fn, a);
  const args = a as InverseRewardArgs;
  const { queries, docIndex } = checkRewardQueries(fn, args, pool.count);
  const k = args.k === undefined ? 3 : checkInt(fn, 'k', args.k, 1);
  if (queries.rows < 1) fail(fn, 'queries must have at least one row');
  return { ...pool, k, queries: queries.rows, docIndex };
}

/** k = competitorScores.dim; queries may have no rows (every reward is then 0). */
export function checkForwardReward(fn: string, a: unknown): RewardPlan {
  const pool = checkPoolMasked(fn, a);
  const args = a as ForwardRewardArgs;
  const { queries, docIndex } = checkRewardQueries(fn, args, pool.count);
  const scores = checkMatrix(fn, 'competitorScores', args.competitorScores, undefined, 'scores');
  if (scores.rows !== queries.rows) fail(fn, `competitorScores has ${scores.rows} rows for ${queries.rows} queries`);
  return { ...pool, k: scores.dim, queries: queries.rows, docIndex };
}

export interface MlpCompressPlan {
  count: number;
  total: number;
  select: 'threshold' | 'topk' | 'ratio';
  threshold: number;
  topK: number;
  ratio: number;
  pool: PoolMode;
  normalize: boolean;
}

/** A finite Float32Array of exactly `expected` values (`shape` says how that count is made up). */
function checkWeightArray(fn: string, name: string, v: unknown, expected: number, shape: string): Float32Array {
  const a = checkFloat32(fn, name, v);
  if (a.length !== expected) fail(fn, `${name} has ${a.length} values, expected ${shape} = ${expected}`);
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) fail(fn, `${name}[${i}] is not finite`);
  return a;
}

function checkLayerList(fn: string, name: string, v: unknown, layers: number): unknown[] {
  if (!Array.isArray(v)) fail(fn, `${name} must be an array of Float32Array`, 'type');
  if (v.length !== layers) fail(fn, `${name} has ${v.length} entries for policy.layers ${layers}`);
  return v as unknown[];
}

/** mlpCompress: docs, the policy's shapes against policy.dim / hidden / layers and docs.dim, the selection, pool. */
export function checkMlpCompress(fn: string, a: unknown): MlpCompressPlan {
  checkObject(fn, 'args', a);
  const { count, total } = checkSet(fn, 'docs', a.docs);
  const docDim = (a.docs as MultiVectorSet).dim;
  const p = a.policy;
  checkObject(fn, 'policy', p);
  const dim = checkInt(fn, 'policy.dim', p.dim, 1, 1 << 20);
  const hidden = checkInt(fn, 'policy.hidden', p.hidden, 1, 1 << 16);
  const layers = checkInt(fn, 'policy.layers', p.layers, 1, 1024);
  if (dim !== docDim) fail(fn, `policy.dim is ${dim} but docs.dim is ${docDim}`);
  const ws = checkLayerList(fn, 'policy.layerWeights', p.layerWeights, layers);
  const bs = checkLayerList(fn, 'policy.layerBiases', p.layerBiases, layers);
  for (let l = 0; l < layers; l++) {
    const inW = l === 0 ? 3 * dim + 3 : hidden;
    const inS = l === 0 ? `(3 x dim ${dim} + 3 = ${inW})` : `hidden ${hidden}`;
    checkWeightArray(fn, `policy.layerWeights[${l}]`, ws[l], inW * hidden, `${inS} x hidden ${hidden}`);
  }
  for (let l = 0; l < layers; l++) checkWeightArray(fn, `policy.layerBiases[${l}]`, bs[l], hidden, `hidden ${hidden}`);
  checkWeightArray(fn, 'policy.headWeights', p.headWeights, hidden, `hidden ${hidden}`);
  if (typeof p.headBias !== 'number') fail(fn, 'policy.headBias must be a number', 'type');
  if (!Number.isFinite(p.headBias)) fail(fn, 'policy.headBias must be finite');
  const select = a.select ?? 'threshold';
  if (select !== 'threshold' && select !== 'topk' && select !== 'ratio') fail(fn, "select must be 'threshold', 'topk' or 'ratio'", 'type');
  const num = (name: 'threshold' | 'ratio'): number => {
    const v = a[name];
    if (typeof v !== 'number') fail(fn, `${name} must be a number`, 'type');
    return v;
  };
  let threshold = 0.5;
  let topK = 1;
  let ratio = 1;
  if (select === 'threshold') {
    if (a.threshold !== undefined) threshold = num('threshold');
    if (!(threshold > 0 && threshold < 1)) fail(fn, `threshold must be in (0, 1), got ${threshold}`);
  } else if (select === 'topk') {
    topK = checkInt(fn, 'topK', a.topK, 1);
  } else {
    ratio = num('ratio');
    if (!(ratio > 0 && ratio <= 1)) fail(fn, `ratio must be in (0, 1], got ${ratio}`);
  }
  let pool: PoolMode = 'mean';
  if (a.pool !== undefined) {
    if (a.pool !== 'mean' && a.pool !== 'max') fail(fn, "pool must be 'mean' or 'max'", 'type');
    pool = a.pool;
  }
  return { count, total, select, threshold, topK, ratio, pool, normalize: checkBool(fn, 'normalize', a.normalize, true) };
}
