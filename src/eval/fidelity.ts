/**
 * The fidelity check for multi-vector corpora without queries: every document is a query against
 * all the OTHER documents, full MaxSim (late interaction over every token vector) gives the
 * reference ranking, and its top `judged` (10) documents become the judgements. A compressed
 * representation is then scored by how well its own ranking reproduces MaxSim's: NDCG@10 against
 * the graded reference, recall@10 = the share of MaxSim's top 10 it also ranks in its top 10.
 *
 * Grading (default 'rank'): MaxSim's nearest neighbour gains `judged`, the next `judged - 1`, ...,
 * the 10th 1. NDCG@10 then also rewards the ORDER within the top 10 (putting MaxSim's first
 * neighbour first), which recall@10 cannot see; grades by rank are scale-free (MaxSim scores grow
 * with the query's length, so scores are not comparable between queries) and integers, so the TREC
 * qrels.txt and runs trec_eval reads are exact. 'binary' (every one of the top 10 gains 1) is the
 * option for a pure set-overlap view.
 *
 * One piece of code for every caller: `reinpool eval --self-queries`, `reinpool experiment --docs
 * --self-queries` and the API evaluate the task this returns with evaluate({ ..., selfQueries: true }).
 */
import { getKernels } from '../kernels';
import type { Kernels, MultiVectorSet } from '../kernels/types';
import type { QrelEntry } from '../io';
import { withoutDoc } from './evaluate';
import { maxsimMethod } from './methods';
import type { Method } from './methods';
import { trecOrder } from './trec';

export type FidelityGrading = 'rank' | 'binary';

export const FIDELITY_DEFAULTS = { judged: 10, grading: 'rank' as FidelityGrading };

export interface FidelityOptions {
  /** MaxSim neighbours judged per document (default 10) */
  judged?: number;
  /** 'rank' (default): gain judged - rank (judged for the nearest, 1 for the last); 'binary': gain 1 */
  grading?: FidelityGrading;
  /** the reference method (default maxsimMethod(): full MaxSim in the kernels; a queued MaxSim for `eval --queue`) */
  reference?: Method;
  kernels?: Kernels;
}

export interface SelfQueryTask {
  /** the documents, with ids (given, else "0", "1", ...): evaluate them as the queries */
  queries: MultiVectorSet;
  /** the documents too (the same ids), for evaluate's docs */
  docs: MultiVectorSet;
  /** each document's top `judged` MaxSim neighbours other than itself, graded */
  qrels: QrelEntry[];
  judged: number;
  grading: FidelityGrading;
  /**
   * how concentrated the reference is (hubness): distinct documents in any judged set, and the most
   * judged set one document is in. Long multi-vector queries make MaxSim favour a few "hub"
   * documents; a low judgedDocs means the check mostly asks whether a method finds those hubs.
   */
  hubness: { judgedDocs: number; mostJudged: number; mostJudgedId: string };
}

/** The self-query task of a corpus: the reference judgements from full MaxSim (see the file comment). */
export async function selfQueryTask(docs: MultiVectorSet, opts: FidelityOptions = {}): Promise<SelfQueryTask> {
  const judged = opts.judged ?? FIDELITY_DEFAULTS.judged;
  const grading = opts.grading ?? FIDELITY_DEFAULTS.grading;
  if (!Number.isInteger(judged) || judged < 1) throw new RangeError(`selfQueryTask: judged must be a positive integer, got ${judged}`);
  if (grading !== 'rank' && grading !== 'binary') throw new RangeError(`selfQueryTask: grading must be rank or binary, got '${String(grading)}'`);
  const n = docs.offsets.length - 1;
  if (n < judged + 1) throw new RangeError(`selfQueryTask: ${n} documents; judging ${judged} neighbours of each needs at least ${judged + 1}`);
  const ids = docs.ids ?? Array.from({ length: n }, (_, i) => String(i));
  if (new Set(ids).size !== n) throw new RangeError('selfQueryTask: document ids must be unique (a query is known by its document\'s id)');
  const set: MultiVectorSet = { ...docs, ids };
  const kernels = opts.kernels ?? getKernels();
  const index = await (opts.reference ?? maxsimMethod()).index(set, kernels);
  const top = await index.search(set, judged + 1);
  const qrels: QrelEntry[] = [];
  for (let q = 0; q < n; q++) {
    const r = withoutDoc(trecOrder(top, q, ids), q, judged);
    r.docs.forEach((d, rank) => qrels.push({ qid: ids[q], docid: ids[d], rel: grading === 'rank' ? judged - rank : 1 }));
  }
  const inDegree = new Map<string, number>();
  for (const e of qrels) inDegree.set(e.docid, (inDegree.get(e.docid) ?? 0) + 1);
  let mostJudgedId = '';
  let mostJudged = 0;
  for (const [d, c] of inDegree) if (c > mostJudged) { mostJudged = c; mostJudgedId = d; }
  return { queries: set, docs: set, qrels, judged, grading, hubness: { judgedDocs: inDegree.size, mostJudged, mostJudgedId } };
}
