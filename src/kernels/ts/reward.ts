/**
 * The two rollout rewards of the ts backend, both on the pooled vectors of G masks per document:
 * inverse (the pooled vector ranks all synthetic queries; NDCG@k of the document's own) and forward
 * (each own query ranks the pooled vector against its k competitor scores). Dots in float64.
 */
import type { ForwardRewardArgs, InverseRewardArgs } from '../types';
import { checkForwardReward, checkInverseReward } from '../validate';
import { dot } from './dot';
import { binaryNdcg, discount } from './metrics';
import { poolPlanned } from './pool';
import { TopKRow } from './topk';

export function inverseRetrievalReward(args: InverseRewardArgs): Float32Array {
  const plan = checkInverseReward('inverseRetrievalReward', args);
  const pooled = poolPlanned(args, plan);
  const { queries, queryOwner } = args;
  const dim = args.docs.dim;
  const ownedCount = new Map<number, number>();
  for (let q = 0; q < queryOwner.length; q++) ownedCount.set(queryOwner[q], (ownedCount.get(queryOwner[q]) ?? 0) + 1);
  const depth = Math.min(plan.k, plan.queries);
  const row = new TopKRow(depth);
  const rewards = new Float32Array(plan.count * plan.groups);
  for (let d = 0; d < plan.count; d++) {
    const owner = plan.docIndex[d];
    const relevant = ownedCount.get(owner) ?? 0;
    for (let g = 0; g < plan.groups; g++) {
      const v = (d * plan.groups + g) * dim;
      row.reset();
      for (let q = 0; q < plan.queries; q++) row.offer(q, dot(pooled, v, queries.data, q * dim, dim));
      const hits: number[] = [];
      for (let r = 0; r < row.size; r++) if (queryOwner[row.ids[r]] === owner) hits.push(r + 1);
      rewards[d * plan.groups + g] = binaryNdcg(hits, relevant, plan.k);
    }
  }
  return rewards;
}

/** The queries of each owner id, in query order. */
function queriesByOwner(queryOwner: Int32Array): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let q = 0; q < queryOwner.length; q++) {
    const list = m.get(queryOwner[q]);
    if (list) list.push(q);
    else m.set(queryOwner[q], [q]);
  }
  return m;
}

export function forwardRetrievalReward(args: ForwardRewardArgs): Float32Array {
  const plan = checkForwardReward('forwardRetrievalReward', args);
  const pooled = poolPlanned(args, plan);
  const { queries, competitorScores } = args;
  const dim = args.docs.dim;
  const k = plan.k;
  const bar = competitorScores.data;
  const byOwner = queriesByOwner(args.queryOwner);
  const rewards = new Float32Array(plan.count * plan.groups);
  for (let d = 0; d < plan.count; d++) {
    const own = byOwner.get(plan.docIndex[d]);
    if (!own) continue; // a document that owns no query scores 0
    for (let g = 0; g < plan.groups; g++) {
      const v = (d * plan.groups + g) * dim;
      let sum = 0;
      for (const q of own) {
        const s = dot(queries.data, q * dim, pooled, v, dim);
        // rank = 1 + competitors scoring strictly higher (a tie goes to the document)
        let rank = 1;
        for (let j = 0; j < k; j++) if (bar[q * k + j] > s) rank++;
        if (rank <= k) sum += discount(rank);
      }
      rewards[d * plan.groups + g] = sum / own.length;
    }
  }
  return rewards;
}
