/**
 * The keep-budget sweep: ReinPool keeping its k most probable vectors per document, for each k
 * evaluated two ways like every other method: pooled into ONE vector (dim floats stored), and kept as
 * the k vectors themselves searched by MaxSim (k x dim floats: the point on the equal-bytes chart
 * beside tokenpool-k and MUVERA).
 */
import { evaluate, maxsimMethod, reinpoolMethod } from '../eval';
import type { BudgetPoint, Method, QrelEntry } from '../eval';
import type { QueryReduce } from '../encode';
import { keepRows } from '../io/ragged';
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
  /** the queries are the documents (evaluate's selfQueries) */
  selfQueries?: boolean;
}

export async function budgetSweep(s: BudgetSweep): Promise<BudgetPoint[]> {
  const points: BudgetPoint[] = [];
  for (const k of s.budgets) {
    const select = { select: 'topk' as const, topK: k };
    const pooled = `reinpool-top${k}`;
    const kept = `reinpool-top${k}-kept`;
    const keptMethod: Method = {
      name: kept,
      index: async (docs, kernels) => maxsimMethod().index(keepRows(docs, await s.compressor.masks(docs, select)), kernels),
    };
    const r = await evaluate({
      docs: s.docs, queries: s.queries, qrels: s.qrels, kernels: s.kernels, queryReduce: s.queryReduce, selfQueries: s.selfQueries,
      methods: [reinpoolMethod(s.compressor.with(select), { name: pooled, queryReduce: s.queryReduce }), keptMethod],
    });
    points.push({
      vectorsKept: r.methods[kept].vectorsPerDoc, ndcg3: r.methods[pooled]['ndcg@3'],
      keptFloatsPerDoc: r.methods[kept].floatsPerDoc, keptNdcg3: r.methods[kept]['ndcg@3'],
    });
  }
  return points;
}
