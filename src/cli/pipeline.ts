/**
 * The whole ReinPool pipeline on a BEIR folder of real text, used by `reinpool experiment` and
 * `reinpool demo`:
 *
 *   encode   GloVe token vectors of the corpus and of the judged test queries (src/encode);
 *            inverse-cloze synthetic queries from the corpus text (sentences of each training document)
 *   train    GRPO on a seeded sample of documents; the reward ranks the synthetic queries of the
 *            sampled documents (src/train)
 *   eval     every method on the FULL corpus against the dataset's test queries and qrels (src/eval),
 *            plus ReinPool keep budgets (top-k kept vectors) for the budget chart
 *
 * and writes the experiment JSON, TREC runs and the Markdown/SVG report.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { EvaluationResult, BudgetPoint } from '../eval';
import type { MultiVectorSet } from '../kernels/types';
import type { TrainConfig } from '../train';
import { CliError, writeJson } from './args';

export interface PipelineOptions {
  beir: string;
  /** dataset name in the JSON (default: the folder name) */
  dataset?: string;
  split?: string;
  seed?: number;
  /** documents sampled as training prompts (default min(2000, corpus)) */
  trainDocs?: number;
  /** the training split by document id (default: a seeded sample of `trainDocs` documents) */
  trainDocIds?: string[];
  /**
   * Subtract the corpus mean token vector from every token vector (documents, test queries and
   * synthetic queries; "all-but-the-top" centering) before training and evaluation. Every method then
   * sees the centred vectors. Default false.
   */
  center?: boolean;
  /** inverse-cloze queries per document (default 3) */
  queriesPerDoc?: number;
  /**
   * training queries: 'ict' (default) inverse-cloze sentences of the training documents, or 'train'
   * the dataset's own qrels/train.tsv queries (SciFact has them), each owned by its relevant document;
   * the training documents are then those owners (sampled down to `trainDocs`).
   */
  trainQueries?: 'ict' | 'train';
  /**
   * inverse cloze: probability that a query sentence is taken out of the document it is trained
   * against (classic ICT, Lee et al. 2019). With removal the policy trains on those shortened
   * documents; evaluation always indexes the full corpus. Default 0.
   */
  removeProb?: number;
  /** inverse cloze: longest query in tokens (0: whole sentences; see InverseClozeOptions.maxTokens) */
  queryTokens?: number;
  /** training hyper-parameters (seed is set from `seed` unless given) */
  config?: Partial<TrainConfig>;
  /** methods evaluated besides reinpool (default: evaluate()'s default set) */
  methods?: string[];
  /** ReinPool top-k budgets for the budget chart (default 1,2,4,8,16,32; [] for none) */
  budgets?: number[];
  /** where the trained policy (and checkpoints) go; default none (kept in memory) */
  policyOut?: string;
  resume?: boolean;
  json?: string;
  runs?: string;
  report?: string;
  /** title of the report */
  title?: string;
  /** commands shown in the report */
  commands?: string[];
  /** extra fields merged into the JSON (e.g. how the demo corpus was made) */
  extra?: Record<string, unknown>;
  log?: (msg: string) => void;
  /** training progress bar on stderr (default: when it is a TTY) */
  progress?: boolean;
}

export interface ExperimentJson {
  dataset: string;
  split: string;
  docs: number;
  queries: number;
  dim: number;
  vectorsPerDoc: number;
  methods: EvaluationResult['methods'];
  recoveryNdcg3: Record<string, number>;
  compression: Record<string, number>;
  seconds: { encode: number; train: number; eval: number };
  [extra: string]: unknown;
}

export interface PipelineResult {
  json: ExperimentJson;
  evaluation: EvaluationResult;
  budgets: BudgetPoint[];
  report?: string;
  policyDir?: string;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

/** Seeded sample of k of `items` (all of them when k >= their count), sorted. */
function sampleFrom(items: Int32Array, k: number, seed: number): Int32Array {
  if (k >= items.length) return items;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Rng } = require('../policy/rng') as typeof import('../policy/rng');
  return Int32Array.from(new Rng(seed, 556).permutation(items.length).subarray(0, k), (i) => items[i]).sort();
}

/** Seeded sample of k of the n items whose document is non-empty, sorted. */
function sampleDocs(docs: MultiVectorSet, k: number, seed: number): Int32Array {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Rng } = require('../policy/rng') as typeof import('../policy/rng');
  const n = docs.offsets.length - 1;
  const nonEmpty: number[] = [];
  for (let d = 0; d < n; d++) if (docs.offsets[d + 1] > docs.offsets[d]) nonEmpty.push(d);
  const perm = new Rng(seed, 555).permutation(nonEmpty.length);
  return Int32Array.from(perm.subarray(0, Math.min(k, nonEmpty.length)), (i) => nonEmpty[i]).sort();
}

export async function runPipeline(o: PipelineOptions): Promise<PipelineResult> {
  const log = o.log ?? (() => undefined);
  const split = o.split ?? 'test';
  const seed = o.seed ?? 0;
  const dataset = o.dataset ?? path.basename(path.resolve(o.beir));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const io = require('../io') as typeof import('../io');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const enc = require('../encode') as typeof import('../encode');

  // ---------------------------------------------------------------- encode
  let t = now();
  const qrelsFile = path.join(o.beir, 'qrels', `${split}.tsv`);
  if (!fs.existsSync(qrelsFile)) throw new CliError(`--split: ${qrelsFile} not found`);
  const corpus = io.readBeirCorpus(o.beir);
  const allQueries = io.readBeirQueries(o.beir);
  const qrels = io.readBeirQrels(o.beir, split);
  if (corpus.length === 0) throw new CliError(`--beir: ${o.beir}: empty corpus`);
  const judged = new Set(qrels.filter((e) => e.rel > 0).map((e) => e.qid));
  const testQueries = allQueries.filter((q) => judged.has(q.id));
  if (testQueries.length === 0) throw new CliError(`--beir: no query of queries.jsonl has a relevant judgement in qrels/${split}.tsv`);
  log(`loading GloVe word vectors`);
  const wv = enc.loadWordVectors({ log });
  log(`word vectors: ${wv.words.length} words, ${wv.dim}-d (${wv.origin.kind}, ${wv.origin.ms} ms)`);
  const docTexts = corpus.map(io.beirDocText);
  let docs: MultiVectorSet = enc.encodeTexts(wv, docTexts, { ids: corpus.map((d) => d.id) });
  let queries: MultiVectorSet = enc.encodeTexts(wv, testQueries.map((q) => q.text), { ids: testQueries.map((q) => q.id) });
  const nDocs = corpus.length;
  const emptyDocs = (docs as import('../encode').EncodedSet).empty.length;
  log(`encoded ${nDocs} documents (${(docs.offsets[nDocs] / nDocs).toFixed(1)} vectors/doc, ${emptyDocs} empty) and ${testQueries.length} test queries`);
  let trainDocs: Int32Array;
  // What the reward runs on: the corpus (owners are corpus indices, `trainDocs` the prompts), or with
  // inverse-cloze removal a separate set of shortened training documents (owners index that set).
  let training: { vectors: MultiVectorSet; owner: Int32Array; kind: string; docs?: MultiVectorSet };
  if (o.trainQueries === 'train') {
    const bt = enc.beirTrainingQueries(wv, o.beir, corpus.map((d) => d.id), 'train');
    if (bt.owner.length === 0) throw new CliError(`--train-queries: ${o.beir}/qrels/train.tsv gives no usable training query`);
    const owners = Int32Array.from(new Set(bt.owner)).sort();
    trainDocs = sampleFrom(owners, o.trainDocs ?? owners.length, seed);
    const inTrain = new Set(trainDocs);
    const keep = Array.from(bt.owner.keys()).filter((q) => inTrain.has(bt.owner[q]));
    training = { vectors: io.subset(bt.vectors, keep), owner: Int32Array.from(keep, (q) => bt.owner[q]), kind: 'qrels/train.tsv' };
  } else {
    if (o.trainDocIds) {
      const index = new Map(corpus.map((d, i) => [d.id, i]));
      const listed = Int32Array.from(o.trainDocIds, (id) => {
        const i = index.get(id);
        if (i === undefined) throw new CliError(`training document '${id}' is not in the corpus`);
        return i;
      }).sort();
      trainDocs = sampleFrom(listed, o.trainDocs ?? listed.length, seed);
    } else {
      trainDocs = sampleDocs(docs, o.trainDocs ?? 2000, seed);
    }
    // inverse cloze on the training documents only: the reward ranks their synthetic queries
    const removeProb = o.removeProb ?? 0;
    const ic = enc.inverseCloze(wv, Array.from(trainDocs, (d) => docTexts[d]), { perDoc: o.queriesPerDoc ?? 3, seed, removeProb, maxTokens: o.queryTokens ?? 0 });
    if (removeProb > 0) {
      // The reward's corpus is the shortened documents that own a query (one too short to keep a
      // context after its cuts gets none); owners index that corpus.
      const withQuery = Int32Array.from(new Set(ic.owner));
      if (withQuery.length === 0) throw new CliError('--ict-remove: no training document is long enough to keep a context once its queries are cut out');
      const index = new Map(Array.from(withQuery, (d, i) => [d, i]));
      training = {
        vectors: ic.vectors, owner: Int32Array.from(ic.owner, (d) => index.get(d)!),
        kind: `inverse-cloze (sentence removed with p=${removeProb})`,
        docs: enc.encodeTexts(wv, Array.from(withQuery, (d) => ic.contexts[d])),
      };
    } else {
      training = { vectors: ic.vectors, owner: Int32Array.from(ic.owner, (i) => trainDocs[i]), kind: 'inverse-cloze' };
    }
  }
  const owner = training.owner;
  let synthetic: MultiVectorSet = training.vectors;
  let rewardDocs: MultiVectorSet | undefined = training.docs;
  if (o.center) {
    const mu = enc.meanVector(docs);
    docs = enc.centerSet(docs, mu);
    queries = enc.centerSet(queries, mu);
    synthetic = enc.centerSet(training.vectors, mu);
    if (rewardDocs) rewardDocs = enc.centerSet(rewardDocs, mu);
    log('centred every token vector on the corpus mean');
  }
  const promptDocs = training.docs ? training.docs.offsets.length - 1 : trainDocs.length;
  log(`${training.kind}: ${owner.length} training queries for ${promptDocs} training documents`);
  const secEncode = now() - t;

  // ---------------------------------------------------------------- train
  t = now();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const tr = require('../train') as typeof import('../train');
  const config: Partial<TrainConfig> = { seed, ...o.config };
  const resolved = tr.resolveTrainConfig(config);
  const steps = resolved.steps;
  log(`training: ${steps} GRPO steps on ${promptDocs} documents`);
  let lastLog = 0;
  const run = await tr.train({
    docs: rewardDocs ?? docs, queries: synthetic, queryOwner: owner, trainDocs: rewardDocs ? undefined : trainDocs,
    config, outDir: o.policyOut, resume: o.resume,
    progress: o.progress,
    log: (m) => {
      if (m.evalReward !== undefined || m.step === steps || now() - lastLog > 15) {
        lastLog = now();
        log(`step ${m.step}/${steps}: reward ${m.rewardMean.toFixed(3)}${m.evalReward !== undefined ? `, greedy ${m.evalReward.toFixed(3)}` : ''}, keep ${m.keepRatio.toFixed(2)}, ${m.secondsPerStep.toFixed(2)} s/step`);
      }
    },
  });
  const secTrain = now() - t;
  const policyDir = o.policyOut ? path.join(o.policyOut, 'policy') : undefined;

  // ---------------------------------------------------------------- eval
  t = now();
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const pol = require('../policy') as typeof import('../policy');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ev = require('../eval') as typeof import('../eval');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { getKernels } = require('../kernels') as typeof import('../kernels');
  const kernels = getKernels();
  const pool = run.config.pool;
  // keep-logits once per corpus, then any selection rule
  const logitCache = new Map<MultiVectorSet, Float32Array>();
  const logitsOf = async (set: MultiVectorSet) => {
    let z = logitCache.get(set);
    if (!z) { z = await pol.keepLogitsAsync(run.policy, set); logitCache.set(set, z); }
    return z;
  };
  const compressWith = (sel: import('../policy').SelectOptions) => async (set: MultiVectorSet) => {
    const masks = pol.selectMasks(await logitsOf(set), set.offsets, sel);
    return kernels.poolMaskedAsync({ docs: set, masks, groups: 1, mode: pool, normalize: true });
  };
  const methods = [...(o.methods ?? ev.DEFAULT_EVAL_METHODS), 'reinpool'];
  const evaluation = await ev.evaluate({
    docs, queries, qrels, methods, reinpool: compressWith({}), runsDir: o.runs, kernels, onProgress: log,
  });
  // keep statistics of the default (p > 0.5) selection
  const z = await logitsOf(docs);
  const masks = pol.selectMasks(z, docs.offsets, {});
  let kept = 0;
  for (let i = 0; i < masks.length; i++) kept += masks[i];
  const budgets: BudgetPoint[] = [];
  for (const k of o.budgets ?? [1, 2, 4, 8, 16, 32]) {
    const r = await ev.evaluate({
      docs, queries, qrels, kernels,
      methods: [ev.reinpoolMethod(compressWith({ select: 'topk', topK: k }), { name: `reinpool-top${k}` })],
    });
    budgets.push({ vectorsKept: k, ndcg3: r.methods[`reinpool-top${k}`]['ndcg@3'] });
  }
  const secEval = now() - t;

  const json: ExperimentJson = {
    dataset,
    split,
    docs: evaluation.docs,
    queries: evaluation.queries,
    dim: evaluation.dim,
    vectorsPerDoc: evaluation.vectorsPerDoc,
    methods: evaluation.methods,
    recoveryNdcg3: evaluation.recoveryNdcg3,
    compression: evaluation.compression,
    seconds: { encode: secEncode, train: secTrain, eval: secEval },
    seed,
    trainDocs: trainDocs.length,
    promptDocs,
    syntheticQueries: owner.length,
    trainQueries: training.kind,
    centered: Boolean(o.center),
    queryNormalize: run.config.queryNormalize,
    reinpoolKeptPerDoc: kept / nDocs,
    reinpoolBudgets: budgets,
    train: {
      steps: run.step,
      seconds: run.seconds,
      config: run.config,
      firstReward: run.history[0]?.rewardMean,
      lastReward: run.history[run.history.length - 1]?.rewardMean,
      greedyReward: [...run.history].reverse().find((m) => m.evalReward !== undefined)?.evalReward,
    },
    methodInfo: evaluation.methodInfo,
    backend: evaluation.backend,
    ...o.extra,
  };
  if (o.json) writeJson(o.json, json);
  let report: string | undefined;
  if (o.report) {
    const r = ev.writeReport(o.report, evaluation, {
      title: o.title ?? `reinpool experiment: ${dataset} (${split})`,
      subtitle: `GloVe 100-d token vectors; ReinPool trained ${run.step} GRPO steps on ${trainDocs.length} documents with ${owner.length} ${training.kind} queries (seed ${seed}); `
        + `the default selection keeps ${(kept / nDocs).toFixed(1)} of ${evaluation.vectorsPerDoc.toFixed(1)} vectors per document on average. `
        + `Seconds: encode ${secEncode.toFixed(1)}, train ${secTrain.toFixed(1)}, eval ${secEval.toFixed(1)}.`,
      reinpoolBudgets: budgets,
      commands: o.commands,
    });
    report = r.report;
  }
  run.policy.dispose?.();
  return { json, evaluation, budgets, report, policyDir };
}
