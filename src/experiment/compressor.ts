/**
 * A trained policy as the compressor of the evaluation: stop vectors (if any) are removed first, then
 * keep-logits are computed once per set of documents, after which any selection rule (p > 0.5, a
 * top-k budget) is a cheap mask plus a pooling kernel call. The default evaluation and the budget
 * sweep share one forward pass per set.
 */
import { stopVectorMask } from '../encode/stopvectors';
import type { StopVectors } from '../encode/stopvectors';
import type { CompressFn } from '../eval';
import { keepRows } from '../io/ragged';
import type { Kernels, MultiVectorSet, PoolMode } from '../kernels/types';
import { keepLogitsAsync, selectMasks } from '../policy';
import type { Policy, SelectOptions } from '../policy';

export interface PolicyCompressor {
  /** a CompressFn for one selection rule */
  with(select: SelectOptions): CompressFn;
  /** a selection's masks over the vectors of `set` (stop vectors 0); default: the policy's default selection */
  masks(set: MultiVectorSet, select?: SelectOptions): Promise<Uint8Array>;
}

export function policyCompressor(policy: Policy, pool: PoolMode, kernels: Kernels, stop?: StopVectors): PolicyCompressor {
  const prepared = new Map<MultiVectorSet, { kept: MultiVectorSet; stopMask?: Uint8Array; logits: Promise<Float32Array> }>();
  const prepare = (set: MultiVectorSet) => {
    let p = prepared.get(set);
    if (!p) {
      const stopMask = stop && stop.vectors.length ? stopVectorMask(set, stop) : undefined;
      const kept = stopMask ? keepRows(set, stopMask) : set;
      p = { kept, stopMask, logits: keepLogitsAsync(policy, kept) };
      prepared.set(set, p);
    }
    return p;
  };
  const keptMasks = async (set: MultiVectorSet, select: SelectOptions) => {
    const p = prepare(set);
    return { p, masks: selectMasks(await p.logits, p.kept.offsets, select) };
  };
  return {
    with: (select) => async (set) => {
      const { p, masks } = await keptMasks(set, select);
      return kernels.poolMaskedAsync({ docs: p.kept, masks, groups: 1, mode: pool, normalize: true });
    },
    masks: async (set, select = {}) => {
      const { p, masks } = await keptMasks(set, select);
      if (!p.stopMask) return masks;
      // back onto the vectors of `set`: stop vectors are never kept
      const out = new Uint8Array(p.stopMask.length);
      let k = 0;
      for (let t = 0; t < out.length; t++) if (p.stopMask[t]) out[t] = masks[k++];
      return out;
    },
  };
}
