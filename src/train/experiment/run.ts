/**
 * The end-to-end real-data experiment: train ReinPool on a subsample of a BEIR corpus with
 * inverse-cloze synthetic queries, then evaluate test queries over the FULL corpus:
 * ReinPool single vector vs mean pooling vs full MaxSim (multi-vector).
 */
import { getKernels } from '../../kernels';
import type { Kernels } from '../../kernels/types';
import { compress, keepLogits, selectMasks } from '../../policy/infer';
import { Rng } from '../../policy/rng';
import type { TrainConfig } from '../config';
import { reduceQueries } from '../../encode';
import { train, TrainResult } from '../train';
import type { BeirData } from './data';
import { evalMaxSim, evalSingleVector, meanPool, RetrievalScores } from './evaluate';

export interface ExperimentOptions {
  /** documents sampled for training (default 2000); evaluation always uses the whole corpus */
  trainDocs?: number;
  config?: Partial<TrainConfig>;
  outDir?: string;
  progress?: boolean;
  /** compute full MaxSim through the kernels (slow with the ts backend); else null */
  maxSim?: boolean;
  kernels?: Kernels;
}

export interface ExperimentResult {
  name: string;
  docs: number;
  testQueries: number;
  trainDocs: number;
  mean: RetrievalScores;
  reinpool: RetrievalScores;
  maxSim: RetrievalScores | null;
  /** mean keep ratio of ReinPool's deterministic selection over the corpus */
  keepRatio: number;
  trainSeconds: number;
  run: TrainResult;
}

export async function runExperiment(data: BeirData, o: ExperimentOptions = {}): Promise<ExperimentResult> {
  const kernels = o.kernels ?? getKernels();
  const n = data.docs.offsets.length - 1;
  const rng = new Rng(o.config?.seed ?? 0, 555);
  // Only documents that own a training query can earn a reward above 0, so only they are sampled.
  const owns = new Uint8Array(n);
  for (const d of data.syntheticOwner) owns[d] = 1;
  const nonEmpty = Array.from({ length: n }, (_, i) => i).filter((d) => owns[d] && data.docs.offsets[d + 1] > data.docs.offsets[d]);
  const perm = rng.permutation(nonEmpty.length);
  const trainDocs = Int32Array.from(perm.subarray(0, Math.min(o.trainDocs ?? 2000, nonEmpty.length)), (i) => nonEmpty[i]).sort();
  // the reward ranks the synthetic queries of the training documents
  const inTrain = new Uint8Array(n);
  for (const d of trainDocs) inTrain[d] = 1;
  const keepQ: number[] = [];
  for (let q = 0; q < data.syntheticOwner.length; q++) if (inTrain[data.syntheticOwner[q]]) keepQ.push(q);
  const cfg = { ...o.config };
  const allQ = reduceQueries(data.synthetic, cfg.queryReduce ?? 'sum');
  const D = allQ.dim;
  const qData = new Float32Array(keepQ.length * D);
  keepQ.forEach((q, i) => qData.set(allQ.data.subarray(q * D, (q + 1) * D), i * D));
  const run = await train({
    docs: data.trainingDocs ?? data.docs, queries: { rows: keepQ.length, dim: D, data: qData }, queryOwner: Int32Array.from(keepQ, (q) => data.syntheticOwner[q]),
    trainDocs, config: cfg, outDir: o.outDir, progress: o.progress, kernels,
  });
  const vectors = compress(run.policy, data.docs, { kernels, pool: run.config.pool });
  let kept = 0;
  const masks = selectMasks(keepLogits(run.policy, data.docs), data.docs.offsets);
  for (const m of masks) kept += m;
  return {
    name: data.name,
    docs: n,
    testQueries: data.testQueries.offsets.length - 1,
    trainDocs: trainDocs.length,
    mean: evalSingleVector(meanPool(data.docs, kernels), D, data.testQueries, data.testQrels, kernels),
    reinpool: evalSingleVector(vectors, D, data.testQueries, data.testQrels, kernels),
    maxSim: o.maxSim ? evalMaxSim(data.docs, data.testQueries, data.testQrels, kernels) : null,
    keepRatio: kept / masks.length,
    trainSeconds: run.seconds,
    run,
  };
}
