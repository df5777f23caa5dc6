/**
 * Bad input to every kernel function on every available backend (ts always, cpu and cuda when
 * built) and straight to the raw addon functions (no TypeScript validation in front), to prove the
 * native side checks its arguments before touching memory: wrong lengths, non-monotone offsets,
 * ids out of range, dim 0, NaN with REINPOOL_VALIDATE_FINITE=1, detached and too-short buffers,
 * wrong types. Each must throw (or, async, reject with) a TypeError/RangeError whose message starts
 * with the function name and names the argument. Never a crash.
 */
import { loadNativeAddon, loadNativeBackend } from '../../src/kernels/native';
import type { NativeAddon } from '../../src/kernels/native';
import { tsKernels } from '../../src/kernels/ts';
import type { Kernels } from '../../src/kernels/types';

const allowSkip = process.env.REINPOOL_ALLOW_NO_NATIVE === '1';
const cpu = loadNativeBackend('cpu');
const cuda = loadNativeBackend('cuda');
const backends: Kernels[] = [tsKernels, cpu.kernels, cuda.kernels].filter((k): k is Kernels => k !== null);
const rawAddons: Array<[string, NativeAddon]> = [];
for (const flavor of ['cpu', 'cuda'] as const) {
  const l = loadNativeAddon(flavor);
  if (l.addon && l.addon.available().available) rawAddons.push([flavor, l.addon]);
}

/** A typed array whose buffer has been transferred away (detached). */
function detached<T extends Float32Array | Int32Array | Uint8Array>(a: T): T {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  return a;
}

// ---- valid argument builders (fresh objects every call so a case can mutate them) ---------------

const dim = 4;
const docs = () => ({ dim, vectors: new Float32Array(6 * dim).fill(0.5), offsets: Int32Array.from([0, 2, 2, 6]) });
const pool = () => ({ docs: docs(), masks: new Uint8Array(2 * 6).fill(1), groups: 2 });
const mat = (rows: number, d = dim) => ({ rows, dim: d, data: new Float32Array(rows * d).fill(0.25) });
const score = () => ({ queries: mat(3), keys: mat(5), k: 2 });
const ranked = () => ({
  ranked: Int32Array.from([0, 1, -1, 2, 3, 4]), width: 3, k: 2,
  qrels: { offsets: Int32Array.from([0, 2, 3]), docs: Int32Array.from([0, 4, 2]), gains: Float32Array.from([1, 2, 1]) },
});
const maxsim = () => ({ queries: { dim, vectors: new Float32Array(3 * dim).fill(1), offsets: Int32Array.from([0, 1, 3]) }, docs: docs(), k: 2 });
const reward = () => ({ ...pool(), queries: mat(4), queryOwner: Int32Array.from([0, 1, 2, 0]) });
const scores = (rows: number, k: number) => ({ rows, dim: k, data: Float32Array.from({ length: rows * k }, (_, i) => (i % k === k - 1 ? -Infinity : 1 - i % k)) });
const forward = () => ({ ...reward(), competitorScores: scores(4, 3) });

const mlp = () => ({
  docs: docs(),
  policy: {
    dim, hidden: 3, layers: 2, layerWeights: [new Float32Array(15 * 3).fill(0.1), new Float32Array(9).fill(0.1)],
    layerBiases: [new Float32Array(3), new Float32Array(3)], headWeights: Float32Array.from([1, -1, 0.5]), headBias: 0,
  },
});

type Fn = 'poolMasked' | 'scoreTopK' | 'ndcgAtK' | 'recallAtK' | 'maxSimTopK' | 'inverseRetrievalReward' | 'forwardRetrievalReward' | 'mlpCompress';
interface Case { fn: Fn; what: string; args: () => unknown; name: RegExp; finite?: boolean }

const cases: Case[] = [];
function add(fn: Fn, what: string, args: () => unknown, name: RegExp, finite = false): void {
  cases.push({ fn, what, args, name, finite });
}
function mutate<T>(make: () => T, f: (a: T) => void): () => T {
  return () => { const a = make(); f(a); return a; };
}
/* eslint-disable @typescript-eslint/no-explicit-any */
type A = any;

// poolMasked (and the same pooling arguments of both rewards)
for (const fn of ['poolMasked', 'inverseRetrievalReward', 'forwardRetrievalReward'] as const) {
  const base = fn === 'poolMasked' ? pool : fn === 'inverseRetrievalReward' ? reward : forward;
  add(fn, 'args is null', () => null, /args/);
  add(fn, 'args is a number', () => 3, /args/);
  add(fn, 'docs missing', mutate(base, (a: A) => { delete a.docs; }), /docs/);
  add(fn, 'dim 0', mutate(base, (a: A) => { a.docs.dim = 0; }), /docs\.dim/);
  add(fn, 'dim 1.5', mutate(base, (a: A) => { a.docs.dim = 1.5; }), /docs\.dim/);
  add(fn, 'dim a string', mutate(base, (a: A) => { a.docs.dim = '4'; }), /docs\.dim/);
  add(fn, 'vectors a Float64Array', mutate(base, (a: A) => { a.docs.vectors = new Float64Array(24); }), /docs\.vectors/);
  add(fn, 'vectors a plain array', mutate(base, (a: A) => { a.docs.vectors = Array.from(a.docs.vectors); }), /docs\.vectors/);
  add(fn, 'vectors too short', mutate(base, (a: A) => { a.docs.vectors = a.docs.vectors.subarray(1); }), /docs\.vectors/);
  add(fn, 'vectors detached', mutate(base, (a: A) => { detached(a.docs.vectors); }), /docs\.vectors/);
  add(fn, 'offsets a Uint32Array', mutate(base, (a: A) => { a.docs.offsets = Uint32Array.from([0, 2, 2, 6]); }), /docs\.offsets/);
  add(fn, 'offsets empty', mutate(base, (a: A) => { a.docs.offsets = new Int32Array(0); }), /docs\.offsets/);
  add(fn, 'offsets[0] != 0', mutate(base, (a: A) => { a.docs.offsets = Int32Array.from([1, 2, 2, 6]); }), /docs\.offsets/);
  add(fn, 'offsets decreasing', mutate(base, (a: A) => { a.docs.offsets = Int32Array.from([0, 4, 2, 6]); }), /docs\.offsets/);
  add(fn, 'offsets past the vectors (row ids out of range)', mutate(base, (a: A) => { a.docs.offsets = Int32Array.from([0, 2, 2, 0x7fffffff]); }), /docs\.vectors/);
  add(fn, 'offsets detached', mutate(base, (a: A) => { detached(a.docs.offsets); }), /docs\.offsets/);
  add(fn, 'ids not an array', mutate(base, (a: A) => { a.docs.ids = 'abc'; }), /docs\.ids/);
  add(fn, 'ids wrong length', mutate(base, (a: A) => { a.docs.ids = ['a']; }), /docs\.ids/);
  add(fn, 'groups 0', mutate(base, (a: A) => { a.groups = 0; }), /groups/);
  add(fn, 'groups huge', mutate(base, (a: A) => { a.groups = 1e9; }), /groups/);
  add(fn, 'groups NaN', mutate(base, (a: A) => { a.groups = NaN; }), /groups/);
  add(fn, 'masks too short', mutate(base, (a: A) => { a.masks = new Uint8Array(11); }), /masks/);
  add(fn, 'masks an Int8Array', mutate(base, (a: A) => { a.masks = new Int8Array(12); }), /masks/);
  add(fn, 'masks detached', mutate(base, (a: A) => { detached(a.masks); }), /masks/);
  add(fn, 'mode unknown', mutate(base, (a: A) => { a.mode = 'median'; }), /mode/);
  add(fn, 'normalize not boolean', mutate(base, (a: A) => { a.normalize = 'yes'; }), /normalize/);
  add(fn, 'NaN in vectors', mutate(base, (a: A) => { a.docs.vectors[5] = NaN; }), /docs\.vectors\[5\]/, true);
  add(fn, 'Infinity in vectors', mutate(base, (a: A) => { a.docs.vectors[0] = Infinity; }), /docs\.vectors\[0\]/, true);
}
add('inverseRetrievalReward', 'queries.dim differs', mutate(reward, (a: A) => { a.queries = mat(4, 3); }), /queries\.dim/);
add('inverseRetrievalReward', 'queries empty', mutate(reward, (a: A) => { a.queries = mat(0); a.queryOwner = new Int32Array(0); }), /queries/);
add('inverseRetrievalReward', 'queries.data detached', mutate(reward, (a: A) => { detached(a.queries.data); }), /queries\.data/);
add('inverseRetrievalReward', 'queries.data too short', mutate(reward, (a: A) => { a.queries.data = a.queries.data.subarray(2); }), /queries\.data/);
add('inverseRetrievalReward', 'NaN in queries', mutate(reward, (a: A) => { a.queries.data[3] = NaN; }), /queries\.data\[3\]/, true);
add('inverseRetrievalReward', 'queryOwner wrong length', mutate(reward, (a: A) => { a.queryOwner = new Int32Array(3); }), /queryOwner/);
add('inverseRetrievalReward', 'queryOwner a Float32Array', mutate(reward, (a: A) => { a.queryOwner = new Float32Array(4); }), /queryOwner/);
add('inverseRetrievalReward', 'queryOwner detached', mutate(reward, (a: A) => { detached(a.queryOwner); }), /queryOwner/);
add('inverseRetrievalReward', 'docIndex wrong length', mutate(reward, (a: A) => { a.docIndex = new Int32Array(2); }), /docIndex/);
add('inverseRetrievalReward', 'docIndex not typed', mutate(reward, (a: A) => { a.docIndex = [0, 1, 2]; }), /docIndex/);
add('inverseRetrievalReward', 'k 0', mutate(reward, (a: A) => { a.k = 0; }), /\bk\b/);
add('inverseRetrievalReward', 'k fractional', mutate(reward, (a: A) => { a.k = 2.5; }), /\bk\b/);

// forwardRetrievalReward: the query side and the competitor scores
add('forwardRetrievalReward', 'queries missing', mutate(forward, (a: A) => { delete a.queries; }), /queries/);
add('forwardRetrievalReward', 'queries.dim differs', mutate(forward, (a: A) => { a.queries = mat(4, 3); }), /queries\.dim/);
add('forwardRetrievalReward', 'queries.data too short', mutate(forward, (a: A) => { a.queries.data = a.queries.data.subarray(2); }), /queries\.data/);
add('forwardRetrievalReward', 'queries.data detached', mutate(forward, (a: A) => { detached(a.queries.data); }), /queries\.data/);
add('forwardRetrievalReward', 'NaN in queries', mutate(forward, (a: A) => { a.queries.data[3] = NaN; }), /queries\.data\[3\]/, true);
add('forwardRetrievalReward', 'queryOwner wrong length', mutate(forward, (a: A) => { a.queryOwner = new Int32Array(3); }), /queryOwner/);
add('forwardRetrievalReward', 'queryOwner a Float32Array', mutate(forward, (a: A) => { a.queryOwner = new Float32Array(4); }), /queryOwner/);
add('forwardRetrievalReward', 'queryOwner detached', mutate(forward, (a: A) => { detached(a.queryOwner); }), /queryOwner/);
add('forwardRetrievalReward', 'docIndex wrong length', mutate(forward, (a: A) => { a.docIndex = new Int32Array(2); }), /docIndex/);
add('forwardRetrievalReward', 'docIndex not typed', mutate(forward, (a: A) => { a.docIndex = [0, 1, 2]; }), /docIndex/);
add('forwardRetrievalReward', 'docIndex detached', mutate(forward, (a: A) => { a.docIndex = Int32Array.from([0, 1, 2]); detached(a.docIndex); }), /docIndex/);
add('forwardRetrievalReward', 'competitorScores missing', mutate(forward, (a: A) => { delete a.competitorScores; }), /competitorScores/);
add('forwardRetrievalReward', 'competitorScores null', mutate(forward, (a: A) => { a.competitorScores = null; }), /competitorScores/);
add('forwardRetrievalReward', 'competitorScores rows differ from queries', mutate(forward, (a: A) => { a.competitorScores = scores(3, 3); }), /competitorScores/);
add('forwardRetrievalReward', 'competitorScores.dim 0', mutate(forward, (a: A) => { a.competitorScores = { rows: 4, dim: 0, data: new Float32Array(0) }; }), /competitorScores\.dim/);
add('forwardRetrievalReward', 'competitorScores.dim fractional', mutate(forward, (a: A) => { a.competitorScores.dim = 1.5; }), /competitorScores\.dim/);
add('forwardRetrievalReward', 'competitorScores.data too short', mutate(forward, (a: A) => { a.competitorScores.data = a.competitorScores.data.subarray(1); }), /competitorScores\.data/);
add('forwardRetrievalReward', 'competitorScores.data a Float64Array', mutate(forward, (a: A) => { a.competitorScores.data = new Float64Array(12); }), /competitorScores\.data/);
add('forwardRetrievalReward', 'competitorScores.data detached', mutate(forward, (a: A) => { detached(a.competitorScores.data); }), /competitorScores\.data/);
// NaN is refused whether or not REINPOOL_VALIDATE_FINITE is set (as qrels gains); -Infinity is the padding
add('forwardRetrievalReward', 'NaN in competitorScores', mutate(forward, (a: A) => { a.competitorScores.data[4] = NaN; }), /competitorScores\.data\[4\] is NaN/);
add('forwardRetrievalReward', 'NaN in competitorScores (finite checks on)', mutate(forward, (a: A) => { a.competitorScores.data[0] = NaN; }), /competitorScores\.data\[0\] is NaN/, true);

// scoreTopK
add('scoreTopK', 'args undefined', () => undefined, /args/);
add('scoreTopK', 'queries null', mutate(score, (a: A) => { a.queries = null; }), /queries/);
add('scoreTopK', 'queries.rows negative', mutate(score, (a: A) => { a.queries.rows = -1; }), /queries\.rows/);
add('scoreTopK', 'queries.dim 0', mutate(score, (a: A) => { a.queries.dim = 0; }), /queries\.dim/);
add('scoreTopK', 'queries.data too short', mutate(score, (a: A) => { a.queries.rows = 4; }), /queries\.data/);
add('scoreTopK', 'keys.dim differs', mutate(score, (a: A) => { a.keys = mat(5, 3); }), /keys\.dim/);
add('scoreTopK', 'keys.data a Float64Array', mutate(score, (a: A) => { a.keys.data = new Float64Array(20); }), /keys\.data/);
add('scoreTopK', 'keys.data detached', mutate(score, (a: A) => { detached(a.keys.data); }), /keys\.data/);
add('scoreTopK', 'keys.rows past the data', mutate(score, (a: A) => { a.keys.rows = 1e6; }), /keys\.data/);
add('scoreTopK', 'k 0', mutate(score, (a: A) => { a.k = 0; }), /\bk\b/);
add('scoreTopK', 'k NaN', mutate(score, (a: A) => { a.k = NaN; }), /\bk\b/);
add('scoreTopK', 'k a string', mutate(score, (a: A) => { a.k = '2'; }), /\bk\b/);
add('scoreTopK', 'k too large', mutate(score, (a: A) => { a.k = 2 ** 40; }), /\bk\b/);
add('scoreTopK', 'NaN in queries', mutate(score, (a: A) => { a.queries.data[1] = NaN; }), /queries\.data\[1\]/, true);
add('scoreTopK', 'NaN in keys', mutate(score, (a: A) => { a.keys.data[7] = NaN; }), /keys\.data\[7\]/, true);

// ndcgAtK and recallAtK
for (const fn of ['ndcgAtK', 'recallAtK'] as const) {
  add(fn, 'args a string', () => 'x', /args/);
  add(fn, 'width 0', mutate(ranked, (a: A) => { a.width = 0; }), /width/);
  add(fn, 'ranked not a multiple of width', mutate(ranked, (a: A) => { a.width = 4; }), /ranked/);
  add(fn, 'ranked a plain array', mutate(ranked, (a: A) => { a.ranked = [0, 1, 2]; }), /ranked/);
  add(fn, 'ranked id below -1', mutate(ranked, (a: A) => { a.ranked[4] = -7; }), /ranked\[4\]/);
  add(fn, 'ranked detached', mutate(ranked, (a: A) => { detached(a.ranked); }), /ranked/);
  add(fn, 'qrels missing', mutate(ranked, (a: A) => { delete a.qrels; }), /qrels/);
  add(fn, 'qrels.offsets wrong length', mutate(ranked, (a: A) => { a.qrels.offsets = Int32Array.from([0, 3]); }), /qrels\.offsets/);
  add(fn, 'qrels.offsets decreasing', mutate(ranked, (a: A) => { a.qrels.offsets = Int32Array.from([0, 3, 2]); }), /qrels\.offsets/);
  add(fn, 'qrels.offsets[0] != 0', mutate(ranked, (a: A) => { a.qrels.offsets = Int32Array.from([1, 2, 3]); }), /qrels\.offsets/);
  add(fn, 'qrels.offsets past the docs', mutate(ranked, (a: A) => { a.qrels.offsets = Int32Array.from([0, 2, 1e6]); }), /qrels\.docs/);
  add(fn, 'qrels.docs negative id', mutate(ranked, (a: A) => { a.qrels.docs[1] = -3; }), /qrels\.docs\[1\]/);
  add(fn, 'qrels.gains too short', mutate(ranked, (a: A) => { a.qrels.gains = new Float32Array(2); }), /qrels\.gains/);
  add(fn, 'qrels.gains NaN', mutate(ranked, (a: A) => { a.qrels.gains[2] = NaN; }), /qrels\.gains\[2\]/);
  add(fn, 'qrels.gains detached', mutate(ranked, (a: A) => { detached(a.qrels.gains); }), /qrels\.gains/);
  add(fn, 'k 0', mutate(ranked, (a: A) => { a.k = 0; }), /\bk\b/);
}

// maxSimTopK
add('maxSimTopK', 'args null', () => null, /args/);
add('maxSimTopK', 'queries.dim differs', mutate(maxsim, (a: A) => { a.queries = { dim: 2, vectors: new Float32Array(6), offsets: Int32Array.from([0, 1, 3]) }; }), /queries\.dim/);
add('maxSimTopK', 'queries.offsets decreasing', mutate(maxsim, (a: A) => { a.queries.offsets = Int32Array.from([0, 3, 1]); }), /queries\.offsets/);
add('maxSimTopK', 'queries.vectors detached', mutate(maxsim, (a: A) => { detached(a.queries.vectors); }), /queries\.vectors/);
add('maxSimTopK', 'docs.vectors too short', mutate(maxsim, (a: A) => { a.docs.vectors = new Float32Array(5); }), /docs\.vectors/);
add('maxSimTopK', 'docs.offsets past the vectors', mutate(maxsim, (a: A) => { a.docs.offsets[3] = 60000; }), /docs\.vectors/);
add('maxSimTopK', 'docs.dim 0', mutate(maxsim, (a: A) => { a.docs.dim = 0; }), /docs\.dim/);
add('maxSimTopK', 'k 0', mutate(maxsim, (a: A) => { a.k = 0; }), /\bk\b/);
add('maxSimTopK', 'NaN in docs', mutate(maxsim, (a: A) => { a.docs.vectors[9] = NaN; }), /docs\.vectors\[9\]/, true);

// mlpCompress: the documents, the policy's shapes against its config and docs.dim, the selection
add('mlpCompress', 'args null', () => null, /args/);
add('mlpCompress', 'docs.offsets decreasing', mutate(mlp, (a: A) => { a.docs.offsets = Int32Array.from([0, 3, 2, 6]); }), /docs\.offsets/);
add('mlpCompress', 'docs.vectors detached', mutate(mlp, (a: A) => { detached(a.docs.vectors); }), /docs\.vectors/);
add('mlpCompress', 'policy missing', mutate(mlp, (a: A) => { delete a.policy; }), /policy/);
add('mlpCompress', 'policy.dim differs from docs.dim', mutate(mlp, (a: A) => { a.policy.dim = 3; }), /policy\.dim is 3 but docs\.dim is 4/);
add('mlpCompress', 'policy.hidden 0', mutate(mlp, (a: A) => { a.policy.hidden = 0; }), /policy\.hidden/);
add('mlpCompress', 'policy.layers 1.5', mutate(mlp, (a: A) => { a.policy.layers = 1.5; }), /policy\.layers/);
add('mlpCompress', 'layerWeights too few', mutate(mlp, (a: A) => { a.policy.layerWeights.pop(); }), /policy\.layerWeights has 1 entries/);
add('mlpCompress', 'layerWeights[0] wrong shape', mutate(mlp, (a: A) => { a.policy.layerWeights[0] = new Float32Array(44); }), /policy\.layerWeights\[0\] has 44 values/);
add('mlpCompress', 'layerWeights[1] a Float64Array', mutate(mlp, (a: A) => { a.policy.layerWeights[1] = new Float64Array(9); }), /policy\.layerWeights\[1\]/);
add('mlpCompress', 'layerWeights[1] detached', mutate(mlp, (a: A) => { detached(a.policy.layerWeights[1]); }), /policy\.layerWeights\[1\]/);
add('mlpCompress', 'layerBiases not an array', mutate(mlp, (a: A) => { a.policy.layerBiases = new Float32Array(6); }), /policy\.layerBiases/);
add('mlpCompress', 'layerBiases[1] too short', mutate(mlp, (a: A) => { a.policy.layerBiases[1] = new Float32Array(2); }), /policy\.layerBiases\[1\] has 2 values/);
add('mlpCompress', 'headWeights too long', mutate(mlp, (a: A) => { a.policy.headWeights = new Float32Array(4); }), /policy\.headWeights has 4 values/);
add('mlpCompress', 'NaN weight', mutate(mlp, (a: A) => { a.policy.layerWeights[0][7] = NaN; }), /policy\.layerWeights\[0\]\[7\] is not finite/);
add('mlpCompress', 'headBias Infinity', mutate(mlp, (a: A) => { a.policy.headBias = Infinity; }), /policy\.headBias/);
add('mlpCompress', 'select unknown', mutate(mlp, (a: A) => { a.select = 'best'; }), /select/);
add('mlpCompress', 'threshold 0', mutate(mlp, (a: A) => { a.threshold = 0; }), /threshold/);
add('mlpCompress', 'topK missing', mutate(mlp, (a: A) => { a.select = 'topk'; }), /topK/);
add('mlpCompress', 'ratio above 1', mutate(mlp, (a: A) => { a.select = 'ratio'; a.ratio = 1.5; }), /ratio/);
add('mlpCompress', 'pool unknown', mutate(mlp, (a: A) => { a.pool = 'sum'; }), /pool/);
add('mlpCompress', 'normalize a string', mutate(mlp, (a: A) => { a.normalize = 'yes'; }), /normalize/);
add('mlpCompress', 'NaN in docs', mutate(mlp, (a: A) => { a.docs.vectors[3] = NaN; }), /docs\.vectors\[3\]/, true);

// ---- runners -----------------------------------------------------------------------------------

function withFinite<T>(on: boolean, f: () => T): T {
  const old = process.env.REINPOOL_VALIDATE_FINITE;
  const restore = () => {
    if (old === undefined) delete process.env.REINPOOL_VALIDATE_FINITE;
    else process.env.REINPOOL_VALIDATE_FINITE = old;
  };
  if (on) process.env.REINPOOL_VALIDATE_FINITE = '1';
  else delete process.env.REINPOOL_VALIDATE_FINITE;
  let r: T;
  try {
    r = f();
  } catch (e) {
    restore();
    throw e;
  }
  if (r instanceof Promise) return r.finally(restore) as unknown as T;
  restore();
  return r;
}

function expectNamedError(e: unknown, c: Case): void {
  const err = e as Error;
  expect(err).toBeDefined();
  // detached buffers read as length 0 where ArrayBuffer.prototype.detached is missing: either kind is fine
  expect(err instanceof TypeError || err instanceof RangeError || ['TypeError', 'RangeError'].includes(err?.constructor?.name)).toBe(true);
  expect(String(err.message)).toMatch(new RegExp(`^${c.fn}: `));
  expect(String(err.message)).toMatch(c.name);
}

function catchSync(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw, but the call returned');
}

type Callable = Record<string, (a: unknown) => unknown>;

describe.each(backends.map((k) => [k.name, k] as const))('%s backend rejects bad input', (_n, K) => {
  test.each(cases.map((c) => [`${c.fn}: ${c.what}`, c] as const))('%s', async (_t, c) => {
    const f = K as unknown as Callable;
    withFinite(!!c.finite, () => expectNamedError(catchSync(() => f[c.fn](c.args())), c));
    // keep the setting until the promise settles (the ts backend validates on a later turn)
    await withFinite(!!c.finite, async () => {
      const p = f[`${c.fn}Async`](c.args()) as Promise<unknown>;
      expect(typeof p?.then).toBe('function');
      expectNamedError(await p.then(() => new Error('expected a rejection'), (e) => e), c);
    });
  });
});

describe.each(backends.map((k) => [k.name, k] as const))('%s backend: competitorScores padding', (_n, K) => {
  test('-Infinity padding (and +Infinity) pass REINPOOL_VALIDATE_FINITE=1: competitor scores, not vector data', async () => {
    const r = withFinite(true, () => K.forwardRetrievalReward(forward()));
    expect(r.length).toBe(3 * 2);
    const unbeatable = forward();
    unbeatable.competitorScores.data[0] = Infinity; // query 0 (owner 0) can never be won
    expect(withFinite(true, () => K.forwardRetrievalReward(unbeatable)).length).toBe(3 * 2);
    expect(Array.from(await withFinite(true, () => K.forwardRetrievalRewardAsync(forward())))).toEqual(Array.from(r));
  });
});

describe.each(rawAddons)('raw %s addon validates on its own', (_n, addon) => {
  // jest gives each test file its own process.env, which the addon's getenv cannot see
  afterEach(() => { addon._setValidateFinite(undefined); });
  test.each(cases.map((c) => [`${c.fn}: ${c.what}`, c] as const))('%s', async (_t, c) => {
    const f = addon as unknown as Callable;
    addon._setValidateFinite(!!c.finite);
    expectNamedError(catchSync(() => f[c.fn](c.args())), c);
    const p = f[`${c.fn}Async`](c.args()) as Promise<unknown>;
    expectNamedError(await p.then(() => new Error('expected a rejection'), (e) => e), c);
  });

  test('NaN passes when REINPOOL_VALIDATE_FINITE is off, without a crash', () => {
    const a = score();
    a.keys.data[3] = NaN;
    a.queries.data[0] = NaN;
    addon._setValidateFinite(false);
    const r = addon.scoreTopK(a);
    expect(r.k).toBe(2);
    const m = maxsim();
    m.docs.vectors.fill(NaN);
    expect(addon.maxSimTopK(m).ids.length).toBe(4);
    const p = pool();
    p.docs.vectors.fill(NaN);
    expect(addon.poolMasked({ ...p, mode: 'max' }).length).toBe(3 * 2 * dim);
    expect(addon.inverseRetrievalReward({ ...reward(), docs: p.docs }).length).toBe(3 * 2);
    expect(addon.forwardRetrievalReward({ ...forward(), docs: p.docs }).length).toBe(3 * 2);
    // NaN scores never leave a top-k slot unfilled or repeat an id (few and many query rows)
    for (const rows of [3, 100]) {
      const b = { queries: mat(rows, 8), keys: mat(500, 8), k: 20 };
      b.keys.data.fill(NaN, 0, 8 * 250);
      b.queries.data[5] = NaN;
      const t = addon.scoreTopK(b);
      for (let r = 0; r < rows; r++) {
        const ids = Array.from(t.ids.subarray(r * 20, r * 20 + 20));
        expect(ids.every((i) => i >= 0 && i < 500)).toBe(true);
        expect(new Set(ids).size).toBe(20);
      }
    }
  });

  test('-Infinity padding of competitorScores passes its finite check', () => {
    addon._setValidateFinite(true);
    expect(addon.forwardRetrievalReward(forward()).length).toBe(3 * 2);
    const unbeatable = forward();
    unbeatable.competitorScores.data[0] = Infinity;
    expect(addon.forwardRetrievalReward(unbeatable).length).toBe(3 * 2);
  });

  test('a getter that detaches an already-checked buffer is caught before any read', () => {
    const a: A = pool();
    Object.defineProperty(a, 'mode', { get() { detached(a.docs.vectors); return 'mean'; } });
    const e = catchSync(() => addon.poolMasked(a)) as Error;
    expect(e.name).toBe('TypeError');
    expect(e.message).toMatch(/^poolMasked: .*detached/);
  });

  test('detaching an input while an async call is pending rejects instead of returning garbage', async () => {
    const a = { queries: mat(64, 64), keys: mat(20000, 64), k: 5 };
    const p = addon.scoreTopKAsync(a);
    // the transferred memory lives on in `moved`, so the pending call still reads valid memory
    const moved = structuredClone(a.keys.data.buffer, { transfer: [a.keys.data.buffer] });
    await expect(p).rejects.toThrow(/scoreTopK: .*detached/);
    expect(moved.byteLength).toBe(20000 * 64 * 4);
  });

  test('info() reports the SIMD level and thread count', () => {
    const info = addon.info();
    expect(info.available).toBe(true);
    if (info.flavor === 'cpu') {
      expect(['avx512', 'avx2', 'sse2']).toContain(info.simd);
      expect(info.threads).toBeGreaterThanOrEqual(1);
    }
  });
});

if (!cpu.kernels && !allowSkip) {
  test('the native cpu addon is built (set REINPOOL_ALLOW_NO_NATIVE=1 to skip locally)', () => {
    throw new Error(`native cpu backend unavailable: ${cpu.status.reason}`);
  });
}
