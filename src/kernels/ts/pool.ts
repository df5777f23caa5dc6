import type { PoolMaskedArgs, PoolMode } from '../types';
import type { PoolPlan } from '../validate';

/**
 * Pools the rows of `vectors` (starting at row `start`, `length` rows) that `mask` keeps
 * (mask[maskStart + t] != 0) into out[outStart .. outStart + dim). Mean or max, then optional L2
 * norm. Nothing kept leaves a zero vector.
 */
export function poolRows(
  vectors: Float32Array, dim: number, start: number, length: number,
  mask: Uint8Array, maskStart: number, mode: PoolMode, normalize: boolean,
  acc: Float64Array, out: Float32Array, outStart: number,
): void {
  acc.fill(mode === 'max' ? -Infinity : 0);
  let kept = 0;
  for (let t = 0; t < length; t++) {
    if (mask[maskStart + t] === 0) continue;
    kept++;
    const row = (start + t) * dim;
    if (mode === 'max') {
      for (let j = 0; j < dim; j++) if (vectors[row + j] > acc[j]) acc[j] = vectors[row + j];
    } else {
      for (let j = 0; j < dim; j++) acc[j] += vectors[row + j];
    }
  }
  if (kept === 0) {
    out.fill(0, outStart, outStart + dim);
    return;
  }
  const scale = mode === 'mean' ? 1 / kept : 1;
  let norm2 = 0;
  for (let j = 0; j < dim; j++) {
    acc[j] *= scale;
    norm2 += acc[j] * acc[j];
  }
  const inv = normalize && norm2 > 0 ? 1 / Math.sqrt(norm2) : 1;
  for (let j = 0; j < dim; j++) out[outStart + j] = acc[j] * inv;
}

/** poolMasked on arguments already validated into `plan`: (count * groups) x dim, row d * groups + g. */
export function poolPlanned(args: PoolMaskedArgs, plan: PoolPlan): Float32Array {
  const { dim, vectors, offsets } = args.docs;
  const out = new Float32Array(plan.count * plan.groups * dim);
  const acc = new Float64Array(dim);
  for (let d = 0; d < plan.count; d++) {
    const start = offsets[d];
    const length = offsets[d + 1] - start;
    for (let g = 0; g < plan.groups; g++) {
      poolRows(vectors, dim, start, length, args.masks, plan.groups * start + g * length,
        plan.mode, plan.normalize, acc, out, (d * plan.groups + g) * dim);
    }
  }
  return out;
}
