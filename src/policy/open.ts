/**
 * A saved policy directory opened once as a compress function whose selection options are given per
 * call: what `reinpool compress`, the HTTP service and the queue workers share. An MLP policy runs on
 * the native engine (one kernels.mlpCompress call, TensorFlow.js never loaded) when the kernels are an
 * addon or when asked; a transformer policy, or `engine: 'tfjs'`, runs on TensorFlow.js (loaded here,
 * lazily, only then).
 */
import * as path from 'path';
import { reduceQueries } from '../encode/vectors';
import { getKernels } from '../kernels';
import type { MultiVectorSet } from '../kernels/types';
import type { CompressOptions } from './infer';
import { applyPreprocess, applyQueryPreprocess, readPreprocess } from './preprocess';
import { engineFor, mlpWeightsFromMap, readPolicyFiles } from './weights';
import type { CompressEngine } from './weights';

/** The per-call options: selection, pooling and normalisation (the engine and kernels are fixed at open). */
export type CallOptions = Pick<CompressOptions, 'select' | 'threshold' | 'topK' | 'ratio' | 'pool' | 'normalize'>;

/** Whether a call names a selection rule; one that does not gets the policy's default (every vector for a keepAll policy). */
export const namesSelection = (o: CallOptions): boolean => o.select !== undefined || o.topK !== undefined || o.ratio !== undefined || o.threshold !== undefined;

export interface OpenPolicy {
  /** one pooled, L2-normalised vector per document (n x dim, row d for document d) */
  compress(docs: MultiVectorSet, opts?: CallOptions): Promise<Float32Array>;
  /**
   * multi-vector queries made ready to search the compressed documents with: centred as the policy's
   * documents were (the input itself for a policy trained without centring). Reduce them to one
   * vector each as the evaluation does (a sum) after this.
   */
  prepareQueries: (queries: MultiVectorSet) => MultiVectorSet;
  /** one unit-norm vector per query (n x dim): prepareQueries, then the sum of its vectors; what to search the compressed documents with */
  encodeQueries: (queries: MultiVectorSet) => Float32Array;
  dim: number;
  /** a call without a selection rule keeps every vector (the policy's selection did not beat that in training) */
  keepsAllByDefault: boolean;
  engine: CompressEngine;
  /** e.g. "mlp policy (dim 128, hidden 64, layers 2), native engine on the cpu kernels" */
  describe: string;
}

/** The safetensors metadata of a compress output (the CLI's file, the service's answer, the queue's shards). */
export function outputMetadata(policyDir: string): Record<string, string> {
  return { kind: 'reinpool single vectors', policy: path.resolve(policyDir) };
}

/** The safetensors metadata of prepared queries (`compress --queries`, the service's /v1/queries answer). */
export function queriesMetadata(policyDir: string): Record<string, string> {
  return { ...outputMetadata(policyDir), kind: 'reinpool queries' };
}

/**
 * Opens dir (a savePolicy directory or a training checkpoint). Throws with the problem named (missing
 * files, mis-shaped weights). `note` gets the one message saying that a transformer policy asked to
 * run natively runs on tfjs.
 */
export async function openPolicy(dir: string, engine?: CompressEngine, note?: (msg: string) => void): Promise<OpenPolicy> {
  const files = readPolicyFiles(dir);
  const c = files.config;
  // centring and stop vectors the policy was trained with (policy/preprocess.ts), applied to every input
  const pre = readPreprocess(dir, c.dim);
  const prep = (docs: MultiVectorSet) => applyPreprocess(docs, pre);
  const prepareQueries = (queries: MultiVectorSet) => {
    if (queries.dim !== c.dim) throw new RangeError(`queries: ${queries.dim}-d vectors, the policy takes ${c.dim}-d`);
    return applyQueryPreprocess(queries, pre);
  };
  const encodeQueries = (queries: MultiVectorSet) => reduceQueries(prepareQueries(queries), 'sum', true).data;
  /** a call without a selection rule keeps every vector for a keepAll policy */
  const rule = (o: CallOptions): CallOptions => (pre.keepAll && !namesSelection(o) ? { ...o, select: 'ratio', ratio: 1 } : o);
  const describe = `${c.type} policy (dim ${c.dim}, hidden ${c.hidden}, layers ${c.layers}${pre.center ? ', centred' : ''}${pre.stop ? `, ${pre.stop.df.length} stop vectors` : ''})`;
  const K = getKernels();
  if (engineFor(c.type, engine, K.name) === 'native') {
    const w = mlpWeightsFromMap(c, files.weights);
    return {
      compress: async (docs, call = {}) => {
        const o = rule(call);
        return (await K.mlpCompressAsync({
          docs: prep(docs), policy: w, select: o.select, threshold: o.threshold, topK: o.topK, ratio: o.ratio, pool: o.pool, normalize: o.normalize,
        })).vectors;
      },
      prepareQueries,
      encodeQueries,
      dim: w.dim,
      keepsAllByDefault: pre.keepAll === true,
      engine: 'native',
      describe: `${describe}, native engine on the ${K.name} kernels`,
    };
  }
  if (engine === 'native') note?.(`the ${c.type} policy has no native inference: using the tfjs engine`);
  const policy = await import('./index');
  await policy.initTf();
  const p = new policy.Policy(c, files.weights);
  return {
    compress: (docs, call = {}) => policy.compressAsync(p, prep(docs), { ...rule(call), engine: 'tfjs' }),
    prepareQueries,
    encodeQueries,
    dim: p.config.dim,
    keepsAllByDefault: pre.keepAll === true,
    engine: 'tfjs',
    describe: `${describe}, tfjs engine`,
  };
}
