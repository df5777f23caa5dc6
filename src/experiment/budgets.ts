/**
 * The keep-budget sweep: ReinPool keeping its k most probable vectors per document (pooled into one)
 * for each k, evaluated like every other method; the points of the report's budget chart.
 */
import { evaluate, reinpoolMethod } from '../eval';
import type { BudgetPoint, QrelEntry } from '../eval';
import type { QueryReduce } from '../encode';
import type { Kernels, MultiVectorSet } from '../kernels/types';
import type { PolicyCompressor } from './compressor';

/** ReinPool's top-k keep budgets for the budget chart, unless given. */
export const DEFAULT_BUDGETS = [1, 2, 4, 8, 16, 32];

export interface BudgetSweep {
  docs: MultiVectorSet;
  queries: MultiVectorSet;
  qrels: QrelEntry[];
  compressor: PolicyCompressor;
  budgets: number[];
  queryReduce: QueryReduce;
  kernels: Kernels;
}

export async function budgetSweep(s: BudgetSweep): Promise<BudgetPoint[]> {
  const points: BudgetPoint[] = [];
  for (const k of s.budgets) {
    const name = `reinpool-top${k}`;
    const r = await evaluate({
      docs: s.docs, queries: s.queries, qrels: s.qrels, kernels: s.kernels, queryReduce: s.queryReduce,
      methods: [reinpoolMethod(s.compressor.with({ select: 'topk', topK: k }), { name, queryReduce: s.queryReduce })],
    });
    points.push({ vectorsKept: k, ndcg3: r.methods[name]['ndcg@3'] });
  }
  return points;
}
