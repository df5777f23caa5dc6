/**
 * AdamW (Loshchilov & Hutter), decoupled weight decay, in PyTorch's form:
 *   p <- p - lr * wd * p                         (only parameters with decay = true)
 *   m <- b1 m + (1 - b1) g ;  v <- b2 v + (1 - b2) g^2
 *   p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * tfjs's built-in Adam has no decoupled decay, hence this. Moments are tf.Variables; state() and
 * load() move them in and out of checkpoints exactly.
 */
import { tf } from '../policy/backend';
import type { WeightMap } from '../policy/network';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class AdamW {
  readonly opts: AdamWOptions;
  readonly names: string[];
  private readonly vars: tf.Variable[];
  private readonly decay: boolean[];
  private m: tf.Variable[];
  private v: tf.Variable[];
  /** number of steps taken (for bias correction) */
  t = 0;

  /**
   * params: name -> variable, in a fixed order. decay(name, variable) says which get weight decay;
   * default: tensors of rank >= 2 (weight matrices), not biases or LayerNorm gains.
   */
  constructor(params: Map<string, tf.Variable>, opts: AdamWOptions, decay: (name: string, v: tf.Variable) => boolean = (_n, v) => v.rank >= 2) {
    this.opts = opts;
    this.names = [...params.keys()];
    this.vars = [...params.values()];
    this.decay = this.names.map((n, i) => decay(n, this.vars[i]));
    this.m = this.vars.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = this.vars.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** One update with gradients in the same order as the parameters. */
  step(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.vars.length) throw new Error(`AdamW.step: ${grads.length} gradients for ${this.vars.length} parameters`);
    this.t += 1;
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.opts;
    const c1 = 1 - Math.pow(b1, this.t);
    const c2 = 1 - Math.pow(b2, this.t);
    tf.tidy(() => {
      for (let i = 0; i < this.vars.length; i++) {
        const g = grads[i];
        const m = this.m[i].mul(b1).add(g.mul(1 - b1));
        const v = this.v[i].mul(b2).add(g.square().mul(1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        let p: tf.Tensor = this.vars[i];
        if (this.decay[i] && wd !== 0) p = p.mul(1 - lr * wd);
        const upd = m.div(c1).div(v.div(c2).sqrt().add(eps)).mul(lr);
        this.vars[i].assign(p.sub(upd));
      }
    });
  }

  /** Moments as plain arrays: 'm.<name>' and 'v.<name>'. */
  state(): WeightMap {
    const out: WeightMap = new Map();
    this.names.forEach((n, i) => {
      out.set(`m.${n}`, { shape: this.m[i].shape.slice(), data: this.m[i].dataSync() as Float32Array });
      out.set(`v.${n}`, { shape: this.v[i].shape.slice(), data: this.v[i].dataSync() as Float32Array });
    });
    return out;
  }

  load(state: WeightMap, t: number): void {
    this.names.forEach((n, i) => {
      for (const [key, arr] of [[`m.${n}`, this.m[i]], [`v.${n}`, this.v[i]]] as const) {
        const s = state.get(key);
        if (!s || s.data.length !== arr.size) throw new Error(`optimizer state lacks '${key}' or has the wrong size`);
        arr.assign(tf.tensor(s.data, arr.shape, 'float32'));
      }
    });
    this.t = t;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

/**
 * Global gradient-norm clipping: if ||g|| (over all tensors) exceeds maxNorm, every gradient is
 * scaled by maxNorm / ||g||. Returns the new gradients and the norm before clipping.
 * maxNorm <= 0 or Infinity disables clipping (the norm is still returned).
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = Math.sqrt(tf.tidy(() => tf.addN(grads.map((g) => g.square().sum())).dataSync()[0]));
  if (!(maxNorm > 0) || !Number.isFinite(maxNorm) || norm <= maxNorm) return { grads: grads.map((g) => g.clone()), norm };
  const scale = maxNorm / (norm + 1e-6);
  return { grads: grads.map((g) => g.mul(scale)), norm };
}
