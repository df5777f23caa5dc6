/**
 * Save and load a policy: a directory with policy.json (the PolicyConfig plus a format tag) and
 * weights.safetensors (float32, one tensor per parameter, named as in Policy.params).
 */
import * as fs from 'fs';
import * as path from 'path';
import { readSafetensors, writeSafetensors } from '../io';
import { writeJsonAtomic } from '../io/json';
import { Policy, PolicyConfig, WeightMap } from './network';

export const POLICY_FORMAT = 'reinpool-policy/1';

/** Float32 tensors to a safetensors file (atomically, through io's writer), in map order. */
export function writeWeights(file: string, w: WeightMap, metadata: Record<string, string> = {}): void {
  const rec: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [k, v] of w) rec[k] = v;
  writeSafetensors(file, rec, metadata);
}

/** Reads a safetensors file of float32 tensors (other float types are converted by io's reader). */
export function readWeights(file: string): WeightMap {
  const out: WeightMap = new Map();
  for (const [k, t] of readSafetensors(file).tensors) {
    if (!(t.data instanceof Float32Array)) throw new Error(`${file}: tensor '${k}' is ${t.dtype}, expected a float type`);
    out.set(k, { shape: t.shape, data: t.data });
  }
  return out;
}

/** Writes dir/policy.json and dir/weights.safetensors (each atomically; the JSON last). */
export function savePolicy(policy: Policy, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  writeWeights(path.join(dir, 'weights.safetensors'), policy.getWeights(), { format: POLICY_FORMAT });
  writeJsonAtomic(path.join(dir, 'policy.json'), { format: POLICY_FORMAT, config: policy.config });
}

/**
 * Loads a policy from a directory written by savePolicy, or from a training checkpoint directory
 * (manifest.json whose `config.policy` is the PolicyConfig).
 */
export function loadPolicy(dir: string): Policy {
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
  return new Policy(config, readWeights(path.join(dir, 'weights.safetensors')));
}
