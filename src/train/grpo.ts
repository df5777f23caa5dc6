/**
 * GRPO pieces (Shao et al. 2024, arXiv 2402.03300) for keep/drop masks, one document = one prompt,
 * one mask = one output:
 *
 *   a_t ~ Bernoulli(sigmoid(z_t))                                     sampleMasks
 *   A_i = (r_i - mean(r)) / (std(r) + eps)   within the G masks of a document      groupAdvantages
 *   log pi(a_t) = a_t log sigmoid(z_t) + (1 - a_t) log sigmoid(-z_t)
 *   rho_t = exp(log pi(a_t) - log pi_old(a_t))
 *   J = mean_{doc, i} [ 1/T_d sum_t ( min(rho_t A_i, clip(rho_t, 1-e, 1+e) A_i) - beta KL_t ) ]
 *   KL_t = exp(log pi_ref(a_t) - log pi(a_t)) - (log pi_ref(a_t) - log pi(a_t)) - 1      (k3)
 *   loss = -J                                                          grpoObjective
 */
import { tf } from '../policy/backend';
import type { Rng } from '../random';

/**
 * Group-normalised advantages; rewards and the result are B x G (document-major). std is the sample
 * standard deviation (n - 1, as TRL's GRPO); a group with equal rewards gets advantages 0.
 */
export function groupAdvantages(rewards: ArrayLike<number>, B: number, G: number, eps: number): Float32Array {
  const adv = new Float32Array(B * G);
  for (let b = 0; b < B; b++) {
    let mean = 0;
    for (let g = 0; g < G; g++) mean += rewards[b * G + g];
    mean /= G;
    let ss = 0;
    for (let g = 0; g < G; g++) ss += (rewards[b * G + g] - mean) ** 2;
    const std = G > 1 ? Math.sqrt(ss / (G - 1)) : 0;
    if (std === 0) continue; // a flat group carries no signal: advantages stay 0
    for (let g = 0; g < G; g++) adv[b * G + g] = (rewards[b * G + g] - mean) / (std + eps);
  }
  return adv;
}

export interface SampledMasks {
  /** B x G x T padded 0/1 actions (0 at padding) */
  actions: Float32Array;
  /** kernel layout (see PoolMaskedArgs): document b's G x T_b block at G * offsets_b */
  kernelMasks: Uint8Array;
  /** kept count per mask, B x G */
  kept: Int32Array;
}

/** Samples G masks per document from keep-logits z (B x T padded), in b, g, t order from rng. */
export function sampleMasks(z: Float32Array, lengths: Int32Array, T: number, G: number, rng: Rng): SampledMasks {
  const B = lengths.length;
  const actions = new Float32Array(B * G * T);
  let total = 0;
  for (let b = 0; b < B; b++) total += lengths[b];
  const kernelMasks = new Uint8Array(total * G);
  const kept = new Int32Array(B * G);
  let off = 0;
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    for (let g = 0; g < G; g++) {
      let k = 0;
      for (let t = 0; t < n; t++) {
        const p = 1 / (1 + Math.exp(-z[b * T + t]));
        if (rng.next() < p) {
          actions[(b * G + g) * T + t] = 1;
          kernelMasks[G * off + g * n + t] = 1;
          k++;
        }
      }
      kept[b * G + g] = k;
    }
    off += n;
  }
  return { actions, kernelMasks, kept };
}

/** log pi(a) per decision: logits [B,T], actions [B,G,T] -> [B,G,T]. */
export function actionLogProbs(logits: tf.Tensor2D, actions: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const z = logits.expandDims<tf.Tensor3D>(1); // [B,1,T]
    // log sigmoid(z) = -softplus(-z); (tf.logSigmoid is a customGrad op that breaks inside tidy + grads)
    const lp = tf.softplus(z.neg()).neg();
    const ln = tf.softplus(z).neg();
    return actions.mul(lp).add(tf.sub(1, actions).mul(ln));
  });
}

export interface GrpoInputs {
  /** B x G x T actions (0/1) */
  actions: tf.Tensor3D;
  /** B x G x T log-probabilities of the actions under the policy that sampled them */
  oldLogp: tf.Tensor3D;
  /** B x G x T log-probabilities under the frozen reference policy */
  refLogp: tf.Tensor3D;
  /** B x G advantages */
  adv: tf.Tensor2D;
  /** B x T, 1 for real vectors */
  mask: tf.Tensor2D;
  clipEps: number;
  beta: number;
}

export interface GrpoTerms {
  /** scalar -J */
  loss: tf.Scalar;
  /** mean k3 KL over real decisions */
  kl: tf.Scalar;
  /** fraction of real decisions whose ratio was clipped */
  clipFrac: tf.Scalar;
}

/** The GRPO objective for current logits [B,T] (differentiable in logits). */
export function grpoObjective(logits: tf.Tensor2D, inp: GrpoInputs): GrpoTerms {
  return tf.tidy(() => {
    const logp = actionLogProbs(logits, inp.actions);
    const ratio = logp.sub(inp.oldLogp).exp();
    const A = inp.adv.expandDims(2); // [B,G,1]
    const surr = tf.minimum(ratio.mul(A), ratio.clipByValue(1 - inp.clipEps, 1 + inp.clipEps).mul(A));
    const d = inp.refLogp.sub(logp);
    const kl = d.exp().sub(d).sub(1);
    const m = inp.mask.expandDims(1); // [B,1,T]
    const len = inp.mask.sum(1).maximum(1).expandDims(1); // [B,1]
    const G = inp.actions.shape[1];
    const perMask = surr.sub(kl.mul(inp.beta)).mul(m).sum(2).div(len); // [B,G]
    const loss = perMask.mean<tf.Scalar>().neg();
    const nReal = inp.mask.sum().mul(G);
    const klMean = kl.mul(m).sum().div<tf.Scalar>(nReal);
    const clipped = ratio.sub(1).abs().greater(inp.clipEps).toFloat().mul(m).sum().div<tf.Scalar>(nReal);
    return { loss, kl: klMean, clipFrac: clipped };
  });
}
