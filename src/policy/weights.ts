/**
 * A saved policy without TensorFlow.js: reads dir/policy.json (or a checkpoint's manifest.json) and
 * dir/weights.safetensors with io's safetensors reader, and turns an MLP policy into the plain
 * arrays the mlpCompress kernel takes. With `reinpool/kernels`, this module is all an indexing
 * service needs to compress with a trained policy:
 *
 *   const { getKernels } = require('reinpool/kernels');
 *   const { loadMlpPolicy } = require('reinpool/dist/src/policy/weights.js');
 *   const { vectors } = getKernels().mlpCompress({ docs, policy: loadMlpPolicy(dir) });
 *
 * It imports only fs/path, io's safetensors reader and the policy options (config.ts): no
 * TensorFlow.js, no npm package (checked: requiring it and reinpool/kernels loads no @tensorflow module).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors } from '../io/safetensors';
import type { MlpPolicyWeights } from '../kernels/types';
import { resolvePolicyConfig } from './config';
import type { PolicyConfig, PolicyType } from './config';

export const POLICY_FORMAT = 'reinpool-policy/1';

/** How compress runs the policy: 'native' (kernels.mlpCompress, MLP only) or 'tfjs'. */
export type CompressEngine = 'native' | 'tfjs';

/**
 * The engine for a policy of this type: a transformer always runs on tfjs; an MLP runs natively
 * when asked, and by default when the kernels are an addon (the ts kernels' reference forward pass
 * is slower than TensorFlow.js's).
 */
export function engineFor(type: PolicyType, engine: CompressEngine | undefined, kernels: string): CompressEngine {
  if (engine !== undefined && engine !== 'native' && engine !== 'tfjs') {
    throw new RangeError(`engine must be 'native' or 'tfjs', got ${String(engine)}`);
  }
  if (type !== 'mlp' || engine === 'tfjs') return 'tfjs';
  if (engine === 'native') return 'native';
  return kernels === 'ts' ? 'tfjs' : 'native';
}

/** Plain (name, shape, values) weights: what save/load and checkpoints move around. */
export type WeightMap = Map<string, { shape: number[]; data: Float32Array }>;

/** Reads a safetensors file of float32 tensors (other float types are converted by io's reader). */
export function readWeights(file: string): WeightMap {
  const out: WeightMap = new Map();
  for (const [k, t] of readSafetensors(file).tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${file}: tensor '${k}' is ${t.dtype}, expected a float type`);
    out.set(k, { shape: t.shape, data: t.data });
  }
  return out;
}

/**
 * The configuration and weights of a policy directory written by savePolicy, or of a training
 * checkpoint directory (manifest.json whose `config.policy` is the PolicyConfig).
 */
export function readPolicyFiles(dir: string): { config: PolicyConfig; weights: WeightMap } {
  let config: PolicyConfig;
  const pj = path.join(dir, 'policy.json');
  if (fs.existsSync(pj)) {
    const j = JSON.parse(fs.readFileSync(pj, 'utf8')) as { format?: unknown; config: PolicyConfig };
    if (j.format !== POLICY_FORMAT) throw new Error(`${pj}: unknown format '${String(j.format)}'`);
    config = j.config;
  } else {
    const mj = path.join(dir, 'manifest.json');
    if (!fs.existsSync(mj)) throw new Error(`${dir}: neither policy.json nor manifest.json found`);
    config = (JSON.parse(fs.readFileSync(mj, 'utf8')) as { config: { policy: PolicyConfig } }).config.policy;
  }
  return { config, weights: readWeights(path.join(dir, 'weights.safetensors')) };
}

/**
 * An MLP policy's weights as the mlpCompress kernel takes them (the arrays are shared, not copied).
 * Throws for a transformer policy and for a missing or mis-shaped parameter (naming it).
 */
export function mlpWeightsFromMap(config: Partial<PolicyConfig> & { dim: number }, w: WeightMap): MlpPolicyWeights {
  const c = resolvePolicyConfig(config);
  if (c.type !== 'mlp') throw new Error(`a ${c.type} policy has no native inference (only 'mlp')`);
  const get = (name: string, shape: number[]): Float32Array => {
    const t = w.get(name);
    if (!t) throw new Error(`policy weights lack '${name}'`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`policy weight '${name}' has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
    }
    return t.data;
  };
  const H = c.hidden;
  const layerWeights: Float32Array[] = [];
  const layerBiases: Float32Array[] = [];
  for (let l = 0; l < c.layers; l++) {
    layerWeights.push(get(`mlp${l}.w`, [l === 0 ? 3 * c.dim + 3 : H, H]));
    layerBiases.push(get(`mlp${l}.b`, [H]));
  }
  const headWeights = get('head.w', [H, 1]);
  const headBias = get('head.b', [1])[0];
  return { dim: c.dim, hidden: H, layers: c.layers, layerWeights, layerBiases, headWeights, headBias };
}

/** loadMlpPolicy(dir): readPolicyFiles + mlpWeightsFromMap (throws for a transformer policy). */
export function loadMlpPolicy(dir: string): MlpPolicyWeights {
  const { config, weights } = readPolicyFiles(dir);
  return mlpWeightsFromMap(config, weights);
}
