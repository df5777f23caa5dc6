/**
 * Inference: deterministic selection of the vectors to keep, then pooling through the kernels.
 *
 *   keep = p > threshold (default 0.5)  |  the topK most probable  |  the ceil(ratio * T_d) most probable
 *   if nothing is kept: keep the most probable vector
 *   v = L2-normalise(mean or max of the kept vectors)       (kernels.poolMasked)
 *
 * Two engines compute the same thing. 'native' (the default for an MLP policy when an addon
 * backend is loaded): one kernels.mlpCompress call does the forward pass, the selection and the
 * pooling (no TensorFlow.js). 'tfjs' (always for a transformer policy): the policy's forward
 * pass on TensorFlow.js in length-sorted chunks of bounded size, so memory stays bounded by the chunk
 * (plus the n x dim output and one byte per input vector for the masks), then selectMasks and
 * kernels.poolMasked. Their keep-probabilities agree within 1e-5 (test/policy/native.test.ts).
 */
import { getKernels } from '../kernels';
import type { Kernels, MultiVectorSet, PoolMode, SelectMode } from '../kernels/types';
import { selectDocument } from '../kernels/ts/mlp';
import { tf } from './backend';
import { lengthChunks, padBatch } from './batch';
import type { Policy } from './network';
import { engineFor, mlpWeightsFromMap } from './weights';
import type { CompressEngine } from './weights';

export type { SelectMode };

export type { CompressEngine };

export interface SelectOptions {
  /** 'threshold' (default), 'topk' or 'ratio' */
  select?: SelectMode;
  /** keep vectors whose keep probability exceeds this (default 0.5) */
  threshold?: number;
  /** keep this many most probable vectors per document (select = 'topk') */
  topK?: number;
  /** keep ceil(ratio * T_d) most probable vectors (select = 'ratio'), ratio in (0, 1] */
  ratio?: number;
}

export interface CompressOptions extends SelectOptions {
  /** pooling of the kept vectors: 'mean' (default) or 'max' */
  pool?: PoolMode;
  /** L2-normalise the pooled vector (default true) */
  normalize?: boolean;
  /** at most this many padded vectors (B x T) per policy forward pass (default 16384) */
  maxBatchVectors?: number;
  /** kernels to pool with (default getKernels()) */
  kernels?: Kernels;
  /**
   * 'native' or 'tfjs'; default: native for an MLP policy when the kernels are an addon (cpu, cuda),
   * tfjs otherwise (the ts kernels' reference forward pass is slower than TensorFlow.js's). A
   * transformer policy always runs on tfjs.
   */
  engine?: CompressEngine;
}

/** The engine compress() uses for this policy and options. */
export function compressEngine(policy: Policy, opts: CompressOptions = {}): CompressEngine {
  return engineFor(policy.config.type, opts.engine, (opts.kernels ?? getKernels()).name);
}

/** The kernel arguments of one native compress call (selection options validated as selectMasks validates them). */
function nativeArgs(policy: Policy, set: MultiVectorSet, opts: CompressOptions) {
  selectionRule(opts);
  return {
    docs: set, policy: mlpWeightsFromMap(policy.config, policy.getWeights()),
    select: opts.select, threshold: opts.threshold, topK: opts.topK, ratio: opts.ratio,
    pool: opts.pool, normalize: opts.normalize,
  };
}

const chunksFor = (policy: Policy, set: MultiVectorSet, maxVectors: number): Int32Array[] =>
  lengthChunks(set, maxVectors, policy.config.type === 'transformer' ? maxVectors * 64 : Infinity);

function scatterLogits(set: MultiVectorSet, docs: Int32Array, T: number, z: Float32Array, out: Float32Array): void {
  for (let b = 0; b < docs.length; b++) {
    const s = set.offsets[docs[b]];
    const n = set.offsets[docs[b] + 1] - s;
    out.set(z.subarray(b * T, b * T + n), s);
  }
}

/** Keep-logits of every vector of the set (Float32Array, one per row of set.vectors). */
export function keepLogits(policy: Policy, set: MultiVectorSet, maxBatchVectors = 16384): Float32Array {
  const out = new Float32Array(set.offsets[set.offsets.length - 1]);
  for (const docs of chunksFor(policy, set, maxBatchVectors)) {
    const b = padBatch(set, docs);
    const z = tf.tidy(() => policy.logits(tf.tensor3d(b.x, [b.B, b.T, b.D]), tf.tensor2d(b.mask, [b.B, b.T])));
    scatterLogits(set, docs, b.T, z.dataSync() as Float32Array, out);
    z.dispose();
  }
  return out;
}

/** Async keepLogits: yields to the event loop between chunks and reads tensors with data(). */
export async function keepLogitsAsync(policy: Policy, set: MultiVectorSet, maxBatchVectors = 16384): Promise<Float32Array> {
  const out = new Float32Array(set.offsets[set.offsets.length - 1]);
  for (const docs of chunksFor(policy, set, maxBatchVectors)) {
    const b = padBatch(set, docs);
    const z = tf.tidy(() => policy.logits(tf.tensor3d(b.x, [b.B, b.T, b.D]), tf.tensor2d(b.mask, [b.B, b.T])));
    scatterLogits(set, docs, b.T, (await z.data()) as Float32Array, out);
    z.dispose();
    await new Promise((r) => setImmediate(r));
  }
  return out;
}

/** The selection options, validated, with their defaults. */
function selectionRule(opts: SelectOptions) {
  const mode = opts.select ?? 'threshold';
  const thr = opts.threshold ?? 0.5;
  if (!(thr > 0 && thr < 1) && mode === 'threshold') throw new RangeError(`threshold must be in (0, 1), got ${thr}`);
  if (mode === 'topk' && !(Number.isInteger(opts.topK) && (opts.topK as number) >= 1)) throw new RangeError(`select 'topk' needs topK >= 1, got ${opts.topK}`);
  if (mode === 'ratio' && !((opts.ratio as number) > 0 && (opts.ratio as number) <= 1)) throw new RangeError(`select 'ratio' needs ratio in (0, 1], got ${opts.ratio}`);
  return { select: mode, threshold: thr, topK: opts.topK as number, ratio: opts.ratio as number };
}

/**
 * Deterministic masks (one byte per vector, groups = 1 layout) from keep-logits. Ties in top-k order
 * go to the lower position. A document with no kept vector keeps its most probable one (the first on
 * ties). Empty documents keep nothing.
 */
export function selectMasks(logits: Float32Array, offsets: Int32Array, opts: SelectOptions = {}): Uint8Array {
  const rule = selectionRule(opts);
  const mask = new Uint8Array(logits.length);
  for (let d = 0; d + 1 < offsets.length; d++) selectDocument(logits, offsets[d], offsets[d + 1] - offsets[d], rule, mask);
  return mask;
}

/** One pooled, L2-normalised vector per document: Float32Array of n x dim, row d for document d. */
export function compress(policy: Policy, set: MultiVectorSet, opts: CompressOptions = {}): Float32Array {
  checkDim(policy, set);
  if (compressEngine(policy, opts) === 'native') return (opts.kernels ?? getKernels()).mlpCompress(nativeArgs(policy, set, opts)).vectors;
  const masks = selectMasks(keepLogits(policy, set, opts.maxBatchVectors), set.offsets, opts);
  return (opts.kernels ?? getKernels()).poolMasked({ docs: set, masks, groups: 1, mode: opts.pool ?? 'mean', normalize: opts.normalize ?? true });
}

/** compress() without blocking the event loop for the whole set. */
export async function compressAsync(policy: Policy, set: MultiVectorSet, opts: CompressOptions = {}): Promise<Float32Array> {
  checkDim(policy, set);
  if (compressEngine(policy, opts) === 'native') {
    return (await (opts.kernels ?? getKernels()).mlpCompressAsync(nativeArgs(policy, set, opts))).vectors;
  }
  const masks = selectMasks(await keepLogitsAsync(policy, set, opts.maxBatchVectors), set.offsets, opts);
  return (opts.kernels ?? getKernels()).poolMaskedAsync({ docs: set, masks, groups: 1, mode: opts.pool ?? 'mean', normalize: opts.normalize ?? true });
}

function checkDim(policy: Policy, set: MultiVectorSet): void {
  if (set.dim !== policy.config.dim) throw new RangeError(`set.dim (${set.dim}) does not match the policy's dim (${policy.config.dim})`);
}
