/**
 * An average of one-layer MLP policies as one policy: the hidden units of every part side by side
 * (three times the width for three parts), the head weights divided by the number of parts and the
 * head bias their mean, so its keep-logit is exactly the mean of the parts' keep-logits. It is a plain
 * MLP policy: saved, loaded and run natively (mlpCompress) like any other.
 */
import { Policy } from './network';
import type { WeightMap } from './weights';

export function meanOfMlps(parts: Policy[]): Policy {
  if (parts.length === 0) throw new RangeError('meanOfMlps: no policies');
  const c = parts[0].config;
  for (const p of parts) {
    const q = p.config;
    if (q.type !== 'mlp' || q.layers !== 1 || q.hidden !== c.hidden || q.dim !== c.dim) {
      throw new RangeError(`meanOfMlps: needs one-layer MLP policies of one width and dimension (got ${q.type}, ${q.layers} layers, ${q.hidden} wide, dim ${q.dim})`);
    }
  }
  const w = parts.map((p) => p.getWeights());
  const H = c.hidden;
  const K = parts.length;
  const inW = w[0].get('mlp0.w')!.shape[0];
  const w0 = new Float32Array(inW * K * H);
  const b0 = new Float32Array(K * H);
  const head = new Float32Array(K * H);
  let bias = 0;
  w.forEach((m, k) => {
    const src = m.get('mlp0.w')!.data;
    for (let r = 0; r < inW; r++) w0.set(src.subarray(r * H, (r + 1) * H), r * K * H + k * H);
    b0.set(m.get('mlp0.b')!.data, k * H);
    m.get('head.w')!.data.forEach((x, j) => { head[k * H + j] = x / K; });
    bias += m.get('head.b')!.data[0] / K;
  });
  const out: WeightMap = new Map([
    ['mlp0.w', { shape: [inW, K * H], data: w0 }],
    ['mlp0.b', { shape: [K * H], data: b0 }],
    ['head.w', { shape: [K * H, 1], data: head }],
    ['head.b', { shape: [1], data: Float32Array.of(bias) }],
  ]);
  return new Policy({ ...c, hidden: K * H }, out);
}
