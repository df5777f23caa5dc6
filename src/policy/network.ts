/**
 * Policy networks: read a padded batch of documents (B x T x D vectors with a B x T 0/1 mask) and give
 * every vector a keep-logit z_t. Two architectures share one parameter store and one forward signature:
 *
 * - 'mlp' (default): a per-vector MLP over [x, mean(doc), x * mean(doc), cos(x, mean), |x|,
 *   position fraction]. The document mean is a masked mean, so padding never reaches a real logit.
 * - 'transformer': per-vector linear projection to dModel, `layers` pre-LayerNorm blocks of
 *   multi-head self-attention (key padding mask) and a GELU feed-forward, a final LayerNorm and a
 *   linear keep-logit head, as the ReinPool paper describes its policy.
 *
 * Weights are plain tf.Variables named like 'l0.attn.wq'; initialisation uses reinpool's seeded Rng
 * (Glorot uniform), so a seed gives the same weights on every tfjs backend.
 */
import { tf } from './backend';
import { resolvePolicyConfig } from './config';
import type { PolicyConfig } from './config';
import { Rng } from '../random';
import type { WeightMap } from './weights';

export type { PolicyConfig, PolicyType } from './config';

/** Number of input features per vector that the MLP builds from a D-dimensional vector. */
export const mlpInputWidth = (dim: number): number => 3 * dim + 3;

interface ParamSpec { name: string; shape: number[]; init: 'glorot' | 'zeros' | 'ones' | 'head' | 'headBias' }

function paramSpecs(c: PolicyConfig): ParamSpec[] {
  const s: ParamSpec[] = [];
  const H = c.hidden;
  if (c.type === 'mlp') {
    let inW = mlpInputWidth(c.dim);
    for (let l = 0; l < c.layers; l++) {
      s.push({ name: `mlp${l}.w`, shape: [inW, H], init: 'glorot' }, { name: `mlp${l}.b`, shape: [H], init: 'zeros' });
      inW = H;
    }
    s.push({ name: 'head.w', shape: [inW, 1], init: 'head' }, { name: 'head.b', shape: [1], init: 'headBias' });
  } else {
    s.push({ name: 'in.w', shape: [c.dim + 1, H], init: 'glorot' }, { name: 'in.b', shape: [H], init: 'zeros' });
    for (let l = 0; l < c.layers; l++) {
      const p = `l${l}.`;
      s.push(
        { name: p + 'ln1.g', shape: [H], init: 'ones' }, { name: p + 'ln1.b', shape: [H], init: 'zeros' },
        { name: p + 'attn.wq', shape: [H, H], init: 'glorot' }, { name: p + 'attn.wk', shape: [H, H], init: 'glorot' },
        { name: p + 'attn.wv', shape: [H, H], init: 'glorot' }, { name: p + 'attn.wo', shape: [H, H], init: 'glorot' },
        { name: p + 'attn.bo', shape: [H], init: 'zeros' },
        { name: p + 'ln2.g', shape: [H], init: 'ones' }, { name: p + 'ln2.b', shape: [H], init: 'zeros' },
        { name: p + 'ffn.w1', shape: [H, c.ffn], init: 'glorot' }, { name: p + 'ffn.b1', shape: [c.ffn], init: 'zeros' },
        { name: p + 'ffn.w2', shape: [c.ffn, H], init: 'glorot' }, { name: p + 'ffn.b2', shape: [H], init: 'zeros' },
      );
    }
    s.push({ name: 'lnf.g', shape: [H], init: 'ones' }, { name: 'lnf.b', shape: [H], init: 'zeros' });
    s.push({ name: 'head.w', shape: [H, 1], init: 'head' }, { name: 'head.b', shape: [1], init: 'headBias' });
  }
  return s;
}

function initValues(spec: ParamSpec, c: PolicyConfig, rng: Rng): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  if (spec.init === 'ones') v.fill(1);
  else if (spec.init === 'headBias') v.fill(Math.log(c.initKeepProb / (1 - c.initKeepProb)));
  else if (spec.init === 'head') for (let i = 0; i < n; i++) v[i] = rng.normal() * c.headInitStd;
  else if (spec.init === 'glorot') {
    const lim = Math.sqrt(6 / (spec.shape[0] + spec.shape[1]));
    for (let i = 0; i < n; i++) v[i] = (2 * rng.next() - 1) * lim;
  }
  return v;
}

/** Plain (name, shape, values) weights: what save/load and checkpoints move around (defined in weights.ts, no tfjs). */
export type { WeightMap } from './weights';

/**
 * x @ w for a layer's weights. On tfjs-backend-wasm the gradients tf.matMul's own gradient asks for as
 * transposed matMuls (x^T @ dy for the weights, dy @ w^T for the input) run far slower than a matMul
 * of an explicitly transposed copy (x^T @ dy: 1.6 against 21 GFLOPS at 5,000 x 303 x 64 here), and they
 * were most of a wasm training step; so on wasm the gradients transpose first. `input: 'data'` (a
 * first layer, whose input no gradient reaches) differentiates w alone. Other backends keep tf.matMul
 * and its gradient, so their results do not change.
 */
function dense(x: tf.Tensor2D, w: tf.Variable, input: 'data' | 'activation' = 'activation'): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(x, w);
  if (input === 'data') {
    const f = tf.customGrad<tf.Tensor2D>((...args) => {
      // saved, so that the engine keeps x until the backward pass (logits() tidies it away)
      (args[1] as tf.GradSaveFunc)([x]);
      return { value: tf.matMul(x, args[0] as tf.Tensor), gradFunc: (dy, [saved]) => tf.matMul(saved.transpose(), dy) };
    });
    return f(w);
  }
  const f = tf.customGrad<tf.Tensor2D>((...args) => {
    const [a, b] = args as [tf.Tensor2D, tf.Tensor2D];
    (args[2] as tf.GradSaveFunc)([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy, [sa, sb]) => [tf.matMul(dy, sb.transpose()), tf.matMul(sa.transpose(), dy)],
    };
  });
  return f(x, w);
}

export class Policy {
  readonly config: PolicyConfig;
  /** parameters in a fixed order (the order of paramSpecs) */
  readonly params: Map<string, tf.Variable>;

  constructor(config: Partial<PolicyConfig> & { dim: number }, weights?: WeightMap) {
    this.config = resolvePolicyConfig(config);
    const rng = new Rng(this.config.seed, 0x1417);
    this.params = new Map();
    for (const spec of paramSpecs(this.config)) {
      const init = initValues(spec, this.config, rng);
      const w = weights?.get(spec.name);
      if (weights && !w) throw new Error(`policy weights lack '${spec.name}'`);
      if (w && (w.shape.length !== spec.shape.length || w.shape.some((d, i) => d !== spec.shape[i]))) {
        throw new Error(`policy weight '${spec.name}' has shape [${w.shape.join(',')}], expected [${spec.shape.join(',')}]`);
      }
      this.params.set(spec.name, tf.variable(tf.tensor(w ? w.data : init, spec.shape, 'float32'), true));
    }
  }

  /** The parameters as a list (the order the optimizer and the checkpoints use). */
  variables(): tf.Variable[] {
    return [...this.params.values()];
  }

  /** Total number of trainable scalars. */
  size(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  /** A copy of the weights as plain arrays. */
  getWeights(): WeightMap {
    const m: WeightMap = new Map();
    for (const [k, v] of this.params) m.set(k, { shape: v.shape.slice(), data: v.dataSync() as Float32Array });
    return m;
  }

  setWeights(w: WeightMap): void {
    for (const [k, v] of this.params) {
      const x = w.get(k);
      if (!x) throw new Error(`weights lack '${k}'`);
      if (x.data.length !== v.size) throw new Error(`weight '${k}' has ${x.data.length} values, expected ${v.size}`);
      v.assign(tf.tensor(x.data, v.shape, 'float32'));
    }
  }

  /** A frozen copy (e.g. the GRPO reference policy). */
  clone(trainable = false): Policy {
    const p = new Policy(this.config, this.getWeights());
    if (!trainable) for (const v of p.params.values()) v.trainable = false;
    return p;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`no parameter '${name}'`);
    return v;
  }

  /**
   * Keep-logits for a padded batch. x: [B, T, D] vectors, mask: [B, T] (1 real, 0 padding).
   * Returns [B, T]; entries at padded positions are finite but meaningless (callers mask them).
   * A real vector's logit depends only on its own document's real vectors.
   */
  logits(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => (this.config.type === 'mlp' ? this.mlpLogits(x, mask) : this.transformerLogits(x, mask)));
  }

  private mlpLogits(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    const [B, T, D] = x.shape;
    const m3 = mask.expandDims<tf.Tensor3D>(2); // [B,T,1]
    const len = mask.sum(1, true).maximum(1).expandDims(2); // [B,1,1]
    const xm = x.mul(m3);
    const mean = xm.sum(1, true).div<tf.Tensor3D>(len); // [B,1,D]
    // broadcast by multiplying with ones rather than tile(): the same values bit for bit (x * 1 = x),
    // and tfjs-backend-wasm's Tile kernel is ~20x slower (about half of a wasm training step)
    const meanT = mean.mul(tf.ones([1, T, 1]));
    const xNorm = x.square().sum(2, true).sqrt(); // [B,T,1]
    const mNorm = mean.square().sum(2, true).sqrt(); // [B,1,1]
    const cos = x.mul(mean).sum(2, true).div(xNorm.mul(mNorm).add(1e-6));
    const pos = positionFraction(mask, B, T); // [B,T,1]
    const features = tf.concat([x, meanT, x.mul(mean), cos, xNorm, pos], 2).reshape<tf.Tensor2D>([B * T, 3 * D + 3]);
    let h: tf.Tensor = tf.relu(dense(features, this.p('mlp0.w'), 'data').add(this.p('mlp0.b')));
    // the hidden and head layers keep tf.matMul: with dense() there the default MLP's wasm step was no
    // faster (bench:tfjs, 2026-12-03), and so wasm-trained MLP results stay as they were
    for (let l = 1; l < this.config.layers; l++) h = tf.relu(h.matMul(this.p(`mlp${l}.w`)).add(this.p(`mlp${l}.b`)));
    return h.matMul(this.p('head.w')).add(this.p('head.b')).reshape([B, T]);
  }

  private transformerLogits(x: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor2D {
    const [B, T, D] = x.shape;
    const H = this.config.hidden;
    const nh = this.config.heads;
    const dh = H / nh;
    const pos = positionFraction(mask, B, T);
    let h: tf.Tensor = dense(tf.concat([x, pos], 2).reshape([B * T, D + 1]), this.p('in.w'), 'data').add(this.p('in.b')); // [B*T,H]
    // additive key mask: 0 for real keys, -1e9 for padding; exp() of it underflows to exactly 0
    const keyBias = tf.sub(1, mask).mul(-1e9).reshape([B, 1, 1, T]);
    const heads = (t: tf.Tensor) => t.reshape([B, T, nh, dh]).transpose([0, 2, 1, 3]); // [B,nh,T,dh]
    for (let l = 0; l < this.config.layers; l++) {
      const p = `l${l}.`;
      const a = layerNorm(h, this.p(p + 'ln1.g'), this.p(p + 'ln1.b')) as tf.Tensor2D;
      const q = heads(dense(a, this.p(p + 'attn.wq')));
      const k = heads(dense(a, this.p(p + 'attn.wk')));
      const v = heads(dense(a, this.p(p + 'attn.wv')));
      const att = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(dh)).add(keyBias), -1);
      const o = tf.matMul(att, v).transpose([0, 2, 1, 3]).reshape<tf.Tensor2D>([B * T, H]);
      h = h.add(dense(o, this.p(p + 'attn.wo')).add(this.p(p + 'attn.bo')));
      const f = layerNorm(h, this.p(p + 'ln2.g'), this.p(p + 'ln2.b')) as tf.Tensor2D;
      const ff = dense(gelu(dense(f, this.p(p + 'ffn.w1')).add(this.p(p + 'ffn.b1'))) as tf.Tensor2D, this.p(p + 'ffn.w2')).add(this.p(p + 'ffn.b2'));
      h = h.add(ff);
    }
    h = layerNorm(h, this.p('lnf.g'), this.p('lnf.b'));
    return dense(h as tf.Tensor2D, this.p('head.w')).add(this.p('head.b')).reshape([B, T]);
  }
}

/** t / max(T_d - 1, 1) for real positions (0 for padding), as [B, T, 1]. */
function positionFraction(mask: tf.Tensor2D, B: number, T: number): tf.Tensor3D {
  const idx = tf.range(0, T, 1, 'float32').reshape([1, T]);
  const len = mask.sum(1, true).sub(1).maximum(1); // [B,1]
  return idx.div(len).mul(mask).reshape([B, T, 1]);
}

function layerNorm(h: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(h, -1, true);
  return h.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
}

function gelu(x: tf.Tensor): tf.Tensor {
  // tanh approximation
  return x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
}
