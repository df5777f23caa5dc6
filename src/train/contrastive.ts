/**
 * The ablation the paper omits: is reinforcement learning needed? The same policy network, features,
 * synthetic queries and selection rule (keep p > 0.5 at inference), trained by gradient descent on a
 * differentiable stand-in for the forward reward instead of GRPO:
 *
 *   p_t   = sigmoid(z_t)                          keep probabilities of the document's vectors
 *   w_t   = [p_t > 0.5] + p_t - sg(p_t)           straight-through: the forward pass pools exactly
 *                                                 the vectors inference keeps, the gradient is p's
 *   v     = normalise(sum_t w_t x_t / sum_t w_t)  the pooled document
 *   loss  = -log softmax(<q, v>, <q, c_1>, ..., <q, c_K>) / tau   over each of the document's queries
 *
 * where c_1..c_K are the query's K best competitors among the other documents mean-pooled (fixed, as
 * in the forward reward). Soft weights alone would not do: the pooled vector is normalised, so only
 * their ratios matter and nothing pushes a probability below the 0.5 that inference thresholds at.
 * The hyper-parameters the two share come from the same TrainConfig (steps,
 * batch, learning-rate schedule, AdamW, clipping, policy); the contrastive ones are below.
 */
import { queryMatrix } from '../encode';
import { getKernels } from '../kernels';
import { initTf, tf } from '../policy/backend';
import { padBatch } from '../policy/batch';
import { Policy } from '../policy/network';
import { Rng } from '../random';
import { AdamW, clipByGlobalNorm } from './adamw';
import { resolveTrainConfig } from './config';
import { lrAt } from './schedule';
import type { TrainInput, TrainResult } from './train';

export const CONTRASTIVE_DEFAULTS = {
  /** competitors per query (hard negatives: the best-scoring other documents, mean-pooled) */
  negatives: 32,
  /** softmax temperature */
  temperature: 0.05,
};

export async function trainContrastive(input: TrainInput, opts: Partial<typeof CONTRASTIVE_DEFAULTS> = {}): Promise<TrainResult> {
  await initTf();
  const t0 = Date.now();
  const { negatives: K, temperature } = { ...CONTRASTIVE_DEFAULTS, ...opts };
  const cfg = resolveTrainConfig(input.config);
  const kernels = input.kernels ?? getKernels();
  const { docs, queryOwner } = input;
  const nDocs = docs.offsets.length - 1;
  const D = docs.dim;
  // the softmax compares cosines: unit queries whatever queryNormalize says
  const queries = queryMatrix(input.queries, cfg.queryReduce, true);
  const trainDocs = input.trainDocs ?? Int32Array.from({ length: nDocs }, (_, i) => i);
  if (trainDocs.length === 0) throw new RangeError('no training documents');

  // fixed competitors: every document mean-pooled; each query's K best other documents
  const keepAll = new Uint8Array(docs.offsets[nDocs]).fill(1);
  const comp = kernels.poolMasked({ docs, masks: keepAll, groups: 1, mode: 'mean', normalize: true });
  const top = kernels.scoreTopK({ queries, keys: { rows: nDocs, dim: D, data: comp }, k: Math.min(nDocs, K + 1) });
  const negOf = (q: number): Float32Array => {
    const out = new Float32Array(K * D);
    let n = 0;
    for (let j = 0; j < top.k && n < K; j++) {
      const id = top.ids[q * top.k + j];
      if (id >= 0 && id !== queryOwner[q]) out.set(comp.subarray(id * D, id * D + D), (n++) * D);
    }
    return out; // fewer than K others: zero vectors, which score 0
  };
  const ownQueries = new Map<number, number[]>();
  for (let q = 0; q < queryOwner.length; q++) {
    const d = queryOwner[q];
    if (!ownQueries.has(d)) ownQueries.set(d, []);
    ownQueries.get(d)!.push(q);
  }
  const prompts = trainDocs.filter((d) => ownQueries.has(d));
  if (prompts.length === 0) throw new RangeError('no training document owns a query');

  const policy = new Policy({ seed: cfg.seed, ...cfg.policy, dim: D });
  const opt = new AdamW(policy.params, { beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, eps: cfg.adamEps, weightDecay: cfg.weightDecay });
  const rng = new Rng(cfg.seed, 0xc0de);
  let perm = rng.permutation(prompts.length);
  let at = 0;
  const history: TrainResult['history'] = [];
  for (let step = 0; step < cfg.steps; step++) {
    const ts = Date.now();
    const batch = new Int32Array(Math.min(cfg.batchDocs, prompts.length));
    for (let i = 0; i < batch.length; i++) {
      if (at === perm.length) { perm = rng.permutation(prompts.length); at = 0; }
      batch[i] = prompts[perm[at++]];
    }
    const b = padBatch(docs, batch);
    const rows: number[] = [];
    const qIdx: number[] = [];
    batch.forEach((d, i) => { for (const q of ownQueries.get(d)!) { rows.push(i); qIdx.push(q); } });
    const J = qIdx.length;
    const qv = new Float32Array(J * D);
    const nv = new Float32Array(J * K * D);
    qIdx.forEach((q, j) => { qv.set(queries.data.subarray(q * D, q * D + D), j * D); nv.set(negOf(q), j * K * D); });
    const x = tf.tensor3d(b.x, [b.B, b.T, D]);
    const mask = tf.tensor2d(b.mask, [b.B, b.T]);
    const Q = tf.tensor2d(qv, [J, D]);
    const N = tf.tensor3d(nv, [J, K, D]);
    // each query's own document as a one-hot row (a matmul: gather has no gradient on the wasm backend)
    const oneHot = new Float32Array(J * b.B);
    rows.forEach((r, j) => { oneHot[j * b.B + r] = 1; });
    const own = tf.tensor2d(oneHot, [J, b.B]);
    const lr = lrAt(step, { lr: cfg.lr, warmupSteps: cfg.warmupSteps, steps: cfg.steps, minLrRatio: cfg.minLrRatio });
    let keep = 0;
    const { value, grads } = tf.variableGrads(() => {
      const p = tf.sigmoid(policy.logits(x, mask)).mul(mask);                     // [B, T]
      const pv = p.dataSync() as Float32Array;                                    // constants: no gradient
      const hard = Float32Array.from(pv, (v) => (v > 0.5 ? 1 : 0));
      const w = p.sub(tf.tensor2d(pv, [b.B, b.T])).add(tf.tensor2d(hard, [b.B, b.T]));
      const pooled = w.expandDims(2).mul(x).sum(1).div(w.sum(1, true).add(1e-6)); // [B, D]
      // eps inside the root: a document whose every vector is dropped pools to 0, where the norm's gradient is infinite
      const v = pooled.div(pooled.square().sum(1, true).add(1e-12).sqrt());
      const pos = own.matMul(v).mul(Q).sum(1, true);                               // [J, 1]
      const neg = N.mul(Q.expandDims(1)).sum(2);                                  // [J, K]
      const logits = tf.concat([pos, neg], 1).div(temperature);
      keep = hard.reduce((a, v) => a + v, 0) / Math.max(1, b.mask.reduce((a, m) => a + m, 0));
      return tf.neg(tf.logSoftmax(logits).slice([0, 0], [J, 1]).mean()) as tf.Scalar;
    }, policy.variables());
    const ordered = policy.variables().map((v) => grads[v.name]);
    const clipped = clipByGlobalNorm(ordered, cfg.maxGradNorm);
    opt.step(clipped.grads, lr);
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(grads), ...clipped.grads, x, mask, Q, N, own]);
    // the log's "reward": exp(-loss), the geometric mean of the probability the softmax gives each query's own document
    const m = { step: step + 1, rewardMean: Math.exp(-loss), rewardStd: 0, keepRatio: keep, kl: 0, clipFrac: 0, loss, lr, gradNorm: clipped.norm, secondsPerStep: (Date.now() - ts) / 1000 };
    history.push(m);
    if (typeof input.log === 'function') input.log(m);
  }
  opt.dispose();
  return { policy, history, step: cfg.steps, config: { ...cfg, policy: policy.config }, seconds: (Date.now() - t0) / 1000 };
}
