/**
 * Save and load a policy: a directory with policy.json (the PolicyConfig plus a format tag) and
 * weights.safetensors (float32, one tensor per parameter, named as in Policy.params).
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeSafetensors } from '../io';
import { writeJsonAtomic } from '../io/json';
import { Policy } from './network';
import type { WeightMap } from './network';
import { POLICY_FORMAT, readPolicyFiles } from './weights';

export { POLICY_FORMAT, readPolicyFiles, readWeights } from './weights';

/** Float32 tensors to a safetensors file (atomically, through io's writer), in map order. */
export function writeWeights(file: string, w: WeightMap, metadata: Record<string, string> = {}): void {
  const rec: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [k, v] of w) rec[k] = v;
  writeSafetensors(file, rec, metadata);
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
  const { config, weights } = readPolicyFiles(dir);
  return new Policy(config, weights);
}
