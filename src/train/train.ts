/**
 * ReinPool training: GRPO over keep/drop masks, rewarded by retrieval through the kernels (inverse
 * by default, as in the paper; forward as an option: src/train/reward.ts).
 * One function, one pass, top to bottom (CleanRL style). Every hyper-parameter is in TrainConfig.
 *
 *   for step in steps:
 *     docs   <- next batch (a seeded permutation per data epoch; a pure function of seed and step)
 *     z      <- policy(docs)                      keep-logits, no gradient (the "old" policy)
 *     masks  <- G Bernoulli(sigmoid(z)) masks per document (seeded sampler)
 *     r      <- reward(docs, masks): NDCG@k per mask, by the kernels on a corpus handle made once
 *     A      <- (r - mean_group r) / (std_group r + eps)
 *     repeat innerEpochs: loss = -GRPO objective (clipped ratio, k3 KL to the reference) ; AdamW
 *     log, checkpoint
 */
import * as fs from 'fs';
import * as path from 'path';
import { queryMatrix } from '../encode';
import { getKernels } from '../kernels';
import type { DenseMatrix, Kernels, MultiVectorSet } from '../kernels/types';
import { initTf, tf } from '../policy/backend';
import { subset } from '../io/ragged';
import { padBatch } from '../policy/batch';
import { keepLogits, selectMasks } from '../policy/infer';
import { savePolicy } from '../policy/io';
import { Policy, PolicyConfig } from '../policy/network';
import { Rng } from '../random';
import { AdamW, clipByGlobalNorm } from './adamw';
import { CHECKPOINT_FORMAT, latestCheckpoint, Manifest, readCheckpoint, StepMetrics, writeCheckpoint } from './checkpoint';
import { resolveTrainConfig, TrainConfig } from './config';
import { actionLogProbs, groupAdvantages, grpoObjective, sampleMasks } from './grpo';
import { JsonlLog, ProgressBar } from './progress';
import { createReward, RewardFn } from './reward';
import { lrAt } from './schedule';

export interface TrainInput {
  /** the corpus (document d = item d) */
  docs: MultiVectorSet;
  /** synthetic queries: one vector each (DenseMatrix), or multi-vector (reduced by config.queryReduce) */
  queries: DenseMatrix | MultiVectorSet;
  /** queryOwner[q] = the document query q was written for */
  queryOwner: Int32Array;
  /** hyper-parameters (defaults: DEFAULT_TRAIN_CONFIG) */
  config?: Partial<TrainConfig>;
  /** documents used as rollout prompts (default: all); every query stays in the reward's ranking */
  trainDocs?: Int32Array;
  /** directory for checkpoints (outDir/checkpoints), the JSONL log and the final policy (outDir/policy) */
  outDir?: string;
  /** continue from the latest checkpoint in outDir (if there is one) */
  resume?: boolean;
  /** per-step callback, or false to skip writing outDir/log.jsonl */
  log?: ((m: StepMetrics) => void) | false;
  /** progress bar on stderr (default: when stderr is a TTY) */
  progress?: boolean;
  /** stop after this many steps in this call (a checkpoint is written there), as if the run was killed */
  stopAfter?: number;
  /** kernels for the reward (default getKernels()) */
  kernels?: Kernels;
  /**
   * documents never used as prompts on which, after training, the reward of the policy's default
   * selection is compared with keeping every vector (TrainResult.validation)
   */
  validationDocs?: Int32Array;
}

/** The trained policy's default selection against keeping every vector, on the validation documents. */
export interface Validation {
  docs: number;
  policyReward: number;
  keepAllReward: number;
  keepRatio: number;
}

export interface TrainResult {
  policy: Policy;
  history: StepMetrics[];
  /** completed steps */
  step: number;
  config: TrainConfig & { policy: PolicyConfig };
  seconds: number;
  validation?: Validation;
}

export async function train(input: TrainInput): Promise<TrainResult> {
  await initTf();
  const t0 = Date.now();
  const kernels = input.kernels ?? getKernels();
  const { docs, queryOwner } = input;
  const wanted = resolveTrainConfig(input.config);
  const queries = queryMatrix(input.queries, wanted.queryReduce, wanted.queryNormalize);
  const nDocs = docs.offsets.length - 1;
  if (queries.dim !== docs.dim) throw new RangeError(`queries.dim (${queries.dim}) != docs.dim (${docs.dim})`);
  if (queryOwner.length !== queries.rows) throw new RangeError(`queryOwner has ${queryOwner.length} entries for ${queries.rows} queries`);
  const trainDocs = input.trainDocs ?? Int32Array.from({ length: nDocs }, (_, i) => i);
  if (trainDocs.length === 0) throw new RangeError('no training documents');
  const run = createReward(docs, queries, queryOwner, { kind: wanted.reward, k: wanted.rewardK, pool: wanted.pool }, kernels);
  try {
    const result = await trainLoop(input, wanted, queries, trainDocs, run.reward, t0);
    const vd = input.validationDocs;
    if (vd && vd.length) [result.validation] = validationsOf([result.policy], docs, vd, run.reward);
    return result;
  } finally {
    run.dispose();
  }
}

async function trainLoop(input: TrainInput, wanted: TrainConfig, queries: DenseMatrix, trainDocs: Int32Array, reward: RewardFn, t0: number): Promise<TrainResult> {
  const { docs, queryOwner } = input;
  const nDocs = docs.offsets.length - 1;
  const fingerprint = dataFingerprint(docs, queries, queryOwner, trainDocs);
  const ckptRoot = input.outDir ? path.join(input.outDir, 'checkpoints') : null;

  // ---- state: fresh, or from the latest checkpoint -------------------------------------------
  let cfg = wanted;
  let policy: Policy;
  let reference: Policy;
  let history: StepMetrics[] = [];
  let startStep = 0;
  let sampler = new Rng(cfg.seed, 2);
  const resumeFrom = input.resume && ckptRoot ? latestCheckpoint(ckptRoot) : null;
  const ckpt = resumeFrom ? readCheckpoint(resumeFrom) : null;
  if (ckpt) {
    const m = ckpt.manifest;
    if (m.data.fingerprint !== fingerprint) throw new Error(`${ckpt.dir}: checkpoint was trained on different data (fingerprint ${m.data.fingerprint}, now ${fingerprint})`);
    cfg = resolveTrainConfig(m.config);
    policy = new Policy(m.config.policy, ckpt.weights);
    reference = new Policy(m.config.policy, ckpt.reference);
    history = m.history;
    startStep = m.step;
    sampler = Rng.fromState(m.rng);
  } else {
    policy = new Policy({ seed: cfg.seed, ...cfg.policy, dim: docs.dim });
    reference = policy.clone(false);
  }
  for (const v of reference.params.values()) v.trainable = false;
  const fullCfg = { ...cfg, policy: policy.config };
  const opt = new AdamW(policy.params, { beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, eps: cfg.adamEps, weightDecay: cfg.weightDecay });
  if (ckpt) opt.load(ckpt.optimizer, ckpt.manifest.optimizer.t);

  // ---- logging ---------------------------------------------------------------------------------
  if (input.outDir) fs.mkdirSync(input.outDir, { recursive: true });
  const jsonl = input.outDir && input.log !== false ? new JsonlLog(path.join(input.outDir, 'log.jsonl')) : null;
  if (jsonl) jsonl.rewrite(history);
  const bar = new ProgressBar(cfg.steps, startStep, input.progress ?? Boolean(process.stderr.isTTY));
  const evalSample = new Rng(cfg.seed, 3).permutation(trainDocs.length).subarray(0, Math.min(cfg.evalDocs, trainDocs.length));
  const evalSet = evalSample.length ? subset(docs, Array.from(evalSample, (i) => trainDocs[i])) : null;
  const evalIndex = Int32Array.from(evalSample, (i) => trainDocs[i]);

  // ---- batch order: a seeded permutation per pass over trainDocs, a pure function of (seed, step)
  let permEpoch = -1;
  let perm: Int32Array = new Int32Array(0);
  const batchAt = (step: number): Int32Array => {
    const out = new Int32Array(Math.min(cfg.batchDocs, trainDocs.length));
    for (let i = 0; i < out.length; i++) {
      const pos = step * out.length + i;
      const epoch = Math.floor(pos / trainDocs.length);
      if (epoch !== permEpoch) {
        perm = new Rng(cfg.seed, 1000 + epoch).permutation(trainDocs.length);
        permEpoch = epoch;
      }
      out[i] = trainDocs[perm[pos % trainDocs.length]];
    }
    return out;
  };

  const saveCheckpoint = (step: number) => {
    if (!ckptRoot) return;
    const manifest: Manifest = {
      format: CHECKPOINT_FORMAT, step, config: fullCfg, metrics: history[history.length - 1] ?? null, history,
      rng: sampler.state(), optimizer: { t: opt.t },
      data: { docs: nDocs, queries: queries.rows, fingerprint }, savedAt: new Date().toISOString(),
    };
    writeCheckpoint(ckptRoot, { manifest, weights: policy.getWeights(), optimizer: opt.state(), reference: reference.getWeights() }, cfg.keepCheckpoints);
  };

  const stopAt = Math.min(cfg.steps, input.stopAfter !== undefined ? startStep + input.stopAfter : Infinity);
  const G = cfg.groupSize;
  for (let step = startStep; step < stopAt; step++) {
    const ts = Date.now();
    // 1. rollout: the current policy is the "old" policy of this step
    const batchDocs = batchAt(step);
    const b = padBatch(docs, batchDocs);
    const x = tf.tensor3d(b.x, [b.B, b.T, b.D]);
    const mask = tf.tensor2d(b.mask, [b.B, b.T]);
    const zOld = policy.logits(x, mask);
    const s = sampleMasks(zOld.dataSync() as Float32Array, b.lengths, b.T, G, sampler);

    // 2. reward through the kernels (an empty mask scores 0)
    const rewards = reward(batchDocs, s.kernelMasks, G);
    for (let i = 0; i < rewards.length; i++) if (s.kept[i] === 0) rewards[i] = 0;
    const adv = groupAdvantages(rewards, b.B, G, cfg.advEps);

    // 3. GRPO updates
    const actions = tf.tensor3d(s.actions, [b.B, G, b.T]);
    const oldLogp = actionLogProbs(zOld, actions);
    const refLogp = tf.tidy(() => actionLogProbs(reference.logits(x, mask), actions));
    const advT = tf.tensor2d(adv, [b.B, G]);
    const lr = lrAt(step, { lr: cfg.lr, warmupSteps: cfg.warmupSteps, steps: cfg.steps, minLrRatio: cfg.minLrRatio });
    let loss = 0, kl = 0, clipFrac = 0, gradNorm = 0;
    for (let e = 0; e < cfg.innerEpochs; e++) {
      let terms: { kl: tf.Scalar; clipFrac: tf.Scalar } | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const t = grpoObjective(policy.logits(x, mask), { actions, oldLogp, refLogp, adv: advT, mask, clipEps: cfg.clipEps, beta: cfg.beta });
        terms = { kl: tf.keep(t.kl), clipFrac: tf.keep(t.clipFrac) };
        return t.loss;
      }, policy.variables());
      const ordered = policy.variables().map((v) => grads[v.name]);
      const clipped = clipByGlobalNorm(ordered, cfg.maxGradNorm);
      opt.step(clipped.grads, lr);
      loss += value.dataSync()[0] / cfg.innerEpochs;
      const tt = terms as unknown as { kl: tf.Scalar; clipFrac: tf.Scalar };
      kl += tt.kl.dataSync()[0] / cfg.innerEpochs;
      clipFrac += tt.clipFrac.dataSync()[0] / cfg.innerEpochs;
      gradNorm += clipped.norm / cfg.innerEpochs;
      tf.dispose([value, ...Object.values(grads), ...clipped.grads, tt.kl, tt.clipFrac]);
    }
    tf.dispose([x, mask, zOld, actions, oldLogp, refLogp, advT]);

    // 4. metrics, log, checkpoint
    let kept = 0, decisions = 0;
    for (let i = 0; i < s.kept.length; i++) kept += s.kept[i];
    for (let i = 0; i < b.B; i++) decisions += b.lengths[i] * G;
    const rm = mean(rewards);
    const m: StepMetrics = {
      step: step + 1, rewardMean: rm, rewardStd: Math.sqrt(mean(Array.from(rewards, (r) => (r - rm) ** 2))),
      keepRatio: kept / Math.max(1, decisions), kl, clipFrac, loss, lr, gradNorm, secondsPerStep: (Date.now() - ts) / 1000,
    };
    if (evalSet && cfg.evalEvery > 0 && ((step + 1) % cfg.evalEvery === 0 || step + 1 === cfg.steps || step === 0)) {
      const ev = greedyReward(policy, evalSet, evalIndex, reward);
      m.evalReward = ev.reward;
      m.evalKeepRatio = ev.keepRatio;
    }
    history.push(m);
    if (jsonl) jsonl.append(m);
    if (typeof input.log === 'function') input.log(m);
    bar.update(step + 1, `r=${m.rewardMean.toFixed(3)}${m.evalReward !== undefined ? ` eval=${m.evalReward.toFixed(3)}` : ''} keep=${m.keepRatio.toFixed(2)} kl=${m.kl.toExponential(1)}`);
    const last = step + 1 === stopAt;
    if ((cfg.checkpointEvery > 0 && (step + 1) % cfg.checkpointEvery === 0) || last) saveCheckpoint(step + 1);
  }
  bar.finish();
  const done = Math.max(startStep, stopAt);
  if (input.outDir && done === cfg.steps) savePolicy(policy, path.join(input.outDir, 'policy'));
  opt.dispose();
  reference.dispose();
  return { policy, history, step: done, config: fullCfg, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Each policy's mean reward of its deterministic (p > 0.5, fallback) selection on the validation
 * documents `vd` of `docs`, against keeping every vector (scored once for all of them).
 */
function validationsOf(policies: Policy[], docs: MultiVectorSet, vd: Int32Array, reward: RewardFn): Validation[] {
  const set = subset(docs, vd);
  const all = mean(reward(vd, new Uint8Array(set.offsets[vd.length]).fill(1), 1));
  return policies.map((policy) => {
    const own = greedyReward(policy, set, vd, reward);
    return { docs: vd.length, policyReward: own.reward, keepAllReward: all, keepRatio: own.keepRatio };
  });
}

/**
 * The held-out check of trained policies on another training set: the reward of each one's default
 * selection and of keeping every vector on `validationDocs` of `docs`, with that set's queries and the
 * given reward settings (config: the policies' TrainResult.config), through one reward handle. The
 * experiment's choice of query generator judges every candidate's policy on each generator's held-out
 * documents with it.
 */
export function validatePolicies(
  policies: Policy[],
  input: Pick<TrainInput, 'docs' | 'queries' | 'queryOwner' | 'kernels'> & { validationDocs: Int32Array; config: TrainConfig },
): Validation[] {
  const { docs, queryOwner, config } = input;
  if (input.validationDocs.length === 0) throw new RangeError('validatePolicies: no validation documents');
  const queries = queryMatrix(input.queries, config.queryReduce, config.queryNormalize);
  const run = createReward(docs, queries, queryOwner, { kind: config.reward, k: config.rewardK, pool: config.pool }, input.kernels ?? getKernels());
  try {
    return validationsOf(policies, docs, input.validationDocs, run.reward);
  } finally {
    run.dispose();
  }
}

export function greedyReward(
  policy: Policy, set: MultiVectorSet, docIndex: Int32Array, reward: RewardFn,
): { reward: number; keepRatio: number } {
  const masks = selectMasks(keepLogits(policy, set), set.offsets);
  const r = reward(docIndex, masks, 1);
  let kept = 0;
  for (let i = 0; i < masks.length; i++) kept += masks[i];
  return { reward: mean(r), keepRatio: kept / Math.max(1, masks.length) };
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
}

/** FNV-1a over the shapes, offsets, owners and a strided sample of the values. */
function dataFingerprint(docs: MultiVectorSet, q: DenseMatrix, owner: Int32Array, trainDocs: Int32Array): string {
  let h = 0x811c9dc5;
  const mix = (x: number) => { h = Math.imul(h ^ (x >>> 0), 0x01000193) >>> 0; };
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const mixF = (x: number) => { f[0] = x; mix(u[0]); };
  mix(docs.dim); mix(docs.offsets.length); mix(q.rows); mix(trainDocs.length);
  for (let i = 0; i < docs.offsets.length; i++) mix(docs.offsets[i]);
  for (let i = 0; i < owner.length; i++) mix(owner[i]);
  for (let i = 0; i < trainDocs.length; i++) mix(trainDocs[i]);
  const stride = (n: number) => Math.max(1, Math.floor(n / 4096));
  for (let i = 0; i < docs.vectors.length; i += stride(docs.vectors.length)) mixF(docs.vectors[i]);
  for (let i = 0; i < q.data.length; i += stride(q.data.length)) mixF(q.data[i]);
  return h.toString(16).padStart(8, '0');
}
