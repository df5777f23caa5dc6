/**
 * `reinpool experiment` and `reinpool demo` as a function: the stages in order.
 *
 *   data       read the BEIR folder; token vectors (GloVe, or --encoder use) of the corpus and of the judged queries.
 *              Or, for a corpus of token vectors without text or queries (`vectors`), the self-query
 *              fidelity task: each document a query against the others, full MaxSim the reference
 *              (eval/fidelity.ts), with span queries of the vectors as the training set
 *   training   the training set (inverse-cloze or qrels/train.tsv queries), centred with the rest
 *   train      GRPO on the training set's prompts (src/train)
 *   evaluate   every method on the FULL corpus against the split's queries and qrels (src/eval),
 *              then ReinPool's keep-budget sweep
 *   write      the experiment JSON, TREC runs and the Markdown/SVG report
 */
import * as path from 'path';
import { dropStopVectors, findStopVectors } from '../encode/stopvectors';
import { savePolicy, tfBackendInfo } from '../policy';
import { resolvePolicyOptions } from '../policy/config';
import type { SelectOptions } from '../policy';
import { writePreprocess } from '../policy/preprocess';
import { DEFAULT_EVAL_METHODS, evaluate, poolMethod, reinpoolMethod, writeReport } from '../eval';
import type { BudgetPoint, EvaluationResult, FidelityGrading, Method, MethodMetrics, MetricName } from '../eval';
import type { MultiVectorSet } from '../kernels/types';
import type { EncoderName } from '../encode';
import { writeJsonAtomic } from '../io/json';
import { getKernels } from '../kernels';
import { resolveTrainConfig, stepLogger, train } from '../train';
import { trainContrastive } from '../train/contrastive';
import type { TrainConfig } from '../train';
import { budgetSweep, DEFAULT_BUDGETS } from './budgets';
import { describeDropped, whatTheSelectionDrops } from './dropped';
import { EXPERIMENT_DEFAULTS } from './presets';
import { gapClosed, greedySelectionVectors } from './ceilings';
import { policyCompressor } from './compressor';
import { loadExperimentData, loadSelfQueryData } from './data';
import { chooseCandidate, describeChoice, ensembleCandidates, sharedHoldOut } from './query-choice';
import type { Candidate, QueryChoice, QueryEnsemble } from './query-choice';
import { buildTrainingSet, centerExperiment, dropQueryStopVectors, labelByMaxSim, trainingPlan } from './training-set';
import type { SingleSource, TrainingSet, TrainingSetOptions, TrainLabels } from './training-set';

export interface ExperimentOptions extends Omit<TrainingSetOptions, 'seed' | 'source'> {
  /** the BEIR folder: corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv (or `vectors`) */
  beir?: string;
  /**
   * instead of `beir`: a corpus of token vectors (e.g. a user's ColBERT index) without text or
   * queries, evaluated by the self-query fidelity check (eval/fidelity.ts) and trained on span
   * queries cut out of its own documents (encode/spans.ts); centring is off unless `center` is given
   */
  vectors?: MultiVectorSet;
  /** with `beir`: the text encoder of documents and of test and synthetic queries (default 'glove') */
  encoder?: EncoderName;
  /** the encoder's cache directory (default $REINPOOL_CACHE_DIR or ~/.cache/reinpool) */
  cacheDir?: string;
  /** with `vectors`: MaxSim neighbours judged per document (default 10) and their grading (default 'rank') */
  judged?: number;
  grading?: FidelityGrading;
  /** dataset name in the JSON (default: the folder name) */
  dataset?: string;
  /** the qrels split evaluated (default 'test') */
  split?: string;
  /** seed of the document sample, the synthetic queries and training (default 0) */
  seed?: number;
  /**
   * training queries: 'auto' (default: titles where most documents have one, else 'lead'),
   * 'choose' (a policy per generator of CHOICE_SOURCES, the one that gains most on the others'
   * held-out documents kept: query-choice.ts), 'ensemble' (the mean of those policies' keep-logits,
   * one MLP; one-layer MLP policies only), 'ict', 'keywords',
   * 'lead', 'title', or 'train' the dataset's qrels/train.tsv queries
   */
  trainQueries?: TrainingSetOptions['source'];
  /**
   * subtract the corpus mean token vector from every token vector before training and evaluation;
   * every method sees the centred vectors (default true: EXPERIMENT_DEFAULTS)
   */
  center?: boolean;
  /** training hyper-parameters (seed defaults to `seed`) */
  config?: Partial<TrainConfig>;
  /** methods evaluated besides reinpool (default: evaluate()'s default set) */
  methods?: string[];
  /** ReinPool top-k budgets for the budget chart (default 1,2,4,8,16,32; [] for none) */
  budgets?: number[];
  /** where the trained policy (and checkpoints) go; default: kept in memory */
  policyOut?: string;
  resume?: boolean;
  /** output files */
  json?: string;
  runs?: string;
  report?: string;
  /** the report's title and the commands shown in it */
  title?: string;
  commands?: string[];
  /** extra fields merged into the JSON (e.g. how the demo corpus was made) */
  extra?: Record<string, unknown>;
  log?: (msg: string) => void;
  /** training progress bar on stderr (default: when it is a TTY) */
  progress?: boolean;
  /** keep every method's per-query metrics in the evaluation (what the seed summary's paired test needs) */
  perQuery?: boolean;
  /**
   * hold out a share of the training documents (holdOut) and keep the policy's selection only where
   * it beats keeping every vector on them (default true: EXPERIMENT_DEFAULTS; 'choose' always holds out)
   */
  validate?: boolean;
  /**
   * 'grpo' (default: ReinPool) or 'contrastive': the ablation without reinforcement learning
   * (train/contrastive.ts: soft keep-weights trained by gradient descent on the same queries)
   */
  trainer?: 'grpo' | 'contrastive';
  /**
   * the evaluation of an earlier run of the same experiment with another seed: its baselines (every
   * method but reinpool; the seed changes only the training) are copied rather than recomputed
   */
  baselines?: EvaluationResult;
  /** also measure the two ceilings (ceilings.ts; diagnostics that read the test queries) */
  ceilings?: boolean;
  /**
   * remove stop vectors (encode/stopvectors.ts: vectors held by more than this share of the corpus's
   * documents) before ReinPool's policy sees a document, in training and in compression; 1 = off
   * (default EXPERIMENT_DEFAULTS.stopDf).
   * The baseline 'mean-stopfree' (mean pooling of what is left) is evaluated beside it.
   */
  stopDf?: number;
  /**
   * take the vectors held by more than this share of the corpus's documents out of every synthetic
   * training query (training-set.ts dropQueryStopVectors; 1 = off; default
   * EXPERIMENT_DEFAULTS.queryStopDf). Never applied to a dataset's own training queries.
   */
  queryStopDf?: number;
  /**
   * who a synthetic query is relevant to: 'source' (default: EXPERIMENT_DEFAULTS), the document it was
   * made from, or 'maxsim', the training document full MaxSim ranks first for it (training-set.ts
   * labelByMaxSim). Not with trainQueries 'train', whose queries have their judgements.
   */
  trainLabels?: TrainLabels;
  /**
   * with trainLabels 'maxsim': each query is owned by each of full MaxSim's first maxsimDepth training
   * documents, one copy of the query per document (default 1: its first document alone)
   */
  maxsimDepth?: number;
}

/** A ceiling's metrics and the share of the mean-pooling-to-ceiling gap (NDCG@3) that ReinPool closes. */
export interface CeilingResult {
  metrics: MethodMetrics;
  gapClosed?: number;
}

export interface ExperimentJson {
  dataset: string;
  split: string;
  docs: number;
  queries: number;
  dim: number;
  vectorsPerDoc: number;
  /** the text encoder's id (absent for a corpus of vectors) */
  encoder?: string;
  methods: EvaluationResult['methods'];
  /** diagnostics, not methods: see ceilings.ts */
  ceilings?: Record<string, CeilingResult>;
  /** with perQuery: each query's NDCG@3 per method (what the seed summary's paired test reads) */
  perQueryNdcg3?: { queryIds: string[]; methods: Record<string, number[]> };
  /**
   * the metric the seed summary tests ReinPool against mean pooling on (absent: ndcg@3); when it is
   * another, perQueryPrimary holds each query's value of it, as perQueryNdcg3 does for NDCG@3
   */
  primaryMetric?: MetricName;
  perQueryPrimary?: { queryIds: string[]; methods: Record<string, number[]> };
  recoveryNdcg3: Record<string, number>;
  compression: Record<string, number>;
  seconds: { encode: number; train: number; eval: number };
  [extra: string]: unknown;
}

export interface ExperimentResult {
  json: ExperimentJson;
  evaluation: EvaluationResult;
  budgets: BudgetPoint[];
  report?: string;
  policyDir?: string;
}

const now = () => Number(process.hrtime.bigint()) / 1e9;

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  const log = o.log ?? (() => undefined);
  if ((o.beir === undefined) === (o.vectors === undefined)) throw new RangeError('experiment: give beir (a BEIR folder) or vectors (a corpus of token vectors), one of them');
  if (o.vectors && o.ceilings) throw new RangeError('ceilings: they read test queries, which a corpus of vectors does not have');
  const selfQueries = o.vectors !== undefined;
  const split = selfQueries ? 'self-queries' : o.split ?? 'test';
  const seed = o.seed ?? 0;
  const dataset = o.dataset ?? (o.beir !== undefined ? path.basename(path.resolve(o.beir)) : 'vectors');
  const primaryMetric: MetricName = selfQueries ? 'ndcg@10' : 'ndcg@3';
  // every option is checked before anything is read or encoded
  const config = resolveTrainConfig({ seed, ...o.config });
  const trainLabels = o.trainLabels ?? EXPERIMENT_DEFAULTS.trainLabels;
  if (trainLabels !== 'source' && trainLabels !== 'maxsim') throw new RangeError(`trainLabels must be 'source' or 'maxsim', got '${String(trainLabels)}'`);
  if (trainLabels === 'maxsim' && o.trainQueries === 'train') throw new RangeError("trainLabels 'maxsim': not with trainQueries 'train' (the dataset's own queries have their judgements)");
  const maxsimDepth = o.maxsimDepth ?? EXPERIMENT_DEFAULTS.maxsimDepth;
  if (maxsimDepth !== 1 && trainLabels !== 'maxsim') throw new RangeError(`maxsimDepth ${maxsimDepth}: only with trainLabels 'maxsim'`);

  // ---------------------------------------------------------------- data, training set
  let t = now();
  const raw = o.vectors ? await loadSelfQueryData(o.vectors, { judged: o.judged, grading: o.grading }, log) : await loadExperimentData(o.beir!, split, log, { encoder: o.encoder, cacheDir: o.cacheDir });
  let data = raw;
  // one training set, or one per candidate generator when the run chooses among them (query-choice.ts)
  const plan = trainingPlan(raw, { source: o.trainQueries, trainDocIds: o.trainDocIds });
  const { sources } = plan;
  const choosing = sources.length > 1;
  // the mean of policies is one MLP only for one-layer MLPs (policy/ensemble.ts)
  const policyKind = resolvePolicyOptions(config.policy);
  const mergeable = policyKind.type === 'mlp' && policyKind.layers === 1;
  if (plan.combine === 'ensemble' && !mergeable) {
    throw new RangeError(`train-queries ensemble: averages one-layer MLP policies, not a ${policyKind.layers}-layer ${policyKind.type}; use choose`);
  }
  let sets: { source: SingleSource; training: TrainingSet }[] = [];
  for (const source of sources) {
    try {
      sets.push({ source, training: await buildTrainingSet(raw, { ...o, source, seed }) });
    } catch (e) {
      const msg = (e as Error).message;
      if (!choosing) {
        // lead without being asked for: say that it is the default and what else trains
        if (source === 'lead' && o.trainQueries !== 'lead') throw new Error(`${msg} (lead words are the default where a corpus has no titles; --train-queries keywords keeps its queries in their documents)`, { cause: e });
        throw e;
      }
      log(`query choice: no ${source} candidate (${msg})`);
    }
  }
  if (sets.length === 0) throw new Error(`train-queries ${String(o.trainQueries)}: none of ${sources.join(', ')} gives a training query`);
  let center: Float32Array | undefined;
  // the fidelity reference is MaxSim on the vectors as given, so by default every method sees those
  if (o.center ?? (selfQueries ? false : EXPERIMENT_DEFAULTS.center)) {
    sets = sets.map((st) => {
      let training: TrainingSet;
      ({ data, training, mean: center } = centerExperiment(raw, st.training));
      return { ...st, training };
    });
    log('centred every token vector on the corpus mean');
  }
  const { docs, queries, qrels } = data;
  const stopDf = o.stopDf ?? EXPERIMENT_DEFAULTS.stopDf;
  const stop = stopDf < 1 ? findStopVectors(docs, stopDf) : undefined;
  if (stop) {
    sets = sets.map((st) => ({ ...st, training: { ...st.training, docs: dropStopVectors(st.training.docs, stop) } }));
    log(`stop vectors: ${stop.df.length} vectors held by more than ${stopDf} of the documents, removed before the policy`);
  }
  // a dataset's own training queries are real queries: left as they are
  const queryStopDf = o.trainQueries === 'train' ? 1 : o.queryStopDf ?? EXPERIMENT_DEFAULTS.queryStopDf;
  if (queryStopDf < 1) {
    sets = sets.map((st) => {
      const { training, removed } = dropQueryStopVectors(st.training, docs, queryStopDf);
      log(`synthetic queries: the ${removed} vectors held by more than ${queryStopDf} of the documents taken out of them`);
      return { ...st, training };
    });
  }
  const kernels = getKernels();
  const relabelled: Record<string, number> = {};
  if (trainLabels === 'maxsim') {
    sets = sets.map((st) => {
      const { training, changed } = labelByMaxSim(st.training, kernels, maxsimDepth);
      relabelled[st.source] = changed;
      log(`${st.source} queries: ${changed} of ${st.training.owner.length} owned by another document than their own, the one MaxSim ranks first`
        + (maxsimDepth > 1 ? `; each owned by MaxSim's first ${maxsimDepth} documents (${training.owner.length} query copies)` : ''));
      return { ...st, training };
    });
  }
  for (const st of sets) log(`${st.training.kind}: ${st.training.owner.length} training queries for ${st.training.prompts.length} training documents`);
  const secEncode = now() - t;

  // ---------------------------------------------------------------- train
  t = now();
  // the held-out documents are the same corpus documents for every candidate
  const held = choosing || (o.validate ?? EXPERIMENT_DEFAULTS.validate)
    ? sharedHoldOut(sets.map((st) => st.training), seed)
    : sets.map((st) => ({ train: st.training.prompts, validation: new Int32Array(0) }));
  const trainer = o.trainer === 'contrastive' ? trainContrastive : train;
  const candidates: Candidate[] = [];
  for (const [i, { source, training: ts }] of sets.entries()) {
    log(`training${choosing ? ` (${plan.combine === 'choose' ? 'query choice' : plan.combine}, ${source})` : ''}: ${config.steps} GRPO steps on ${held[i].train.length} documents`);
    const run = await trainer({
      docs: ts.docs, queries: ts.queries, queryOwner: ts.owner, trainDocs: held[i].train, validationDocs: held[i].validation.length ? held[i].validation : undefined,
      config, outDir: o.policyOut && (choosing ? path.join(o.policyOut, 'candidates', source) : o.policyOut), resume: o.resume, progress: o.progress,
      log: stepLogger(log, config.steps),
    });
    candidates.push({ source, training: ts, run, validation: held[i].validation });
  }
  let choice: QueryChoice | undefined;
  let ensemble: QueryEnsemble | undefined;
  if (plan.combine === 'choose') {
    choice = chooseCandidate(candidates, kernels);
    describeChoice(choice).forEach((line) => log(line));
  } else if (plan.combine === 'ensemble') {
    ensemble = ensembleCandidates(candidates, kernels);
    log(`ensemble: the mean of the ${sources.join(', ')} policies closes ${(100 * ensemble.gain).toFixed(1)}% of the gap from keeping every vector to a perfect reward on their held-out documents (`
      + ensemble.judged.map((v) => `${v.by} ${v.policyReward.toFixed(4)} vs ${v.keepAllReward.toFixed(4)}`).join(', ') + ')');
  }
  const picked = candidates[choice?.chosen ?? 0];
  const { training } = picked;
  // the ensemble is a new policy; the candidates' runs give its config and training record
  const run = ensemble ? { ...picked.run, policy: ensemble.policy, validation: undefined } : picked.run;
  for (const c of candidates) if (c.run.policy !== run.policy) c.run.policy.dispose();
  const promptDocs = training.prompts.length;
  const secTrain = now() - t;
  // the policy's selection is kept only if it beats keeping every vector on held-out training documents
  const keepAll = choice ? choice.keepAll : ensemble ? ensemble.keepAll : run.validation !== undefined && !(run.validation.policyReward > run.validation.keepAllReward);
  if (run.validation) {
    const v = run.validation;
    log(`validation on ${v.docs} held-out training documents: reward ${v.policyReward.toFixed(4)} (policy, keeps ${(100 * v.keepRatio).toFixed(0)}%) vs ${v.keepAllReward.toFixed(4)} (every vector)`
      + (keepAll ? ': the policy does not help here, ReinPool keeps every vector (after stop vectors)' : ''));
  }
  if (ensemble && keepAll) log('ensemble: the mean policy does not help on the held-out documents, ReinPool keeps every vector (after stop vectors)');
  const select: SelectOptions = keepAll ? { select: 'ratio', ratio: 1 } : {};
  if (choosing && o.policyOut) savePolicy(run.policy, path.join(o.policyOut, 'policy'));
  // what `reinpool compress --policy` must do to a corpus before this policy sees it
  if (o.policyOut) writePreprocess(path.join(o.policyOut, 'policy'), { center, stop, keepAll });

  // ---------------------------------------------------------------- evaluate
  t = now();
  const { queryReduce, pool } = run.config;
  const compressor = policyCompressor(run.policy, pool, kernels, stop);
  const stopFree: Method[] = stop ? [{ name: 'mean-stopfree', index: (set, k) => poolMethod('mean', { queryReduce }).index(dropStopVectors(set, stop), k) }] : [];
  const evaluation = await evaluate({
    docs, queries, qrels, queryReduce, kernels, runsDir: o.runs, onProgress: log, selfQueries,
    methods: [...(o.methods ?? DEFAULT_EVAL_METHODS), ...stopFree, 'reinpool'], reinpool: compressor.with(select), perQuery: o.perQuery,
    reuse: o.baselines && { from: o.baselines, methods: Object.keys(o.baselines.methods).filter((m) => m !== 'reinpool') },
  });
  const masks = await compressor.masks(docs, select);
  let kept = 0;
  for (let i = 0; i < masks.length; i++) kept += masks[i];
  const nDocs = docs.offsets.length - 1;
  // masks are over the vectors of `docs`, which keep raw's order (centring moves no vector)
  const dropped = 'corpus' in raw && raw.docs.rows ? whatTheSelectionDrops(raw.docs.rows, docs.offsets, masks, raw.encoder.token) : undefined;
  if (dropped) describeDropped(dropped).forEach((line) => log(line));
  const budgets = await budgetSweep({ docs, queries, qrels, compressor, budgets: o.budgets ?? DEFAULT_BUDGETS, queryReduce, kernels, selfQueries });
  let ceilings: Record<string, CeilingResult> | undefined;
  if (o.ceilings) {
    // the test-query policy: the same training with the split's own queries as the synthetic queries
    if (!('corpus' in raw)) throw new RangeError('ceilings: not with vectors');
    let oracle = await buildTrainingSet(raw, { ...o, source: 'train', querySplit: split, seed, trainDocs: undefined });
    if (center) oracle = centerExperiment(raw, oracle).training;
    if (stop) oracle = { ...oracle, docs: dropStopVectors(oracle.docs, stop) };
    log(`ceiling: training on the ${oracle.owner.length} test queries themselves`);
    const oracleRun = await trainer({ docs: oracle.docs, queries: oracle.queries, queryOwner: oracle.owner, trainDocs: oracle.prompts, config, log: false, progress: false });
    const greedy = greedySelectionVectors(docs, queries, qrels, queryReduce);
    const c = await evaluate({
      docs, queries, qrels, queryReduce, kernels,
      methods: [
        reinpoolMethod(policyCompressor(oracleRun.policy, pool, kernels, stop).with({}), { name: 'testQueryPolicy', queryReduce }),
        reinpoolMethod(() => greedy, { name: 'greedySelection', queryReduce }),
      ],
    });
    oracleRun.policy.dispose();
    const m = evaluation.methods;
    ceilings = {};
    for (const [name, metrics] of Object.entries(c.methods)) {
      ceilings[name] = { metrics, gapClosed: gapClosed(m.reinpool['ndcg@3'], m.mean?.['ndcg@3'] ?? NaN, metrics['ndcg@3']) };
    }
  }
  const secEval = now() - t;

  // ---------------------------------------------------------------- write
  const json: ExperimentJson = {
    dataset,
    split,
    docs: evaluation.docs,
    queries: evaluation.queries,
    dim: evaluation.dim,
    vectorsPerDoc: evaluation.vectorsPerDoc,
    ...('encoder' in raw ? { encoder: raw.encoder.id } : {}),
    methods: evaluation.methods,
    ceilings,
    recoveryNdcg3: evaluation.recoveryNdcg3,
    compression: evaluation.compression,
    seconds: { encode: secEncode, train: secTrain, eval: secEval },
    seed,
    trainDocs: training.sampled,
    promptDocs,
    syntheticQueries: training.owner.length,
    trainQueries: choice ? `${training.kind}: chosen of ${sources.join(', ')} on the others' held-out documents`
      : ensemble ? `the mean of the ${sources.join(', ')} policies' keep-logits` : training.kind,
    queryChoice: choice,
    queryEnsemble: ensemble && { sources: ensemble.sources, judged: ensemble.judged, gain: ensemble.gain, keepAll: ensemble.keepAll },
    selfQueries: 'judged' in raw ? { judged: raw.judged, grading: raw.grading, reference: 'maxsim', center: center !== undefined, hubness: raw.hubness } : undefined,
    trainer: o.trainer ?? 'grpo',
    centered: center !== undefined,
    stopVectors: stop ? { maxDf: stopDf, count: stop.df.length } : undefined,
    queryStopDf: queryStopDf < 1 ? queryStopDf : undefined,
    trainLabels: trainLabels === 'maxsim' ? { labels: trainLabels, relabelled, ...(maxsimDepth > 1 ? { depth: maxsimDepth } : {}) } : trainLabels,
    queryNormalize: run.config.queryNormalize,
    queryReduce,
    reinpoolKeptPerDoc: kept / nDocs,
    dropped,
    validation: run.validation,
    selection: keepAll ? `keep-all (the policy did not beat it on held-out training documents${choice ? ' of the other generators' : ''})` : 'policy',
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
    // training's floating-point order depends on it: a seed reproduces its run on the same tfjs backend
    tfBackend: tfBackendInfo()?.backend,
    perQueryNdcg3: evaluation.perQuery && {
      queryIds: evaluation.perQuery.queryIds,
      methods: Object.fromEntries(Object.entries(evaluation.perQuery.methods).map(([n, m]) => [n, m['ndcg@3']])),
    },
    ...(primaryMetric !== 'ndcg@3' ? {
      primaryMetric,
      perQueryPrimary: evaluation.perQuery && {
        queryIds: evaluation.perQuery.queryIds,
        methods: Object.fromEntries(Object.entries(evaluation.perQuery.methods).map(([n, m]) => [n, m[primaryMetric]])),
      },
    } : {}),
    ...o.extra,
  };
  if (o.json) writeJsonAtomic(o.json, json);
  let report: string | undefined;
  if (o.report) {
    report = writeReport(o.report, evaluation, {
      title: o.title ?? `reinpool experiment: ${dataset} (${split})`,
      subtitle: `${selfQueries ? `self-query fidelity check (each document against the other ${evaluation.docs - 1}; MaxSim's top ${'judged' in raw ? raw.judged : ''} as the judgements)` : 'encoder' in raw && raw.encoder.name === 'use' ? `USE lite ${raw.encoder.dim}-d per-piece token vectors` : 'GloVe 100-d token vectors'}; ReinPool trained ${run.step} GRPO steps on ${training.sampled} documents with ${training.owner.length} ${training.kind} queries (seed ${seed}); `
        + `the default selection keeps ${(kept / nDocs).toFixed(1)} of ${evaluation.vectorsPerDoc.toFixed(1)} vectors per document on average. `
        + `Seconds: encode ${secEncode.toFixed(1)}, train ${secTrain.toFixed(1)}, eval ${secEval.toFixed(1)}.`,
      reinpoolBudgets: budgets,
      commands: o.commands,
    }).report;
  }
  run.policy.dispose();
  return { json, evaluation, budgets, report, policyDir: o.policyOut ? path.join(o.policyOut, 'policy') : undefined };
}
