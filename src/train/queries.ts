/**
 * Multi-vector synthetic queries -> one vector each (the reward's query matrix). With a single
 * document vector v, MaxSim(q, {v}) = sum_j <q_j, v> = <sum_j q_j, v>, hence 'sum' by default;
 * 'mean' and 'max' (element-wise) remove the bias towards long queries. Pools through the kernels.
 */
import { getKernels } from '../kernels';
import type { DenseMatrix, Kernels, MultiVectorSet } from '../kernels/types';
import type { QueryReduce } from './config';

export function reduceQueries(set: MultiVectorSet, mode: QueryReduce = 'sum', kernels: Kernels = getKernels()): DenseMatrix {
  const n = set.offsets.length - 1;
  const total = set.offsets[n];
  const masks = new Uint8Array(total).fill(1);
  const data = kernels.poolMasked({ docs: set, masks, groups: 1, mode: mode === 'max' ? 'max' : 'mean', normalize: false });
  if (mode === 'sum') {
    for (let q = 0; q < n; q++) {
      const len = set.offsets[q + 1] - set.offsets[q];
      for (let j = 0; j < set.dim; j++) data[q * set.dim + j] *= len;
    }
  }
  return { rows: n, dim: set.dim, data };
}
