/**
 * Every hyper-parameter of a ReinPool training run, in one object. Defaults were tuned on NPL and
 * SciFact with GloVe token vectors (docs/training.md says how); the paper publishes none of them.
 */
import type { PoolMode } from '../kernels/types';
import { resolvePolicyOptions } from '../policy/config';
import type { PolicyConfig } from '../policy/config';

import type { QueryReduce } from '../encode';
import type { RewardKind } from './reward';
export type { QueryReduce, RewardKind };

export interface TrainConfig {
  /** seed of everything: weight init, batch order, mask sampling. Default 0. */
  seed: number;
  /** policy network options (dim comes from the data). Default: the MLP, see DEFAULT_POLICY_CONFIG. */
  policy: Partial<PolicyConfig>;
  /** rollout steps (one batch of documents each). Default 3000 (chosen on SciFact development queries: docs/training.md). */
  steps: number;
  /** documents per rollout step. Default 16. */
  batchDocs: number;
  /** G: masks sampled per document. Default 16 (sparse NDCG@3 rewards need many masks for a non-flat group). */
  groupSize: number;
  /** optimiser updates on each rollout batch (GRPO's mu). Default 2. */
  innerEpochs: number;
  /** PPO/GRPO ratio clip epsilon. Default 0.2. */
  clipEps: number;
  /** weight of the k3 KL penalty to the frozen initial policy. Default 0.01. */
  beta: number;
  /** eps in A = (r - mean) / (std + eps). Default 1e-4. */
  advEps: number;
  /** peak learning rate. Default 3e-3. */
  lr: number;
  /** linear warm-up steps. Default 10. */
  warmupSteps: number;
  /** the cosine decays to minLrRatio * lr at the last step. Default 0.1. */
  minLrRatio: number;
  /** AdamW decoupled weight decay (weight matrices only). Default 0.01. */
  weightDecay: number;
  /** AdamW beta1. Default 0.9. */
  adamBeta1: number;
  /** AdamW beta2. Default 0.999. */
  adamBeta2: number;
  /** AdamW epsilon. Default 1e-8. */
  adamEps: number;
  /** global gradient-norm clip; 0 disables. Default 1.0. */
  maxGradNorm: number;
  /**
   * which retrieval direction rewards a mask (src/train/reward.ts). 'forward' (default, ours): each of
   * the document's own queries ranks the corpus, the other documents mean-pooled; the direction of the
   * test. 'inverse' (the paper's, `--preset paper`): the pooled vector ranks all synthetic queries.
   */
  reward: RewardKind;
  /** NDCG cut-off of the reward. Default 3. */
  rewardK: number;
  /** pooling of the kept vectors (reward and inference). Default 'mean'. */
  pool: PoolMode;
  /** how a multi-vector synthetic query becomes one vector when train() gets a MultiVectorSet. Default 'sum'. */
  queryReduce: QueryReduce;
  /**
   * rank the synthetic queries by cosine (unit-norm query vectors) in the reward. Default true: at test
   * time the ranked side (documents) is unit-norm, so the ranked side of the inverse direction should
   * be too; raw sums let long queries win every ranking and the reward then disagrees with test NDCG
   * (docs/training.md has the measurement).
   */
  queryNormalize: boolean;
  /** write a checkpoint every this many steps (and at the end); 0: only at the end. Default 50. */
  checkpointEvery: number;
  /** checkpoints kept on disk (oldest removed). Default 2. */
  keepCheckpoints: number;
  /** every this many steps, log the reward of the deterministic (p > 0.5) selection on a fixed sample; 0: never. Default 25. */
  evalEvery: number;
  /** size of that fixed sample of training documents. Default 256. */
  evalDocs: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  seed: 0,
  policy: {},
  steps: 3000,
  batchDocs: 16,
  groupSize: 16,
  innerEpochs: 2,
  clipEps: 0.2,
  beta: 0.01,
  advEps: 1e-4,
  lr: 3e-3,
  warmupSteps: 10,
  minLrRatio: 0.1,
  weightDecay: 0.01,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  maxGradNorm: 1.0,
  reward: 'forward',
  rewardK: 3,
  pool: 'mean',
  queryReduce: 'sum',
  queryNormalize: true,
  checkpointEvery: 50,
  keepCheckpoints: 2,
  evalEvery: 25,
  evalDocs: 256,
};

export function resolveTrainConfig(c: Partial<TrainConfig> = {}): TrainConfig {
  const out: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...c, policy: { ...DEFAULT_TRAIN_CONFIG.policy, ...(c.policy ?? {}) } };
  const posInt = ['steps', 'batchDocs', 'groupSize', 'innerEpochs', 'rewardK', 'keepCheckpoints', 'evalDocs'] as const;
  for (const k of posInt) if (!Number.isInteger(out[k]) || out[k] < 1) throw new RangeError(`config.${k} must be a positive integer, got ${out[k]}`);
  for (const k of ['warmupSteps', 'checkpointEvery', 'evalEvery'] as const) if (!Number.isInteger(out[k]) || out[k] < 0) throw new RangeError(`config.${k} must be an integer >= 0, got ${out[k]}`);
  if (out.groupSize < 2) throw new RangeError(`config.groupSize must be >= 2 (advantages compare masks within a group), got ${out.groupSize}`);
  for (const k of ['lr', 'clipEps', 'advEps', 'adamEps'] as const) if (!(out[k] > 0)) throw new RangeError(`config.${k} must be > 0, got ${out[k]}`);
  for (const k of ['beta', 'weightDecay', 'maxGradNorm', 'minLrRatio'] as const) if (!(out[k] >= 0)) throw new RangeError(`config.${k} must be >= 0, got ${out[k]}`);
  if (out.pool !== 'mean' && out.pool !== 'max') throw new RangeError(`config.pool must be 'mean' or 'max', got '${out.pool}'`);
  if (out.reward !== 'inverse' && out.reward !== 'forward') throw new RangeError(`config.reward must be 'inverse' or 'forward', got '${out.reward}'`);
  if (typeof out.queryNormalize !== 'boolean') throw new TypeError(`config.queryNormalize must be a boolean, got ${typeof out.queryNormalize}`);
  if (!['sum', 'mean', 'max'].includes(out.queryReduce)) throw new RangeError(`config.queryReduce must be sum, mean or max, got '${out.queryReduce}'`);
  // the policy's options too, so that a bad one fails before any data is loaded or encoded
  resolvePolicyOptions(out.policy);
  return out;
}
