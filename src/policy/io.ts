/**
 * Save and load a policy: a directory with policy.json (the PolicyConfig plus a format tag) and
 * weights.safetensors (float32, one tensor per parameter, named as in Policy.params).
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../io/fsutil';
import { Policy, PolicyConfig, WeightMap } from './network';
import { readF32Safetensors, writeF32Safetensors } from './safetensors';

export const POLICY_FORMAT = 'reinpool-policy/1';

export function writeWeights(file: string, w: WeightMap, metadata: Record<string, string> = {}): void {
  writeF32Safetensors(file, w, metadata);
}

export function readWeights(file: string): WeightMap {
  return readF32Safetensors(file).tensors;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const bytes = Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
  writeFileAtomic(file, (append) => append(bytes));
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
    const j = JSON.parse(fs.readFileSync(pj, 'utf8'));
    if (j.format !== POLICY_FORMAT) throw new Error(`${pj}: unknown format '${j.format}'`);
    config = j.config;
  } else {
    const mj = path.join(dir, 'manifest.json');
    if (!fs.existsSync(mj)) throw new Error(`${dir}: neither policy.json nor manifest.json found`);
    config = JSON.parse(fs.readFileSync(mj, 'utf8')).config.policy;
  }
  return new Policy(config, readWeights(path.join(dir, 'weights.safetensors')));
}
