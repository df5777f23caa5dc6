/**
 * A trained policy as the compressor of the evaluation: keep-logits are computed once per set of
 * documents, after which any selection rule (p > 0.5, a top-k budget) is a cheap mask plus a pooling
 * kernel call. The default evaluation and the budget sweep share one forward pass per set.
 */
import type { CompressFn } from '../eval';
import type { Kernels, MultiVectorSet, PoolMode } from '../kernels/types';
import { keepLogitsAsync, selectMasks } from '../policy';
import type { Policy, SelectOptions } from '../policy';

export interface PolicyCompressor {
  /** a CompressFn for one selection rule */
  with(select: SelectOptions): CompressFn;
  /** a selection's masks of a set (default: the policy's default selection) */
  masks(set: MultiVectorSet, select?: SelectOptions): Promise<Uint8Array>;
}

export function policyCompressor(policy: Policy, pool: PoolMode, kernels: Kernels): PolicyCompressor {
  const logits = new Map<MultiVectorSet, Promise<Float32Array>>();
  const logitsOf = (set: MultiVectorSet): Promise<Float32Array> => {
    let z = logits.get(set);
    if (!z) { z = keepLogitsAsync(policy, set); logits.set(set, z); }
    return z;
  };
  const masksOf = async (set: MultiVectorSet, select: SelectOptions) => selectMasks(await logitsOf(set), set.offsets, select);
  return {
    with: (select) => async (set) => kernels.poolMaskedAsync({ docs: set, masks: await masksOf(set, select), groups: 1, mode: pool, normalize: true }),
    masks: (set, select = {}) => masksOf(set, select),
  };
}
