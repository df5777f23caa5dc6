/**
 * mlpCompress, the reference: the MLP policy's keep-logits exactly as src/policy/network.ts defines
 * them (the (3 * dim + 3)-wide feature row built explicitly, float64 arithmetic, each logit rounded
 * to float32 as a tfjs or native logit is), the selection of src/policy/infer.ts (selectDocument,
 * which infer.ts's selectMasks also uses), then poolMasked's own pooling.
 */
import type { MlpCompressArgs, MlpCompressResult, SelectMode } from '../types';
import type { MlpCompressPlan } from '../validate';
import { poolRows } from './pool';

export interface SelectRule {
  select: SelectMode;
  threshold: number;
  topK: number;
  ratio: number;
}

/**
 * Keeps vectors of one document (mask[s .. s + n), all zero on entry) from its logits z[s .. s + n):
 * logit > log(threshold / (1 - threshold)) | the topK largest | the max(1, ceil(ratio * n - 1e-9))
 * largest, ties to the lower position; a document that keeps nothing keeps its most probable vector
 * (the first on ties). An empty document keeps nothing.
 */
export function selectDocument(z: Float32Array, s: number, n: number, rule: SelectRule, mask: Uint8Array): void {
  if (n === 0) return;
  if (rule.select === 'threshold') {
    const zThr = Math.log(rule.threshold / (1 - rule.threshold));
    let any = false;
    for (let t = 0; t < n; t++) if (z[s + t] > zThr) { mask[s + t] = 1; any = true; }
    if (any) return;
    let best = 0;
    for (let t = 1; t < n; t++) if (z[s + t] > z[s + best]) best = t;
    mask[s + best] = 1;
    return;
  }
  const k = rule.select === 'topk' ? Math.min(n, rule.topK) : Math.max(1, Math.min(n, Math.ceil(rule.ratio * n - 1e-9)));
  const idx = Array.from({ length: n }, (_, t) => t);
  idx.sort((a, b) => z[s + b] - z[s + a] || a - b);
  for (let i = 0; i < k; i++) mask[s + idx[i]] = 1;
}

/** The keep-logits of every vector of args.docs (validated arguments). */
export function mlpLogits(args: MlpCompressArgs): Float32Array {
  const { dim: D, vectors: X, offsets } = args.docs;
  const { hidden: H, layers: L, layerWeights: W, layerBiases: Bs, headWeights: hw, headBias } = args.policy;
  const out = new Float32Array(offsets[offsets.length - 1]);
  const inW = 3 * D + 3;
  const f = new Float64Array(inW);
  let h = new Float64Array(H);
  let g = new Float64Array(H);
  const mean = new Float64Array(D);
  for (let d = 0; d + 1 < offsets.length; d++) {
    const s = offsets[d];
    const n = offsets[d + 1] - s;
    if (n === 0) continue;
    mean.fill(0);
    for (let i = 0; i < n; i++) for (let t = 0; t < D; t++) mean[t] += X[(s + i) * D + t];
    let mn2 = 0;
    for (let t = 0; t < D; t++) { mean[t] /= n; mn2 += mean[t] * mean[t]; }
    const mNorm = Math.sqrt(mn2);
    for (let i = 0; i < n; i++) {
      const r = (s + i) * D;
      let xx = 0;
      let xm = 0;
      for (let t = 0; t < D; t++) {
        const x = X[r + t];
        f[t] = x;
        f[D + t] = mean[t];
        f[2 * D + t] = x * mean[t];
        xx += x * x;
        xm += x * mean[t];
      }
      const xNorm = Math.sqrt(xx);
      f[3 * D] = xm / (xNorm * mNorm + 1e-6);
      f[3 * D + 1] = xNorm;
      f[3 * D + 2] = i / Math.max(n - 1, 1);
      let input: Float64Array = f;
      let width = inW;
      for (let l = 0; l < L; l++) {
        const w = W[l];
        for (let j = 0; j < H; j++) {
          let a = Bs[l][j];
          for (let t = 0; t < width; t++) a += input[t] * w[t * H + j];
          h[j] = a > 0 ? a : 0;
        }
        input = h;
        width = H;
        [h, g] = [g, h];
      }
      let z = headBias;
      for (let j = 0; j < H; j++) z += input[j] * hw[j];
      out[s + i] = z;
    }
  }
  return out;
}

/** mlpCompress on arguments already validated into `plan`. */
export function mlpCompressPlanned(args: MlpCompressArgs, plan: MlpCompressPlan): MlpCompressResult {
  const { dim, vectors, offsets } = args.docs;
  const logits = mlpLogits(args);
  const masks = new Uint8Array(plan.total);
  const out = new Float32Array(plan.count * dim);
  const acc = new Float64Array(dim);
  for (let d = 0; d < plan.count; d++) {
    const s = offsets[d];
    const n = offsets[d + 1] - s;
    selectDocument(logits, s, n, plan, masks);
    poolRows(vectors, dim, s, n, masks, s, plan.pool, plan.normalize, acc, out, d * dim);
  }
  return { vectors: out, logits, masks };
}
