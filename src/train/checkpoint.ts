/**
 * Training checkpoints. Each is a directory <root>/step-00000050/ holding
 *   weights.safetensors    the policy
 *   optimizer.safetensors  AdamW moments ('m.<param>', 'v.<param>')
 *   reference.safetensors  the frozen reference policy of the KL term
 *   manifest.json          config, step, metrics, history, rng state, optimizer step  (written LAST)
 * A checkpoint is staged in a hidden directory <root>/.tmp-step-00000050-<pid>/ (every file fsynced,
 * manifest last) and renamed to step-00000050 only when complete, so a process killed at any point
 * (SIGKILL included) never leaves a step-* directory that is half-written. Older checkpoints beyond
 * `keep` are renamed to a hidden .trash-* name before they are deleted, for the same reason; leftover
 * hidden directories of a killed writer are removed by the next writeCheckpoint. A step-* directory
 * without manifest.json (written by an older reinpool, or by hand) is ignored.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { PolicyConfig, WeightMap } from '../policy/network';
import { writeJsonAtomic } from '../io/json';
import { readWeights, writeWeights } from '../policy/io';
import type { RngState } from '../random';
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

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch { /* best effort: not every platform opens directories */ }
}

/** Removes a directory by first renaming it to a hidden name, so it never appears half-deleted. */
function removeDir(root: string, dir: string): void {
  const trash = path.join(root, `.trash-${path.basename(dir)}-${process.pid}-${Date.now()}`);
  try { fs.renameSync(dir, trash); } catch { return; }
  fs.rmSync(trash, { recursive: true, force: true });
}

export function writeCheckpoint(root: string, c: Omit<CheckpointContents, 'dir'>, keep = 2): string {
  const dir = stepDir(root, c.manifest.step);
  fs.mkdirSync(root, { recursive: true });
  // leftovers of a writer that was killed (this process's pid cannot have any: it is writing now)
  for (const n of fs.readdirSync(root)) {
    if (/^\.(tmp|trash)-step-\d+-/.test(n)) fs.rmSync(path.join(root, n), { recursive: true, force: true });
  }
  const stage = path.join(root, `.tmp-${path.basename(dir)}-${process.pid}`);
  fs.mkdirSync(stage);
  writeWeights(path.join(stage, 'weights.safetensors'), c.weights, { format: CHECKPOINT_FORMAT });
  writeWeights(path.join(stage, 'optimizer.safetensors'), c.optimizer, { format: CHECKPOINT_FORMAT });
  writeWeights(path.join(stage, 'reference.safetensors'), c.reference, { format: CHECKPOINT_FORMAT });
  writeJsonAtomic(path.join(stage, 'manifest.json'), c.manifest);
  if (fs.existsSync(dir)) removeDir(root, dir); // the same step written again (or an old incomplete one)
  fs.renameSync(stage, dir);
  fsyncDir(root);
  const complete = listCheckpoints(root);
  for (const old of complete.slice(0, Math.max(0, complete.length - keep))) removeDir(root, old.dir);
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
