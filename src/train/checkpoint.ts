/**
 * Training checkpoints. Each is a directory <root>/step-00000050/ holding
 *   weights.safetensors    the policy
 *   optimizer.safetensors  AdamW moments ('m.<param>', 'v.<param>')
 *   reference.safetensors  the frozen reference policy of the KL term
 *   manifest.json          config, step, metrics, history, rng state, optimizer step  (written LAST)
 * Every file is written atomically (temp file, fsync, rename). A directory without manifest.json is an
 * interrupted write and is ignored, so the latest complete checkpoint is the highest step whose
 * manifest exists. Older checkpoints beyond `keep` are removed after a new one is complete.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { PolicyConfig, WeightMap } from '../policy/network';
import { readWeights, writeJsonAtomic, writeWeights } from '../policy/io';
import type { RngState } from '../policy/rng';
import type { TrainConfig } from './config';

export const CHECKPOINT_FORMAT = 'reinpool-checkpoint/1';

export interface StepMetrics {
  step: number;
  rewardMean: number;
  rewardStd: number;
  /** fraction of sampled decisions that kept the vector */
  keepRatio: number;
  kl: number;
  clipFrac: number;
  loss: number;
  lr: number;
  gradNorm: number;
  secondsPerStep: number;
  /** reward of the deterministic (p > 0.5) selection on the eval sample, when measured this step */
  evalReward?: number;
  /** keep ratio of that deterministic selection */
  evalKeepRatio?: number;
}

export interface Manifest {
  format: string;
  /** completed rollout steps */
  step: number;
  config: TrainConfig & { policy: PolicyConfig };
  metrics: StepMetrics | null;
  history: StepMetrics[];
  rng: RngState;
  optimizer: { t: number };
  data: { docs: number; queries: number; fingerprint: string };
  savedAt: string;
}

export interface CheckpointContents {
  dir: string;
  manifest: Manifest;
  weights: WeightMap;
  optimizer: WeightMap;
  reference: WeightMap;
}

const stepDir = (root: string, step: number): string => path.join(root, `step-${String(step).padStart(8, '0')}`);

export function writeCheckpoint(root: string, c: Omit<CheckpointContents, 'dir'>, keep = 2): string {
  const dir = stepDir(root, c.manifest.step);
  fs.mkdirSync(dir, { recursive: true });
  try { fs.unlinkSync(path.join(dir, 'manifest.json')); } catch { /* fresh directory */ }
  writeWeights(path.join(dir, 'weights.safetensors'), c.weights, { format: CHECKPOINT_FORMAT });
  writeWeights(path.join(dir, 'optimizer.safetensors'), c.optimizer, { format: CHECKPOINT_FORMAT });
  writeWeights(path.join(dir, 'reference.safetensors'), c.reference, { format: CHECKPOINT_FORMAT });
  writeJsonAtomic(path.join(dir, 'manifest.json'), c.manifest);
  const complete = listCheckpoints(root);
  for (const old of complete.slice(0, Math.max(0, complete.length - keep))) fs.rmSync(old.dir, { recursive: true, force: true });
  return dir;
}

/** Complete checkpoints under root, oldest first. */
export function listCheckpoints(root: string): { dir: string; step: number }[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root)
    .filter((n) => /^step-\d+$/.test(n) && fs.existsSync(path.join(root, n, 'manifest.json')))
    .map((n) => ({ dir: path.join(root, n), step: Number(n.slice(5)) }))
    .sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(root: string): string | null {
  const all = listCheckpoints(root);
  return all.length ? all[all.length - 1].dir : null;
}

export function readCheckpoint(dir: string): CheckpointContents {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  if (manifest.format !== CHECKPOINT_FORMAT) throw new Error(`${dir}: unknown checkpoint format '${manifest.format}'`);
  return {
    dir,
    manifest,
    weights: readWeights(path.join(dir, 'weights.safetensors')),
    optimizer: readWeights(path.join(dir, 'optimizer.safetensors')),
    reference: readWeights(path.join(dir, 'reference.safetensors')),
  };
}
